/*
 * lib/xorshift.h - Marsaglia's xorshift64: the benchmarks' random positions
 * (cheap, reproducible from the seed; not for anything secret).
 */
#ifndef CAPROCK_LIB_XORSHIFT_H
#define CAPROCK_LIB_XORSHIFT_H

#include <stdint.h>

#define XORSHIFT64_SEED 0x2545F4914F6CDD1Dull

static inline uint64_t xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif
