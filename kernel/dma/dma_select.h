/*
 * kernel/dma/dma_select.h - the once-per-boot choice of DMA lane.
 *
 * Policy (DESIGN.md §1): direct remapping where an IOMMU is positively
 * verified, else the brokered bounce buffer.  Verification needs a
 * device, so it runs per controller at bind (kernel/nvme/manager.c):
 * dma_select() brings the IOMMU up and makes remapping the candidate; the
 * first controller bound on the candidate verifies it, and that outcome
 * is the boot's policy outcome, printed once as the "dma: backend
 * selection" line.  After a failed first verification every later
 * controller takes the bounce lane; after a verified one each later
 * controller is verified in its own domain too, and one that fails falls
 * back alone (its "nvme: bound ... lane=" line says so).
 *
 * Verification covers interrupts too (kernel/iommu/vtd/verify_irq.c): by
 * default (iommu.interrupt_isolation=required) a controller whose device
 * could still raise interrupts it was not given stays on the bounce lane
 * (reason=no-interrupt-remapping or interrupt-isolation-unverified); with
 * optional it takes the direct lane once its DMA isolation verified, and
 * the selection line says interrupt_isolation=unverified.
 */
#ifndef CAPROCK_DMA_DMA_SELECT_H
#define CAPROCK_DMA_DMA_SELECT_H

#include <stdbool.h>

#include "include/abi/device.h"
#include "kernel/dma/dma.h"
#include "kernel/pci/pci.h"
#include "lib/cmdline.h"

struct dma_selection {
	enum dma_lane ds_lane;			/* the candidate lane */
	const struct dma_backend *ds_backend_ops;	/* makes each controller's domain */
	const char *ds_backend;		/* "bounce-buffer" or "direct-remapping" */
	const char *ds_iommu;		/* "none", "intel-vtd" */
	bool ds_verified;		/* an IOMMU passed its probe (known once the line is printed) */
	const char *ds_reason;
	bool ds_ok;			/* false: the forced choice cannot be honoured */
	enum dma_backend_choice ds_choice;
	enum irq_isolation_choice ds_irq_isolation;
	enum dma_bounce_choice ds_bounce;	/* the bounce lane: data in place where the device can reach it, or staged */
};

#define DMA_POLICY "direct-remapping-if-verified-else-bounce-buffer"

/* Decide what can be decided before any device is touched; prints the line unless a verification is pending. */
struct dma_selection dma_select(const struct boot_options *o);

/*
 * The backend to try for device d: the remapping candidate while the
 * policy still allows it and an IOMMU unit covers d, else bounce.
 */
const struct dma_backend *dma_lane_backend(const struct dma_selection *sel, const struct pci_dev *d);

/* d goes on the bounce lane: make sure an IOMMU that translates lets its DMA through.  0 or an error line. */
int dma_lane_prepare_bounce(const struct pci_dev *d, const char *bdf);

/* Must a controller's interrupt isolation be verified before it takes the direct lane? */
bool dma_lane_irq_isolation_required(void);

/* The candidate was verified on bdf, interrupts "verified" or "unverified" (prints the selection line the first time). */
void dma_lane_verified(const char *bdf, const char *irq_isolation);

/*
 * Verification on bdf failed at step for why.  Returns true if the device
 * may fall back to bounce (policy auto), false if remapping was forced
 * (an error line says so).  Prints the selection line the first time.
 */
bool dma_lane_failed(const char *bdf, const char *step, const char *why);

/* No controller got as far as verifying: print the pending line now. */
void dma_select_finish(void);

#endif
