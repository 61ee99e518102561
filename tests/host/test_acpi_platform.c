/*
 * tests/host/test_acpi_platform.c - host tests for the ACPI pieces a Nitro
 * guest depends on (DESIGN.md §6): the FADT's power-management blocks (PM1
 * event/control, PM timer 24/32-bit by port or MMIO, GPE blocks, SCI_INT)
 * in revision-1 and later layouts, the HPET table, MADT x2APIC and NMI
 * entries, and the \_S5 scan on well-formed and malformed AML.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "include/abi/errors.h"
#include "lib/acpi_tables.h"

#define UNUSED __attribute__((unused))

#include "tests/host/acpi_table_builder.h"

/* ------------------------------------------------------------ FADT */

static void fadt_build(struct tb *t, size_t len, uint8_t revision)
{
	sdt_begin(t, "FACP", revision);
	zeros(t, len - t->n);
}

static void set_gas(struct tb *t, size_t off, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
	t->b[off] = space;
	t->b[off + 1] = width;
	t->b[off + 2] = 0;
	t->b[off + 3] = access;
	set64(t, off + 4, addr);
}

/* QEMU's i440FX/PIIX4 FADT, and what the Nitro boot logs show: revision 1, 116 bytes, ports at 0xb000. */
static size_t piix4_fadt(struct tb *t)
{
	fadt_build(t, 116, 1);
	set32(t, FADT_DSDT, 0x0fffe040);
	set16(t, FADT_SCI_INT, 9);
	set32(t, FADT_SMI_CMD, 0xb2);
	t->b[FADT_ACPI_ENABLE] = 0xf1;
	t->b[FADT_ACPI_DISABLE] = 0xf0;
	set32(t, FADT_PM1A_EVT_BLK, 0xb000);
	set32(t, FADT_PM1A_CNT_BLK, 0xb004);
	set32(t, FADT_PM_TMR_BLK, 0xb008);
	set32(t, FADT_GPE0_BLK, 0xafe0);
	t->b[FADT_PM1_EVT_LEN] = 4;
	t->b[89] = 2;			/* PM1_CNT_LEN */
	t->b[FADT_PM_TMR_LEN] = 4;
	t->b[FADT_GPE0_BLK_LEN] = 4;
	set32(t, FADT_FLAGS, (1u << 0) | (1u << 2) | (1u << 5));	/* WBINVD, PROC_C1, SLP_BUTTON */
	return sdt_end(t);
}

static void test_fadt_rev1_nitro_shape(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	size_t len = piix4_fadt(&t);
	assert_int_equal(len, 116);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.revision, 1);
	assert_int_equal(f.sci_int, 9);
	assert_int_equal(f.pm1_evt_len, 4);
	assert_int_equal(f.pm1a_evt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_evt.address, 0xb000);
	assert_int_equal(f.pm1a_evt.bit_width, 32);
	assert_int_equal(f.pm1b_evt.address, 0);
	assert_int_equal(f.pm1a_cnt.address, 0xb004);
	assert_int_equal(f.pm_tmr.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm_tmr.address, 0xb008);
	assert_false(f.pm_tmr_32bit);
	assert_int_equal(f.gpe0.address, 0xafe0);
	assert_int_equal(f.gpe0_len, 4);
	assert_int_equal(f.gpe1.address, 0);
	assert_false(f.flags & FADT_FLAG_PWR_BUTTON);	/* the fixed-feature power button */
	assert_false(f.hw_reduced);
}

static void test_fadt_no_pm_timer(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	/* PM_TMR_LEN 0 means no timer, whatever PM_TMR_BLK holds. */
	piix4_fadt(&t);
	t.b[FADT_PM_TMR_LEN] = 0;
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm_tmr.address, 0);

	piix4_fadt(&t);
	set32(&t, FADT_PM_TMR_BLK, 0);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm_tmr.address, 0);
}

static void test_fadt_32bit_timer_flag(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	piix4_fadt(&t);
	set32(&t, FADT_FLAGS, FADT_FLAG_TMR_VAL_EXT | FADT_FLAG_PWR_BUTTON);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_true(f.pm_tmr_32bit);
	assert_true(f.flags & FADT_FLAG_PWR_BUTTON);
}

