/*
 * lib/pattern.c - splitmix64 write pattern (see pattern.h).
 */
#include "lib/pattern.h"

#include "lib/bits.h"

uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void pattern_fill(void *buf, uint64_t off, size_t len, uint64_t seed)
{
	uint8_t *b = buf;
	uint64_t k = off / 8;

	for (size_t i = 0; i + 8 <= len; i += 8)
		store_le64(b + i, splitmix64(seed ^ (k + i / 8)));
}

long pattern_check(const void *buf, uint64_t off, size_t len, uint64_t seed)
{
	const uint8_t *b = buf;
	uint64_t k = off / 8;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		if (load_le64(b + i) != splitmix64(seed ^ (k + i / 8)))
			return (long)(i / 8);
	}
	return -1;
}
