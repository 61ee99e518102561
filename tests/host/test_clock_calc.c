/*
 * tests/host/test_clock_calc.c - host tests for lib/clock_calc.c: TSC rates
 * from CPUID 15H/16H and the hypervisor timing leaf, counter wrap-around
 * (24/32-bit PM timer, 16-bit PIT, HPET), the order of trust, the forced
 * source and the cross-check between two references.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/clock_calc.h"

#define UNUSED __attribute__((unused))

static void test_names_round_trip(void **state UNUSED)
{
	for (unsigned s = 0; s < CLOCK_SRC_COUNT; s++) {
		const char *n = clock_source_name((enum clock_source)s);
		assert_int_equal(clock_source_from_name(n, strlen(n)), s);
	}
	assert_string_equal(clock_source_name(CLOCK_SRC_ACPI_PM), "acpi-pm");
	assert_string_equal(clock_source_name(CLOCK_SRC_NONE), "none");
	assert_int_equal(clock_source_from_name("acpi", 4), CLOCK_SRC_NONE);
	assert_int_equal(clock_source_from_name("acpi-pmx", 8), CLOCK_SRC_NONE);
	/* A span, not a C string: "hpet" followed by more text. */
	assert_int_equal(clock_source_from_name("hpet pit", 4), CLOCK_SRC_HPET);
	assert_int_equal(clock_source_from_name("", 0), CLOCK_SRC_NONE);
}

static void test_cpuid15(void **state UNUSED)
{
	/* A Skylake-class client: 24 MHz crystal, ratio 176/2 -> 2.112 GHz. */
	assert_int_equal(clock_cpuid15_tsc_hz(2, 176, 24000000), 2112000000ull);
	/* A 25 MHz crystal server part, ratio 168/2. */
	assert_int_equal(clock_cpuid15_tsc_hz(2, 168, 25000000), 2100000000ull);
	/* Crystal not enumerated (ECX = 0): unusable, never a guessed crystal. */
	assert_int_equal(clock_cpuid15_tsc_hz(2, 176, 0), 0);
	assert_int_equal(clock_cpuid15_tsc_hz(0, 176, 24000000), 0);
	assert_int_equal(clock_cpuid15_tsc_hz(2, 0, 24000000), 0);
	/* No overflow with large fields. */
	assert_int_equal(clock_cpuid15_tsc_hz(1, 0xffffffffu, 0xffffffffu), 0xfffffffe00000001ull);
}

static void test_cpuid16(void **state UNUSED)
{
	assert_int_equal(clock_cpuid16_tsc_hz(2100), 2100000000ull);
	/* Bits 31:16 are reserved and ignored. */
	assert_int_equal(clock_cpuid16_tsc_hz(0xabcd0834), 2100000000ull);
	assert_int_equal(clock_cpuid16_tsc_hz(0), 0);
}

static void test_hypervisor_leaf(void **state UNUSED)
{
	static const char kvm[12] = "KVMKVMKVM\0\0";
	static const char vmware[12] = { 'V', 'M', 'w', 'a', 'r', 'e', 'V', 'M', 'w', 'a', 'r', 'e' };
	static const char hyperv[12] = { 'M', 'i', 'c', 'r', 'o', 's', 'o', 'f', 't', ' ', 'H', 'v' };
	static const char xen[12] = { 'X', 'e', 'n', 'V', 'M', 'M', 'X', 'e', 'n', 'V', 'M', 'M' };
	static const char tcg[12] = { 'T', 'C', 'G', 'T', 'C', 'G', 'T', 'C', 'G', 'T', 'C', 'G' };

	/* Nitro: KVM signature, max leaf reaching 0x40000010. */
	assert_true(clock_hypervisor_has_timing_leaf(kvm, 0x40000010));
	assert_true(clock_hypervisor_has_timing_leaf(kvm, 0x40000011));
	assert_true(clock_hypervisor_has_timing_leaf(vmware, 0x40000010));
	/* KVM without the leaf (QEMU without vmware-cpuid-freq): max leaf 0x40000001. */
	assert_false(clock_hypervisor_has_timing_leaf(kvm, 0x40000001));
	/* Hypervisors whose 0x40000010 means something else, or nothing. */
	assert_false(clock_hypervisor_has_timing_leaf(hyperv, 0x4000000b));
	assert_false(clock_hypervisor_has_timing_leaf(hyperv, 0x40000010));
	assert_false(clock_hypervisor_has_timing_leaf(xen, 0x40000010));
	assert_false(clock_hypervisor_has_timing_leaf(tcg, 0x40000010));
	/* No hypervisor leaves at all: CPUID returns the highest basic leaf's data. */
	assert_false(clock_hypervisor_has_timing_leaf(kvm, 0x0000000d));
	assert_false(clock_hypervisor_has_timing_leaf(kvm, 0x80000008));
}

