/*
 * tests/host/test_pattern.c - host tests for lib/pattern.c: splitmix64 as
 * DESIGN.md §2 defines it (checked against a reference written here from
 * that formula and against published values), pattern_fill at namespace
 * offsets, and pattern_check reporting the first mismatching word.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/pattern.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* DESIGN.md §2, word for word. */
static uint64_t ref_splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The word at namespace byte offset 8*k, little-endian in the buffer. */
static uint64_t word_le(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void test_splitmix64_known_values(void **state UNUSED)
{
	/*
	 * Published outputs of Vigna's splitmix64 generator: state s, output
	 * mix(s += golden).  The first output for seed s is splitmix64(s) here,
	 * the second splitmix64(s + golden).
	 */
	assert_int_equal(splitmix64(0), 0xe220a8397b1dcdafull);
	assert_int_equal(splitmix64(0x9E3779B97F4A7C15ull), 0x6e789e6aa1b965f4ull);
	assert_int_equal(splitmix64(1234567), 6457827717110365317ull);
	assert_int_equal(splitmix64(1234567 + 0x9E3779B97F4A7C15ull), 3203168211198807973ull);
	assert_int_equal(splitmix64(1234567 + 2 * 0x9E3779B97F4A7C15ull), 9817491932198370423ull);
	/* And the reference agrees on all of them. */
	assert_int_equal(ref_splitmix64(0), 0xe220a8397b1dcdafull);
	assert_int_equal(ref_splitmix64(1234567), 6457827717110365317ull);
}

static void test_splitmix64_matches_reference(void **state UNUSED)
{
	static const uint64_t xs[] = { 0, 1, 2, 0xff, 0x8000000000000000ull, UINT64_MAX, UINT64_MAX - 1,
				       0x61C8864680B583EBull, 0x9E3779B97F4A7C15ull, (uint64_t)0 - 0x9E3779B97F4A7C15ull };
	uint64_t x = 0x0123456789abcdefull;

	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
		assert_int_equal(splitmix64(xs[i]), ref_splitmix64(xs[i]));
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(splitmix64(x), ref_splitmix64(x));
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	}
	/* Wrap-around of the additive constant: x = -golden gives mix(0). */
	assert_int_equal(splitmix64((uint64_t)0 - 0x9E3779B97F4A7C15ull), 0);
}

static void test_fill_at_offset_zero(void **state UNUSED)
{
	uint8_t buf[4096];
	const uint64_t seed = 0xfeedface;

	memset(buf, 0xcc, sizeof(buf));
	pattern_fill(buf, 0, sizeof(buf), seed);
	for (uint64_t k = 0; k < sizeof(buf) / 8; k++)
		assert_int_equal(word_le(buf + 8 * k), ref_splitmix64(seed ^ k));
	/* Little-endian byte order, spelled out for word 0. */
	uint64_t w0 = ref_splitmix64(seed);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], (uint8_t)(w0 >> (8 * i)));
	assert_int_equal(pattern_check(buf, 0, sizeof(buf), seed), -1);
}

static void test_fill_at_offsets(void **state UNUSED)
{
	static const uint64_t offs[] = { 8, 512, 4096, 4104, 1ull << 20, 512ull * 123456789,
					 (1ull << 40) + 8, UINT64_MAX - 4095 - 7 };
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t off = offs[i] & ~7ull, seed = 0x1111 * (i + 1);
		pattern_fill(buf, off, sizeof(buf), seed);
		for (uint64_t j = 0; j < sizeof(buf) / 8; j++)
			assert_int_equal(word_le(buf + 8 * j), ref_splitmix64(seed ^ (off / 8 + j)));
		assert_int_equal(pattern_check(buf, off, sizeof(buf), seed), -1);
		/* The same bytes checked at another offset or seed do not verify. */
		assert_int_equal(pattern_check(buf, off + 8, sizeof(buf), seed), 0);
		assert_int_equal(pattern_check(buf, off, sizeof(buf), seed + 1), 0);
		if (off >= 512)
			assert_int_equal(pattern_check(buf, off - 512, sizeof(buf), seed), 0);
	}
}

