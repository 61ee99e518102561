/*
 * tests/host/test_acpi_tables.c - host tests for lib/acpi_tables.c: RSDP,
 * table header validation, RSDT/XSDT, MADT, MCFG, DMAR and FADT parsing and
 * the \_S5 search in DSDT AML, on table images built in byte arrays here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/acpi_tables.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#include "tests/host/acpi_table_builder.h"

/* ------------------------------------------------------------ checksum */

static void test_checksum_ok(void **state UNUSED)
{
	uint8_t b[4] = { 0x10, 0x20, 0x30, 0xa0 };

	assert_true(acpi_checksum_ok(b, 4));
	b[3] = 0xa1;
	assert_false(acpi_checksum_ok(b, 4));
	assert_true(acpi_checksum_ok(b, 0));
}

/* ------------------------------------------------------------ RSDP */

static void rsdp_build(uint8_t r[36], uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "CAPRCK", 6);
	r[15] = revision;
	r[16] = (uint8_t)rsdt;
	r[17] = (uint8_t)(rsdt >> 8);
	r[18] = (uint8_t)(rsdt >> 16);
	r[19] = (uint8_t)(rsdt >> 24);
	r[20] = 36;
	for (int i = 0; i < 8; i++)
		r[24 + i] = (uint8_t)(xsdt >> (8 * i));
	fix_checksum(r, ACPI_RSDP_V1_LEN, 8);
	if (revision >= 2)
		fix_checksum(r, 36, 32);
}

static void test_rsdp_v1(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 0, 0x7fe1000, 0);
	assert_int_equal(acpi_parse_rsdp(exact(r, ACPI_RSDP_V1_LEN), ACPI_RSDP_V1_LEN, &info, &why), 0);
	assert_int_equal(info.revision, 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, 0x7fe1000);
	assert_null(why);
}

static void test_rsdp_v1_ignores_xsdt_fields(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	/* Revision 0 has no length or XSDT: whatever follows is not RSDP. */
	rsdp_build(r, 0, 0x1000, 0);
	memset(r + 20, 0xee, 16);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, 0x1000);
}

static void test_rsdp_v2_uses_xsdt(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 2, 0x7fe1000, 0x1234567000ull);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), 0);
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	assert_true(info.root_phys == 0x1234567000ull);
}

static void test_rsdp_v2_without_xsdt_falls_back_to_rsdt(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 2, 0x7fe1000, 0);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, 0x7fe1000);
}

static void test_rsdp_bad_signature(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 0, 0x1000, 0);
	r[7] = '_';
	fix_checksum(r, ACPI_RSDP_V1_LEN, 8);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-signature");
}

static void test_rsdp_bad_checksum(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 0, 0x1000, 0);
	r[8]++;
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-checksum");
}

static void test_rsdp_bad_extended_checksum(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 2, 0x1000, 0x2000);
	r[32]++;	/* outside the first 20 bytes: only the extended sum breaks */
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-extended-checksum");
}

