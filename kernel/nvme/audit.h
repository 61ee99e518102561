/*
 * kernel/nvme/audit.h - the release audit of what a provider could see.
 */
#ifndef CAPROCK_NVME_AUDIT_H
#define CAPROCK_NVME_AUDIT_H

#include <stdbool.h>

#include "kernel/nvme/nvme_ctrl.h"

/* Scan the provider's pool for manager physical addresses; a find is an error line (the run fails). */
bool nvme_audit_provider_memory(struct nvme_ctrl *c);

#endif
