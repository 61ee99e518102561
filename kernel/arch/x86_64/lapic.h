/*
 * kernel/arch/x86_64/lapic.h - the local APIC (xAPIC over MMIO or x2APIC
 * over MSRs, chosen by lib/apic_mode.c) and its timer (periodic, or
 * TSC-deadline where the CPU offers it).
 */
#ifndef CAPROCK_ARCH_LAPIC_H
#define CAPROCK_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/apic_mode.h"

/*
 * phys: from the MADT (0 = take it from IA32_APIC_BASE); request: apic.mode=
 * (APIC_REQ_AUTO unless the command line says).  Needs acpi_init first.
 */
void lapic_init(uint64_t phys, enum apic_request request);
/* On an application processor: its local APIC enabled in the boot CPU's mode, every LVT masked. */
void lapic_init_ap(void);
/* Is this CPU's local APIC enabled in x2APIC mode (IA32_APIC_BASE.EN and EXTD)? */
bool lapic_x2apic_enabled_here(void);
/*
 * Send an IPI (icr_low: lib/apic_icr.h) to apic_id.  xAPIC: waits, bounded,
 * until the local APIC accepted it; CR_ETIMEDOUT if it never did.  Needs the
 * calibrated clock.
 */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
void lapic_eoi(void);
/* This CPU's APIC id: 8 bits in xAPIC mode, 32 in x2APIC mode. */
uint32_t lapic_id(void);
enum apic_mode lapic_mode(void);
/* Is an interrupt on vector requested but not yet taken (IRR, SDM Vol. 3A §11.8.4)? */
bool lapic_irr_pending(uint8_t vector);
/*
 * Is vector in service, i.e. did this local APIC deliver it as an interrupt
 * not yet EOI'd (ISR, §11.8.4)?  false before lapic_init.  Read it before
 * any EOI: EOI clears the highest bit set.
 */
bool lapic_isr_set(uint8_t vector);

/* For calibration (kernel/core/clock.c): count down from 2^32-1 at divide-by-16, masked. */
void lapic_timer_count_start(void);
uint32_t lapic_timer_count_read(void);

/* The scheduler tick at hz on VECTOR_TIMER, from the calibrated clock; request: apic.timer=. */
void lapic_timer_start(uint32_t hz, enum apic_request request);
/* An AP's own timer, in the mode and at the rate the boot CPU's runs (after lapic_init_ap). */
void lapic_timer_start_ap(void);
/* From the timer interrupt: re-arm a TSC-deadline timer (nothing to do when periodic). */
void lapic_timer_interrupt(void);

#endif
