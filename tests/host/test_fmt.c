/*
 * tests/host/test_fmt.c - host tests for lib/fmt.c: fmt_snprintf and
 * fmt_vsnprintf compared against the C library's vsnprintf for every
 * supported conversion, flag and width, at every buffer size (truncation),
 * plus the return value and the size-0 case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define BUF 512
#define SENTINEL 0xcc

/*
 * Format with both implementations into buffers of every size from 0 to
 * the full length + 2 and require identical bytes, identical return
 * values, and no write at or past the given size.
 */
static void vsame(int line, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list a1, a2;

	va_copy(a1, ap);
	int full = vsnprintf(want, sizeof(want), fmt, a1);
	va_end(a1);
	assert_true(full >= 0 && full < BUF - 2);

	for (size_t size = 0; size <= (size_t)full + 2; size++) {
		memset(want, SENTINEL, sizeof(want));
		memset(got, SENTINEL, sizeof(got));
		va_copy(a1, ap);
		va_copy(a2, ap);
		int wn = vsnprintf(want, size, fmt, a1);
		int gn = fmt_vsnprintf(got, size, fmt, a2);
		va_end(a1);
		va_end(a2);
		if (gn != wn)
			fail_msg("line %d: \"%s\" size %zu: returned %d, libc %d", line, fmt, size, gn, wn);
		/* Bytes the call may write: the output, truncated, plus its NUL. */
		size_t stored = size == 0 ? 0 : ((size_t)wn < size ? (size_t)wn + 1 : size);
		if (memcmp(got, want, stored) != 0)
			fail_msg("line %d: \"%s\" size %zu: \"%.*s\", libc \"%.*s\"", line, fmt, size,
				 (int)stored, got, (int)stored, want);
		for (size_t i = stored; i < sizeof(got); i++)
			if ((uint8_t)got[i] != SENTINEL)
				fail_msg("line %d: \"%s\" size %zu: byte %zu written", line, fmt, size, i);
	}
}

static void __attribute__((format(printf, 2, 3))) same_at(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsame(line, fmt, ap);
	va_end(ap);
}

/* The line number makes a failure easy to find among many checks. */
#define same(...) same_at(__LINE__, __VA_ARGS__)

