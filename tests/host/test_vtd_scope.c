/*
 * tests/host/test_vtd_scope.c - host tests for lib/vtd_scope.c: which
 * VT-d unit translates a PCI function, and the RMRRs that name it
 * (VT-d 3.3 §8.3, §8.3.1, §8.4).
 *
 * DMAR tables are built byte by byte, parsed by the real parser
 * (lib/acpi_tables.c) and resolved against a made-up PCI topology whose
 * bridges the reader below reports, as configuration space would.
 * Covered: QEMU's shape (explicit endpoint and root-port subtree scopes,
 * no INCLUDE_PCI_ALL), an INCLUDE_PCI_ALL unit behind an explicit one,
 * multi-hop paths, nested subtrees, paths through functions that are not
 * bridges, unnumbered bridges, other segments, non-PCI scope types, and
 * RMRR lookup and validation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "include/abi/errors.h"
#include "lib/vtd_scope.h"
#include "tests/host/acpi_table_builder.h"

#define UNUSED __attribute__((unused))

struct bridge {
	uint16_t seg;
	uint8_t bus, dev, fn, sec, sub;
};

static const struct bridge *bridges;
static unsigned nbridges;
static unsigned reads;

static int read_bridge(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *sec, uint8_t *sub)
{
	(void)ctx;
	reads++;
	for (unsigned i = 0; i < nbridges; i++) {
		const struct bridge *b = &bridges[i];
		if (b->seg == seg && b->bus == bus && b->dev == dev && b->fn == fn) {
			*sec = b->sec;
			*sub = b->sub;
			return 0;
		}
	}
	return CR_ENOENT;
}

static const struct vtd_bus_reader reader = { read_bridge, NULL };

static struct vtd_pci_addr at(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (struct vtd_pci_addr){ seg, bus, dev, fn };
}

static void parse(struct tb *t, struct acpi_dmar_info *d)
{
	const char *why = NULL;
	size_t len = sdt_end(t);

	assert_int_equal(acpi_parse_dmar(exact(t->b, len), len, d, &why), 0);
}

static int unit_of(const struct acpi_dmar_info *d, struct vtd_pci_addr a, bool *explicit_scope)
{
	return vtd_unit_for_device(d, a, &reader, explicit_scope);
}

/* QEMU 7.2's q35 DMAR: one unit, flags 0, an endpoint per function on bus 0, a subtree per root port. */
static void test_qemu_shape(void **state UNUSED)
{
	static const struct bridge topo[] = { { 0, 0, 4, 0, 1, 1 } };	/* pcie-root-port 00:04.0 -> bus 1 */
	static struct acpi_dmar_info d;
	struct tb t;
	bool ex;

	bridges = topo;
	nbridges = 1;
	dmar_begin(&t, 38, DMAR_FLAG_INTR_REMAP);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_IOAPIC, 0, 0, (const uint8_t[]){ 0x1f, 0 }, 1);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 2, 0 }, 1);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 3, 0 }, 1);
	scope(&t, DMAR_SCOPE_PCI_SUBTREE, 0, 0, (const uint8_t[]){ 4, 0 }, 1);
	dmar_close(&t, u);
	parse(&t, &d);

	assert_int_equal(unit_of(&d, at(0, 0, 2, 0), &ex), 0);
	assert_true(ex);
	assert_int_equal(unit_of(&d, at(0, 0, 3, 0), &ex), 0);
	assert_int_equal(unit_of(&d, at(0, 1, 0, 0), &ex), 0);	/* NVMe behind the root port */
	assert_int_equal(unit_of(&d, at(0, 0, 4, 0), &ex), 0);	/* the root port itself */
	/* Not listed and no INCLUDE_PCI_ALL unit: untranslated. */
	assert_int_equal(unit_of(&d, at(0, 0, 5, 0), &ex), -1);
	assert_int_equal(unit_of(&d, at(0, 0, 2, 1), &ex), -1);
	assert_int_equal(unit_of(&d, at(0, 2, 0, 0), &ex), -1);
	/* The IOAPIC scope (enumeration id 0 at 00:1f.0) names no PCI function. */
	assert_int_equal(unit_of(&d, at(0, 0, 0x1f, 0), &ex), -1);
	/* Same numbers, another segment. */
	assert_int_equal(unit_of(&d, at(1, 0, 2, 0), &ex), -1);
}