/* A revision-6 FADT whose X_ blocks are in MMIO (as some hypervisors build them). */
static void test_fadt_x_blocks_mmio(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	fadt_build(&t, 276, 6);
	set16(&t, FADT_SCI_INT, 20);
	set32(&t, FADT_PM1A_EVT_BLK, 0x600);		/* superseded by the X_ fields */
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	set32(&t, FADT_PM_TMR_BLK, 0x608);
	t.b[FADT_PM1_EVT_LEN] = 4;
	t.b[FADT_PM_TMR_LEN] = 4;
	set32(&t, FADT_FLAGS, FADT_FLAG_TMR_VAL_EXT);
	set_gas(&t, FADT_X_PM1A_EVT_BLK, ACPI_GAS_MEMORY, 32, 2, 0xfe800000ull);
	set_gas(&t, FADT_X_PM1B_EVT_BLK, ACPI_GAS_MEMORY, 32, 2, 0xfe800100ull);
	set_gas(&t, FADT_X_PM1A_CNT_BLK, ACPI_GAS_MEMORY, 16, 2, 0xfe800004ull);
	set_gas(&t, FADT_X_PM_TMR_BLK, ACPI_GAS_MEMORY, 32, 3, 0xfe800008ull);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.revision, 6);
	assert_int_equal(f.sci_int, 20);
	assert_int_equal(f.pm1a_evt.space_id, ACPI_GAS_MEMORY);
	assert_true(f.pm1a_evt.address == 0xfe800000ull);
	assert_int_equal(f.pm1b_evt.space_id, ACPI_GAS_MEMORY);
	assert_true(f.pm1b_evt.address == 0xfe800100ull);
	assert_true(f.pm1a_cnt.address == 0xfe800004ull);
	assert_int_equal(f.pm_tmr.space_id, ACPI_GAS_MEMORY);
	assert_true(f.pm_tmr.address == 0xfe800008ull);
	assert_true(f.pm_tmr_32bit);
}

static void test_fadt_x_timer_zero_keeps_port(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	/* QEMU's ICH9 FADT (revision 3): X_ fields present but zero for the timer. */
	fadt_build(&t, 244, 3);
	set32(&t, FADT_PM1A_EVT_BLK, 0x600);
	set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	set32(&t, FADT_PM_TMR_BLK, 0x608);
	set32(&t, FADT_GPE0_BLK, 0x620);
	t.b[FADT_PM1_EVT_LEN] = 4;
	t.b[FADT_PM_TMR_LEN] = 4;
	t.b[FADT_GPE0_BLK_LEN] = 16;
	set_gas(&t, FADT_X_PM1A_EVT_BLK, ACPI_GAS_IO, 32, 0, 0x600);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm_tmr.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm_tmr.address, 0x608);
	assert_int_equal(f.pm1a_evt.address, 0x600);
	assert_int_equal(f.gpe0.address, 0x620);
	assert_int_equal(f.gpe0_len, 16);
}

static void test_fadt_x_timer_without_legacy_length(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	/* Only the X_ timer, PM_TMR_LEN left 0: the X_ block still counts. */
	fadt_build(&t, 244, 5);
	set32(&t, FADT_PM1A_CNT_BLK, 0x404);
	set_gas(&t, FADT_X_PM_TMR_BLK, ACPI_GAS_IO, 24, 3, 0x408);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.pm_tmr.address, 0x408);
}

static void test_fadt_gpe_length_zero_means_absent(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	piix4_fadt(&t);
	t.b[FADT_GPE0_BLK_LEN] = 0;
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, len), len, &f, &why), 0);
	assert_int_equal(f.gpe0.address, 0);
}

static void test_fadt_rev1_one_byte_short(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_fadt_info f;
	const char *why = NULL;

	piix4_fadt(&t);
	assert_int_equal(acpi_parse_fadt(exact(t.b, 115), 115, &f, &why), CR_EPROTO);
	assert_string_equal(why, "fadt-truncated");
}

/* ------------------------------------------------------------ HPET */

static size_t hpet_build(struct tb *t, uint8_t space, uint64_t base)
{
	sdt_begin(t, "HPET", 1);
	put32(t, 0x8086a201);		/* event timer block id */
	put8(t, space);
	put8(t, 64);
	put8(t, 0);
	put8(t, 0);
	put64(t, base);
	put8(t, 0);			/* hpet number */
	put16(t, 0x80);			/* minimum tick */
	put8(t, 0);
	return sdt_end(t);
}

static void test_hpet_qemu(void **state UNUSED)
{
	static struct tb t;
	struct acpi_hpet_info h;
	const char *why = NULL;

	size_t len = hpet_build(&t, ACPI_GAS_MEMORY, 0xfed00000u);
	assert_int_equal(len, 56);
	assert_int_equal(acpi_parse_hpet(exact(t.b, len), len, &h, &why), 0);
	assert_int_equal(h.base, 0xfed00000u);
	assert_int_equal(h.event_timer_block_id, 0x8086a201);
	assert_int_equal(h.min_clock_tick, 0x80);
}

