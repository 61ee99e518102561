/*
 * tests/host/test_mbr.c - host tests for lib/mbr.c: sector 0 as a GPT's
 * reader sees it (protective, hybrid, legacy, empty, none).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/mbr.h"

#define UNUSED __attribute__((unused))

static uint8_t s[MBR_BYTES];

static void signed_sector(void)
{
	memset(s, 0, sizeof(s));
	s[510] = 0x55;
	s[511] = 0xaa;
}

static void entry(unsigned i, uint8_t type)
{
	s[446 + 16 * i + 4] = type;
}

static void test_no_signature_is_none(void **state UNUSED)
{
	memset(s, 0, sizeof(s));
	entry(0, 0xee);
	assert_int_equal(mbr_classify(s), MBR_NONE);
	s[510] = 0xaa;
	s[511] = 0x55;		/* the bytes swapped: not the signature */
	assert_int_equal(mbr_classify(s), MBR_NONE);
}

static void test_protective_and_hybrid(void **state UNUSED)
{
	signed_sector();
	assert_int_equal(mbr_classify(s), MBR_EMPTY);
	entry(0, 0xee);
	assert_int_equal(mbr_classify(s), MBR_PROTECTIVE);
	entry(1, 0x83);
	assert_int_equal(mbr_classify(s), MBR_HYBRID);
	entry(0, 0);
	entry(3, 0xee);		/* the 0xEE entry need not be the first */
	assert_int_equal(mbr_classify(s), MBR_HYBRID);
}

/* Real entries and no 0xEE (an extended partition among them): a GPT behind it is stale. */
static void test_legacy(void **state UNUSED)
{
	signed_sector();
	entry(0, 0x83);
	entry(1, 0x05);
	assert_int_equal(mbr_classify(s), MBR_LEGACY);
	assert_string_equal(mbr_kind_name(MBR_LEGACY), "legacy");
	assert_string_equal(mbr_kind_name(MBR_PROTECTIVE), "protective");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_signature_is_none),
		cmocka_unit_test(test_protective_and_hybrid),
		cmocka_unit_test(test_legacy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
