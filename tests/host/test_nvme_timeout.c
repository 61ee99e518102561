/*
 * tests/host/test_nvme_timeout.c - host tests for lib/nvme_timeout.c: the
 * timeout policy by cloud surface (EBS never fails a command early;
 * instance store, Azure and everything else do, after a poll and an
 * Abort) and the stages a late command goes through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/nvme_timeout.h"

#define UNUSED __attribute__((unused))

static void test_policies_by_surface(void **state UNUSED)
{
	struct nvme_timeout_policy p;

	nvme_timeout_policy(0x1d0f, 0x8061, 0, &p);
	assert_string_equal(p.surface, "ebs");
	assert_true(p.never_fail);
	nvme_timeout_policy(0x1d0f, 0x0061, 0, &p);
	assert_true(p.never_fail);
	nvme_timeout_policy(0x1d0f, 0xcd00, 0, &p);
	assert_string_equal(p.surface, "instance-store");
	assert_false(p.never_fail);
	assert_int_equal(p.timeout_ms, NVME_TIMEOUT_DEFAULT_MS);
	nvme_timeout_policy(0x1414, 0xb111, 0, &p);
	assert_string_equal(p.surface, "azure");
	assert_true(p.timeout_ms >= 240000);
	nvme_timeout_policy(0x1b36, 0x0010, 0, &p);
	assert_string_equal(p.surface, "generic");
	assert_int_equal(p.timeout_ms, 30000);
	nvme_timeout_policy(0x1b36, 0x0010, 1000, &p);
	assert_int_equal(p.timeout_ms, 1000);
	assert_int_equal(p.abort_grace_ms, 250);
	nvme_timeout_policy(0x1d0f, 0x8061, 1000, &p);	/* looked at sooner, still never failed */
	assert_int_equal(p.timeout_ms, 1000);
	assert_true(p.never_fail);
}

static void test_generic_polls_aborts_then_resets(void **state UNUSED)
{
	struct nvme_timeout_policy p;
	struct nvme_timeout_state st = { 0 };

	nvme_timeout_policy(0x1b36, 0x0010, 1000, &p);
	assert_int_equal(nvme_timeout_step(&p, &st, 999, 5000), NVME_TO_NONE);
	assert_int_equal(nvme_timeout_step(&p, &st, 1000, 5001), NVME_TO_POLL_ABORT);
	assert_int_equal(nvme_timeout_step(&p, &st, 1100, 5100), NVME_TO_NONE);	/* the Abort's grace */
	assert_int_equal(nvme_timeout_step(&p, &st, 1251, 5251), NVME_TO_RESET);
}

static void test_ebs_never_resets_on_time(void **state UNUSED)
{
	struct nvme_timeout_policy p;
	struct nvme_timeout_state st = { 0 };

	nvme_timeout_policy(0x1d0f, 0x8061, 0, &p);
	assert_int_equal(nvme_timeout_step(&p, &st, 29999, 100000), NVME_TO_NONE);
	assert_int_equal(nvme_timeout_step(&p, &st, 30000, 100001), NVME_TO_POLL_ABORT);
	unsigned logs = 0;
	for (uint64_t t = 100001; t < 100001 + 10 * 60 * 1000; t += 100) {
		enum nvme_timeout_action a = nvme_timeout_step(&p, &st, t - 70001, t);
		assert_true(a == NVME_TO_NONE || a == NVME_TO_LOG);
		logs += a == NVME_TO_LOG;
	}
	assert_true(logs >= 15 && logs <= 21);	/* ten minutes, a line every 30 s */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policies_by_surface),
		cmocka_unit_test(test_generic_polls_aborts_then_resets),
		cmocka_unit_test(test_ebs_never_resets_on_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
