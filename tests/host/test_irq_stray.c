/*
 * tests/host/test_irq_stray.c - host tests for lib/irq_stray.c: every
 * stray interrupt counted, one line per vector however many arrive, NMI
 * lines at each doubling, and the summary's counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "lib/irq_stray.h"

#define UNUSED __attribute__((unused))

static void test_flood_prints_once_counts_all(void **state UNUSED)
{
	static struct irq_stray s;
	unsigned lines = 0;

	for (int i = 0; i < 100000; i++)
		lines += irq_stray_count(&s, 0xf3);
	lines += irq_stray_count(&s, 19);
	lines += irq_stray_count(&s, 19);
	assert_int_equal(lines, 2);
	assert_int_equal(s.is_count[0xf3], 100000);
	assert_int_equal(s.is_count[19], 2);
	assert_int_equal(s.is_total, 100002);
	assert_false(irq_stray_count(&s, 256));	/* not a vector: ignored */
	assert_int_equal(s.is_total, 100002);
}

static void test_nmi_lines_at_doublings(void **state UNUSED)
{
	static struct irq_stray s;
	uint64_t n;
	unsigned lines = 0;

	assert_false(irq_stray_nmi_due(&s, &n));
	for (int i = 0; i < 1000; i++) {
		irq_stray_nmi(&s);
		lines += irq_stray_nmi_due(&s, &n);
	}
	assert_int_equal(n, 1000);
	assert_int_equal(lines, 10);	/* 1 2 4 ... 512 */
	/* Several NMIs between two looks: one line. */
	for (int i = 0; i < 100; i++)
		irq_stray_nmi(&s);
	assert_true(irq_stray_nmi_due(&s, &n));
	assert_int_equal(n, 1100);
	assert_false(irq_stray_nmi_due(&s, &n));
}

static void test_format(void **state UNUSED)
{
	static struct irq_stray s;
	char buf[256];

	assert_false(irq_stray_format(&s, 0x10, buf, sizeof(buf)));
	assert_string_equal(buf, "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
	irq_stray_count(&s, 0x13);
	irq_stray_count(&s, 0x13);
	irq_stray_count(&s, 0x1f);
	assert_true(irq_stray_format(&s, 0x10, buf, sizeof(buf)));
	assert_string_equal(buf, "0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,1");
	/* Too small a buffer: a terminated prefix. */
	assert_true(irq_stray_format(&s, 0x10, buf, 8));
	assert_int_equal(strlen(buf) < 8, 1);
	assert_true(irq_stray_format(&s, 0xf0, buf, sizeof(buf)) == false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_prints_once_counts_all),
		cmocka_unit_test(test_nmi_lines_at_doublings),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