static void test_rsdp_truncated(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 0, 0x1000, 0);
	assert_int_equal(acpi_parse_rsdp(exact(r, ACPI_RSDP_V1_LEN - 1), ACPI_RSDP_V1_LEN - 1,
					 &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-truncated");
	assert_int_equal(acpi_parse_rsdp(exact(r, 0), 0, &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-truncated");
}

static void test_rsdp_v2_truncated(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	/* A revision 2 RSDP needs all 36 bytes to be checked. */
	rsdp_build(r, 2, 0x1000, 0x2000);
	assert_int_equal(acpi_parse_rsdp(exact(r, 35), 35, &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-length");
	assert_int_equal(acpi_parse_rsdp(exact(r, ACPI_RSDP_V1_LEN), ACPI_RSDP_V1_LEN, &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-length");
}

static void test_rsdp_v2_bad_length_field(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 2, 0x1000, 0x2000);
	r[20] = 20;	/* shorter than the structure */
	fix_checksum(r, 36, 32);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-length");

	rsdp_build(r, 2, 0x1000, 0x2000);
	r[20] = 40;	/* longer than what is mapped */
	fix_checksum(r, 36, 32);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-bad-length");
}

static void test_rsdp_no_root_table(void **state UNUSED)
{
	uint8_t r[36];
	struct acpi_rsdp_info info;
	const char *why = NULL;

	rsdp_build(r, 0, 0, 0);
	assert_int_equal(acpi_parse_rsdp(exact(r, sizeof(r)), sizeof(r), &info, &why), CR_EPROTO);
	assert_string_equal(why, "rsdp-no-root-table");
}

/* ------------------------------------------------------------ acpi_check_table */

static void test_check_table_good(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "APIC", 4);
	zeros(&t, 20);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_check_table(exact(t.b, len), len, "APIC", &why), (long)len);
	/* More bytes mapped than the table needs is fine. */
	assert_int_equal(acpi_check_table(exact(t.b, sizeof(t.b)), sizeof(t.b), "APIC", &why), (long)len);
	/* No signature to match: any table. */
	assert_int_equal(acpi_check_table(exact(t.b, len), len, NULL, &why), (long)len);
	assert_null(why);
}

static void test_check_table_header_only(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "SSDT", 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_check_table(exact(t.b, len), len, "SSDT", &why), 36);
}

static void test_check_table_bad_checksum(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "FACP", 6);
	zeros(&t, 100);
	size_t len = sdt_end(&t);
	t.b[80] ^= 0x01;
	assert_int_equal(acpi_check_table(exact(t.b, len), len, "FACP", &why), CR_EPROTO);
	assert_string_equal(why, "bad-checksum");
}

static void test_check_table_wrong_signature(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "HPET", 1);
	zeros(&t, 20);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_check_table(exact(t.b, len), len, "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "bad-signature");
	/* Signatures are compared as bytes: case matters. */
	assert_int_equal(acpi_check_table(exact(t.b, len), len, "hpet", &why), CR_EPROTO);
}

static void test_check_table_length_below_header(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "APIC", 1);
	zeros(&t, 20);
	set32(&t, 4, 35);
	fix_checksum(t.b, 35, 9);
	assert_int_equal(acpi_check_table(exact(t.b, t.n), t.n, "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "length-below-header");
	set32(&t, 4, 0);
	assert_int_equal(acpi_check_table(exact(t.b, t.n), t.n, "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "length-below-header");
}

static void test_check_table_length_beyond_avail(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "APIC", 1);
	zeros(&t, 64);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_check_table(exact(t.b, len - 1), len - 1, "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "length-exceeds-mapping");
	/* A length field far past anything mapped. */
	set32(&t, 4, 0xffffffffu);
	assert_int_equal(acpi_check_table(exact(t.b, sizeof(t.b)), sizeof(t.b), "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "length-exceeds-mapping");
}

static void test_check_table_header_truncated(void **state UNUSED)
{
	static struct tb t;
	const char *why = NULL;

	sdt_begin(&t, "APIC", 1);
	sdt_end(&t);
	assert_int_equal(acpi_check_table(exact(t.b, 35), 35, "APIC", &why), CR_EPROTO);
	assert_string_equal(why, "header-truncated");
}

/* ------------------------------------------------------------ RSDT / XSDT */

static void test_root_entries_rsdt(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[8];
	const char *why = NULL;

	sdt_begin(&t, "RSDT", 1);
	put32(&t, 0x7fe0000);
	put32(&t, 0x7fe1000);
	put32(&t, 0xfffff000u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, false, out, 8, &why), 3);
	assert_int_equal(out[0], 0x7fe0000);
	assert_int_equal(out[1], 0x7fe1000);
	assert_int_equal(out[2], 0xfffff000u);
}

static void test_root_entries_xsdt(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[8];
	const char *why = NULL;

	sdt_begin(&t, "XSDT", 1);
	put64(&t, 0x7fe0000);
	put64(&t, 0x123456789000ull);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, true, out, 8, &why), 2);
	assert_int_equal(out[0], 0x7fe0000);
	assert_true(out[1] == 0x123456789000ull);
	/* Read as an RSDT the same bytes are four 32-bit entries. */
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, false, out, 8, &why), 4);
	assert_int_equal(out[2], 0x56789000u);
	assert_int_equal(out[3], 0x1234);
}

static void test_root_entries_empty(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[1];
	const char *why = NULL;

	sdt_begin(&t, "XSDT", 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, true, out, 1, &why), 0);
}

static void test_root_entries_clipped_to_max(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[3] = { 0, 0, 0xdead };
	const char *why = NULL;

	sdt_begin(&t, "RSDT", 1);
	for (uint32_t i = 1; i <= 5; i++)
		put32(&t, i * 0x1000);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, false, out, 2, &why), 2);
	assert_int_equal(out[0], 0x1000);
	assert_int_equal(out[1], 0x2000);
	assert_int_equal(out[2], 0xdead);	/* not written past max */
}

static void test_root_entries_ragged(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[8];
	const char *why = NULL;

	sdt_begin(&t, "XSDT", 1);
	put64(&t, 0x1000);
	put32(&t, 0x2000);	/* half an entry */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, true, out, 8, &why), CR_EPROTO);
	assert_string_equal(why, "root-ragged-entry-array");

	sdt_begin(&t, "RSDT", 1);
	put32(&t, 0x1000);
	put16(&t, 0x2000);
	len = sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, len), len, false, out, 8, &why), CR_EPROTO);
	assert_string_equal(why, "root-ragged-entry-array");
}

static void test_root_entries_truncated(void **state UNUSED)
{
	static struct tb t;
	uint64_t out[8];
	const char *why = NULL;

	sdt_begin(&t, "RSDT", 1);
	sdt_end(&t);
	assert_int_equal(acpi_root_entries(exact(t.b, 20), 20, false, out, 8, &why), CR_EPROTO);
	assert_string_equal(why, "root-truncated");
}

/* ------------------------------------------------------------ MADT */

static void madt_begin(struct tb *t, uint32_t lapic, uint32_t flags)
{
	sdt_begin(t, "APIC", 5);
	put32(t, lapic);
	put32(t, flags);
}

static void madt_lapic(struct tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	put8(t, MADT_LAPIC);
	put8(t, 8);
	put8(t, uid);
	put8(t, apic_id);
	put32(t, flags);
}

static void madt_x2apic(struct tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	put8(t, MADT_X2APIC);
	put8(t, 16);
	put16(t, 0);
	put32(t, x2apic_id);
	put32(t, flags);
	put32(t, uid);
}

static void madt_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	put8(t, MADT_IOAPIC);
	put8(t, 12);
	put8(t, id);
	put8(t, 0);
	put32(t, addr);
	put32(t, gsi_base);
}

static void madt_iso(struct tb *t, uint8_t source, uint32_t gsi, uint16_t flags)
{
	put8(t, MADT_ISO);
	put8(t, 10);
	put8(t, 0);
	put8(t, source);
	put32(t, gsi);
	put16(t, flags);
}

static void madt_lapic_override(struct tb *t, uint64_t addr)
{
	put8(t, MADT_LAPIC_OVERRIDE);
	put8(t, 12);
	put16(t, 0);
	put64(t, addr);
}