/* An explicit unit (graphics) before the catch-all one, in two segments. */
static void test_include_all_after_explicit(void **state UNUSED)
{
	static struct acpi_dmar_info d;
	struct tb t;
	bool ex;

	nbridges = 0;
	dmar_begin(&t, 45, 0);
	size_t u0 = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 2, 0 }, 1);
	dmar_close(&t, u0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed91000u));
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 1, 0xfed92000u));
	parse(&t, &d);

	assert_int_equal(unit_of(&d, at(0, 0, 2, 0), &ex), 0);
	assert_true(ex);
	assert_int_equal(unit_of(&d, at(0, 0, 3, 0), &ex), 1);
	assert_false(ex);
	assert_int_equal(unit_of(&d, at(0, 0x80, 0, 0), &ex), 1);
	assert_int_equal(unit_of(&d, at(1, 0, 2, 0), &ex), 2);
	assert_int_equal(unit_of(&d, at(2, 0, 2, 0), &ex), -1);
}

/* Endpoint two hops down: 00:1c.0 (bridge to bus 2) then 02:00.0. */
static void test_endpoint_through_bridge(void **state UNUSED)
{
	static const struct bridge topo[] = { { 0, 0, 0x1c, 0, 2, 3 }, { 0, 0, 0x1c, 1, 4, 4 } };
	static struct acpi_dmar_info d;
	struct tb t;
	bool ex;

	bridges = topo;
	nbridges = 2;
	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 0x1c, 0, 0, 0 }, 2);
	dmar_close(&t, u);
	parse(&t, &d);

	assert_int_equal(unit_of(&d, at(0, 2, 0, 0), &ex), 0);
	assert_int_equal(unit_of(&d, at(0, 2, 0, 1), &ex), -1);	/* an endpoint scope names one function */
	assert_int_equal(unit_of(&d, at(0, 3, 0, 0), &ex), -1);	/* below the bridge, but not named */
	assert_int_equal(unit_of(&d, at(0, 0, 0x1c, 0), &ex), -1);	/* the bridge on the way is not named */
	assert_int_equal(unit_of(&d, at(0, 4, 0, 0), &ex), -1);

	/* The same path when 00:1c.0 is not a bridge (firmware describes a topology that is not there). */
	nbridges = 0;
	reads = 0;
	assert_int_equal(unit_of(&d, at(0, 2, 0, 0), &ex), -1);
	assert_true(reads > 0);
	/* ... or the bridge's secondary bus is another one: the path follows configuration space. */
	static const struct bridge moved[] = { { 0, 0, 0x1c, 0, 7, 7 } };
	bridges = moved;
	nbridges = 1;
	assert_int_equal(unit_of(&d, at(0, 2, 0, 0), &ex), -1);
	assert_int_equal(unit_of(&d, at(0, 7, 0, 0), &ex), 0);
}

/* A subtree scope on a root port covers every bus below it, switches included. */
static void test_subtree_nested(void **state UNUSED)
{
	static const struct bridge topo[] = {
		{ 0, 0, 0x1c, 0, 2, 5 },	/* root port: buses 2..5 */
		{ 0, 2, 0, 0, 3, 5 },		/* switch upstream port */
		{ 0, 3, 1, 0, 4, 4 },		/* switch downstream port */
		{ 0, 0, 0x1d, 0, 0, 0 },	/* a bridge firmware never numbered */
	};
	static struct acpi_dmar_info d;
	struct tb t;
	bool ex;

	bridges = topo;
	nbridges = 4;
	dmar_begin(&t, 38, 0);
	size_t u = drhd_open(&t, 0, 0, 0xfed90000u);
	scope(&t, DMAR_SCOPE_PCI_SUBTREE, 0, 0, (const uint8_t[]){ 0x1c, 0 }, 1);
	scope(&t, DMAR_SCOPE_PCI_SUBTREE, 0, 0, (const uint8_t[]){ 0x1d, 0 }, 1);
	dmar_close(&t, u);
	parse(&t, &d);

	for (uint8_t bus = 2; bus <= 5; bus++)
		assert_int_equal(unit_of(&d, at(0, bus, 0, 0), &ex), 0);
	assert_int_equal(unit_of(&d, at(0, 4, 0x1f, 7), &ex), 0);
	assert_int_equal(unit_of(&d, at(0, 6, 0, 0), &ex), -1);
	assert_int_equal(unit_of(&d, at(0, 1, 0, 0), &ex), -1);
	/* The unnumbered bridge: itself named, nothing below it. */
	assert_int_equal(unit_of(&d, at(0, 0, 0x1d, 0), &ex), 0);
	assert_int_equal(unit_of(&d, at(0, 0, 0, 0), &ex), -1);
}

