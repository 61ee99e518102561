/*
 * tests/host/test_poll_tune.c - host tests for lib/poll_tune.c: the
 * polling bound follows recent completion times, never exceeds its cap,
 * stops polling when completions are slower than the cap, backs off after
 * misses, and comes back when the device speeds up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/poll_tune.h"

#define UNUSED __attribute__((unused))
#define US 1000ull
#define CAP (200 * US)

static void test_first_wait_polls_up_to_the_cap(void **state UNUSED)
{
	struct poll_tune t = { 0 };

	assert_int_equal(poll_tune_bound(&t, CAP), CAP);
	assert_int_equal(poll_tune_bound(&t, 0), 0);
}

static void test_bound_follows_the_mean(void **state UNUSED)
{
	struct poll_tune t = { 0 };

	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 40 * US, 1);
	uint64_t b = poll_tune_bound(&t, CAP);
	assert_true(b >= 40 * US);		/* long enough to catch a typical completion */
	assert_true(b <= 60 * US);		/* and not much longer */
	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 10 * US, 1);
	assert_true(poll_tune_bound(&t, CAP) < 20 * US);
	assert_true(poll_tune_bound(&t, 5 * US) <= 5 * US);	/* never above the cap */
}

static void test_slow_device_gets_interrupts_then_polling_again(void **state UNUSED)
{
	struct poll_tune t = { 0 };

	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 2000 * US, 0);	/* 2 ms completions (a throttled EBS volume) */
	unsigned polled = 0;
	for (int i = 0; i < 10 * POLL_TUNE_PROBE_EVERY; i++)
		polled += poll_tune_bound(&t, CAP) != 0;
	assert_int_equal(polled, 10);			/* one probe in POLL_TUNE_PROBE_EVERY waits */
	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 30 * US, 0);		/* learned from interrupt waits alone */
	assert_true(poll_tune_bound(&t, CAP) > 0);
}

static void test_misses_back_off_and_a_hit_restores(void **state UNUSED)
{
	struct poll_tune t = { 0 };

	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 40 * US, 1);
	uint64_t full = poll_tune_bound(&t, CAP);
	for (int i = 0; i < 4; i++)
		poll_tune_miss(&t);
	assert_int_equal(poll_tune_bound(&t, CAP), full);	/* a few misses are noise */
	for (int i = 0; i < 4; i++)
		poll_tune_miss(&t);
	assert_true(poll_tune_bound(&t, CAP) <= full / 16);
	for (int i = 0; i < 100; i++)
		poll_tune_miss(&t);			/* saturates: no shift past the width */
	assert_true(poll_tune_bound(&t, CAP) < full);
	poll_tune_note(&t, 40 * US, 1);
	assert_true(poll_tune_bound(&t, CAP) >= full * 9 / 10);
}

/* A poller that never hits (its peer shares the CPU) is left with a full look once in a while only. */
static void test_always_missing_costs_next_to_nothing(void **state UNUSED)
{
	struct poll_tune t = { 0 };
	uint64_t spent = 0, full = 0;
	const int waits = 100 * POLL_TUNE_RETRY_EVERY;

	for (int i = 0; i < 64; i++)
		poll_tune_note(&t, 40 * US, 0);
	for (int i = 0; i < waits; i++) {
		uint64_t b = poll_tune_bound(&t, CAP);
		spent += b;
		full += b >= 40 * US;
		if (b)
			poll_tune_miss(&t);
		poll_tune_note(&t, 40 * US, 0);
	}
	assert_true(full >= 100 && full <= 110);	/* the retries, and the misses before back-off */
	assert_true(spent / waits < 2 * US);		/* against 60 us a wait without back-off */
}

static void test_zero_wait_still_learns(void **state UNUSED)
{
	struct poll_tune t = { 0 };

	poll_tune_note(&t, 0, 1);
	assert_true(t.pt_mean_ns > 0);			/* learned: not "nothing learned" */
	assert_true(poll_tune_bound(&t, CAP) <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_wait_polls_up_to_the_cap),
		cmocka_unit_test(test_bound_follows_the_mean),
		cmocka_unit_test(test_slow_device_gets_interrupts_then_polling_again),
		cmocka_unit_test(test_misses_back_off_and_a_hit_restores),
		cmocka_unit_test(test_always_missing_costs_next_to_nothing),
		cmocka_unit_test(test_zero_wait_still_learns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
