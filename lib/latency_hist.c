/*
 * lib/latency_hist.c - the benchmarks' latency histogram (see header).
 */
#include "lib/latency_hist.h"

static unsigned bucket(uint64_t us)
{
	if (us < 64)
		return (unsigned)us;
	unsigned msb = 63u - (unsigned)__builtin_clzll(us);
	unsigned b = 64 + (msb - 6) * 32 + (unsigned)((us >> (msb - 5)) & 31);
	return b < LATENCY_HIST_BUCKETS ? b : LATENCY_HIST_BUCKETS - 1;
}

/* The middle of bucket b. */
static uint64_t bucket_value(unsigned b)
{
	if (b < 64)
		return b;
	unsigned msb = (b - 64) / 32 + 6, sub = (b - 64) % 32;
	return ((uint64_t)(32 + sub) << (msb - 5)) + ((1ull << (msb - 5)) >> 1);
}

void latency_hist_add(struct latency_hist *h, uint64_t us)
{
	h->h_count[bucket(us)]++;
	h->h_samples++;
	h->h_sum_us += us;
}

uint64_t latency_hist_mean(const struct latency_hist *h)
{
	return h->h_samples ? h->h_sum_us / h->h_samples : 0;
}

uint64_t latency_hist_percentile(const struct latency_hist *h, unsigned permille)
{
	uint64_t want = (h->h_samples * permille + 999) / 1000, seen = 0;

	for (unsigned b = 0; b < LATENCY_HIST_BUCKETS && want; b++) {
		seen += h->h_count[b];
		if (seen >= want)
			return bucket_value(b);
	}
	return 0;
}
