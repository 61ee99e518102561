/*
 * tests/fuzz/fuzz_common.h - shared by the libFuzzer harnesses.
 *
 * CHECK is an invariant on what a parser returned: it aborts (libFuzzer
 * records the input as a crash) with the failed expression.  The byte
 * reader hands out input bytes in order and zeros once they run out, so a
 * harness can derive any amount of state from any input.
 */
#ifndef CAPROCK_TESTS_FUZZ_COMMON_H
#define CAPROCK_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                                          \
	do {                                                                              \
		if (!(x)) {                                                               \
			fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #x, __FILE__, \
				__LINE__);                                                \
			abort();                                                          \
		}                                                                         \
	} while (0)

struct fuzz_reader {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fr_u8(struct fuzz_reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static inline uint16_t fr_u16(struct fuzz_reader *r)
{
	uint16_t lo = fr_u8(r);
	return (uint16_t)(lo | (uint16_t)fr_u8(r) << 8);
}

static inline uint32_t fr_u32(struct fuzz_reader *r)
{
	uint32_t lo = fr_u16(r);
	return lo | (uint32_t)fr_u16(r) << 16;
}

static inline uint64_t fr_u64(struct fuzz_reader *r)
{
	uint64_t lo = fr_u32(r);
	return lo | (uint64_t)fr_u32(r) << 32;
}

/* Copy up to n bytes out (zero-filling what the input lacks). */
static inline void fr_bytes(struct fuzz_reader *r, void *out, size_t n)
{
	uint8_t *o = out;
	for (size_t i = 0; i < n; i++)
		o[i] = fr_u8(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
