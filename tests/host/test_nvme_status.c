/*
 * tests/host/test_nvme_status.c - host tests for lib/nvme_status.c: decoding
 * the completion status field (Base 2.0c §4.6.1.2: phase bit 0, SC 8:1,
 * SCT 11:9, CRD 13:12, M 14, DNR 15) for every 16-bit value, and the names
 * of known status codes per status code type, with "unknown" for the rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/nvme_reg.h"
#include "lib/nvme_status.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

static void test_decode_every_value(void **state UNUSED)
{
	for (uint32_t v = 0; v <= 0xffff; v++) {
		struct nvme_status s = nvme_status_decode((uint16_t)v);
		assert_int_equal(s.sc, (v >> 1) & 0xff);
		assert_int_equal(s.sct, (v >> 9) & 0x7);
		assert_int_equal(s.crd, (v >> 12) & 0x3);
		assert_int_equal(s.more, (v >> 14) & 1);
		assert_int_equal(s.dnr, (v >> 15) & 1);
		assert_int_equal(nvme_status_ok(s), ((v >> 1) & 0x7ff) == 0);
		/* The phase tag never matters. */
		struct nvme_status t = nvme_status_decode((uint16_t)(v ^ 1));
		assert_memory_equal(&s, &t, sizeof(s));
	}
}

static void test_decode_fields(void **state UNUSED)
{
	struct nvme_status s;

	s = nvme_status_decode(0x0001);	/* success, phase 1 */
	assert_true(nvme_status_ok(s));
	s = nvme_status_decode(NVME_STATUS_MAKE(NVME_SCT_MEDIA, NVME_SC_UNRECOVERED_READ, 1));
	assert_int_equal(s.sct, 2);
	assert_int_equal(s.sc, 0x81);
	assert_true(s.dnr);
	assert_false(s.more);
	assert_int_equal(s.crd, 0);
	assert_false(nvme_status_ok(s));
	s = nvme_status_decode((uint16_t)(2u << 12 | 1u << 14));	/* CRD 2, More, SC 0 */
	assert_int_equal(s.crd, 2);
	assert_true(s.more);
	assert_int_equal(s.sc, 0);
	assert_int_equal(s.sct, 0);
	assert_true(nvme_status_ok(s));	/* CRD/M/DNR alone are not an error */
	s = nvme_status_decode(0xffff);
	assert_int_equal(s.sc, 0xff);
	assert_int_equal(s.sct, 7);
	assert_int_equal(s.crd, 3);
	assert_true(s.more);
	assert_true(s.dnr);
	/* MAKE and decode agree. */
	for (unsigned sct = 0; sct < 8; sct++) {
		for (unsigned sc = 0; sc < 256; sc++) {
			for (unsigned dnr = 0; dnr < 2; dnr++) {
				s = nvme_status_decode(NVME_STATUS_MAKE(sct, sc, dnr));
				assert_int_equal(s.sct, sct);
				assert_int_equal(s.sc, sc);
				assert_int_equal(s.dnr, dnr);
				assert_int_equal(s.crd, 0);
				assert_false(s.more);
			}
		}
	}
}

struct known {
	uint8_t sct, sc;
	const char *name;
};

/* A selection from the spec tables (Base 2.0c Figs. 102-105, NVM CS 1.0c §3.4). */
static const struct known known[] = {
	{ 0, 0x00, "success" },
	{ 0, 0x01, "invalid-opcode" },
	{ 0, 0x02, "invalid-field" },
	{ 0, 0x03, "command-id-conflict" },
	{ 0, 0x04, "data-transfer-error" },
	{ 0, 0x06, "internal-error" },
	{ 0, 0x07, "abort-requested" },
	{ 0, 0x08, "aborted-sq-deletion" },
	{ 0, 0x0b, "invalid-namespace-or-format" },
	{ 0, 0x0c, "command-sequence-error" },
	{ 0, 0x13, "invalid-prp-offset" },
	{ 0, 0x80, "lba-out-of-range" },
	{ 0, 0x81, "capacity-exceeded" },
	{ 0, 0x82, "namespace-not-ready" },
	{ 0, 0x83, "reservation-conflict" },
	{ 1, 0x00, "completion-queue-invalid" },
	{ 1, 0x01, "invalid-queue-identifier" },
	{ 1, 0x02, "invalid-queue-size" },
	{ 1, 0x03, "abort-command-limit-exceeded" },
	{ 1, 0x08, "invalid-interrupt-vector" },
	{ 1, 0x09, "invalid-log-page" },
	{ 1, 0x0a, "invalid-format" },
	{ 1, 0x0c, "invalid-queue-deletion" },
	{ 1, 0x0d, "feature-not-saveable" },
	{ 1, 0x80, "conflicting-attributes" },
	{ 1, 0x82, "write-to-read-only-range" },
	{ 2, 0x80, "write-fault" },
	{ 2, 0x81, "unrecovered-read-error" },
	{ 2, 0x82, "end-to-end-guard-check-error" },
	{ 2, 0x85, "compare-failure" },
	{ 2, 0x86, "access-denied" },
	{ 2, 0x87, "deallocated-or-unwritten-block" },
	{ 3, 0x00, "internal-path-error" },
	{ 3, 0x03, "asymmetric-access-transition" },
	{ 3, 0x71, "command-aborted-by-host" },
};

