/*
 * tests/host/test_nvme_cq_flow.c - host tests for lib/nvme_cq_flow.c, the
 * CQ head doorbell decision (NVMe Base 2.0c §3.3.1.2-§3.3.1.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/nvme_cq_flow.h"

#define UNUSED __attribute__((unused))

static void test_nothing_consumed_is_never_due(void **state UNUSED)
{
	assert_false(nvme_cq_head_due(1024, 7, 7, 1022));
	assert_false(nvme_cq_head_due(16, 0, 0, 15));
}

static void test_low_depth_waits(void **state UNUSED)
{
	/* QD1: one consumed entry, one command in flight: no doorbell yet. */
	assert_false(nvme_cq_head_due(1024, 1, 0, 1));
	assert_false(nvme_cq_head_due(1024, 511, 0, 1));
}

static void test_half_the_queue_is_due(void **state UNUSED)
{
	assert_true(nvme_cq_head_due(1024, 512, 0, 0));
	assert_false(nvme_cq_head_due(1024, 511, 0, 0));
	/* Across the wrap. */
	assert_true(nvme_cq_head_due(1024, 100, 612, 0));
	assert_false(nvme_cq_head_due(1024, 100, 613, 0));
}

static void test_room_for_the_commands_in_flight(void **state UNUSED)
{
	/* 16 entries: the device sees the CQ full at 15 occupied. */
	assert_false(nvme_cq_head_due(16, 3, 0, 11));	/* 3 + 11 = 14: one free */
	assert_true(nvme_cq_head_due(16, 3, 0, 12));	/* 3 + 12 = 15: the device could fill it */
	assert_true(nvme_cq_head_due(16, 1, 0, 14));
	assert_true(nvme_cq_head_due(16, 0, 15, 14));	/* across the wrap */
}

static void test_odd_queue_is_told_at_once(void **state UNUSED)
{
	assert_true(nvme_cq_head_due(1, 0, 5, 0));
	assert_true(nvme_cq_head_due(16, 20, 0, 0));
	assert_false(nvme_cq_head_due(16, 20, 20, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_consumed_is_never_due),
		cmocka_unit_test(test_low_depth_waits),
		cmocka_unit_test(test_half_the_queue_is_due),
		cmocka_unit_test(test_room_for_the_commands_in_flight),
		cmocka_unit_test(test_odd_queue_is_told_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
