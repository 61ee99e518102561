/*
 * kernel/arch/x86_64/ioapic.h - I/O APICs from the MADT.
 */
#ifndef CAPROCK_ARCH_IOAPIC_H
#define CAPROCK_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

void ioapic_init(void);
/*
 * Route a GSI to vector on the boot CPU and unmask it: in remappable
 * format where an IOMMU remaps this I/O APIC's interrupts
 * (kernel/iommu/irq_remap.h), else compatibility format.  CR_ENODEV if no
 * IOAPIC has it, CR_ERANGE if a compatibility-format entry cannot name the
 * boot CPU's APIC id (8 bits), or the remapping error.
 */
int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low);
void ioapic_mask(uint32_t gsi);
/* The MADT ids of the I/O APICs in use (at most max); returns how many. */
unsigned ioapic_ids(uint8_t *ids, unsigned max);
/* Write every open pin again, in the format remapping now asks for (after it was turned on or off). */
void ioapic_reprogram(void);
/* GSI of an ISA IRQ, honouring MADT interrupt source overrides. */
uint32_t ioapic_isa_gsi(uint8_t irq, bool *level, bool *active_low);

#endif
