/*
 * kernel/core/clock.h - the monotonic clock every timeout uses.
 *
 * clock_init calibrates the TSC against the most trusted reference that
 * exists (lib/clock_calc.h: CPUID, the hypervisor leaf, the ACPI PM timer,
 * the HPET, the PIT), cross-checks it against the next one, and measures
 * the local APIC timer against the same reference.  Without a usable
 * reference it reports an error and the clock stays uncalibrated: never a
 * guessed rate.
 */
#ifndef CAPROCK_CORE_CLOCK_H
#define CAPROCK_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/clock_calc.h"

#define NSEC_PER_MSEC ((uint64_t)1000000)
#define NSEC_PER_SEC ((uint64_t)1000000000)

/*
 * Calibrate (forced: a clock.source= choice, CLOCK_SRC_NONE for the order
 * of trust).  Needs acpi_init and lapic_init first.  Returns 0, or
 * CR_ENODEV with an error line when no reference (or not the forced one)
 * is usable.
 */
int clock_init(enum clock_source forced);
/* Calibrated?  Until then clock_ns() is 0 and waits must bound themselves otherwise. */
bool clock_ready(void);
/* Nanoseconds since clock_init; monotonic. */
uint64_t clock_ns(void);
struct start_clock;
/* What a process needs to compute clock_ns() itself from RDTSC (include/abi/start_info.h). */
void clock_export(struct start_clock *out);
uint64_t clock_tsc_hz(void);
enum clock_source clock_source(void);
/* Local APIC timer ticks per second at divide-by-16 (0 if not measured). */
uint64_t clock_lapic_timer_hz(void);
/* Busy-wait; only for short hardware settle times during bring-up. */
void clock_delay_us(uint64_t us);

#endif
