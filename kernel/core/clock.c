/*
 * kernel/core/clock.c - TSC-based monotonic time, calibrated at boot.
 *
 * The decisions (which source, when to stop, whether two agree) are in
 * lib/clock_calc.c; this file reads the hardware.  The counting references
 * (PM timer, HPET, PIT) are measured the same way: wait until the counter
 * has advanced CALIBRATE_MS worth of ticks, and take the TSC on both sides
 * of the first and last counter read, keeping the sample whose two TSC
 * reads are closest (a vCPU preempted between them would otherwise skew
 * the result).  Every loop is bounded by TSC cycles, since until the end
 * of calibration nothing else measures time: a counter that stops is an
 * error line, not a hang.  The local APIC timer counts down during the same
 * window, which calibrates it against the same reference.
 */
#include "kernel/core/clock.h"

#include "include/abi/errors.h"
#include "include/abi/start_info.h"
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/pm_timer.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpu_timing.h"
#include "kernel/arch/x86_64/hpet.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/core/log.h"
#include "lib/fmt.h"

#define CALIBRATE_MS		50ull
#define LAPIC_VS_TSC_MS		10ull
#define BRACKET_TRIES		8
/*
 * Bound on any calibration loop in TSC cycles: 2^33 is 0.43 s at 20 GHz
 * (the fastest TSC clock_tsc_hz_plausible accepts), far beyond a 50 ms window.
 */
#define TSC_GUARD		(1ull << 33)

static uint64_t tsc_hz;
static uint64_t tsc_start;
static uint64_t mult;		/* ns = (ticks * mult) >> 32 */
static bool ready;
static enum clock_source source = CLOCK_SRC_NONE;
static uint64_t lapic_hz;

/* A free-running counter that rises by one per 1/hz s and wraps at 2^bits. */
struct counter_ref {
	uint32_t (*cr_read)(void);
	unsigned int cr_bits;
	uint64_t cr_hz;
};

/* One counter read with the TSC just before and after it. */
struct sample {
	uint64_t s_tsc;		/* midpoint of the bracket */
	uint64_t s_width;	/* TSC cycles the read took */
	uint32_t s_value;
	uint32_t s_lapic;
};

static struct sample take(const struct counter_ref *ref)
{
	uint64_t a = rdtsc();
	uint32_t v = ref->cr_read();
	uint32_t l = lapic_timer_count_read();
	uint64_t b = rdtsc();

	return (struct sample){ a + (b - a) / 2, b - a, v, l };
}

/* Does the counter move at all (a missing device reads as a constant)? */
static bool ticks(const struct counter_ref *ref)
{
	uint32_t v0 = ref->cr_read();
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < TSC_GUARD / 16) {
		if (ref->cr_read() != v0)
			return true;
	}
	return false;
}

/*
 * TSC Hz (and LAPIC timer Hz) across CALIBRATE_MS of ref.  Returns 0 and
 * sets *why when the counter stops advancing.
 */
static uint64_t measure(const struct counter_ref *ref, uint64_t *lapic_out, const char **why)
{
	uint64_t target = ref->cr_hz * CALIBRATE_MS / 1000, elapsed = 0;
	struct sample first, s;

	if (!ticks(ref)) {
		*why = "does-not-tick";
		return 0;
	}
	/*
	 * The start: the tightest of a few brackets.  Counting from the chosen
	 * sample's value stays exact however many reads follow it.
	 */
	lapic_timer_count_start();
	first = take(ref);
	for (int i = 1; i < BRACKET_TRIES; i++) {
		s = take(ref);
		if (s.s_width < first.s_width)
			first = s;
	}
	uint32_t prev = first.s_value;
	while (elapsed < target) {
		uint32_t v = ref->cr_read();
		elapsed += clock_counter_delta(prev, v, ref->cr_bits);
		prev = v;
		if (rdtsc() - first.s_tsc > TSC_GUARD) {
			*why = "stopped-advancing";
			return 0;
		}
	}
	/* The end: again the tightest bracket, its counter delta added in order. */
	struct sample last = { 0, UINT64_MAX, 0, 0 };
	uint64_t last_elapsed = 0;
	for (int i = 0; i < BRACKET_TRIES; i++) {
		s = take(ref);
		elapsed += clock_counter_delta(prev, s.s_value, ref->cr_bits);
		prev = s.s_value;
		if (s.s_width < last.s_width) {
			last = s;
			last_elapsed = elapsed;
		}
	}
	*lapic_out = clock_scale(first.s_lapic - last.s_lapic, ref->cr_hz, last_elapsed);
	return clock_scale(last.s_tsc - first.s_tsc, ref->cr_hz, last_elapsed);
}

