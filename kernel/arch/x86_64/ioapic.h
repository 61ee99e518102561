/*
 * kernel/arch/x86_64/ioapic.h - I/O APICs from the MADT.
 */
#ifndef CAPROCK_ARCH_IOAPIC_H
#define CAPROCK_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

void ioapic_init(void);
/*
 * Route a GSI to vector on the boot CPU and unmask it; CR_ENODEV if no
 * IOAPIC has it, CR_ERANGE if the boot CPU's APIC id does not fit 8 bits.
 */
int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low);
void ioapic_mask(uint32_t gsi);
/* GSI of an ISA IRQ, honouring MADT interrupt source overrides. */
uint32_t ioapic_isa_gsi(uint8_t irq, bool *level, bool *active_low);

#endif
