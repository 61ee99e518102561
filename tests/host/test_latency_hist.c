/*
 * tests/host/test_latency_hist.c - the benchmarks' latency histogram:
 * exact below 64 µs, about 3 % above, and an exact mean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/latency_hist.h"

#define UNUSED __attribute__((unused))

static struct latency_hist h;

static void test_empty_is_zero(void **state UNUSED)
{
	memset(&h, 0, sizeof(h));
	assert_int_equal(latency_hist_percentile(&h, 500), 0);
	assert_int_equal(latency_hist_mean(&h), 0);
}

static void test_small_values_are_exact(void **state UNUSED)
{
	memset(&h, 0, sizeof(h));
	for (uint64_t us = 1; us <= 9; us++)
		latency_hist_add(&h, us);
	assert_int_equal(latency_hist_percentile(&h, 500), 5);
	assert_int_equal(latency_hist_percentile(&h, 1000), 9);
	assert_int_equal(latency_hist_mean(&h), 5);
}

/* A tail moves the mean and not the median: the two answer different questions. */
static void test_mean_is_exact_where_buckets_are_not(void **state UNUSED)
{
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 99; i++)
		latency_hist_add(&h, 100);
	latency_hist_add(&h, 10100);
	assert_int_equal(latency_hist_mean(&h), 200);
	uint64_t p50 = latency_hist_percentile(&h, 500);
	assert_true(p50 >= 97 && p50 <= 103);
	uint64_t top = latency_hist_percentile(&h, 1000);
	assert_true(top >= 9800 && top <= 10400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_zero),
		cmocka_unit_test(test_small_values_are_exact),
		cmocka_unit_test(test_mean_is_exact_where_buckets_are_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