/* The LAPIC timer against the (now calibrated) TSC, for sources without a window. */
static uint64_t lapic_vs_tsc(void)
{
	uint64_t span = tsc_hz * LAPIC_VS_TSC_MS / 1000;

	lapic_timer_count_start();
	uint32_t l0 = lapic_timer_count_read();
	uint64_t t0 = rdtsc(), t1;
	while ((t1 = rdtsc()) - t0 < span)
		cpu_relax();
	uint32_t l1 = lapic_timer_count_read();
	return clock_scale(l0 - l1, tsc_hz, t1 - t0);
}

static const char *cpuid_leaf_used = "";	/* which CPUID leaf gave the cpuid source's rate */

static void describe_where(enum clock_source s, char *buf, unsigned n)
{
	if (s == CLOCK_SRC_ACPI_PM)
		pm_timer_describe(buf, n);
	else if (s == CLOCK_SRC_CPUID)
		fmt_snprintf(buf, n, "%s", cpuid_leaf_used);
	else if (s == CLOCK_SRC_HYPERVISOR)
		fmt_snprintf(buf, n, "leaf-40000010h");
	else if (s == CLOCK_SRC_HPET)
		fmt_snprintf(buf, n, "mmio:0x%lx", acpi.hpet.base);
	else
		fmt_snprintf(buf, n, "io:0x42");
}

/* One reference: its TSC estimate (0 = unusable, *why says why) and LAPIC rate if it has one. */
static uint64_t try_source(enum clock_source s, const struct cpu_timing *ct, uint64_t *lapic,
			   const char **why)
{
	struct counter_ref ref;
	uint64_t hz;
	int rc;

	*lapic = 0;
	switch (s) {
	case CLOCK_SRC_CPUID:
		hz = clock_cpuid15_tsc_hz(ct->leaf15_eax, ct->leaf15_ebx, ct->leaf15_ecx);
		if (hz) {
			/* SDM Vol. 3A §11.5.4: with leaf 15H enumerated, the APIC timer runs on the crystal. */
			*lapic = ct->leaf15_ecx / 16;
			cpuid_leaf_used = "leaf-15h";
			return hz;
		}
		hz = clock_cpuid16_tsc_hz(ct->leaf16_eax);
		cpuid_leaf_used = "leaf-16h";
		*why = ct->max_leaf < 0x15 ? "leaves-15h-16h-absent" : "leaves-15h-16h-not-enumerated";
		return hz;
	case CLOCK_SRC_HYPERVISOR:
		if (!ct->hypervisor) {
			*why = "no-hypervisor";
			return 0;
		}
		if (!ct->hv_timing_leaf) {
			*why = "no-timing-leaf";
			return 0;
		}
		*lapic = (uint64_t)ct->hv_apic_bus_khz * 1000 / 16;
		*why = "timing-leaf-zero";
		return (uint64_t)ct->hv_tsc_khz * 1000;
	case CLOCK_SRC_ACPI_PM:
		if (pm_timer_init() < 0) {
			*why = "no-pm-timer";
			return 0;
		}
		ref = (struct counter_ref){ pm_timer_read, pm_timer_bits(), CLOCK_PM_TIMER_HZ };
		return measure(&ref, lapic, why);
	case CLOCK_SRC_HPET:
		if (!acpi.have_hpet) {
			*why = "no-hpet-table";
			return 0;
		}
		if ((rc = hpet_init(acpi.hpet.base)) < 0) {
			*why = rc == CR_EPROTO ? "bad-hpet-period" : "hpet-unmappable";
			return 0;
		}
		ref = (struct counter_ref){ hpet_read, 32, hpet_counter_hz() };
		return measure(&ref, lapic, why);
	case CLOCK_SRC_PIT:
		pit_start();
		ref = (struct counter_ref){ pit_read, 16, CLOCK_PIT_HZ };
		hz = measure(&ref, lapic, why);
		pit_stop();
		return hz;
	default:
		*why = "unknown";
		return 0;
	}
}

