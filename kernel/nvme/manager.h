/*
 * kernel/nvme/manager.h - binding NVMe controllers to the user-mode provider.
 */
#ifndef CAPROCK_NVME_MANAGER_H
#define CAPROCK_NVME_MANAGER_H

#include "kernel/nvme/nvme_ctrl.h"

/* Map, reset-proof and wire up d; NULL (with an error line) if it cannot be driven. */
struct nvme_ctrl *nvme_bind(struct pci_dev *d, const struct dma_selection *sel);

#endif
