/*
 * lib/ratelimit.h - a token bucket for log lines a process can provoke.
 *
 * A burst of rl_burst lines, then rl_per_sec a second; what is held back
 * is counted so that a later line (or a summary) can say how much.
 */
#ifndef CAPROCK_LIB_RATELIMIT_H
#define CAPROCK_LIB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint32_t rl_burst;
	uint32_t rl_per_sec;
	uint32_t rl_tokens;
	uint64_t rl_refill_ns;		/* when the bucket was last topped up */
	uint64_t rl_suppressed;		/* held back since the last allowed line */
	bool rl_started;
};

#define RATELIMIT_INIT(burst, per_sec) { (burst), (per_sec), (burst), 0, 0, false }

/* May a line be written at now_ns?  If not, it is counted as suppressed. */
bool ratelimit_allow(struct ratelimit *r, uint64_t now_ns);
/* Lines held back since the last call (for a summary line), and reset. */
uint64_t ratelimit_take_suppressed(struct ratelimit *r);

#endif