static void test_hpet_malformed(void **state UNUSED)
{
	static struct tb t;
	struct acpi_hpet_info h;
	const char *why = NULL;

	size_t len = hpet_build(&t, ACPI_GAS_IO, 0xfed00000u);
	assert_int_equal(acpi_parse_hpet(exact(t.b, len), len, &h, &why), CR_EPROTO);
	assert_string_equal(why, "hpet-bad-base-address");
	len = hpet_build(&t, ACPI_GAS_MEMORY, 0);
	assert_int_equal(acpi_parse_hpet(exact(t.b, len), len, &h, &why), CR_EPROTO);
	assert_string_equal(why, "hpet-bad-base-address");
	len = hpet_build(&t, ACPI_GAS_MEMORY, 0xfed00200u);
	assert_int_equal(acpi_parse_hpet(exact(t.b, len), len, &h, &why), CR_EPROTO);
	assert_string_equal(why, "hpet-bad-base-address");
	len = hpet_build(&t, ACPI_GAS_MEMORY, 0xfed00000u);
	assert_int_equal(acpi_parse_hpet(exact(t.b, len - 1), len - 1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "hpet-truncated");
}

/* ------------------------------------------------------------ MADT: x2APIC and NMI */

static void madt_begin(struct tb *t)
{
	sdt_begin(t, "APIC", 5);
	put32(t, 0xfee00000u);
	put32(t, 1);
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

static void madt_lapic_nmi(struct tb *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
	put8(t, MADT_LAPIC_NMI);
	put8(t, 6);
	put8(t, uid);
	put16(t, flags);
	put8(t, lint);
}

static void madt_x2apic_nmi(struct tb *t, uint32_t uid, uint16_t flags, uint8_t lint)
{
	put8(t, MADT_X2APIC_NMI);
	put8(t, 12);
	put16(t, flags);
	put32(t, uid);
	put8(t, lint);
	zeros(t, 3);
}

static void test_madt_large_instance(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	/* Ids 0..254 as type 0, the rest as type 9, NMIs of both kinds, as on 448-vCPU types. */
	madt_begin(&t);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 2, 1);
	madt_x2apic(&t, 256, 1, 300);
	madt_x2apic(&t, 447, 1, 301);
	madt_x2apic(&t, 1000, 0, 302);		/* disabled, not online-capable: ignored */
	madt_lapic_nmi(&t, 0xff, 0x0005, 1);	/* all CPUs, LINT1, edge/high */
	madt_x2apic_nmi(&t, 0xffffffffu, 0x000d, 1);
	madt_x2apic_nmi(&t, 300, 0, 0);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 4);
	assert_int_equal(m.ncpus_listed, 4);
	assert_int_equal(m.nx2apic, 2);
	assert_int_equal(m.max_apic_id, 447);
	assert_int_equal(m.cpu_apic_ids[2], 256);
	assert_int_equal(m.cpu_uids[2], 300);
	assert_int_equal(m.cpu_uids[1], 1);
	assert_int_equal(m.nnmis, 3);
	assert_int_equal(m.nmis[0].uid, ACPI_NMI_ALL_CPUS);	/* 0xff widened */
	assert_int_equal(m.nmis[0].lint, 1);
	assert_int_equal(m.nmis[0].flags, 0x0005);
	assert_int_equal(m.nmis[1].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(m.nmis[1].flags, 0x000d);
	assert_int_equal(m.nmis[2].uid, 300);
	assert_int_equal(m.nmis[2].lint, 0);
}

static void test_madt_online_capable_x2apic(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t);
	madt_x2apic(&t, 7, 2, 7);	/* online-capable only (ACPI 6.3) */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, 1);
	assert_int_equal(m.max_apic_id, 7);
}

/* The same processor as Local APIC and again as Local x2APIC (fuzz_acpi found it): one processor, not an x2APIC one. */
static void test_madt_x2apic_duplicate_of_lapic(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t);
	madt_lapic(&t, 0, 5, 1);
	madt_x2apic(&t, 5, 1, 0);
	madt_x2apic(&t, 5, 1, 0);
	size_t len = sdt_end(&t);

	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus_listed, 1);
	assert_int_equal(m.ncpus_duplicate, 2);
	assert_int_equal(m.nx2apic, 0);
}

