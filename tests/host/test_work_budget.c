/*
 * tests/host/test_work_budget.c - host tests for lib/work_budget.c: the
 * first entry always goes, then entries stop at the count or the clock,
 * whichever comes first; no clock means a count only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "lib/work_budget.h"

#define UNUSED __attribute__((unused))

static void test_first_entry_always_goes(void **state UNUSED)
{
	struct work_budget b;

	work_budget_init(&b, 1000, 10);
	/* Even when the time ran out before the first entry: every call makes progress. */
	assert_true(work_budget_may_take(&b, 5000, 0, 256));
	assert_false(work_budget_may_take(&b, 5000, 1, 256));
}

static void test_stops_at_the_clock(void **state UNUSED)
{
	struct work_budget b;
	unsigned taken = 0;
	uint64_t now = 1000;

	work_budget_init(&b, now, 100);
	while (work_budget_may_take(&b, now, taken, 256)) {
		taken++;
		now += 7;	/* each entry costs 7 ticks */
	}
	/* Entries start while fewer than 100 ticks have passed: 0, 7, ..., 98. */
	assert_int_equal(taken, 15);
	assert_true(work_budget_spent(&b, now));
}

static void test_stops_at_the_count(void **state UNUSED)
{
	struct work_budget b;
	unsigned taken = 0;

	work_budget_init(&b, 0, 1000000);
	while (work_budget_may_take(&b, taken, taken, 256))
		taken++;
	assert_int_equal(taken, 256);
	assert_false(work_budget_may_take(&b, 0, 0, 0));	/* a zero limit takes nothing */
}

static void test_no_clock_is_count_only(void **state UNUSED)
{
	struct work_budget b;

	work_budget_init(&b, 0, 0);
	assert_false(work_budget_spent(&b, UINT64_MAX));
	assert_true(work_budget_may_take(&b, UINT64_MAX, 255, 256));
	assert_false(work_budget_may_take(&b, 0, 256, 256));
}

static void test_clock_going_back_has_not_spent(void **state UNUSED)
{
	struct work_budget b;

	work_budget_init(&b, 5000, 10);
	assert_false(work_budget_spent(&b, 4000));
	assert_true(work_budget_may_take(&b, 4000, 3, 256));
	assert_false(work_budget_spent(&b, 5009));
	assert_true(work_budget_spent(&b, 5010));
}

static void test_ticks_for_microseconds(void **state UNUSED)
{
	assert_int_equal(work_budget_ticks_us(0, 300), 0);
	assert_int_equal(work_budget_ticks_us(1000000, 300), 300);
	assert_int_equal(work_budget_ticks_us(2596114779ull, 1000), 2596114);
	/* No overflow at a 1 s budget on a fast clock. */
	assert_int_equal(work_budget_ticks_us(5000000000ull, 1000000), 5000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_entry_always_goes),
		cmocka_unit_test(test_stops_at_the_clock),
		cmocka_unit_test(test_stops_at_the_count),
		cmocka_unit_test(test_no_clock_is_count_only),
		cmocka_unit_test(test_clock_going_back_has_not_spent),
		cmocka_unit_test(test_ticks_for_microseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
