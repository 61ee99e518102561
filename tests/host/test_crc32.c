/*
 * tests/host/test_crc32.c - host tests for lib/crc32.c: published CRC-32
 * (IEEE, zlib) check values, chaining over pieces, and agreement with a
 * bit-at-a-time reference implementation written here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/crc32.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* The definition: reflected polynomial 0xEDB88320, init and final xor ~0. */
static uint32_t crc32_bitwise(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static uint32_t crc_str(const char *s)
{
	return crc32_update(0, s, strlen(s));
}

/* Deterministic test data (xorshift32, fixed seed). */
static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

/* ------------------------------------------------------------ known values */

static void test_check_value(void **state UNUSED)
{
	/* The standard check value of CRC-32/ISO-HDLC. */
	assert_int_equal(crc_str("123456789"), 0xCBF43926u);
}

static void test_empty(void **state UNUSED)
{
	assert_int_equal(crc32_update(0, "", 0), 0);
}

static void test_known_strings(void **state UNUSED)
{
	assert_int_equal(crc_str("a"), 0xE8B7BE43u);
	assert_int_equal(crc_str("abc"), 0x352441C2u);
	assert_int_equal(crc_str("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

static void test_known_buffers(void **state UNUSED)
{
	uint8_t buf[256];

	memset(buf, 0x00, 32);
	assert_int_equal(crc32_update(0, buf, 32), 0x190A55ADu);
	memset(buf, 0xff, 32);
	assert_int_equal(crc32_update(0, buf, 32), 0xFF6CAB0Bu);
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32_update(0, buf, 256), 0x29058C73u);
}

static void test_zero_length_keeps_crc(void **state UNUSED)
{
	/* Like zlib's crc32(crc, buf, 0): the running value passes through. */
	assert_int_equal(crc32_update(0xCBF43926u, "x", 0), 0xCBF43926u);
	assert_int_equal(crc32_update(0x12345678u, "", 0), 0x12345678u);
}

/* ------------------------------------------------------------ chaining */

static void test_chain_check_value(void **state UNUSED)
{
	uint32_t c = crc32_update(0, "123", 3);

	c = crc32_update(c, "456789", 6);
	assert_int_equal(c, 0xCBF43926u);
}

static void test_chain_byte_by_byte(void **state UNUSED)
{
	const char *s = "123456789";
	uint32_t c = 0;

	for (size_t i = 0; i < 9; i++)
		c = crc32_update(c, s + i, 1);
	assert_int_equal(c, 0xCBF43926u);
}

static void test_chain_every_split_point(void **state UNUSED)
{
	static uint8_t buf[1000];

	fill(buf, sizeof(buf), 0x1234);
	uint32_t whole = crc32_update(0, buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut++) {
		uint32_t c = crc32_update(0, buf, cut);
		c = crc32_update(c, buf + cut, sizeof(buf) - cut);
		assert_int_equal(c, whole);
	}
}

static void test_chain_three_uneven_pieces(void **state UNUSED)
{
	static uint8_t buf[4096 + 7];

	fill(buf, sizeof(buf), 99);
	uint32_t whole = crc32_update(0, buf, sizeof(buf));
	uint32_t c = crc32_update(0, buf, 1);
	c = crc32_update(c, buf + 1, 4095);
	c = crc32_update(c, buf + 4096, 7);
	assert_int_equal(c, whole);
}

/* ------------------------------------------------------------ reference implementation */

static void test_matches_bitwise_reference_all_lengths(void **state UNUSED)
{
	static uint8_t buf[600];

	fill(buf, sizeof(buf), 7);
	for (size_t len = 0; len <= sizeof(buf); len++)
		assert_int_equal(crc32_update(0, buf, len), crc32_bitwise(0, buf, len));
}

static void test_matches_reference_unaligned_and_seeded(void **state UNUSED)
{
	static uint8_t buf[300];

	fill(buf, sizeof(buf), 31337);
	for (size_t off = 0; off < 8; off++) {
		for (uint32_t seed = 0; seed < 5; seed++) {
			uint32_t init = seed * 0x9E3779B9u;
			assert_int_equal(crc32_update(init, buf + off, sizeof(buf) - off - 3),
					 crc32_bitwise(init, buf + off, sizeof(buf) - off - 3));
		}
	}
}

static void test_reference_agrees_with_check_value(void **state UNUSED)
{
	/* Guards the reference itself: it must produce the published value too. */
	assert_int_equal(crc32_bitwise(0, "123456789", 9), 0xCBF43926u);
}

static void test_every_single_byte(void **state UNUSED)
{
	/* Exercises every table entry once. */
	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;
		assert_int_equal(crc32_update(0, &byte, 1), crc32_bitwise(0, &byte, 1));
	}
}

/* ------------------------------------------------------------ error detection */

static void test_single_bit_flips_change_crc(void **state UNUSED)
{
	static uint8_t buf[128];

	fill(buf, sizeof(buf), 5);
	uint32_t good = crc32_update(0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(crc32_update(0, buf, sizeof(buf)), good);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(crc32_update(0, buf, sizeof(buf)), good);
}

static void test_appending_crc_gives_residue(void **state UNUSED)
{
	/* A message followed by its CRC (little-endian) has the constant residue 0x2144DF1C. */
	uint8_t buf[13];

	memcpy(buf, "123456789", 9);
	uint32_t c = crc32_update(0, buf, 9);
	buf[9] = (uint8_t)c;
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)(c >> 16);
	buf[12] = (uint8_t)(c >> 24);
	assert_int_equal(crc32_update(0, buf, 13), 0x2144DF1Cu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_known_strings),
		cmocka_unit_test(test_known_buffers),
		cmocka_unit_test(test_zero_length_keeps_crc),
		cmocka_unit_test(test_chain_check_value),
		cmocka_unit_test(test_chain_byte_by_byte),
		cmocka_unit_test(test_chain_every_split_point),
		cmocka_unit_test(test_chain_three_uneven_pieces),
		cmocka_unit_test(test_matches_bitwise_reference_all_lengths),
		cmocka_unit_test(test_matches_reference_unaligned_and_seeded),
		cmocka_unit_test(test_reference_agrees_with_check_value),
		cmocka_unit_test(test_every_single_byte),
		cmocka_unit_test(test_single_bit_flips_change_crc),
		cmocka_unit_test(test_appending_crc_gives_residue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