static void test_madt_typical(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 1);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 2, 1);
	madt_ioapic(&t, 3, 0xfec00000u, 0);
	madt_iso(&t, 0, 2, 0);
	madt_iso(&t, 9, 9, 0x000d);	/* active high (01), level (11) */
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.lapic_phys, 0xfee00000u);
	assert_true(m.pcat_compat);
	assert_int_equal(m.ncpus, 2);
	assert_int_equal(m.cpu_apic_ids[0], 0);
	assert_int_equal(m.cpu_apic_ids[1], 2);
	assert_int_equal(m.nioapics, 1);
	assert_int_equal(m.ioapics[0].id, 3);
	assert_int_equal(m.ioapics[0].phys, 0xfec00000u);
	assert_int_equal(m.ioapics[0].gsi_base, 0);
	assert_int_equal(m.nisos, 2);
	assert_int_equal(m.isos[0].source, 0);
	assert_int_equal(m.isos[0].gsi, 2);
	assert_int_equal(m.isos[0].flags, 0);
	assert_int_equal(m.isos[1].source, 9);
	assert_int_equal(m.isos[1].gsi, 9);
	assert_int_equal(m.isos[1].flags, 0x000d);
}

static void test_madt_no_pcat(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_false(m.pcat_compat);
	assert_int_equal(m.ncpus, 0);
	assert_int_equal(m.nioapics, 0);
	assert_int_equal(m.nisos, 0);
}

static void test_madt_x2apic(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_lapic(&t, 0, 1, 1);
	madt_x2apic(&t, 0x1234, 1, 7);
	madt_x2apic(&t, 0xabcdef, 2, 8);	/* online-capable counts */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 3);
	assert_int_equal(m.cpu_apic_ids[0], 1);
	assert_int_equal(m.cpu_apic_ids[1], 0x1234);
	assert_int_equal(m.cpu_apic_ids[2], 0xabcdef);
}

/*
 * ACPI 6.3 §5.2.12.2 Table 5.37: bit 0 Enabled, bit 1 Online Capable (only
 * meaningful when Enabled is clear).  Both kinds are listed; only enabled
 * ones are started at boot.  LAPIC id 0xff is not a processor.
 */
static void test_madt_enabled_and_online_capable(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_lapic(&t, 0, 0, 1);		/* enabled */
	madt_lapic(&t, 1, 1, 2);		/* online-capable, not enabled */
	madt_lapic(&t, 2, 2, 3);		/* both bits: enabled wins */
	madt_lapic(&t, 3, 0xff, 1);		/* not a processor id */
	madt_x2apic(&t, 0x300, 2, 9);		/* online-capable x2APIC */
	madt_x2apic(&t, 0x301, 1, 10);		/* enabled x2APIC */
	madt_x2apic(&t, 2, 1, 2);		/* the same processor listed twice */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 5);
	assert_int_equal(m.ncpus_enabled, 3);
	assert_int_equal(m.cpu_apic_ids[0], 0);
	assert_true(m.cpu_enabled[0]);
	assert_int_equal(m.cpu_apic_ids[1], 1);
	assert_false(m.cpu_enabled[1]);
	assert_int_equal(m.cpu_apic_ids[2], 2);
	assert_true(m.cpu_enabled[2]);
	assert_int_equal(m.cpu_apic_ids[3], 0x300);
	assert_false(m.cpu_enabled[3]);
	assert_int_equal(m.cpu_uids[3], 9);
	assert_int_equal(m.cpu_apic_ids[4], 0x301);
	assert_true(m.cpu_enabled[4]);
	assert_int_equal(m.ncpus_duplicate, 1);
	assert_int_equal(m.max_apic_id, 0x301);
}

static void test_madt_two_ioapics(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_ioapic(&t, 8, 0xfec00000u, 0);
	madt_ioapic(&t, 9, 0xfec01000u, 24);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.nioapics, 2);
	assert_int_equal(m.ioapics[1].id, 9);
	assert_int_equal(m.ioapics[1].phys, 0xfec01000u);
	assert_int_equal(m.ioapics[1].gsi_base, 24);
}

static void test_madt_lapic_override(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_lapic_override(&t, 0x1fee00000ull);
	madt_lapic(&t, 0, 0, 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_true(m.lapic_phys == 0x1fee00000ull);
	assert_int_equal(m.ncpus, 1);
}

static void test_madt_override_supplies_missing_address(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0, 0);
	madt_lapic_override(&t, 0xfee00000u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.lapic_phys, 0xfee00000u);
}

static void test_madt_no_lapic_address(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0, 0);
	madt_lapic(&t, 0, 0, 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-no-lapic-address");
}

static void test_madt_disabled_cpus_not_counted(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 1, 0);	/* disabled, not online-capable */
	madt_lapic(&t, 2, 2, 2);	/* online-capable */
	madt_x2apic(&t, 300, 0, 3);	/* disabled */
	madt_lapic(&t, 4, 4, 0xfffffffcu);	/* only reserved bits */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 2);
	assert_int_equal(m.cpu_apic_ids[0], 0);
	assert_int_equal(m.cpu_apic_ids[1], 2);
}

static void test_madt_unknown_entries_skipped(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	/* Local APIC NMI (type 4, 6 bytes) and a made-up type 0x7f of 3 bytes. */
	put8(&t, 4); put8(&t, 6); put8(&t, 0xff); put16(&t, 5); put8(&t, 1);
	put8(&t, 0x7f); put8(&t, 3); put8(&t, 0);
	madt_lapic(&t, 0, 5, 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 1);
	assert_int_equal(m.cpu_apic_ids[0], 5);
}

