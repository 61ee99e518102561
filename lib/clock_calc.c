/*
 * lib/clock_calc.c - TSC calibration arithmetic and source choice (see clock_calc.h).
 */
#include "lib/clock_calc.h"

#include "lib/string.h"

static const char *const names[CLOCK_SRC_COUNT] = {
	[CLOCK_SRC_CPUID] = "cpuid",
	[CLOCK_SRC_HYPERVISOR] = "hypervisor",
	[CLOCK_SRC_ACPI_PM] = "acpi-pm",
	[CLOCK_SRC_HPET] = "hpet",
	[CLOCK_SRC_PIT] = "pit",
};

const char *clock_source_name(enum clock_source s)
{
	return (unsigned)s < CLOCK_SRC_COUNT ? names[s] : "none";
}

enum clock_source clock_source_from_name(const char *p, size_t n)
{
	for (unsigned s = 0; s < CLOCK_SRC_COUNT; s++) {
		if (strlen(names[s]) == n && memcmp(names[s], p, n) == 0)
			return (enum clock_source)s;
	}
	return CLOCK_SRC_NONE;
}

uint64_t clock_cpuid15_tsc_hz(uint32_t eax, uint32_t ebx, uint32_t ecx)
{
	if (eax == 0 || ebx == 0 || ecx == 0)
		return 0;
	return (uint64_t)ecx * ebx / eax;
}

uint64_t clock_cpuid16_tsc_hz(uint32_t eax)
{
	return (uint64_t)(eax & 0xffff) * 1000000ull;
}

bool clock_hypervisor_has_timing_leaf(const char sig[12], uint32_t max_leaf)
{
	/* KVM's signature is "KVMKVMKVM" padded with NULs; VMware defined the leaf first. */
	static const char kvm[12] = { 'K', 'V', 'M', 'K', 'V', 'M', 'K', 'V', 'M', 0, 0, 0 };
	static const char vmware[12] = { 'V', 'M', 'w', 'a', 'r', 'e', 'V', 'M', 'w', 'a', 'r', 'e' };

	if (max_leaf < CPUID_HV_TIMING_LEAF || max_leaf > 0x400000ffu)
		return false;
	return memcmp(sig, kvm, 12) == 0 || memcmp(sig, vmware, 12) == 0;
}

uint32_t clock_counter_delta(uint32_t a, uint32_t b, unsigned int bits)
{
	uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;

	return (b - a) & mask;
}

uint64_t clock_hpet_hz(uint32_t period_fs)
{
	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS)
		return 0;
	return 1000000000000000ull / period_fs;
}

/*
 * a * b / c, exact, by restoring long division of the 128-bit product:
 * the kernel is freestanding, so no __udivti3.  false if c is 0 or the
 * quotient does not fit 64 bits.
 */
static bool muldiv(uint64_t a, uint64_t b, uint64_t c, uint64_t *q_out)
{
	unsigned __int128 n = (unsigned __int128)a * b;
	uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n, q = 0;

	if (c == 0 || hi >= c)
		return false;
	for (int i = 0; i < 64; i++) {
		/* Invariant: hi < c.  Shift one bit of lo into the remainder. */
		bool carry = hi >> 63;
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (carry || hi >= c) {
			hi -= c;
			q |= 1;
		}
	}
	*q_out = q;
	return true;
}

uint64_t clock_scale(uint64_t ticks, uint64_t ref_hz, uint64_t ref_ticks)
{
	uint64_t r;

	return muldiv(ticks, ref_hz, ref_ticks, &r) ? r : 0;
}

bool clock_tsc_hz_plausible(uint64_t hz)
{
	return hz >= 100000000ull && hz <= 20000000000ull;
}

uint32_t clock_deviation_ppm(uint64_t a, uint64_t b)
{
	if (a == 0)
		return UINT32_MAX;
	uint64_t diff = a > b ? a - b : b - a, ppm;

	if (!muldiv(diff, 1000000u, a, &ppm) || ppm > UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)ppm;
}

unsigned int clock_try_order(enum clock_source forced, enum clock_source out[CLOCK_SRC_COUNT])
{
	unsigned n = 0;

	if ((unsigned)forced < CLOCK_SRC_COUNT)
		out[n++] = forced;
	for (unsigned s = 0; s < CLOCK_SRC_COUNT; s++) {
		if ((enum clock_source)s != forced)
			out[n++] = (enum clock_source)s;
	}
	return n;
}

void clock_pick_init(struct clock_pick *p, enum clock_source forced)
{
	*p = (struct clock_pick){
		.cp_forced = (unsigned)forced < CLOCK_SRC_COUNT ? forced : CLOCK_SRC_NONE,
		.cp_primary = CLOCK_SRC_NONE,
		.cp_check = CLOCK_SRC_NONE,
	};
}

bool clock_pick_offer(struct clock_pick *p, enum clock_source s, uint64_t tsc_hz)
{
	bool usable = clock_tsc_hz_plausible(tsc_hz);

	if (p->cp_primary == CLOCK_SRC_NONE) {
		if (p->cp_forced != CLOCK_SRC_NONE && s != p->cp_forced)
			return true;	/* only the forced source may calibrate */
		if (!usable) {
			if (p->cp_forced != CLOCK_SRC_NONE) {
				p->cp_forced_failed = true;
				return true;
			}
			return false;
		}
		p->cp_primary = s;
		p->cp_primary_hz = tsc_hz;
		return false;
	}
	if (!usable || s == p->cp_primary)
		return false;
	p->cp_check = s;
	p->cp_check_hz = tsc_hz;
	return true;
}

bool clock_pick_agrees(const struct clock_pick *p, uint32_t *deviation_ppm)
{
	uint32_t dev = 0;

	if (p->cp_primary != CLOCK_SRC_NONE && p->cp_check != CLOCK_SRC_NONE)
		dev = clock_deviation_ppm(p->cp_primary_hz, p->cp_check_hz);
	if (deviation_ppm)
		*deviation_ppm = dev;
	return dev <= CLOCK_CROSSCHECK_TOLERANCE_PPM;
}
