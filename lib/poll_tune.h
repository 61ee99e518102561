/*
 * lib/poll_tune.h - how long to poll for a completion before waiting for
 * its interrupt, learned from how long completions recently took (Linux's
 * hybrid polling keeps the mean completion time for the same purpose).
 *
 * Polling pays when the completion comes sooner than an interrupt and a
 * wake-up would deliver it; it is wasted when it comes later.  So the
 * bound is a little more than the recent mean wait, and zero when that
 * mean is beyond what may be spent polling at all (the caller's cap, the
 * kernel's work budget): then interrupts only, but for a probe now and
 * then, while the mean keeps being learned from the waits themselves, so
 * polling resumes when the device speeds up.  Pure logic, no clock: the
 * caller measures.
 */
#ifndef CAPROCK_LIB_POLL_TUNE_H
#define CAPROCK_LIB_POLL_TUNE_H

#include <stdint.h>

struct poll_tune {
	uint64_t pt_mean_ns;		/* moving mean of recent waits (weight 1/8); 0: nothing learned */
	uint32_t pt_misses;		/* polls in a row that ended without a completion */
	uint32_t pt_skipped;		/* waits in a row not polled because the mean was beyond the cap */
	uint32_t pt_retry;		/* backed-off polls since the last full one */
};

/*
 * Nanoseconds to poll now, at most cap_ns (0: do not poll).  Every
 * POLL_TUNE_PROBE_EVERY-th wait that would not poll polls anyway (the mean
 * learned from interrupt waits includes the interrupt's own delay).  After
 * a run of misses each poll is shorter (halved per further miss), but for
 * a full one every POLL_TUNE_RETRY_EVERY-th: a poller that can never hit
 * (its peer cannot run meanwhile) ends up costing next to nothing.
 */
#define POLL_TUNE_PROBE_EVERY	16
#define POLL_TUNE_RETRY_EVERY	64
uint64_t poll_tune_bound(struct poll_tune *t, uint64_t cap_ns);
/* A wait that ended with a completion after wait_ns; polled_hit says whether polling found it. */
void poll_tune_note(struct poll_tune *t, uint64_t wait_ns, int polled_hit);
/* A poll that found nothing within its bound (the wait then went on to the interrupt). */
void poll_tune_miss(struct poll_tune *t);

#endif
