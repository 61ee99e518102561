/*
 * kernel/core/clock.h - the monotonic clock every timeout uses.
 */
#ifndef CAPROCK_CORE_CLOCK_H
#define CAPROCK_CORE_CLOCK_H

#include <stdint.h>

#define NSEC_PER_MSEC ((uint64_t)1000000)
#define NSEC_PER_SEC ((uint64_t)1000000000)

/* Calibrate the TSC (PIT channel 2, else CPUID 0x15/0x16). */
void clock_init(void);
/* Nanoseconds since clock_init; monotonic. */
uint64_t clock_ns(void);
/* Busy-wait; only for short hardware settle times during bring-up. */
void clock_delay_us(uint64_t us);

#endif