int clock_init(enum clock_source forced)
{
	struct cpu_timing ct;
	struct clock_pick pick;
	enum clock_source order[CLOCK_SRC_COUNT];
	unsigned n = clock_try_order(forced, order);

	cpu_timing_read(&ct);
	clock_pick_init(&pick, forced);
	for (unsigned i = 0; i < n; i++) {
		const char *why = "implausible-rate";
		uint64_t lapic = 0;
		uint64_t hz = try_source(order[i], &ct, &lapic, &why);
		bool usable = clock_tsc_hz_plausible(hz);
		char where[32];
		describe_where(order[i], where, sizeof(where));
		if (usable)
			kprintf("clock: reference source=%s result=ok tsc_hz=%lu%s%s", clock_source_name(order[i]),
				hz, where[0] ? " at=" : "", where);
		else
			kprintf("clock: reference source=%s result=unusable reason=%s tsc_hz=%lu",
				clock_source_name(order[i]), hz ? "implausible-rate" : why, hz);
		bool was_primary = pick.cp_primary != CLOCK_SRC_NONE;
		bool done = clock_pick_offer(&pick, order[i], hz);
		if (!was_primary && pick.cp_primary != CLOCK_SRC_NONE)
			lapic_hz = lapic;
		if (done)
			break;
	}
	if (pick.cp_forced_failed) {
		kerror("clock: error forced source=%s is unusable; refusing to guess the TSC rate",
		       clock_source_name(forced));
		return CR_ENODEV;
	}
	if (pick.cp_primary == CLOCK_SRC_NONE) {
		kerror("clock: error no usable reference (tried cpuid hypervisor acpi-pm hpet pit); "
		       "refusing to guess the TSC rate");
		return CR_ENODEV;
	}

	source = pick.cp_primary;
	tsc_hz = pick.cp_primary_hz;
	mult = (NSEC_PER_SEC << 32) / tsc_hz;
	tsc_start = rdtsc();
	ready = true;
	if (!lapic_hz)
		lapic_hz = lapic_vs_tsc();

	uint32_t dev;
	bool agree = clock_pick_agrees(&pick, &dev);
	kprintf("clock: tsc_hz=%lu source=%s crosscheck=%s crosscheck_tsc_hz=%lu deviation_ppm=%u agree=%s "
		"invariant_tsc=%s hypervisor=\"%s\" lapic_timer_hz=%lu",
		tsc_hz, clock_source_name(source), clock_source_name(pick.cp_check), pick.cp_check_hz, dev,
		pick.cp_check == CLOCK_SRC_NONE ? "unchecked" : agree ? "yes" : "no",
		ct.invariant_tsc ? "yes" : "no", ct.hv_signature, lapic_hz);
	if (!agree)
		kprintf("clock: warning references disagree source=%s tsc_hz=%lu crosscheck=%s tsc_hz=%lu "
			"deviation_ppm=%u tolerance_ppm=%u; keeping the more trusted one",
			clock_source_name(source), tsc_hz, clock_source_name(pick.cp_check), pick.cp_check_hz,
			dev, CLOCK_CROSSCHECK_TOLERANCE_PPM);
	return 0;
}

bool clock_ready(void)
{
	return ready;
}

uint64_t clock_ns(void)
{
	if (!ready)
		return 0;
	uint64_t ticks = rdtsc() - tsc_start;

	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

void clock_export(struct start_clock *out)
{
	*out = (struct start_clock){ .sc_tsc_start = tsc_start, .sc_mult = mult, .sc_valid = ready };
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

enum clock_source clock_source(void)
{
	return source;
}

uint64_t clock_lapic_timer_hz(void)
{
	return lapic_hz;
}

void clock_delay_us(uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	if (!ready) {
		/* Only reachable on the way to power-off after a failed calibration: bounded, not timed. */
		for (uint64_t i = 0; i < us * 100; i++)
			cpu_relax();
		return;
	}
	while (clock_ns() < end)
		cpu_relax();
}