/* The same check for formats the compiler would warn about as literals. */
static void same_nonliteral(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsame(line, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ conversions */

static void test_plain_text(void **state UNUSED)
{
	same("hello, world");
	same("%s", "");
	same_nonliteral(__LINE__, "");
}

static void test_percent(void **state UNUSED)
{
	same("%%");
	same("100%% sure %d%%", 5);
}

static void test_signed_decimal(void **state UNUSED)
{
	same("%d", 0);
	same("%d", 1);
	same("%d", -1);
	same("%d", 123456789);
	same("%d", INT_MAX);
	same("%d", INT_MIN);
	same("%i", -42);
	same("%i", INT_MIN);
	same("%d %i %d", 7, -8, 9);
}

static void test_unsigned_decimal(void **state UNUSED)
{
	same("%u", 0u);
	same("%u", 42u);
	same("%u", UINT_MAX);
	same("%u", (unsigned)-1);
}

static void test_hex(void **state UNUSED)
{
	same("%x", 0u);
	same("%x", 0xdeadbeefu);
	same("%X", 0xdeadbeefu);
	same("%x", UINT_MAX);
	same("%X", 0xabcdefu);
	same("%x", (unsigned)-2);
}

static void test_long(void **state UNUSED)
{
	same("%ld", 0L);
	same("%ld", -1L);
	same("%ld", LONG_MAX);
	same("%ld", (long)INT64_MIN);
	same("%ld", (long)INT64_MIN + 1);
	same("%lu", ULONG_MAX);
	same("%lu", 10000000000UL);
	same("%lx", 0xfedcba9876543210UL);
	same("%lx", 0UL);
	same("%lX", 0xfedcba9876543210UL);
	same("%li", -9000000000L);
}

static void test_long_long(void **state UNUSED)
{
	same("%lld", LLONG_MIN);
	same("%lld", LLONG_MAX);
	same("%llu", ULLONG_MAX);
	same("%llx", 0x123456789abcdefULL);
}

static void test_size_t(void **state UNUSED)
{
	same("%zu", (size_t)0);
	same("%zu", (size_t)4096);
	same("%zu", SIZE_MAX);
	same("%zx", SIZE_MAX);
}

static void test_short_and_char_lengths_in_range(void **state UNUSED)
{
	same("%hd", (short)-1234);
	same("%hu", (unsigned short)65535);
	same("%hhd", (signed char)-5);
	same("%hhu", (unsigned char)200);
	same("%hhx", (unsigned char)0xab);
	same("%hx", (unsigned short)0xbeef);
}

static void test_short_and_char_lengths_convert(void **state UNUSED)
{
	/*
	 * C converts the promoted int back to short or char before printing.
	 * (Non-literal: some compilers warn about an int argument for %hh.)
	 */
	same_nonliteral(__LINE__, "%hhd", 300);
	same_nonliteral(__LINE__, "%hhu", 511);
	same_nonliteral(__LINE__, "%hhx", 0x1ff);
	same_nonliteral(__LINE__, "%hd", 70000);
	same_nonliteral(__LINE__, "%hu", 65537);
	same_nonliteral(__LINE__, "%hx", 0x12345);
	same_nonliteral(__LINE__, "%hhd", 128);
	same_nonliteral(__LINE__, "%hd", -32769);
}

static void test_string(void **state UNUSED)
{
	same("%s", "abc");
	same("[%s]", "two words");
	same("%s%s%s", "a", "", "c");
}

static void test_string_precision(void **state UNUSED)
{
	same("%.*s", 3, "abcdef");
	same("%.*s", 0, "abcdef");
	same("%.*s", 10, "abc");
	same("%.*s", -1, "negative means no precision");
	same("%.2s", "xyz");
	same("%.6s", "FACP");
	/* A precision lets the string be unterminated. */
	static const char raw[4] = { 'A', 'P', 'I', 'C' };
	same("%.*s|", 4, raw);
	same("%.4s|", raw);
}

static void test_string_width(void **state UNUSED)
{
	same("%8s|", "abc");
	same("%-8s|", "abc");
	same("%2s|", "abcdef");
	same("%10.3s|", "abcdef");
	same("%-10.3s|", "abcdef");
	same("%*s|", 6, "ab");
	same("%*s|", -6, "ab");
	same("%-*s|", 6, "ab");
}

static void test_null_string(void **state UNUSED)
{
	char buf[32];
	const char *volatile nul = NULL;	/* hide it from -Wformat-overflow */

	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", nul), 6);
	assert_string_equal(buf, "(null)");
}

static void test_char(void **state UNUSED)
{
	same("%c", 'a');
	same("%c%c%c", 'x', 'y', 'z');
	same("[%c]", ' ');
	same("%c", 0xe9);		/* an int converted to unsigned char */
}

static void test_char_width(void **state UNUSED)
{
	same("%3c|", 'a');
	same("%-3c|", 'b');
	same("%1c|", 'c');
	same("%*c|", 4, 'd');
}

static void test_nul_char_counts(void **state UNUSED)
{
	char buf[8];

	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(buf[1], '\0');
	assert_int_equal(buf[2], 'b');
	assert_int_equal(buf[3], '\0');
}

static void test_pointer(void **state UNUSED)
{
	static const char rodata[] = "x";
	int local;

	same("%p", (void *)0x1);
	same("%p", (void *)0x1234abcd);
	same("%p", (void *)&local);
	same("%p", (void *)UINTPTR_MAX);
	same("[%p]", (const void *)rodata);
}

/* ------------------------------------------------------------ flags and widths */

static void test_width_numbers(void **state UNUSED)
{
	same("%5d|", 42);
	same("%5d|", -42);
	same("%1d|", 12345);
	same("%10u|", 7u);
	same("%8x|", 0xbeefu);
	same("%20ld|", (long)INT64_MIN);
	same("%3d|", INT_MIN);
}

static void test_zero_padding(void **state UNUSED)
{
	same("%05d", 42);
	same("%05d", -42);
	same("%02x", 0x7u);
	same("%02x", 0xabcu);
	same("%04x", 0x1b36u);
	same("%08X", 0xbeefu);
	same("%016lx", 0xfee00000UL);
	same("%03u", 0u);
	same("%05i", INT_MIN);
	same("%020ld", (long)INT64_MIN);
}

static void test_left_justify(void **state UNUSED)
{
	same("%-5d|", 42);
	same("%-5d|", -42);
	same("%-8x|", 0xabu);
	same("%-3u|", 12345u);
	same("%-20lu|", ULONG_MAX);
}

static void test_left_justify_beats_zero(void **state UNUSED)
{
	/* C ignores '0' when '-' is given; the compiler warns about it as a literal. */
	same_nonliteral(__LINE__, "%-05d|", 42);
	same_nonliteral(__LINE__, "%0-5d|", -42);
	same_nonliteral(__LINE__, "%-08x|", 0xbeefu);
}

static void test_star_width(void **state UNUSED)
{
	same("%*d|", 6, 42);
	same("%*d|", -6, 42);
	same("%-*d|", 6, -42);
	same("%0*d|", 6, -42);
	same("%*u|", 0, 5u);
}

static void test_mixed_line(void **state UNUSED)
{
	same("pci %02x:%02x.%x [%04x:%04x] class %02x%02x%02x bar0 0x%lx",
	     0u, 3u, 0u, 0x1b36u, 0x0010u, 1u, 8u, 2u, 0xfebf0000UL);
	same("nvme: read %lu blocks at lba %lu: %s (%d)", 8UL, 18446744073709551000UL, "ok", 0);
	same("%s=%-6s|%5d|%-5u|%08lx|%c|%%", "key", "val", -3, 17u, 0xdeadUL, 'Z');
}

/* ------------------------------------------------------------ truncation and return value */

static void test_return_is_full_length(void **state UNUSED)
{
	char buf[4];

	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "abcdefgh"), 8);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%d", -123456), 7);
	assert_string_equal(buf, "-12");
}