/* Filling a range in pieces equals filling it at once: the pattern is positional. */
static void test_fill_in_pieces(void **state UNUSED)
{
	uint8_t whole[8192], parts[8192];
	const uint64_t seed = 42, base = 4096 * 1000;

	pattern_fill(whole, base, sizeof(whole), seed);
	for (size_t at = 0; at < sizeof(parts);) {
		size_t n = 8 * (1 + (at / 8) % 37);
		if (at + n > sizeof(parts))
			n = sizeof(parts) - at;
		pattern_fill(parts + at, base + at, n, seed);
		at += n;
	}
	assert_memory_equal(whole, parts, sizeof(whole));
	/* And the check of any piece at its own offset passes. */
	assert_int_equal(pattern_check(whole + 512, base + 512, 1024, seed), -1);
}

static void test_seed_mixing(void **state UNUSED)
{
	uint8_t a[64], b[64];

	/* The word at k is splitmix64(SEED ^ k): seed s at word 1 is seed s^1 at word 0. */
	pattern_fill(a, 8, 8, 6);
	pattern_fill(b, 0, 8, 7);
	assert_memory_equal(a, b, 8);
	/* Different seeds give different data. */
	pattern_fill(a, 0, 64, 1);
	pattern_fill(b, 0, 64, 2);
	assert_memory_not_equal(a, b, 64);
}

static void test_check_first_mismatch(void **state UNUSED)
{
	enum { N = 512 };
	uint8_t *buf = malloc(N * 8);
	const uint64_t seed = 0xabcdef, off = 64 * 1024;

	assert_non_null(buf);
	for (long idx = 0; idx < N; idx += 37) {
		for (int byte = 0; byte < 8; byte += 7) {
			pattern_fill(buf, off, N * 8, seed);
			buf[idx * 8 + byte] ^= 0x01;
			assert_int_equal(pattern_check(buf, off, N * 8, seed), idx);
			/* A second, later mismatch does not change the answer. */
			if (idx + 3 < N) {
				buf[(idx + 3) * 8] ^= 0x80;
				assert_int_equal(pattern_check(buf, off, N * 8, seed), idx);
			}
		}
	}
	/* The very last word. */
	pattern_fill(buf, off, N * 8, seed);
	buf[N * 8 - 1] ^= 0xff;
	assert_int_equal(pattern_check(buf, off, N * 8, seed), N - 1);
	/* Index is relative to the buffer, not the namespace. */
	assert_int_equal(pattern_check(buf + 8, off + 8, N * 8 - 8, seed), N - 2);
	/* All zeros never verify. */
	memset(buf, 0, N * 8);
	assert_int_equal(pattern_check(buf, off, N * 8, seed), 0);
	free(buf);
}

static void test_lengths_and_tails(void **state UNUSED)
{
	uint8_t buf[64];

	/* Zero length: nothing written, everything matches. */
	memset(buf, 0xcc, sizeof(buf));
	pattern_fill(buf, 0, 0, 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xcc);
	assert_int_equal(pattern_check(buf, 0, 0, 1), -1);
	/* A length that is not a multiple of 8: only whole words written and checked. */
	pattern_fill(buf, 0, 20, 1);
	assert_int_equal(word_le(buf), ref_splitmix64(1));
	assert_int_equal(word_le(buf + 8), ref_splitmix64(1 ^ 1));
	for (size_t i = 16; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xcc);
	assert_int_equal(pattern_check(buf, 0, 20, 1), -1);
	assert_int_equal(pattern_check(buf, 0, 24, 1), 2);
	/* Unaligned buffers work (little-endian stores, no alignment assumed). */
	pattern_fill(buf + 3, 8, 32, 9);
	assert_int_equal(word_le(buf + 3), ref_splitmix64(9 ^ 1));
	assert_int_equal(pattern_check(buf + 3, 8, 32, 9), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitmix64_known_values),
		cmocka_unit_test(test_splitmix64_matches_reference),
		cmocka_unit_test(test_fill_at_offset_zero),
		cmocka_unit_test(test_fill_at_offsets),
		cmocka_unit_test(test_fill_in_pieces),
		cmocka_unit_test(test_seed_mixing),
		cmocka_unit_test(test_check_first_mismatch),
		cmocka_unit_test(test_lengths_and_tails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