static void test_madt_cpu_limit(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	for (int i = 0; i < ACPI_MAX_CPUS + 4; i++)
		madt_lapic(&t, (uint8_t)i, (uint8_t)i, 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(m.cpu_apic_ids[ACPI_MAX_CPUS - 1], ACPI_MAX_CPUS - 1);
}

static void test_madt_zero_length_entry(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_lapic(&t, 0, 0, 1);
	put8(&t, MADT_LAPIC);
	put8(&t, 0);		/* would loop forever if accepted */
	zeros(&t, 6);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-entry-overruns-table");
}

static void test_madt_entry_length_below_header(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	/* Lengths 0 and 1 cannot even cover the type and length bytes. */
	for (uint8_t l = 0; l < 2; l++) {
		madt_begin(&t, 0xfee00000u, 0);
		put8(&t, 0x7f);
		put8(&t, l);
		zeros(&t, 6);
		size_t len = sdt_end(&t);
		assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
		assert_string_equal(why, "madt-entry-overruns-table");
	}
}

static void test_madt_entry_overruns_table(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	madt_ioapic(&t, 1, 0xfec00000u, 0);
	size_t len = sdt_end(&t);
	/* The table ends in the middle of the IOAPIC entry. */
	assert_int_equal(acpi_parse_madt(exact(t.b, len - 4), len - 4, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-entry-overruns-table");

	madt_begin(&t, 0xfee00000u, 0);
	put8(&t, MADT_LAPIC);
	put8(&t, 200);		/* claims far more than is there */
	zeros(&t, 6);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-entry-overruns-table");

	/* One lone byte: not even the entry header fits. */
	madt_begin(&t, 0xfee00000u, 0);
	put8(&t, MADT_LAPIC);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-entry-overruns-table");
}

static void test_madt_short_entries(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;
	static const struct { uint8_t type; const char *why; } cases[] = {
		{ MADT_LAPIC, "madt-short-lapic" }, { MADT_X2APIC, "madt-short-x2apic" },
		{ MADT_IOAPIC, "madt-short-ioapic" }, { MADT_ISO, "madt-short-override" },
		{ MADT_LAPIC_OVERRIDE, "madt-short-lapic-override" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		madt_begin(&t, 0xfee00000u, 0);
		put8(&t, cases[i].type);
		put8(&t, 4);
		zeros(&t, 2);
		size_t len = sdt_end(&t);
		assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_madt_truncated(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t, 0xfee00000u, 0);
	sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, 43), 43, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-truncated");
}

/* ------------------------------------------------------------ MCFG */

static void mcfg_begin(struct tb *t)
{
	sdt_begin(t, "MCFG", 1);
	zeros(t, 8);
}

static void mcfg_entry(struct tb *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
	put64(t, base);
	put16(t, seg);
	put8(t, start);
	put8(t, end);
	put32(t, 0);
}

static void test_mcfg_one_segment(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xb0000000u, 0, 0, 255);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.nsegments, 1);
	assert_int_equal(m.segments[0].base, 0xb0000000u);
	assert_int_equal(m.segments[0].segment, 0);
	assert_int_equal(m.segments[0].start_bus, 0);
	assert_int_equal(m.segments[0].end_bus, 255);
}

static void test_mcfg_two_segments(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xe0000000u, 0, 0, 63);
	mcfg_entry(&t, 0x3f000000000ull, 1, 0x80, 0x80);	/* one bus */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.nsegments, 2);
	assert_int_equal(m.segments[0].end_bus, 63);
	assert_true(m.segments[1].base == 0x3f000000000ull);
	assert_int_equal(m.segments[1].segment, 1);
	assert_int_equal(m.segments[1].start_bus, 0x80);
	assert_int_equal(m.segments[1].end_bus, 0x80);
}

static void test_mcfg_end_below_start(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xe0000000u, 0, 10, 9);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-end-bus-below-start-bus");
}

static void test_mcfg_unaligned_base(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xe0080000u, 0, 0, 255);	/* 512 KiB aligned only */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-bad-base-address");

	mcfg_begin(&t);
	mcfg_entry(&t, 0, 0, 0, 255);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-bad-base-address");
}

static void test_mcfg_bad_second_entry(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xe0000000u, 0, 0, 255);
	mcfg_entry(&t, 0xf0000001u, 1, 0, 255);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-bad-base-address");
}

static void test_mcfg_ragged(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	mcfg_entry(&t, 0xe0000000u, 0, 0, 255);
	zeros(&t, 8);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-ragged-entry-array");
}

static void test_mcfg_no_segments_and_truncated(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-no-segments");
	assert_int_equal(acpi_parse_mcfg(exact(t.b, 43), 43, &m, &why), CR_EPROTO);
	assert_string_equal(why, "mcfg-truncated");
}

static void test_mcfg_more_than_max_segments(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_mcfg_info m;
	const char *why = NULL;

	mcfg_begin(&t);
	for (int i = 0; i < ACPI_MAX_MCFG + 2; i++)
		mcfg_entry(&t, 0xe0000000u + ((uint64_t)i << 28), (uint16_t)i, 0, 255);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_mcfg(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.nsegments, ACPI_MAX_MCFG);
	assert_int_equal(m.segments[ACPI_MAX_MCFG - 1].segment, ACPI_MAX_MCFG - 1);
}

/* ------------------------------------------------------------ DMAR */

