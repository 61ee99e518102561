/*
 * lib/latency_hist.h - a latency histogram for the benchmarks: exact below
 * 64 microseconds, then 32 steps per power of two (about 3 % resolution).
 */
#ifndef CAPROCK_LIB_LATENCY_HIST_H
#define CAPROCK_LIB_LATENCY_HIST_H

#include <stdint.h>

#define LATENCY_HIST_BUCKETS (64 + 58 * 32)

struct latency_hist {
	uint64_t h_count[LATENCY_HIST_BUCKETS];
	uint64_t h_samples;
	uint64_t h_sum_us;		/* for the mean: the hops' shares add up in means, not in percentiles */
};

void latency_hist_add(struct latency_hist *h, uint64_t us);
/* The latency at or below which permille/1000 of the samples fall (0 with none). */
uint64_t latency_hist_percentile(const struct latency_hist *h, unsigned permille);
/* The mean of the samples, exact (0 with none). */
uint64_t latency_hist_mean(const struct latency_hist *h);

#endif
