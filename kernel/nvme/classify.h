/*
 * kernel/nvme/classify.h - cloud-shape classification of a bound controller.
 */
#ifndef CAPROCK_NVME_CLASSIFY_H
#define CAPROCK_NVME_CLASSIFY_H

#include "kernel/nvme/nvme_ctrl.h"

/* Print the classification lines for c (DESIGN.md §2). */
void nvme_classify(struct nvme_ctrl *c);

#endif
