/*
 * tests/host/test_apic_mode.c - host tests for lib/apic_mode.c: xAPIC or
 * x2APIC (CPUID, firmware's choice, DMAR opt-out, APIC ids above 255), the
 * timer mode, and which destinations an 8-bit MSI/I/O APIC message reaches.
 * QEMU 10.0's TCG offers x2APIC (the QEMU matrix runs both modes) but no
 * TSC-deadline timer, and no machine here has APIC ids above 255, so those
 * decisions are only exercised here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/apic_mode.h"

#define UNUSED __attribute__((unused))

static void test_xapic_when_cpu_lacks_x2apic(void **state UNUSED)
{
	struct apic_mode_facts f = { .cpu_has_x2apic = false, .max_apic_id = 3 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_XAPIC);
	assert_string_equal(c.reason, "cpu-lacks-x2apic");
	assert_false(c.ids_above_8bit);
	assert_false(c.high_ids_unaddressable);
	assert_string_equal(apic_mode_name(c.mode), "xapic");
}

static void test_x2apic_when_offered(void **state UNUSED)
{
	struct apic_mode_facts f = { .cpu_has_x2apic = true, .max_apic_id = 3 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_X2APIC);
	assert_string_equal(c.reason, "cpu-offers-x2apic");
	assert_string_equal(apic_mode_name(c.mode), "x2apic");
}

static void test_firmware_x2apic_is_kept(void **state UNUSED)
{
	/* Even with the DMAR opt-out: leaving x2APIC is not something to do at boot. */
	struct apic_mode_facts f = { .cpu_has_x2apic = true, .firmware_enabled_x2apic = true,
				     .dmar_x2apic_opt_out = true, .max_apic_id = 0 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_X2APIC);
	assert_string_equal(c.reason, "firmware-enabled");
}

static void test_dmar_opt_out_respected_for_small_ids(void **state UNUSED)
{
	struct apic_mode_facts f = { .cpu_has_x2apic = true, .dmar_x2apic_opt_out = true, .max_apic_id = 7 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_XAPIC);
	assert_string_equal(c.reason, "dmar-x2apic-opt-out");
}

static void test_dmar_opt_out_overridden_by_high_ids(void **state UNUSED)
{
	/* A 448-vCPU type: ids above 255 exist only for x2APIC. */
	struct apic_mode_facts f = { .cpu_has_x2apic = true, .dmar_x2apic_opt_out = true, .max_apic_id = 447 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_X2APIC);
	assert_true(c.ids_above_8bit);
	assert_false(c.high_ids_unaddressable);
}

static void test_high_ids_without_x2apic_reported(void **state UNUSED)
{
	struct apic_mode_facts f = { .cpu_has_x2apic = false, .max_apic_id = 300 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	assert_int_equal(c.mode, APIC_MODE_XAPIC);
	assert_true(c.ids_above_8bit);
	assert_true(c.high_ids_unaddressable);
}

static void test_boundary_ids(void **state UNUSED)
{
	struct apic_mode_facts f = { .cpu_has_x2apic = false, .max_apic_id = 254 };

	assert_false(apic_choose_mode(&f).ids_above_8bit);
	f.max_apic_id = 255;	/* 0xff is the xAPIC broadcast id, not a CPU one can name */
	assert_true(apic_choose_mode(&f).ids_above_8bit);
}

static void test_dest_reachable(void **state UNUSED)
{
	assert_true(apic_dest_reachable_8bit(0));
	assert_true(apic_dest_reachable_8bit(254));
	assert_false(apic_dest_reachable_8bit(255));
	assert_false(apic_dest_reachable_8bit(256));
	assert_false(apic_dest_reachable_8bit(0xffffffffu));
}

static void test_requests(void **state UNUSED)
{
	struct apic_mode_facts f = { .request = APIC_REQ_XAPIC, .cpu_has_x2apic = true, .max_apic_id = 3 };
	struct apic_mode_choice c = apic_choose_mode(&f);

	/* apic.mode=xapic on an x2APIC CPU: honoured (a way round a broken x2APIC path). */
	assert_int_equal(c.mode, APIC_MODE_XAPIC);
	assert_string_equal(c.reason, "requested");
	assert_false(c.request_refused);

	/* ... but not once firmware has switched to x2APIC. */
	f.firmware_enabled_x2apic = true;
	c = apic_choose_mode(&f);
	assert_int_equal(c.mode, APIC_MODE_X2APIC);
	assert_true(c.request_refused);

	/* apic.mode=x2apic without the CPU feature: refused, xAPIC kept. */
	f = (struct apic_mode_facts){ .request = APIC_REQ_X2APIC, .cpu_has_x2apic = false };
	c = apic_choose_mode(&f);
	assert_int_equal(c.mode, APIC_MODE_XAPIC);
	assert_true(c.request_refused);
	f.cpu_has_x2apic = true;
	f.dmar_x2apic_opt_out = true;	/* an explicit request wins over the opt-out */
	c = apic_choose_mode(&f);
	assert_int_equal(c.mode, APIC_MODE_X2APIC);
	assert_false(c.request_refused);
}

static void test_timer_mode(void **state UNUSED)
{
	bool refused = true;

	assert_int_equal(apic_choose_timer(true, APIC_REQ_AUTO, &refused), APIC_TIMER_TSC_DEADLINE);
	assert_false(refused);
	assert_int_equal(apic_choose_timer(false, APIC_REQ_AUTO, NULL), APIC_TIMER_PERIODIC);
	assert_int_equal(apic_choose_timer(true, APIC_REQ_PERIODIC, &refused), APIC_TIMER_PERIODIC);
	assert_false(refused);
	assert_int_equal(apic_choose_timer(true, APIC_REQ_TSC_DEADLINE, &refused), APIC_TIMER_TSC_DEADLINE);
	assert_false(refused);
	assert_int_equal(apic_choose_timer(false, APIC_REQ_TSC_DEADLINE, &refused), APIC_TIMER_PERIODIC);
	assert_true(refused);
	assert_string_equal(apic_timer_mode_name(APIC_TIMER_TSC_DEADLINE), "tsc-deadline");
	assert_string_equal(apic_timer_mode_name(APIC_TIMER_PERIODIC), "periodic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xapic_when_cpu_lacks_x2apic),
		cmocka_unit_test(test_x2apic_when_offered),
		cmocka_unit_test(test_firmware_x2apic_is_kept),
		cmocka_unit_test(test_dmar_opt_out_respected_for_small_ids),
		cmocka_unit_test(test_dmar_opt_out_overridden_by_high_ids),
		cmocka_unit_test(test_high_ids_without_x2apic_reported),
		cmocka_unit_test(test_boundary_ids),
		cmocka_unit_test(test_dest_reachable),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_timer_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