static void test_known_names(void **state UNUSED)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_string_equal(nvme_status_name(known[i].sct, known[i].sc), known[i].name);
	/* The codes the broker and provider report by name. */
	assert_string_equal(nvme_status_name(NVME_SCT_GENERIC, NVME_SC_INVALID_NS), "invalid-namespace-or-format");
	assert_string_equal(nvme_status_name(NVME_SCT_COMMAND, NVME_SC_QID_INVALID), "invalid-queue-identifier");
	assert_string_equal(nvme_status_name(NVME_SCT_COMMAND, NVME_SC_INVALID_VECTOR), "invalid-interrupt-vector");
}

static void test_unknown_codes(void **state UNUSED)
{
	/* Reserved/unlisted codes in each type. */
	assert_string_equal(nvme_status_name(0, 0x0e), "unknown");
	assert_string_equal(nvme_status_name(0, 0x7f), "unknown");
	assert_string_equal(nvme_status_name(0, 0xc0), "unknown");
	assert_string_equal(nvme_status_name(0, 0xff), "unknown");
	assert_string_equal(nvme_status_name(1, 0x04), "unknown");
	assert_string_equal(nvme_status_name(1, 0xff), "unknown");
	assert_string_equal(nvme_status_name(2, 0x00), "unknown");
	assert_string_equal(nvme_status_name(2, 0x88), "unknown");
	assert_string_equal(nvme_status_name(3, 0x04), "unknown");
	assert_string_equal(nvme_status_name(3, 0xff), "unknown");
	/* Types 4..6 are reserved: everything unknown; 7 is vendor specific. */
	for (unsigned sc = 0; sc < 256; sc++) {
		for (uint8_t sct = 4; sct <= 6; sct++)
			assert_string_equal(nvme_status_name(sct, (uint8_t)sc), "unknown");
		assert_string_equal(nvme_status_name(NVME_SCT_VENDOR, (uint8_t)sc), "vendor-specific");
	}
	/* Out-of-range SCT values (only 3 bits exist) are unknown, not a crash. */
	for (unsigned sct = 8; sct < 256; sct++)
		assert_string_equal(nvme_status_name((uint8_t)sct, 0), "unknown");
}

static void test_every_name_well_formed(void **state UNUSED)
{
	unsigned named = 0;

	for (unsigned sct = 0; sct < 4; sct++) {
		for (unsigned sc = 0; sc < 256; sc++) {
			const char *n = nvme_status_name((uint8_t)sct, (uint8_t)sc);
			assert_non_null(n);
			assert_true(strlen(n) > 0);
			/* One kebab-case token: lower case, digits and dashes only. */
			for (const char *p = n; *p; p++)
				assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
			if (strcmp(n, "unknown") == 0)
				continue;
			named++;
			/* Names are unique within a type. */
			for (unsigned o = 0; o < sc; o++)
				assert_string_not_equal(n, nvme_status_name((uint8_t)sct, (uint8_t)o));
		}
	}
	assert_true(named >= 60);
}

/* Only the generic passing ends without DNR are worth sending again; every other status is final. */
static void test_transient(void **state UNUSED)
{
	static const uint8_t passing[] = { NVME_SC_ABORT_REQUESTED, NVME_SC_COMMAND_INTERRUPTED, NVME_SC_NS_NOT_READY,
					   NVME_SC_TRANSIENT_TRANSPORT };
	unsigned transient = 0;

	for (uint32_t v = 0; v <= 0xffff; v++) {
		struct nvme_status s = nvme_status_decode((uint16_t)v);
		bool want = false;
		for (unsigned i = 0; i < sizeof(passing); i++)
			want |= s.sct == NVME_SCT_GENERIC && s.sc == passing[i] && !s.dnr;
		assert_int_equal(nvme_status_transient(s), want);
		transient += want;
	}
	/* 4 codes x CRD (4) x More (2) x phase (2), DNR clear. */
	assert_int_equal(transient, 4 * 4 * 2 * 2);
	assert_false(nvme_status_transient(nvme_status_decode(NVME_STATUS_MAKE(NVME_SCT_MEDIA, NVME_SC_UNRECOVERED_READ, 0))));
	assert_false(nvme_status_transient(nvme_status_decode(NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED, 1))));
	assert_true(nvme_status_transient(nvme_status_decode(NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED, 0))));
	assert_string_equal(nvme_status_name(0, NVME_SC_COMMAND_INTERRUPTED), "command-interrupted");
	assert_string_equal(nvme_status_name(0, NVME_SC_TRANSIENT_TRANSPORT), "transient-transport-error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_every_value),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_known_names),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_every_name_well_formed),
		cmocka_unit_test(test_transient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
