/*
 * tests/host/test_trap_class.c - host tests for lib/trap_class.c: a vector
 * below 32 whose ISR bit is set is an external interrupt (no error code on
 * the stack, never an exception of the interrupted code); otherwise the CPU
 * raised it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "lib/trap_class.h"

#define UNUSED __attribute__((unused))

static void test_error_code_vectors(void **state UNUSED)
{
	static const unsigned with[] = { 8, 10, 11, 12, 13, 14, 17, 21, 29, 30 };
	unsigned n = 0;

	for (unsigned v = 0; v < 32; v++)
		n += trap_vector_has_error_code(v);
	assert_int_equal(n, sizeof(with) / sizeof(with[0]));
	for (unsigned i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		assert_true(trap_vector_has_error_code(with[i]));
	assert_false(trap_vector_has_error_code(19));	/* #XM */
	assert_false(trap_vector_has_error_code(18));	/* #MC */
}

static void test_isr_set_is_external_on_every_low_vector(void **state UNUSED)
{
	for (unsigned v = 0; v < 32; v++) {
		assert_int_equal(trap_classify_low(v, true), TRAP_SOURCE_EXTERNAL);
		/* An external interrupt never has a CPU-pushed error code, even on #PF's or #AC's vector. */
		assert_false(trap_entry_has_error_code(v, true));
	}
}

static void test_isr_clear_is_the_cpu(void **state UNUSED)
{
	assert_int_equal(trap_classify_low(2, false), TRAP_SOURCE_NMI);
	for (unsigned v = 0; v < 32; v++) {
		if (v == 2)
			continue;
		assert_int_equal(trap_classify_low(v, false), TRAP_SOURCE_EXCEPTION);
		assert_int_equal(trap_entry_has_error_code(v, false), trap_vector_has_error_code(v));
	}
}

/* The cases: #XM sent as a fixed MSI, a fixed vector 2, #PF's and #AC's vectors from a device. */
static void test_reported_attacks(void **state UNUSED)
{
	assert_int_equal(trap_classify_low(19, true), TRAP_SOURCE_EXTERNAL);
	assert_int_equal(trap_classify_low(2, true), TRAP_SOURCE_EXTERNAL);
	assert_false(trap_entry_has_error_code(14, true));
	assert_false(trap_entry_has_error_code(17, true));
	assert_true(trap_entry_has_error_code(14, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_code_vectors),
		cmocka_unit_test(test_isr_set_is_external_on_every_low_vector),
		cmocka_unit_test(test_isr_clear_is_the_cpu),
		cmocka_unit_test(test_reported_attacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
