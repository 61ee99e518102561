/*
 * kernel/arch/x86_64/copy_variants.c - see copy_variants.h.
 */
#include "kernel/arch/x86_64/copy_variants.h"

#include <stdint.h>

#include "lib/string.h"

typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

static void copy_words(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

static void zero_words(void *dst, size_t n)
{
	memset(dst, 0, n);
}

static void copy_unrolled(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 64; n -= 64, d += 64, s += 64) {
		/* All loads before the stores: one TCG block, no reload after each store. */
		uint64_t a = ((const unaligned_u64 *)s)[0], b = ((const unaligned_u64 *)s)[1];
		uint64_t c = ((const unaligned_u64 *)s)[2], e = ((const unaligned_u64 *)s)[3];
		uint64_t f = ((const unaligned_u64 *)s)[4], g = ((const unaligned_u64 *)s)[5];
		uint64_t h = ((const unaligned_u64 *)s)[6], i = ((const unaligned_u64 *)s)[7];
		((unaligned_u64 *)d)[0] = a;
		((unaligned_u64 *)d)[1] = b;
		((unaligned_u64 *)d)[2] = c;
		((unaligned_u64 *)d)[3] = e;
		((unaligned_u64 *)d)[4] = f;
		((unaligned_u64 *)d)[5] = g;
		((unaligned_u64 *)d)[6] = h;
		((unaligned_u64 *)d)[7] = i;
	}
	memcpy(d, s, n);
}

static void zero_unrolled(void *dst, size_t n)
{
	unsigned char *d = dst;

	for (; n >= 64; n -= 64, d += 64) {
		((unaligned_u64 *)d)[0] = 0;
		((unaligned_u64 *)d)[1] = 0;
		((unaligned_u64 *)d)[2] = 0;
		((unaligned_u64 *)d)[3] = 0;
		((unaligned_u64 *)d)[4] = 0;
		((unaligned_u64 *)d)[5] = 0;
		((unaligned_u64 *)d)[6] = 0;
		((unaligned_u64 *)d)[7] = 0;
	}
	memset(d, 0, n);
}

static void copy_rep_movsq(void *dst, const void *src, size_t n)
{
	size_t words = n / 8, tail = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
}

static void zero_rep_stosq(void *dst, size_t n)
{
	size_t words = n / 8, tail = n % 8;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(0ull) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(0ull) : "memory");
}

static void copy_rep_movsb(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void zero_rep_stosb(void *dst, size_t n)
{
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0ull) : "memory");
}

const struct copy_variant copy_variants[COPY_NVARIANTS] = {
	[COPY_WORDS] = { "words", copy_words, zero_words },
	[COPY_UNROLLED] = { "unrolled", copy_unrolled, zero_unrolled },
	[COPY_REP_MOVSQ] = { "rep-movsq", copy_rep_movsq, zero_rep_stosq },
	[COPY_REP_MOVSB] = { "rep-movsb", copy_rep_movsb, zero_rep_stosb },
	[COPY_SSE] = { "sse", copy_sse, zero_sse },
};