static void test_dmar_include_pci_all(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, DMAR_FLAG_INTR_REMAP);
	size_t u = drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.host_address_width, 38);
	assert_int_equal(d.flags, DMAR_FLAG_INTR_REMAP);
	assert_int_equal(d.nunits, 1);
	assert_int_equal(d.units[0].register_base, 0xfed90000u);
	assert_int_equal(d.units[0].segment, 0);
	assert_int_equal(d.units[0].flags, DRHD_INCLUDE_PCI_ALL);
	assert_int_equal(d.units[0].nscopes, 0);
	assert_int_equal(d.nrmrr, 0);
	assert_int_equal(d.nother, 0);
}

static void test_dmar_endpoint_scope_two_hops(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	/* Root port 00:1c.4, then device 00.0 behind it. */
	const uint8_t path[] = { 0x1c, 4, 0, 0 };
	const uint8_t ioapic_path[] = { 0x1e, 1 };

	dmar_begin(&t, 47, 0);
	size_t u = drhd_open(&t, 0, 2, 0x1fed91000ull);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, path, 2);
	scope(&t, DMAR_SCOPE_IOAPIC, 8, 0xf0, ioapic_path, 1);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.nunits, 1);
	const struct acpi_dmar_unit_info *ui = &d.units[0];
	assert_true(ui->register_base == 0x1fed91000ull);
	assert_int_equal(ui->segment, 2);
	assert_int_equal(ui->flags, 0);
	assert_int_equal(ui->nscopes, 2);
	assert_int_equal(ui->scopes[0].type, DMAR_SCOPE_PCI_ENDPOINT);
	assert_int_equal(ui->scopes[0].start_bus, 0);
	assert_int_equal(ui->scopes[0].npath, 2);
	assert_int_equal(ui->scopes[0].path[0].device, 0x1c);
	assert_int_equal(ui->scopes[0].path[0].function, 4);
	assert_int_equal(ui->scopes[0].path[1].device, 0);
	assert_int_equal(ui->scopes[0].path[1].function, 0);
	assert_int_equal(ui->scopes[1].type, DMAR_SCOPE_IOAPIC);
	assert_int_equal(ui->scopes[1].enumeration_id, 8);
	assert_int_equal(ui->scopes[1].start_bus, 0xf0);
	assert_int_equal(ui->scopes[1].npath, 1);
	assert_int_equal(ui->scopes[1].path[0].device, 0x1e);
	assert_int_equal(ui->scopes[1].path[0].function, 1);
}

static void test_dmar_rmrr(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	const uint8_t usb[] = { 0x14, 0 };

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u);
	dmar_close(&t, u);
	size_t r = rmrr_open(&t, 0, 0x7d000000u, 0x7d7fffffu);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, usb, 1);
	dmar_close(&t, r);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.nunits, 1);
	assert_int_equal(d.nrmrr, 1);
	assert_int_equal(d.rmrr[0].base, 0x7d000000u);
	assert_int_equal(d.rmrr[0].limit, 0x7d7fffffu);
	assert_int_equal(d.rmrr[0].segment, 0);
	assert_int_equal(d.rmrr[0].nscopes, 1);
	assert_int_equal(d.rmrr[0].scopes[0].path[0].device, 0x14);
}

static void test_dmar_rmrr_single_byte_region(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	dmar_close(&t, rmrr_open(&t, 0, 0x1000, 0x1000));	/* limit is inclusive */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.nrmrr, 1);
}

static void test_dmar_unknown_types_counted_in_nother(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	/* An ATSR (type 2, 8 bytes) and a future type 0x99 (12 bytes). */
	put16(&t, DMAR_TYPE_ATSR); put16(&t, 8); put8(&t, 0); put8(&t, 0); put16(&t, 0);
	put16(&t, 0x99); put16(&t, 12); zeros(&t, 8);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.nunits, 1);
	assert_int_equal(d.nother, 2);
}

static void test_dmar_two_units(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	const uint8_t gfx[] = { 2, 0 };

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, gfx, 1);
	dmar_close(&t, u);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed91000u));
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), 0);
	assert_int_equal(d.nunits, 2);
	assert_int_equal(d.units[0].nscopes, 1);
	assert_int_equal(d.units[1].register_base, 0xfed91000u);
	assert_int_equal(d.units[1].flags, DRHD_INCLUDE_PCI_ALL);
}

static void test_dmar_structure_overruns_table(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u);
	dmar_close(&t, u);
	set16(&t, u + 2, 64);	/* 48 bytes more than there are */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-structure-overruns-table");
}

static void test_dmar_structure_length_below_header(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	put16(&t, 0x77);
	put16(&t, 0);		/* zero length: must not loop */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-structure-overruns-table");
}

static void test_dmar_structure_length_below_entry_header(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	/* Each length shorter than the structure's own 4-byte type+length. */
	for (uint16_t l = 0; l < 4; l++) {
		dmar_begin(&t, 38, 0);
		dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
		put16(&t, 0x77);
		put16(&t, l);
		zeros(&t, 8);
		size_t len = sdt_end(&t);
		assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
		assert_string_equal(why, "dmar-structure-overruns-table");
	}
}

static void test_dmar_short_drhd(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	put16(&t, DMAR_TYPE_DRHD);
	put16(&t, 8);
	zeros(&t, 4);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-short-drhd");
}

static void test_dmar_drhd_bad_register_base(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90800u));
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-drhd-bad-register-base");

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0));
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-drhd-bad-register-base");
}

static void test_dmar_scope_odd_path_bytes(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	put8(&t, DMAR_SCOPE_PCI_ENDPOINT);
	put8(&t, 9);		/* 6-byte header + 3 path bytes */
	zeros(&t, 4);
	put8(&t, 2); put8(&t, 0); put8(&t, 1);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-bad-path");
}

static void test_dmar_scope_without_path(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, NULL, 0);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-bad-path");
}

