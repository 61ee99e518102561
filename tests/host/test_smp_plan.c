/*
 * tests/host/test_smp_plan.c - host tests for lib/smp_plan.c (which
 * processors are started, and the bounded wait for each) and
 * lib/apic_icr.c (the INIT, STARTUP and NMI messages).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/apic_icr.h"
#include "lib/smp_plan.h"

#define UNUSED __attribute__((unused))

static struct acpi_madt_info madt;
static struct smp_plan plan;

static void add(uint32_t apic_id, bool enabled)
{
	madt.cpu_apic_ids[madt.ncpus] = apic_id;
	madt.cpu_enabled[madt.ncpus] = enabled;
	madt.ncpus++;
}

static void reset(void)
{
	memset(&madt, 0, sizeof(madt));
	memset(&plan, 0xa5, sizeof(plan));
}

static void test_every_enabled_ap_is_started(void **state UNUSED)
{
	reset();
	for (uint32_t i = 0; i < 4; i++)
		add(i, true);
	smp_plan_make(&madt, 0, true, 0, 64, &plan);
	assert_int_equal(plan.n, 4);
	assert_true(plan.bsp_listed);
	assert_int_equal(plan.nstart, 3);
	assert_int_equal(plan.e[0].decision, SMP_BSP);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(plan.e[i].decision, SMP_START);
		assert_int_equal(plan.e[i].apic_id, (uint32_t)i);
	}
}

/* The boot CPU need not be first in the MADT, nor id 0. */
static void test_bsp_anywhere(void **state UNUSED)
{
	reset();
	add(4, true);
	add(6, true);
	add(2, true);
	smp_plan_make(&madt, 6, false, 0, 64, &plan);
	assert_int_equal(plan.e[0].decision, SMP_START);
	assert_int_equal(plan.e[1].decision, SMP_BSP);
	assert_int_equal(plan.e[2].decision, SMP_START);
	assert_int_equal(plan.nstart, 2);
}

static void test_online_capable_not_started(void **state UNUSED)
{
	reset();
	add(0, true);
	add(1, true);
	add(2, false);
	add(3, false);
	smp_plan_make(&madt, 0, true, 0, 64, &plan);
	assert_int_equal(plan.nstart, 1);
	assert_int_equal(plan.e[2].decision, SMP_NOT_ENABLED);
	assert_int_equal(plan.e[3].decision, SMP_NOT_ENABLED);
	assert_string_equal(smp_decision_name(SMP_NOT_ENABLED), "online-capable-not-enabled");
}

/* smp.cpus=N counts the boot CPU: 1 starts nothing, 2 starts one AP. */
static void test_smp_cpus_limit(void **state UNUSED)
{
	reset();
	for (uint32_t i = 0; i < 4; i++)
		add(i, true);
	smp_plan_make(&madt, 0, true, 1, 64, &plan);
	assert_int_equal(plan.nstart, 0);
	for (int i = 1; i < 4; i++)
		assert_int_equal(plan.e[i].decision, SMP_OVER_LIMIT);
	smp_plan_make(&madt, 0, true, 2, 64, &plan);
	assert_int_equal(plan.nstart, 1);
	assert_int_equal(plan.e[1].decision, SMP_START);
	assert_int_equal(plan.e[2].decision, SMP_OVER_LIMIT);
	smp_plan_make(&madt, 0, true, 100, 64, &plan);
	assert_int_equal(plan.nstart, 3);
}

static void test_xapic_cannot_address_high_ids(void **state UNUSED)
{
	reset();
	add(0, true);
	add(254, true);
	add(255, true);
	add(0x1234, true);
	smp_plan_make(&madt, 0, false, 0, 64, &plan);
	assert_int_equal(plan.e[1].decision, SMP_START);
	assert_int_equal(plan.e[2].decision, SMP_UNADDRESSABLE);
	assert_int_equal(plan.e[3].decision, SMP_UNADDRESSABLE);
	smp_plan_make(&madt, 0, true, 0, 64, &plan);
	assert_int_equal(plan.nstart, 3);
}

static void test_per_cpu_table_full(void **state UNUSED)
{
	reset();
	for (uint32_t i = 0; i < 6; i++)
		add(i, true);
	smp_plan_make(&madt, 0, true, 0, 4, &plan);
	assert_int_equal(plan.nstart, 3);
	assert_int_equal(plan.e[4].decision, SMP_NO_SLOT);
	assert_int_equal(plan.e[5].decision, SMP_NO_SLOT);
}