static void test_rmrr_lookup(void **state UNUSED)
{
	static const struct bridge topo[] = { { 0, 0, 4, 0, 1, 1 } };
	static struct acpi_dmar_info d;
	struct tb t;
	unsigned idx[4];

	bridges = topo;
	nbridges = 1;
	dmar_begin(&t, 38, 0);
	dmar_close(&t, drhd_open(&t, DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000u));
	size_t r0 = rmrr_open(&t, 0, 0xe8000, 0xe8fff);	/* USB legacy buffers */
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 0x14, 0 }, 1);
	dmar_close(&t, r0);
	size_t r1 = rmrr_open(&t, 0, 0x7f000000, 0x7fffffff);	/* shared by the USB controller and an NVMe below a root port */
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 0x14, 0 }, 1);
	scope(&t, DMAR_SCOPE_PCI_SUBTREE, 0, 0, (const uint8_t[]){ 4, 0 }, 1);
	dmar_close(&t, r1);
	size_t r2 = rmrr_open(&t, 1, 0x1000, 0x1fff);	/* another segment */
	scope(&t, DMAR_SCOPE_PCI_ENDPOINT, 0, 0, (const uint8_t[]){ 0x14, 0 }, 1);
	dmar_close(&t, r2);
	parse(&t, &d);

	assert_int_equal(vtd_rmrrs_for_device(&d, at(0, 0, 0x14, 0), &reader, idx, 4), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(vtd_rmrrs_for_device(&d, at(0, 1, 0, 0), &reader, idx, 4), 1);
	assert_int_equal(idx[0], 1);
	assert_int_equal(vtd_rmrrs_for_device(&d, at(0, 0, 2, 0), &reader, idx, 4), 0);
	assert_int_equal(vtd_rmrrs_for_device(&d, at(1, 0, 0x14, 0), &reader, idx, 4), 1);
	assert_int_equal(idx[0], 2);
	/* More than fit: the count is whole, only max indices stored. */
	idx[1] = 99;
	assert_int_equal(vtd_rmrrs_for_device(&d, at(0, 0, 0x14, 0), &reader, idx, 1), 2);
	assert_int_equal(idx[1], 99);
}

static void test_rmrr_check(void **state UNUSED)
{
	struct acpi_dmar_rmrr_info rm = { .base = 0xe8000, .limit = 0xe8fff };
	const char *why = NULL;
	uint64_t wlo = (1ull << 39) - (1ull << 30), whi = 1ull << 39;

	assert_int_equal(vtd_rmrr_check(&rm, 39, wlo, whi, &why), 0);
	rm = (struct acpi_dmar_rmrr_info){ .base = 0xe8001, .limit = 0xe8fff };
	assert_int_equal(vtd_rmrr_check(&rm, 39, wlo, whi, &why), CR_EPROTO);
	assert_string_equal(why, "rmrr-not-page-aligned");
	rm = (struct acpi_dmar_rmrr_info){ .base = 0xe8000, .limit = 0xe8ffe };
	assert_int_equal(vtd_rmrr_check(&rm, 39, wlo, whi, &why), CR_EPROTO);
	assert_string_equal(why, "rmrr-not-page-aligned");
	rm = (struct acpi_dmar_rmrr_info){ .base = 0xe9000, .limit = 0xe8fff };
	assert_int_equal(vtd_rmrr_check(&rm, 39, wlo, whi, &why), CR_EPROTO);
	assert_string_equal(why, "rmrr-limit-below-base");
	rm = (struct acpi_dmar_rmrr_info){ .base = 1ull << 39, .limit = (1ull << 39) + 0xfff };
	assert_int_equal(vtd_rmrr_check(&rm, 39, wlo, whi, &why), CR_EPROTO);
	assert_string_equal(why, "rmrr-above-host-address-width");
	rm = (struct acpi_dmar_rmrr_info){ .base = wlo - 0x1000, .limit = wlo + 0xfff };
	assert_int_equal(vtd_rmrr_check(&rm, 40, wlo, whi, &why), CR_EPROTO);
	assert_string_equal(why, "rmrr-overlaps-iova-window");
	rm = (struct acpi_dmar_rmrr_info){ .base = 0, .limit = UINT64_MAX };
	assert_int_equal(vtd_rmrr_check(&rm, 64, wlo, whi, &why), CR_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_shape),
		cmocka_unit_test(test_include_all_after_explicit),
		cmocka_unit_test(test_endpoint_through_bridge),
		cmocka_unit_test(test_subtree_nested),
		cmocka_unit_test(test_rmrr_lookup),
		cmocka_unit_test(test_rmrr_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
