/*
 * lib/ratelimit.c - token bucket (see ratelimit.h).
 */
#include "lib/ratelimit.h"

#define NSEC_PER_SEC_RL 1000000000ull

bool ratelimit_allow(struct ratelimit *r, uint64_t now_ns)
{
	if (!r->rl_started) {
		r->rl_started = true;
		r->rl_tokens = r->rl_burst;
		r->rl_refill_ns = now_ns;
	}
	if (r->rl_per_sec && now_ns > r->rl_refill_ns) {
		uint64_t step = NSEC_PER_SEC_RL / r->rl_per_sec;
		uint64_t add = (now_ns - r->rl_refill_ns) / step;
		if (add) {
			uint64_t t = r->rl_tokens + add;
			r->rl_tokens = (uint32_t)(t > r->rl_burst ? r->rl_burst : t);
			r->rl_refill_ns += add * step;
		}
	}
	if (r->rl_tokens) {
		r->rl_tokens--;
		return true;
	}
	r->rl_suppressed++;
	return false;
}

uint64_t ratelimit_take_suppressed(struct ratelimit *r)
{
	uint64_t n = r->rl_suppressed;

	r->rl_suppressed = 0;
	return n;
}
