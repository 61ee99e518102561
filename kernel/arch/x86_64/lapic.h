/*
 * kernel/arch/x86_64/lapic.h - the local APIC (xAPIC, MMIO) and its timer.
 */
#ifndef CAPROCK_ARCH_LAPIC_H
#define CAPROCK_ARCH_LAPIC_H

#include <stdint.h>

/* phys: from the MADT (0 = take it from IA32_APIC_BASE). */
void lapic_init(uint64_t phys);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Periodic timer at hz on VECTOR_TIMER; calibrated against the TSC clock. */
void lapic_timer_start(uint32_t hz);

#endif