static void test_counter_delta(void **state UNUSED)
{
	/* 24-bit PM timer across its wrap. */
	assert_int_equal(clock_counter_delta(0xfffff0, 0x000010, 24), 0x20);
	assert_int_equal(clock_counter_delta(0x000100, 0x000200, 24), 0x100);
	/* Stray high bits from a 24-bit read do not leak into the delta. */
	assert_int_equal(clock_counter_delta(0xff000005, 0x00000007, 24), 2);
	/* 32-bit PM timer (TMR_VAL_EXT) and HPET low half. */
	assert_int_equal(clock_counter_delta(0xfffffff0u, 0x10, 32), 0x20);
	assert_int_equal(clock_counter_delta(5, 5, 32), 0);
	/* The PIT, read inverted so that it counts up, across its 16-bit wrap. */
	assert_int_equal(clock_counter_delta(0xfffe, 0x0003, 16), 5);
}

static void test_hpet_hz(void **state UNUSED)
{
	/* QEMU's HPET: 10 ns period -> 100 MHz. */
	assert_int_equal(clock_hpet_hz(10000000u), 100000000ull);
	/* A 14.318 MHz chipset HPET: 69841279 fs. */
	assert_int_equal(clock_hpet_hz(69841279u), 14318179ull);	/* truncated, not rounded */
	assert_int_equal(clock_hpet_hz(HPET_MAX_PERIOD_FS), 10000000ull);
	assert_int_equal(clock_hpet_hz(HPET_MAX_PERIOD_FS + 1), 0);
	assert_int_equal(clock_hpet_hz(0), 0);
	assert_int_equal(clock_hpet_hz(0xffffffffu), 0);
}

