/*
 * lib/poll_tune.c - the adaptive polling bound (see poll_tune.h).
 */
#include "lib/poll_tune.h"

#define MISSES_BACK_OFF	4	/* after this many misses in a row, poll half as long per further miss */
#define MISSES_MAX	16

uint64_t poll_tune_bound(struct poll_tune *t, uint64_t cap_ns)
{
	uint64_t want;

	if (!t->pt_mean_ns)
		return cap_ns;			/* nothing learned yet: look once, as long as allowed */
	if (t->pt_mean_ns > cap_ns) {
		/* Completions take longer than we may spin: interrupts, and a probe now and then. */
		if (++t->pt_skipped < POLL_TUNE_PROBE_EVERY)
			return 0;
		t->pt_skipped = 0;
		want = cap_ns;
	} else {
		t->pt_skipped = 0;
		want = t->pt_mean_ns + t->pt_mean_ns / 2;
		if (want > cap_ns)
			want = cap_ns;
	}
	if (t->pt_misses > MISSES_BACK_OFF) {
		/* Backed off, but a full look now and then: a hit is what ends the back-off. */
		if (++t->pt_retry >= POLL_TUNE_RETRY_EVERY) {
			t->pt_retry = 0;
			return want;
		}
		want >>= t->pt_misses - MISSES_BACK_OFF;
	}
	return want;
}

void poll_tune_note(struct poll_tune *t, uint64_t wait_ns, int polled_hit)
{
	if (!wait_ns)
		wait_ns = 1;
	t->pt_mean_ns = t->pt_mean_ns ? t->pt_mean_ns - t->pt_mean_ns / 8 + wait_ns / 8 : wait_ns;
	if (!t->pt_mean_ns)
		t->pt_mean_ns = 1;
	if (polled_hit)
		t->pt_misses = 0;
}

void poll_tune_miss(struct poll_tune *t)
{
	if (t->pt_misses < MISSES_MAX)
		t->pt_misses++;
}