static void test_dmar_scope_bad_device_function(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	const uint8_t bad_dev[] = { 32, 0 };
	const uint8_t bad_fn[] = { 3, 8 };

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, bad_dev, 1);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-bad-device-function");

	dmar_begin(&t, 38, 0);
	u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, bad_fn, 1);
	dmar_close(&t, u);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-bad-device-function");
}

static void test_dmar_scope_overruns_structure(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	const uint8_t path[] = { 2, 0 };

	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, path, 1);
	t.b[u + 16 + 1] = 10;	/* scope claims 10 bytes, the DRHD holds 8 */
	dmar_close(&t, u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-overruns-structure");
}

static void test_dmar_scope_length_below_scope_header(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	/* Scopes shorter than their 6-byte header: the path length would be negative. */
	for (uint8_t l = 0; l < 6; l++) {
		dmar_begin(&t, 38, 0);
		size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
		put8(&t, DMAR_SCOPE_PCI_ENDPOINT);
		put8(&t, l);
		zeros(&t, 6);
		dmar_close(&t, u);
		size_t len = sdt_end(&t);
		assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
		assert_string_equal(why, "dmar-scope-overruns-structure");
	}
}

static void test_dmar_scope_path_too_deep(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;
	uint8_t path[2 * (ACPI_MAX_SCOPE_PATH + 1)];

	memset(path, 0, sizeof(path));
	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, path, ACPI_MAX_SCOPE_PATH + 1);
	dmar_close(&t, u);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-scope-path-too-deep");
}

static void test_dmar_rmrr_limit_below_base(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	dmar_close(&t, rmrr_open(&t, 0, 0x7d000000u, 0x7cffffffu));
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-rmrr-limit-below-base");
}

static void test_dmar_short_rmrr(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	put16(&t, DMAR_TYPE_RMRR);
	put16(&t, 16);
	zeros(&t, 12);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-short-rmrr");
}

static void test_dmar_zero_units(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	dmar_close(&t, rmrr_open(&t, 0, 0x1000, 0x1fff));
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-no-remapping-units");

	dmar_begin(&t, 38, 0);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-no-remapping-units");
}

static void test_dmar_too_many_units(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	for (int i = 0; i <= ACPI_MAX_DRHD; i++)
		dmar_close(&t, drhd_open(&t, 0, 0, 0xfed90000u + (uint32_t)i * 0x1000));
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, len), len, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-too-many-units");
}

static void test_dmar_truncated(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_dmar_info d;
	const char *why = NULL;

	dmar_begin(&t, 38, 0);
	sdt_end(&t);
	assert_int_equal(acpi_parse_dmar(exact(t.b, 47), 47, &d, &why), CR_EPROTO);
	assert_string_equal(why, "dmar-truncated");
}

/* ------------------------------------------------------------ FADT */

/* A FADT of len bytes (116 for ACPI 1.0, 276 for 6.x), fields zero. */
static void fadt_build(struct tb *t, size_t len)
{
	sdt_begin(t, "FACP", len > 116 ? 6 : 1);
	zeros(t, len - t->n);
}

static void fadt_set_gas(struct tb *t, size_t off, uint8_t space, uint8_t width, uint64_t addr)
{
	t->b[off] = space;
	t->b[off + 1] = width;
	t->b[off + 2] = 0;
	t->b[off + 3] = 1;
	set64(t, off + 4, addr);
}

static void test_fadt_acpi1_port(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 116);
	set32(&t, FADT_DSDT, 0x7fe2000);
	set32(&t, FADT_SMI_CMD, 0xb2);
	t.b[FADT_ACPI_ENABLE] = 0xf1;
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.dsdt_phys, 0x7fe2000);
	assert_int_equal(f.smi_cmd, 0xb2);
	assert_int_equal(f.acpi_enable, 0xf1);
	assert_false(f.hw_reduced);
	assert_int_equal(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
	assert_int_equal(f.pm1b_cnt.address, 0);
	assert_int_equal(f.sleep_control.address, 0);
}

static void test_fadt_pm1b_port(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 116);
	set32(&t, FADT_PM1A_CNT_BLK, 0x1804);
	set32(&t, FADT_PM1B_CNT_BLK, 0x1904);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm1a_cnt.address, 0x1804);
	assert_int_equal(f.pm1b_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1b_cnt.address, 0x1904);
}

static void test_fadt_x_pm1a_gas(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 276);
	set32(&t, FADT_DSDT, 0x1000);
	set64(&t, FADT_X_DSDT, 0x100002000ull);
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);	/* superseded by X_PM1a */
	fadt_set_gas(&t, FADT_X_PM1A_CNT_BLK, ACPI_GAS_MEMORY, 16, 0xfe000404ull);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_true(f.dsdt_phys == 0x100002000ull);
	assert_int_equal(f.pm1a_cnt.space_id, ACPI_GAS_MEMORY);
	assert_int_equal(f.pm1a_cnt.bit_width, 16);
	assert_int_equal(f.pm1a_cnt.address, 0xfe000404ull);
	assert_false(f.hw_reduced);
}

static void test_fadt_x_fields_zero_keep_legacy(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 276);
	set32(&t, FADT_DSDT, 0x7fe2000);
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.dsdt_phys, 0x7fe2000);
	assert_int_equal(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
}

