/*
 * lib/clock_calc.h - the arithmetic and the decisions behind TSC calibration.
 *
 * The kernel reads CPUID leaves and free-running counters; everything it
 * then concludes lives here so the host tests can hold it to the specs:
 *   - CPUID 15H (TSC/crystal ratio) and 16H (base MHz): Intel SDM Vol. 2A, CPUID;
 *   - the hypervisor timing leaf 0x40000010 (TSC kHz in EAX, APIC bus kHz in
 *     EBX), offered by VMware and by KVM (Linux Documentation/virt/kvm/x86/cpuid.rst,
 *     QEMU's vmware-cpuid-freq) and seen on AWS Nitro (DESIGN.md §6);
 *   - the ACPI PM timer, 3.579545 MHz, 24 or 32 bits (ACPI 6.5 §4.8.3.3);
 *   - the HPET main counter, period in femtoseconds (IA-PC HPET 1.0a §2.3.7.1);
 *   - the 8254 PIT, 1.193182 MHz, 16 bits, counting down.
 */
#ifndef CAPROCK_LIB_CLOCK_CALC_H
#define CAPROCK_LIB_CLOCK_CALC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In order of trust: the first usable one calibrates, the next usable one cross-checks. */
enum clock_source {
	CLOCK_SRC_CPUID,
	CLOCK_SRC_HYPERVISOR,
	CLOCK_SRC_ACPI_PM,
	CLOCK_SRC_HPET,
	CLOCK_SRC_PIT,
	CLOCK_SRC_COUNT,
	CLOCK_SRC_NONE = CLOCK_SRC_COUNT,
};

#define CLOCK_PM_TIMER_HZ	3579545ull
#define CLOCK_PIT_HZ		1193182ull
#define HPET_MAX_PERIOD_FS	100000000u	/* 100 ns: the slowest clock the HPET spec allows */
#define CPUID_HV_TIMING_LEAF	0x40000010u

/* Sources that disagree by more than this are reported (parts per million). */
#define CLOCK_CROSSCHECK_TOLERANCE_PPM	20000u	/* 2 % */

/* "cpuid", "hypervisor", "acpi-pm", "hpet", "pit"; "none" for CLOCK_SRC_NONE. */
const char *clock_source_name(enum clock_source s);
/* The inverse, on a span that need not be NUL-terminated; CLOCK_SRC_NONE if unknown. */
enum clock_source clock_source_from_name(const char *p, size_t n);

/*
 * TSC Hz from CPUID 15H: crystal Hz (ECX) * numerator (EBX) / denominator
 * (EAX).  0 when any of the three is not enumerated (0): the crystal is then
 * model-specific and we do not guess it.
 */
uint64_t clock_cpuid15_tsc_hz(uint32_t eax, uint32_t ebx, uint32_t ecx);
/* TSC Hz from CPUID 16H EAX[15:0] (base frequency in MHz); 0 if not enumerated. */
uint64_t clock_cpuid16_tsc_hz(uint32_t eax);

/*
 * Does the hypervisor named by CPUID 0x40000000 (signature EBX,ECX,EDX as
 * 12 bytes, max leaf EAX) offer the timing leaf 0x40000010?  Only those
 * known to define it (KVM, VMware) and only if their max leaf reaches it.
 */
bool clock_hypervisor_has_timing_leaf(const char sig[12], uint32_t max_leaf);

/* b - a for a counter of the given width (bits 1..32) that may have wrapped once. */
uint32_t clock_counter_delta(uint32_t a, uint32_t b, unsigned int bits);

/* HPET counter Hz from COUNTER_CLK_PERIOD (fs); 0 if the period is 0 or above 100 ns. */
uint64_t clock_hpet_hz(uint32_t period_fs);

/* ticks * ref_hz / ref_ticks without overflow; 0 if ref_ticks is 0 or the result exceeds 64 bits. */
uint64_t clock_scale(uint64_t ticks, uint64_t ref_hz, uint64_t ref_ticks);

/* A TSC rate an x86-64 machine can have: 100 MHz .. 20 GHz (catches a PIT that "ticks" wrongly). */
bool clock_tsc_hz_plausible(uint64_t hz);

/* |a - b| / a in parts per million, saturating at UINT32_MAX; a == 0 gives UINT32_MAX. */
uint32_t clock_deviation_ppm(uint64_t a, uint64_t b);

/*
 * The order in which to try sources.  With forced == CLOCK_SRC_NONE it is
 * the order of trust; otherwise forced comes first and the others follow in
 * trust order (they can only cross-check).  Returns the count (CLOCK_SRC_COUNT).
 */
unsigned int clock_try_order(enum clock_source forced, enum clock_source out[CLOCK_SRC_COUNT]);

/* What calibration settled on; fed one source at a time in clock_try_order. */
struct clock_pick {
	enum clock_source cp_forced;	/* CLOCK_SRC_NONE: any source may calibrate */
	enum clock_source cp_primary;	/* calibrates; CLOCK_SRC_NONE until one is usable */
	uint64_t cp_primary_hz;
	enum clock_source cp_check;	/* cross-checks; CLOCK_SRC_NONE if no second source */
	uint64_t cp_check_hz;
	bool cp_forced_failed;		/* the forced source was tried and was unusable */
};

void clock_pick_init(struct clock_pick *p, enum clock_source forced);
/*
 * Offer source s with its TSC estimate (0 = unusable or implausible).
 * Returns true once nothing more is needed: a primary and a cross-check,
 * or a forced source that failed.
 */
bool clock_pick_offer(struct clock_pick *p, enum clock_source s, uint64_t tsc_hz);
/* After the last offer: did the cross-check agree within CLOCK_CROSSCHECK_TOLERANCE_PPM? */
bool clock_pick_agrees(const struct clock_pick *p, uint32_t *deviation_ppm);

#endif
