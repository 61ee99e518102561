/*
 * tests/host/test_ratelimit.c - host tests for lib/ratelimit.c: a burst,
 * then a steady rate, and a count of what was held back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "lib/ratelimit.h"

#define UNUSED __attribute__((unused))
#define SEC 1000000000ull

static void test_burst_then_rate(void **state UNUSED)
{
	struct ratelimit r = RATELIMIT_INIT(4, 2);
	unsigned ok = 0;

	for (int i = 0; i < 100; i++)
		ok += ratelimit_allow(&r, 5 * SEC);
	assert_int_equal(ok, 4);
	assert_int_equal(ratelimit_take_suppressed(&r), 96);
	assert_int_equal(ratelimit_take_suppressed(&r), 0);
	/* Two a second from then on, never more than the burst. */
	ok = 0;
	for (int i = 0; i < 100; i++)
		ok += ratelimit_allow(&r, 5 * SEC + SEC);
	assert_int_equal(ok, 2);
	ok = 0;
	for (int i = 0; i < 100; i++)
		ok += ratelimit_allow(&r, 100 * SEC);
	assert_int_equal(ok, 4);
}

static void test_clock_going_back_is_harmless(void **state UNUSED)
{
	struct ratelimit r = RATELIMIT_INIT(1, 1);

	assert_true(ratelimit_allow(&r, 10 * SEC));
	assert_false(ratelimit_allow(&r, 1 * SEC));
	assert_false(ratelimit_allow(&r, 10 * SEC));
	assert_true(ratelimit_allow(&r, 11 * SEC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_clock_going_back_is_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
