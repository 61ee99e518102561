/*
 * tests/host/test_acpi_irq.c - host tests for lib/acpi_irq.c: ISA IRQ and
 * SCI routing through MADT interrupt source overrides, with bus defaults
 * (ISA: edge/high; SCI: level/low) where the flags say "conforms".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/acpi_irq.h"

#define UNUSED __attribute__((unused))

static struct acpi_madt_info madt;

static void add_iso(uint8_t source, uint32_t gsi, uint16_t flags)
{
	madt.isos[madt.nisos++] = (struct acpi_iso_info){ source, gsi, flags };
}

/* QEMU's i440FX/Q35 MADT: IRQ 0 -> GSI 2, and 5, 9, 10, 11 level/active-high. */
static void qemu_madt(void)
{
	memset(&madt, 0, sizeof(madt));
	add_iso(0, 2, 0x0000);
	add_iso(5, 5, 0x000d);
	add_iso(9, 9, 0x000d);
	add_iso(10, 10, 0x000d);
	add_iso(11, 11, 0x000d);
}

static void test_sci_qemu_override(void **state UNUSED)
{
	qemu_madt();
	struct acpi_irq_route r = acpi_sci_route(&madt, 9);

	assert_int_equal(r.gsi, 9);
	assert_true(r.level);
	assert_false(r.active_low);	/* flags 0xd: active high overrides the SCI default */
	assert_true(r.overridden);
}

static void test_sci_without_override_is_level_low(void **state UNUSED)
{
	memset(&madt, 0, sizeof(madt));
	struct acpi_irq_route r = acpi_sci_route(&madt, 9);

	assert_int_equal(r.gsi, 9);
	assert_true(r.level);
	assert_true(r.active_low);
	assert_false(r.overridden);
}

static void test_sci_override_conforming_flags_keep_sci_defaults(void **state UNUSED)
{
	memset(&madt, 0, sizeof(madt));
	add_iso(9, 20, 0x0000);	/* moved to GSI 20, flags "conforms to the bus" */
	struct acpi_irq_route r = acpi_sci_route(&madt, 9);

	assert_int_equal(r.gsi, 20);
	assert_true(r.level);
	assert_true(r.active_low);
}

static void test_sci_override_partial_flags(void **state UNUSED)
{
	memset(&madt, 0, sizeof(madt));
	add_iso(9, 9, 0x0004);	/* edge, polarity conforming */
	struct acpi_irq_route r = acpi_sci_route(&madt, 9);

	assert_false(r.level);
	assert_true(r.active_low);

	memset(&madt, 0, sizeof(madt));
	add_iso(9, 9, 0x0003);	/* active low, trigger conforming */
	r = acpi_sci_route(&madt, 9);
	assert_true(r.level);
	assert_true(r.active_low);
}

static void test_sci_as_gsi(void **state UNUSED)
{
	qemu_madt();
	add_iso(20, 9, 0x000d);	/* an override for a different source */
	struct acpi_irq_route r = acpi_sci_route(&madt, 300);

	assert_int_equal(r.gsi, 300);
	assert_true(r.level);
	assert_true(r.active_low);
	assert_false(r.overridden);
}

static void test_isa_defaults_and_overrides(void **state UNUSED)
{
	qemu_madt();
	struct acpi_irq_route r = acpi_isa_irq_route(&madt, 0);
	assert_int_equal(r.gsi, 2);
	assert_false(r.level);
	assert_false(r.active_low);

	r = acpi_isa_irq_route(&madt, 4);	/* COM1: no override */
	assert_int_equal(r.gsi, 4);
	assert_false(r.level);
	assert_false(r.active_low);
	assert_false(r.overridden);

	r = acpi_isa_irq_route(&madt, 11);
	assert_int_equal(r.gsi, 11);
	assert_true(r.level);
	assert_false(r.active_low);

	r = acpi_isa_irq_route(NULL, 3);	/* no MADT at all */
	assert_int_equal(r.gsi, 3);
	assert_false(r.level);
}

static void test_reserved_flag_values_conform(void **state UNUSED)
{
	memset(&madt, 0, sizeof(madt));
	add_iso(9, 9, 0x000a);	/* polarity 2 and trigger 2 are reserved: keep defaults */
	struct acpi_irq_route r = acpi_sci_route(&madt, 9);

	assert_true(r.level);
	assert_true(r.active_low);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sci_qemu_override),
		cmocka_unit_test(test_sci_without_override_is_level_low),
		cmocka_unit_test(test_sci_override_conforming_flags_keep_sci_defaults),
		cmocka_unit_test(test_sci_override_partial_flags),
		cmocka_unit_test(test_sci_as_gsi),
		cmocka_unit_test(test_isa_defaults_and_overrides),
		cmocka_unit_test(test_reserved_flag_values_conform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