static void test_bsp_not_listed(void **state UNUSED)
{
	reset();
	add(1, true);
	smp_plan_make(&madt, 0, true, 0, 64, &plan);
	assert_false(plan.bsp_listed);
	assert_int_equal(plan.nstart, 1);
}

/* ------------------------------------------------------------ the wait */

struct fake {
	uint64_t now;		/* ns */
	uint64_t step;		/* each clock read advances by this */
	uint64_t online_at;	/* done() holds from this time on; UINT64_MAX never */
	unsigned int polls;
};

static bool fake_done(void *ctx) { struct fake *f = ctx; f->polls++; return f->now >= f->online_at; }
static uint64_t fake_now(void *ctx) { struct fake *f = ctx; f->now += f->step; return f->now; }

static void test_wait_succeeds_when_the_cpu_arrives(void **state UNUSED)
{
	struct fake f = { 0, 1000, 50000, 0 };
	struct smp_waiter w = { fake_done, fake_now, NULL, &f };
	uint64_t elapsed;

	assert_true(smp_wait(&w, 1000000, &elapsed));
	assert_true(elapsed >= 49000 && elapsed <= 51000);
}

/* A processor that never answers: the wait ends at the deadline, not later, and says so. */
static void test_wait_times_out(void **state UNUSED)
{
	struct fake f = { 0, 1000, UINT64_MAX, 0 };
	struct smp_waiter w = { fake_done, fake_now, NULL, &f };
	uint64_t elapsed;

	assert_false(smp_wait(&w, 1000000, &elapsed));
	assert_true(elapsed >= 1000000);
	assert_true(elapsed < 1000000 + 2000);
	assert_true(f.polls >= 1000);
}

/* Arriving exactly at the deadline counts: done is polled after the last clock read. */
static void test_wait_just_in_time(void **state UNUSED)
{
	struct fake f = { 0, 1000, 1000000 + 1000, 0 };
	struct smp_waiter w = { fake_done, fake_now, NULL, &f };

	assert_true(smp_wait(&w, 1000000, NULL));
}

/* Already online: no clock needed beyond the first read. */
static void test_wait_already_done(void **state UNUSED)
{
	struct fake f = { 0, 1000, 0, 0 };
	struct smp_waiter w = { fake_done, fake_now, NULL, &f };
	uint64_t elapsed = 99;

	assert_true(smp_wait(&w, 0, &elapsed));
	assert_int_equal(elapsed, 0);
	assert_int_equal(f.polls, 1);
}

/* ------------------------------------------------------------ ICR values */

static void test_icr_values(void **state UNUSED)
{
	uint32_t low = 0;

	/* SDM §9.4.4.1's example sequence, without the all-excluding-self shorthand. */
	assert_int_equal(apic_icr_init(), 0x4500);
	assert_true(apic_icr_startup(0x8000, &low));
	assert_int_equal(low, 0x4608);
	assert_true(apic_icr_startup(0x9f000, &low));
	assert_int_equal(low, 0x469f);
	assert_false(apic_icr_startup(0, &low));
	assert_false(apic_icr_startup(0x8800, &low));
	assert_false(apic_icr_startup(0x100000, &low));
	assert_int_equal(apic_icr_nmi(), 0x4400);
	assert_int_equal(apic_icr_xapic_high(3), 0x03000000);
	assert_int_equal(apic_icr_xapic_high(254), 0xfe000000);
	assert_int_equal(apic_icr_x2apic(0x1234, 0x4608), 0x0000123400004608ull);
	assert_int_equal(apic_icr_x2apic(0xffffffffu, 0x4400), 0xffffffff00004400ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_enabled_ap_is_started),
		cmocka_unit_test(test_bsp_anywhere),
		cmocka_unit_test(test_online_capable_not_started),
		cmocka_unit_test(test_smp_cpus_limit),
		cmocka_unit_test(test_xapic_cannot_address_high_ids),
		cmocka_unit_test(test_per_cpu_table_full),
		cmocka_unit_test(test_bsp_not_listed),
		cmocka_unit_test(test_wait_succeeds_when_the_cpu_arrives),
		cmocka_unit_test(test_wait_times_out),
		cmocka_unit_test(test_wait_just_in_time),
		cmocka_unit_test(test_wait_already_done),
		cmocka_unit_test(test_icr_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