static void test_fadt_hw_reduced_sleep_control(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 276);
	set32(&t, FADT_FLAGS, FADT_FLAG_HW_REDUCED);
	set64(&t, FADT_X_DSDT, 0x7fe2000);
	fadt_set_gas(&t, FADT_SLEEP_CONTROL_REG, ACPI_GAS_MEMORY, 8, 0xfe00b004ull);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_true(f.hw_reduced);
	assert_int_equal(f.pm1a_cnt.address, 0);
	assert_int_equal(f.sleep_control.space_id, ACPI_GAS_MEMORY);
	assert_int_equal(f.sleep_control.bit_width, 8);
	assert_int_equal(f.sleep_control.address, 0xfe00b004ull);
	assert_int_equal(f.dsdt_phys, 0x7fe2000);
}

static void test_fadt_no_pm1a(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 276);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), CR_EPROTO);
	assert_string_equal(why, "fadt-no-pm1a-control");
}

static void test_fadt_truncated(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 116);
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, 115), 115, &f, &why), CR_EPROTO);
	assert_string_equal(why, "fadt-truncated");
	assert_int_equal(acpi_parse_fadt(exact(t.b, 36), 36, &f, &why), CR_EPROTO);
	assert_string_equal(why, "fadt-truncated");
}

static void test_fadt_x_fields_beyond_len_ignored(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	/* The buffer holds an X_PM1a GAS, but the length stops before it ends. */
	fadt_build(&t, 276);
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	fadt_set_gas(&t, FADT_X_PM1A_CNT_BLK, ACPI_GAS_MEMORY, 16, 0xfe000404ull);
	fadt_set_gas(&t, FADT_SLEEP_CONTROL_REG, ACPI_GAS_MEMORY, 8, 0xfe00b004ull);
	size_t len = FADT_X_PM1A_CNT_BLK + 11;
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
	assert_int_equal(f.sleep_control.address, 0);
}

/* ------------------------------------------------------------ \_S5 */

static size_t dsdt_with(struct tb *t, const uint8_t *aml, size_t n)
{
	sdt_begin(t, "DSDT", 2);
	/* Some unrelated AML first: Name (_S3_, ...) must not be mistaken for _S5_. */
	static const uint8_t s3[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x02, 0x0a, 0x01, 0x0a, 0x01 };
	putn(t, s3, sizeof(s3));
	putn(t, aml, n);
	return sdt_end(t);
}

static void test_s5_byte_prefix(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 7);
}

static void test_s5_zero_ops(void **state UNUSED)
{
	static struct tb t;
	/* QEMU's Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
}

static void test_s5_one_op_and_mixed(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x01, 0x0a, 0x03,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 3);
}

static void test_s5_root_prefixed(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void test_s5_two_byte_pkglength(void **state UNUSED)
{
	static struct tb t;
	/* PkgLength lead byte 0x40: one more length byte follows. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x49, 0x00, 0x04, 0x0a, 0x02, 0x0a, 0x06, 0x00, 0x00,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 2);
	assert_int_equal(b, 6);
}

static void test_s5_word_and_dword_prefix(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02,
		0x0b, 0x05, 0x00,			/* WordPrefix 0x0005 */
		0x0c, 0x07, 0x00, 0x00, 0x00,		/* DWordPrefix 0x00000007 */
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 7);
}

static void test_s5_reference_before_definition_skipped(void **state UNUSED)
{
	static struct tb t;
	/* A bare "_S5_" (not after NameOp), then the real definition. */
	static const uint8_t aml[] = {
		0x70, '_', 'S', '5', '_', 0x60,
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x03, 0x0a, 0x04, 0x00, 0x00,
	};
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
}

static void test_s5_missing_package(void **state UNUSED)
{
	static struct tb t;
	/* Name (_S5_, 5): the object exists but is an integer, not a package: malformed. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05, 0x00 };
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_EPROTO);
	assert_int_equal(a, 0xff);
}

static void test_s5_absent(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = { 0x14, 0x08, '_', 'P', 'T', 'S', 0x01, 0xa3 };
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_ENOENT);
	/* Too short to hold anything past the header. */
	assert_int_equal(acpi_find_s5(exact(t.b, 36), 36, &a, &b), CR_ENOENT);
	assert_int_equal(acpi_find_s5(exact(t.b, 0), 0, &a, &b), CR_ENOENT);
}

static void test_s5_only_in_header_not_found(void **state UNUSED)
{
	static struct tb t;
	uint8_t a = 0xff, b = 0xff;

	/* "_S5_" inside the SDT header's OEM table id is not AML. */
	sdt_begin(&t, "DSDT", 2);
	memcpy(t.b + 15, "\x08_S5_\x12\x06\x04", 8);
	zeros(&t, 4);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_ENOENT);
}

