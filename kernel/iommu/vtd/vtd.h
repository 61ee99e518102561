/*
 * kernel/iommu/vtd/vtd.h - the Intel VT-d driver, as the rest of the
 * kernel sees it: bring-up, the "direct-remapping" DMA backend, the
 * positive verification of a domain, and pass-through for devices left
 * on the bounce lane under a translating unit.
 */
#ifndef CAPROCK_IOMMU_VTD_H
#define CAPROCK_IOMMU_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/dma/dma.h"
#include "kernel/pci/pci.h"
#include "lib/acpi_tables.h"
#include "lib/vtd_inval.h"

/* Bring up every unit the DMAR lists (translation stays off); returns how many are usable. */
unsigned vtd_init(const struct acpi_dmar_info *dmar, enum vtd_inval_pref pref);

/* Domains of this backend: one per device, its context entry, its page tables, its IOVA window. */
extern const struct dma_backend dma_vtd_backend;

/*
 * A DMA the device makes on the verifier's behalf: write len bytes (the
 * device's choice of content) at device address dev_addr, and say whether
 * the command completed.  check() says whether data is what that command
 * writes (NVMe: IDENTIFY CONTROLLER's VID is the PCI vendor id).
 */
struct vtd_probe {
	int (*dma_write)(void *ctx, uint64_t dev_addr, uint32_t len);
	bool (*check)(void *ctx, const uint8_t *data, uint32_t len);
	uint32_t len;			/* bytes one dma_write writes: at most a page */
	void *ctx;
	/*
	 * Make the device write one dword at dev_addr in the interrupt window:
	 * at a page-aligned address (compatibility format), a dword whose
	 * bits 15:0 are data_lo (bits 31:16 the device's; anything else it
	 * writes goes to the end of the mapped page scratch); elsewhere
	 * (remappable format, where the data is ignored) a dword of its own.
	 * 0 once the command completed; CR_ENOSYS if the device cannot.
	 */
	int (*irq_write)(void *ctx, uint64_t scratch, uint64_t dev_addr, uint16_t data_lo);
	bool irq_required;		/* iommu.interrupt_isolation=required */
	const char *irq_isolation;	/* out: "verified" or "unverified" when the DMA steps passed */
};

/*
 * The DMA steps of the positive verification on a vtd domain (the unit
 * and translation steps ran in domain_init): the device's write lands in
 * the page mapped at the probe IOVA and nowhere else; a write to the
 * never-mapped guard IOVA is blocked and the unit records the fault with
 * the device's source id and that address; after it, a write lands again.
 * Then the interrupt-blocked step (verify_irq.c): the device can raise no
 * interrupt it was not given; its outcome goes to p->irq_isolation, and
 * is a failure only when p->irq_required.  Each step prints
 * "iommu: verify step=... result=...".  Returns 0, or CR_EIO with *step
 * and *why naming the first failure.
 */
int vtd_verify_dma(struct dma_domain *d, struct vtd_probe *p, const char **step, const char **why);

/*
 * A device on a unit that translates, but not given a domain (the bounce
 * lane): let its DMA through untranslated (context type pass-through).
 * 0 if that is done or not needed (no unit, or translation off); else an
 * error with *why.
 */
int vtd_bypass(const struct pci_dev *d, const char **why);

/* Is the device behind a unit that is up (so a domain could be tried)? */
bool vtd_covers(const struct pci_dev *d);

#endif