static void test_scale(void **state UNUSED)
{
	/* 50 ms of PM timer (178977 ticks) against 105 M TSC cycles: 2.1 GHz. */
	uint64_t hz = clock_scale(105000000ull, CLOCK_PM_TIMER_HZ, 178977);
	assert_true(hz > 2099900000ull && hz < 2100100000ull);
	assert_int_equal(clock_scale(1, 1, 0), 0);
	/* No 64-bit overflow in the product. */
	assert_int_equal(clock_scale(1ull << 40, 1ull << 40, 1ull << 40), 1ull << 40);
	/* A result beyond 64 bits is refused, not wrapped. */
	assert_int_equal(clock_scale(UINT64_MAX, 4, 1), 0);
	assert_int_equal(clock_scale(UINT64_MAX, 4, 4), UINT64_MAX);
	/* Exact where the 128-bit product matters: (2^63+1) * 3 / 2. */
	assert_true(clock_scale((1ull << 63) + 1, 3, 2) == 13835058055282163713ull);
	assert_int_equal(clock_scale(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
	assert_int_equal(clock_scale(123456789, 1000000007, 1000000007), 123456789);
	/* A divisor above 2^63 exercises the carry out of the remainder. */
	assert_int_equal(clock_scale(UINT64_MAX - 1, UINT64_MAX - 1, UINT64_MAX), UINT64_MAX - 2);
}

static void test_plausible(void **state UNUSED)
{
	/* The bug this guards against: a PIT that "ticked" instantly gave 2.58 MHz. */
	assert_false(clock_tsc_hz_plausible(2584200ull));
	assert_true(clock_tsc_hz_plausible(2100000000ull));
	assert_true(clock_tsc_hz_plausible(100000000ull));
	assert_false(clock_tsc_hz_plausible(99999999ull));
	assert_false(clock_tsc_hz_plausible(20000000001ull));
	assert_false(clock_tsc_hz_plausible(0));
}

static void test_deviation(void **state UNUSED)
{
	assert_int_equal(clock_deviation_ppm(2100000000ull, 2100000000ull), 0);
	assert_int_equal(clock_deviation_ppm(2000000000ull, 2020000000ull), 10000);
	assert_int_equal(clock_deviation_ppm(2000000000ull, 1980000000ull), 10000);
	assert_int_equal(clock_deviation_ppm(0, 5), UINT32_MAX);
	assert_int_equal(clock_deviation_ppm(1, UINT64_MAX), UINT32_MAX);
}

static void test_try_order(void **state UNUSED)
{
	enum clock_source o[CLOCK_SRC_COUNT];

	assert_int_equal(clock_try_order(CLOCK_SRC_NONE, o), CLOCK_SRC_COUNT);
	assert_int_equal(o[0], CLOCK_SRC_CPUID);
	assert_int_equal(o[1], CLOCK_SRC_HYPERVISOR);
	assert_int_equal(o[2], CLOCK_SRC_ACPI_PM);
	assert_int_equal(o[3], CLOCK_SRC_HPET);
	assert_int_equal(o[4], CLOCK_SRC_PIT);

	assert_int_equal(clock_try_order(CLOCK_SRC_HPET, o), CLOCK_SRC_COUNT);
	assert_int_equal(o[0], CLOCK_SRC_HPET);
	assert_int_equal(o[1], CLOCK_SRC_CPUID);
	assert_int_equal(o[2], CLOCK_SRC_HYPERVISOR);
	assert_int_equal(o[3], CLOCK_SRC_ACPI_PM);
	assert_int_equal(o[4], CLOCK_SRC_PIT);
}

/* Feed sources in try order with the given estimates; returns how many were offered. */
static unsigned run_pick(struct clock_pick *p, enum clock_source forced, const uint64_t hz[CLOCK_SRC_COUNT])
{
	enum clock_source o[CLOCK_SRC_COUNT];
	unsigned n = clock_try_order(forced, o), i;

	clock_pick_init(p, forced);
	for (i = 0; i < n; i++) {
		if (clock_pick_offer(p, o[i], hz[o[i]]))
			return i + 1;
	}
	return n;
}

static void test_pick_nitro(void **state UNUSED)
{
	struct clock_pick p;
	/* Nitro: no CPUID 15H crystal, hypervisor leaf, PM timer; broken PIT, no HPET. */
	const uint64_t hz[CLOCK_SRC_COUNT] = { 0, 2499998000ull, 2500011000ull, 0, 2584200ull };
	uint32_t dev;

	assert_int_equal(run_pick(&p, CLOCK_SRC_NONE, hz), 3);	/* the PIT is never even tried */
	assert_int_equal(p.cp_primary, CLOCK_SRC_HYPERVISOR);
	assert_int_equal(p.cp_primary_hz, 2499998000ull);
	assert_int_equal(p.cp_check, CLOCK_SRC_ACPI_PM);
	assert_true(clock_pick_agrees(&p, &dev));
	assert_int_equal(dev, 5);
}

static void test_pick_q35_without_pit_or_hpet(void **state UNUSED)
{
	struct clock_pick p;
	const uint64_t hz[CLOCK_SRC_COUNT] = { 0, 0, 2100000000ull, 0, 0 };
	uint32_t dev = 99;

	assert_int_equal(run_pick(&p, CLOCK_SRC_NONE, hz), CLOCK_SRC_COUNT);
	assert_int_equal(p.cp_primary, CLOCK_SRC_ACPI_PM);
	assert_int_equal(p.cp_check, CLOCK_SRC_NONE);
	assert_true(clock_pick_agrees(&p, &dev));	/* nothing to disagree with */
	assert_int_equal(dev, 0);
}

static void test_pick_disagreement(void **state UNUSED)
{
	struct clock_pick p;
	/* A PM timer and an HPET 5 % apart: reported, the more trusted one kept. */
	const uint64_t hz[CLOCK_SRC_COUNT] = { 0, 0, 2000000000ull, 2100000000ull, 0 };
	uint32_t dev;

	run_pick(&p, CLOCK_SRC_NONE, hz);
	assert_int_equal(p.cp_primary, CLOCK_SRC_ACPI_PM);
	assert_int_equal(p.cp_check, CLOCK_SRC_HPET);
	assert_false(clock_pick_agrees(&p, &dev));
	assert_int_equal(dev, 50000);
}

static void test_pick_implausible_skipped(void **state UNUSED)
{
	struct clock_pick p;
	/* Only a lying PIT: no usable source at all. */
	const uint64_t hz[CLOCK_SRC_COUNT] = { 0, 0, 0, 0, 2584200ull };

	run_pick(&p, CLOCK_SRC_NONE, hz);
	assert_int_equal(p.cp_primary, CLOCK_SRC_NONE);
	assert_int_equal(p.cp_check, CLOCK_SRC_NONE);
	assert_false(p.cp_forced_failed);
}

static void test_pick_forced(void **state UNUSED)
{
	struct clock_pick p;
	const uint64_t hz[CLOCK_SRC_COUNT] = { 2100000000ull, 0, 2100000500ull, 2099999000ull, 2100001000ull };

	run_pick(&p, CLOCK_SRC_PIT, hz);
	assert_int_equal(p.cp_primary, CLOCK_SRC_PIT);
	assert_int_equal(p.cp_check, CLOCK_SRC_CPUID);	/* cross-checked by the most trusted other */
	assert_true(clock_pick_agrees(&p, NULL));
}

static void test_pick_forced_unavailable(void **state UNUSED)
{
	struct clock_pick p;
	/* clock.source=hpet on a machine without one: a failure, no silent fallback. */
	const uint64_t hz[CLOCK_SRC_COUNT] = { 0, 0, 2100000000ull, 0, 0 };

	assert_int_equal(run_pick(&p, CLOCK_SRC_HPET, hz), 1);
	assert_true(p.cp_forced_failed);
	assert_int_equal(p.cp_primary, CLOCK_SRC_NONE);
}

static void test_pick_same_source_never_checks_itself(void **state UNUSED)
{
	struct clock_pick p;

	clock_pick_init(&p, CLOCK_SRC_NONE);
	assert_false(clock_pick_offer(&p, CLOCK_SRC_HPET, 2000000000ull));
	assert_false(clock_pick_offer(&p, CLOCK_SRC_HPET, 2000000000ull));
	assert_int_equal(p.cp_check, CLOCK_SRC_NONE);
	assert_true(clock_pick_offer(&p, CLOCK_SRC_PIT, 2000000000ull));
	assert_int_equal(p.cp_check, CLOCK_SRC_PIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_cpuid15),
		cmocka_unit_test(test_cpuid16),
		cmocka_unit_test(test_hypervisor_leaf),
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_hpet_hz),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_plausible),
		cmocka_unit_test(test_deviation),
		cmocka_unit_test(test_try_order),
		cmocka_unit_test(test_pick_nitro),
		cmocka_unit_test(test_pick_q35_without_pit_or_hpet),
		cmocka_unit_test(test_pick_disagreement),
		cmocka_unit_test(test_pick_implausible_skipped),
		cmocka_unit_test(test_pick_forced),
		cmocka_unit_test(test_pick_forced_unavailable),
		cmocka_unit_test(test_pick_same_source_never_checks_itself),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