static void test_s5_single_element_copies_typa(void **state UNUSED)
{
	static struct tb t;
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05, 0xff };
	uint8_t a = 0xff, b = 0xee;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void test_s5_truncated_value(void **state UNUSED)
{
	static struct tb t;
	/* The table ends right after BytePrefix. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a };
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_EPROTO);
}

static void test_s5_truncated_pkglength(void **state UNUSED)
{
	static struct tb t;
	/* PackageOp is the last byte. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_EPROTO);
}

static void test_s5_non_integer_element(void **state UNUSED)
{
	static struct tb t;
	/* A string (0x0d) where an integer belongs. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0d, 'x', 0x00, 0x00 };
	uint8_t a = 0xff, b = 0xff;

	size_t len = dsdt_with(&t, aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), CR_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_ok),
		cmocka_unit_test(test_rsdp_v1),
		cmocka_unit_test(test_rsdp_v1_ignores_xsdt_fields),
		cmocka_unit_test(test_rsdp_v2_uses_xsdt),
		cmocka_unit_test(test_rsdp_v2_without_xsdt_falls_back_to_rsdt),
		cmocka_unit_test(test_rsdp_bad_signature),
		cmocka_unit_test(test_rsdp_bad_checksum),
		cmocka_unit_test(test_rsdp_bad_extended_checksum),
		cmocka_unit_test(test_rsdp_truncated),
		cmocka_unit_test(test_rsdp_v2_truncated),
		cmocka_unit_test(test_rsdp_v2_bad_length_field),
		cmocka_unit_test(test_rsdp_no_root_table),
		cmocka_unit_test(test_check_table_good),
		cmocka_unit_test(test_check_table_header_only),
		cmocka_unit_test(test_check_table_bad_checksum),
		cmocka_unit_test(test_check_table_wrong_signature),
		cmocka_unit_test(test_check_table_length_below_header),
		cmocka_unit_test(test_check_table_length_beyond_avail),
		cmocka_unit_test(test_check_table_header_truncated),
		cmocka_unit_test(test_root_entries_rsdt),
		cmocka_unit_test(test_root_entries_xsdt),
		cmocka_unit_test(test_root_entries_empty),
		cmocka_unit_test(test_root_entries_clipped_to_max),
		cmocka_unit_test(test_root_entries_ragged),
		cmocka_unit_test(test_root_entries_truncated),
		cmocka_unit_test(test_madt_typical),
		cmocka_unit_test(test_madt_no_pcat),
		cmocka_unit_test(test_madt_x2apic),
		cmocka_unit_test(test_madt_enabled_and_online_capable),
		cmocka_unit_test(test_madt_two_ioapics),
		cmocka_unit_test(test_madt_lapic_override),
		cmocka_unit_test(test_madt_override_supplies_missing_address),
		cmocka_unit_test(test_madt_no_lapic_address),
		cmocka_unit_test(test_madt_disabled_cpus_not_counted),
		cmocka_unit_test(test_madt_unknown_entries_skipped),
		cmocka_unit_test(test_madt_cpu_limit),
		cmocka_unit_test(test_madt_zero_length_entry),
		cmocka_unit_test(test_madt_entry_length_below_header),
		cmocka_unit_test(test_madt_entry_overruns_table),
		cmocka_unit_test(test_madt_short_entries),
		cmocka_unit_test(test_madt_truncated),
		cmocka_unit_test(test_mcfg_one_segment),
		cmocka_unit_test(test_mcfg_two_segments),
		cmocka_unit_test(test_mcfg_end_below_start),
		cmocka_unit_test(test_mcfg_unaligned_base),
		cmocka_unit_test(test_mcfg_bad_second_entry),
		cmocka_unit_test(test_mcfg_ragged),
		cmocka_unit_test(test_mcfg_no_segments_and_truncated),
		cmocka_unit_test(test_mcfg_more_than_max_segments),
		cmocka_unit_test(test_dmar_include_pci_all),
		cmocka_unit_test(test_dmar_endpoint_scope_two_hops),
		cmocka_unit_test(test_dmar_rmrr),
		cmocka_unit_test(test_dmar_rmrr_single_byte_region),
		cmocka_unit_test(test_dmar_unknown_types_counted_in_nother),
		cmocka_unit_test(test_dmar_two_units),
		cmocka_unit_test(test_dmar_structure_overruns_table),
		cmocka_unit_test(test_dmar_structure_length_below_header),
		cmocka_unit_test(test_dmar_structure_length_below_entry_header),
		cmocka_unit_test(test_dmar_short_drhd),
		cmocka_unit_test(test_dmar_drhd_bad_register_base),
		cmocka_unit_test(test_dmar_scope_odd_path_bytes),
		cmocka_unit_test(test_dmar_scope_without_path),
		cmocka_unit_test(test_dmar_scope_bad_device_function),
		cmocka_unit_test(test_dmar_scope_overruns_structure),
		cmocka_unit_test(test_dmar_scope_length_below_scope_header),
		cmocka_unit_test(test_dmar_scope_path_too_deep),
		cmocka_unit_test(test_dmar_rmrr_limit_below_base),
		cmocka_unit_test(test_dmar_short_rmrr),
		cmocka_unit_test(test_dmar_zero_units),
		cmocka_unit_test(test_dmar_too_many_units),
		cmocka_unit_test(test_dmar_truncated),
		cmocka_unit_test(test_fadt_acpi1_port),
		cmocka_unit_test(test_fadt_pm1b_port),
		cmocka_unit_test(test_fadt_x_pm1a_gas),
		cmocka_unit_test(test_fadt_x_fields_zero_keep_legacy),
		cmocka_unit_test(test_fadt_hw_reduced_sleep_control),
		cmocka_unit_test(test_fadt_no_pm1a),
		cmocka_unit_test(test_fadt_truncated),
		cmocka_unit_test(test_fadt_x_fields_beyond_len_ignored),
		cmocka_unit_test(test_s5_byte_prefix),
		cmocka_unit_test(test_s5_zero_ops),
		cmocka_unit_test(test_s5_one_op_and_mixed),
		cmocka_unit_test(test_s5_root_prefixed),
		cmocka_unit_test(test_s5_two_byte_pkglength),
		cmocka_unit_test(test_s5_word_and_dword_prefix),
		cmocka_unit_test(test_s5_reference_before_definition_skipped),
		cmocka_unit_test(test_s5_missing_package),
		cmocka_unit_test(test_s5_absent),
		cmocka_unit_test(test_s5_only_in_header_not_found),
		cmocka_unit_test(test_s5_single_element_copies_typa),
		cmocka_unit_test(test_s5_truncated_value),
		cmocka_unit_test(test_s5_truncated_pkglength),
		cmocka_unit_test(test_s5_non_integer_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
