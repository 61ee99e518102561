/*
 * kernel/nvme/manager.h - binding NVMe controllers and handing them to providers.
 */
#ifndef CAPROCK_NVME_MANAGER_H
#define CAPROCK_NVME_MANAGER_H

#include "include/abi/nvme_broker.h"
#include "kernel/dma/dma_select.h"
#include "kernel/nvme/nvme_ctrl.h"

/*
 * Map, identify and wire up d with staging_bytes of staging pages (0: the
 * default); scan (if any) reads what it needs while the manager holds the
 * controller.  NULL (with an error line) if it cannot be driven.  In a
 * kworker its waits on the device park (kernel/core/kworker.h).
 * fault_rdy_late_ms: fault.rdy_late for this controller from its first
 * enable on (0: none).
 */
struct nvme_ctrl *nvme_bind(struct pci_dev *d, const struct dma_selection *sel, uint64_t staging_bytes,
			    nvme_bind_scan_fn scan, void *scan_ctx, uint32_t fault_rdy_late_ms);

/* nvme.timeout_ms=: a command older than this is looked at (0: the surface's policy, lib/nvme_timeout.h). */
void nvme_set_timeout_ms(uint32_t ms);
/* nvme.irq=: the interrupt kinds (PCI_IRQ_ALLOW_*) later binds may use; 0 = any, best first. */
void nvme_set_irq_kinds(unsigned int allow);

/*
 * A provider restart (supervise.c): the manager's own IDENTIFY again, the
 * controller disabled before and after; 0 or an error (with a line).
 */
int nvme_reidentify(struct nvme_ctrl *c);

/*
 * Hot-removal, with its provider already gone: shut the controller down
 * (CC.SHN, then CC.EN=0 and RDY=0), or, if it vanished, touch nothing; free
 * what the device could target only once it is proven quiet or gone (else
 * bus mastering off and the memory kept).  Sessions may still hold the
 * controller; its release then frees only the objects.  True if freed.
 */
bool nvme_detach(struct nvme_ctrl *c);

/* SYS_NVME_ENABLE: the manager enables the controller on the provider's shadow admin queue. */
int nvme_provider_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req);
/* The provider's one register write: CC.EN = 0. */
void nvme_provider_reset(struct nvme_ctrl *c);
/* Send c's interrupts to CPU cpu (its provider's); prints "nvme: interrupts steered ...". */
void nvme_irq_steer(struct nvme_ctrl *c, unsigned int cpu);

#endif