static void test_madt_more_cpus_than_kept(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 10; i++)
		madt_x2apic(&t, 2 * i, 1, i);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(m.ncpus_listed, ACPI_MAX_CPUS + 10);
	/* Every enabled one is counted, kept or not (the acpi: line said enabled=64 of 128). */
	assert_int_equal(m.ncpus_enabled, ACPI_MAX_CPUS + 10);
	/* The id that decides xAPIC vs x2APIC is seen even past the array's end. */
	assert_int_equal(m.max_apic_id, 2 * (ACPI_MAX_CPUS + 9));
}

static void test_madt_nmi_limit(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t);
	for (uint32_t i = 0; i < ACPI_MAX_NMIS + 3; i++)
		madt_x2apic_nmi(&t, i, 0, 1);
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), 0);
	assert_int_equal(m.nnmis, ACPI_MAX_NMIS);
}

static void test_madt_nmi_malformed(void **state UNUSED)
{
	static struct tb t;
	static struct acpi_madt_info m;
	const char *why = NULL;

	madt_begin(&t);
	madt_lapic_nmi(&t, 0xff, 0, 2);		/* there is no LINT2 */
	size_t len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-nmi-bad-lint");

	madt_begin(&t);
	madt_x2apic_nmi(&t, 0, 0, 7);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-nmi-bad-lint");

	/* Entries shorter than their structure. */
	madt_begin(&t);
	put8(&t, MADT_LAPIC_NMI);
	put8(&t, 5);
	zeros(&t, 3);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-short-lapic-nmi");

	madt_begin(&t);
	put8(&t, MADT_X2APIC_NMI);
	put8(&t, 11);
	zeros(&t, 9);
	len = sdt_end(&t);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-short-x2apic-nmi");

	/* An x2APIC entry whose length claims more than the table holds. */
	madt_begin(&t);
	madt_x2apic(&t, 300, 1, 0);
	len = sdt_end(&t);
	t.b[len - 15] = 40;
	fix_checksum(t.b, len, 9);
	assert_int_equal(acpi_parse_madt(exact(t.b, len), len, &m, &why), CR_EPROTO);
	assert_string_equal(why, "madt-entry-overruns-table");
}

/* ------------------------------------------------------------ \_S5 robustness */

static size_t aml_table(struct tb *t, const char sig[4], const uint8_t *aml, size_t n)
{
	sdt_begin(t, sig, 2);
	putn(t, aml, n);
	return sdt_end(t);
}

static int find(struct tb *t, const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
	size_t len = aml_table(t, "DSDT", aml, n);

	*a = 0xaa;
	*b = 0xbb;
	return acpi_find_s5(exact(t->b, len), len, a, b);
}

static void test_s5_three_and_four_byte_pkglength(void **state UNUSED)
{
	static struct tb t;
	static uint8_t aml[300];
	uint8_t a, b;

	/* Lead 0x80: two more bytes; a package padded to 0x105 bytes with trailing zeros. */
	memset(aml, 0, sizeof(aml));
	memcpy(aml, "\x08_S5_\x12\x85\x10\x00\x02\x0a\x05\x0a\x06", 14);
	assert_int_equal(find(&t, aml, 6 + 0x105, &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 6);

	/* Lead 0xc0: three more bytes (length 0x000108). */
	memcpy(aml, "\x08_S5_\x12\xc8\x10\x00\x00\x02\x0a\x03\x0a\x04", 15);
	assert_int_equal(find(&t, aml, 6 + 0x108, &a, &b), 0);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
}

static void test_s5_pkglength_reserved_bits(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	/* A multi-byte lead with bit 4 set is not a PkgLength. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x59, 0x00, 0x02, 0x0a, 0x05, 0x0a, 0x05 };

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), CR_EPROTO);
	assert_int_equal(a, 0xaa);	/* outputs untouched on failure */
	assert_int_equal(b, 0xbb);
}

static void test_s5_package_beyond_table(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	/* PkgLength 0x30 with six bytes left: the values seem readable but the package lies. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x30, 0x02, 0x0a, 0x05, 0x0a, 0x05 };

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), CR_EPROTO);
}

static void test_s5_elements_beyond_package(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	/* The package ends after SLP_TYPa; SLP_TYPb's bytes belong to the next object. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a, 0x05, 0x0a, 0x05 };

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), CR_EPROTO);
}

static void test_s5_pkglength_shorter_than_itself(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	static const uint8_t zero[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x00, 0x02, 0x0a, 0x05, 0x0a, 0x05 };
	static const uint8_t two[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x02, 0x0a, 0x05, 0x0a, 0x05 };

	assert_int_equal(find(&t, zero, sizeof(zero), &a, &b), CR_EPROTO);
	assert_int_equal(find(&t, two, sizeof(two), &a, &b), CR_EPROTO);
}

static void test_s5_zero_elements(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), CR_EPROTO);
}

static void test_s5_value_wider_than_slp_typ(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	/* SLP_TYP is 3 bits: 8 would spill into SLP_EN if written. */
	static const uint8_t byte8[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x08, 0x0a, 0x00 };
	static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0b, 0x05, 0x01, 0x00, 0x00 };
	static const uint8_t ones[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xff, 0x00 };

	assert_int_equal(find(&t, byte8, sizeof(byte8), &a, &b), CR_EPROTO);
	assert_int_equal(find(&t, word, sizeof(word), &a, &b), CR_EPROTO);
	assert_int_equal(find(&t, ones, sizeof(ones), &a, &b), CR_EPROTO);
}

