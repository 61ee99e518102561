/*
 * kernel/iommu/irq_remap.h - interrupt remapping as the code that
 * programs interrupt sources sees it (kernel/pci/msi.c, the I/O APIC).
 *
 * Where an IOMMU remaps interrupts (VT-d 3.3 §5.1: kernel/iommu/vtd/
 * irq_remap.c), a source's message names an entry of the unit's table,
 * and the entry names the vector and destination the kernel chose and the
 * requester id allowed to use it.  Where none does, the caller programs a
 * compatibility-format message itself.
 */
#ifndef CAPROCK_IOMMU_IRQ_REMAP_H
#define CAPROCK_IOMMU_IRQ_REMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/pci/pci.h"

/* An entry given out, to hand back with irq_remap_free; ir_unit < 0: none. */
struct irq_remap_handle {
	int ir_unit;
	uint16_t ir_index;
};

#define IRQ_REMAP_NONE ((struct irq_remap_handle){ -1, 0 })

/*
 * The MSI/MSI-X message for device d on vector (fixed delivery to this
 * CPU), validated against d's requester id.  0 with *addr, *data and *h;
 * CR_ENOENT if d's unit does not remap interrupts (program compatibility
 * format); another error if it does but no entry could be made.
 */
int irq_remap_msi(const struct pci_dev *d, uint8_t vector, uint32_t *addr, uint32_t *data,
		  struct irq_remap_handle *h);

/*
 * The redirection entry (both halves) for a pin of the I/O APIC with MADT
 * id ioapic_id, validated against its DMAR source id.  0, CR_ENOENT (no
 * remapping for it), or another error.
 */
int irq_remap_ioapic(uint8_t ioapic_id, uint8_t vector, bool level, bool active_low, uint64_t *rte,
		     struct irq_remap_handle *h);

/* Send h's interrupts to apic_id from now on (entry rewritten, its cache entry invalidated). */
int irq_remap_retarget(const struct irq_remap_handle *h, uint32_t apic_id);

void irq_remap_free(struct irq_remap_handle *h);

#endif