static void test_size_one_only_terminates(void **state UNUSED)
{
	char buf[4];

	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "xyz%d", 5), 4);
	assert_int_equal(buf[0], '\0');
	assert_int_equal((uint8_t)buf[1], SENTINEL);
}

static void test_size_zero_does_not_write(void **state UNUSED)
{
	char buf[4];

	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 0, "%s %d", "hello", 42), 8);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal((uint8_t)buf[i], SENTINEL);
	/* As with C99 snprintf, a NULL buffer with size 0 just measures. */
	assert_int_equal(fmt_snprintf(NULL, 0, "%lu", ULONG_MAX), 20);
}

static void test_exact_fit(void **state UNUSED)
{
	char buf[6];

	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%05d", 7), 5);
	assert_string_equal(buf, "00007");
	assert_int_equal(fmt_snprintf(buf, 5, "%05d", 7), 5);
	assert_string_equal(buf, "0000");
}

/* fmt_vsnprintf with a format the compiler does not check. */
static int fmt_nonliteral(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_lone_percent_at_end(void **state UNUSED)
{
	char buf[16];

	/* Undefined in C; fmt stops at the terminator without reading past it. */
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "ab%"), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "ab%-0"), 2);
	assert_string_equal(buf, "ab");
}

/* vsnprintf reached through a va_list, as log helpers call it. */
static int __attribute__((format(printf, 3, 4))) via_va_list(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vsnprintf_entry(void **state UNUSED)
{
	char buf[32];

	assert_int_equal(via_va_list(buf, sizeof(buf), "%s-%d-%lx", "a", -1, 0xffUL), 7);
	assert_string_equal(buf, "a--1-ff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_decimal),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_long_long),
		cmocka_unit_test(test_size_t),
		cmocka_unit_test(test_short_and_char_lengths_in_range),
		cmocka_unit_test(test_short_and_char_lengths_convert),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_string_precision),
		cmocka_unit_test(test_string_width),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_char),
		cmocka_unit_test(test_char_width),
		cmocka_unit_test(test_nul_char_counts),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_width_numbers),
		cmocka_unit_test(test_zero_padding),
		cmocka_unit_test(test_left_justify),
		cmocka_unit_test(test_left_justify_beats_zero),
		cmocka_unit_test(test_star_width),
		cmocka_unit_test(test_mixed_line),
		cmocka_unit_test(test_return_is_full_length),
		cmocka_unit_test(test_size_one_only_terminates),
		cmocka_unit_test(test_size_zero_does_not_write),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_lone_percent_at_end),
		cmocka_unit_test(test_vsnprintf_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