static void test_s5_qword_and_var_package(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	static const uint8_t qword[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x0c, 0x02,
		0x0e, 0x07, 0, 0, 0, 0, 0, 0, 0, 0x00,
	};
	/* VarPackageOp with NumElements as BytePrefix 2. */
	static const uint8_t var[] = { 0x08, '_', 'S', '5', '_', 0x13, 0x06, 0x0a, 0x02, 0x01, 0x0a, 0x06 };

	assert_int_equal(find(&t, qword, sizeof(qword), &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 0);
	assert_int_equal(find(&t, var, sizeof(var), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 6);
}

static void test_s5_malformed_then_valid(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	/* A broken candidate (in a string, say) is skipped; the real one still found. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x7f,
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x05, 0x0a, 0x05,
	};

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void test_s5_name_at_end_of_table(void **state UNUSED)
{
	static struct tb t;
	uint8_t a, b;
	static const uint8_t aml[] = { 0x00, 0x08, '_', 'S', '5', '_' };

	assert_int_equal(find(&t, aml, sizeof(aml), &a, &b), CR_EPROTO);
	/* Partial name at the very end: no candidate at all. */
	assert_int_equal(find(&t, aml, sizeof(aml) - 1, &a, &b), CR_ENOENT);
}

static void test_s5_in_ssdt(void **state UNUSED)
{
	static struct tb t;
	uint8_t a = 0, b = 0;
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x07 };

	size_t len = aml_table(&t, "SSDT", aml, sizeof(aml));
	assert_int_equal(acpi_find_s5(exact(t.b, len), len, &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fadt_rev1_nitro_shape),
		cmocka_unit_test(test_fadt_no_pm_timer),
		cmocka_unit_test(test_fadt_32bit_timer_flag),
		cmocka_unit_test(test_fadt_x_blocks_mmio),
		cmocka_unit_test(test_fadt_x_timer_zero_keeps_port),
		cmocka_unit_test(test_fadt_x_timer_without_legacy_length),
		cmocka_unit_test(test_fadt_gpe_length_zero_means_absent),
		cmocka_unit_test(test_fadt_rev1_one_byte_short),
		cmocka_unit_test(test_hpet_qemu),
		cmocka_unit_test(test_hpet_malformed),
		cmocka_unit_test(test_madt_large_instance),
		cmocka_unit_test(test_madt_online_capable_x2apic),
		cmocka_unit_test(test_madt_x2apic_duplicate_of_lapic),
		cmocka_unit_test(test_madt_more_cpus_than_kept),
		cmocka_unit_test(test_madt_nmi_limit),
		cmocka_unit_test(test_madt_nmi_malformed),
		cmocka_unit_test(test_s5_three_and_four_byte_pkglength),
		cmocka_unit_test(test_s5_pkglength_reserved_bits),
		cmocka_unit_test(test_s5_package_beyond_table),
		cmocka_unit_test(test_s5_elements_beyond_package),
		cmocka_unit_test(test_s5_pkglength_shorter_than_itself),
		cmocka_unit_test(test_s5_zero_elements),
		cmocka_unit_test(test_s5_value_wider_than_slp_typ),
		cmocka_unit_test(test_s5_qword_and_var_package),
		cmocka_unit_test(test_s5_malformed_then_valid),
		cmocka_unit_test(test_s5_name_at_end_of_table),
		cmocka_unit_test(test_s5_in_ssdt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
