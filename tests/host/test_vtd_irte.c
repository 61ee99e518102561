/*
 * tests/host/test_vtd_irte.c - host tests for lib/vtd_irte.c: the IRTE
 * (VT-d 3.3 §9.10), source-id validation (§5.1.2), remappable-format MSI
 * address/data and I/O APIC redirection entries (§5.1.5), and the decode
 * of an interrupt request a device's DMA write makes.  Expected values are
 * worked out from the spec's bit positions by hand, not from the encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "lib/vtd_irte.h"

#define UNUSED __attribute__((unused))

static void test_irte_xapic(void **state UNUSED)
{
	struct vtd_irte_fields f = { .vector = 0x41, .dest = 3, .sid = 0x0010, .svt = VTD_SVT_SID, .sq = 0 };
	struct vtd_irte e;

	assert_true(vtd_irte_encode(&f, &e));
	/* P=1, DM=0, TM=0, DLM=000, V=0x41 at 23:16, DST=3 at 47:40 (xAPIC). */
	assert_int_equal(e.lo, 0x0000030000410001ull);
	/* SID=0x0010 at 79:64, SQ=0 at 81:80, SVT=01 at 83:82. */
	assert_int_equal(e.hi, 0x0000000000040010ull);
	struct vtd_irte_fields g;
	assert_true(vtd_irte_decode(&e, false, &g));
	assert_int_equal(g.vector, 0x41);
	assert_int_equal(g.dest, 3);
	assert_int_equal(g.sid, 0x10);
	assert_int_equal(g.svt, VTD_SVT_SID);
	/* A level-triggered SCI entry sets TM. */
	f.level = true;
	assert_true(vtd_irte_encode(&f, &e));
	assert_int_equal(e.lo & (1ull << 4), 1ull << 4);
	/* xAPIC cannot name 0xff (broadcast) or anything wider. */
	f.dest = 0xff;
	assert_false(vtd_irte_encode(&f, &e));
	f.dest = 300;
	assert_false(vtd_irte_encode(&f, &e));
}

static void test_irte_x2apic(void **state UNUSED)
{
	struct vtd_irte_fields f = { .vector = 0xee, .dest = 0x12345, .x2apic = true, .sid = 0xff00,
				     .svt = VTD_SVT_SID };
	struct vtd_irte e;

	assert_true(vtd_irte_encode(&f, &e));
	assert_int_equal(e.lo, 0x0001234500ee0001ull);
	struct vtd_irte_fields g;
	assert_true(vtd_irte_decode(&e, true, &g));
	assert_int_equal(g.dest, 0x12345);
	/* Read as xAPIC, the same entry has bits outside DST 15:8: refused. */
	assert_false(vtd_irte_decode(&e, false, &g));
	/* Reserved or posted bits, or not present: not an entry the unit would use. */
	struct vtd_irte bad = e;
	bad.lo |= 1ull << 15;
	assert_false(vtd_irte_decode(&bad, true, &g));
	bad = e;
	bad.hi |= 1ull << 20;
	assert_false(vtd_irte_decode(&bad, true, &g));
	bad = e;
	bad.lo &= ~1ull;
	assert_false(vtd_irte_decode(&bad, true, &g));
	f.svt = 3;
	assert_false(vtd_irte_encode(&f, &e));
}

static void test_sid_validation(void **state UNUSED)
{
	struct vtd_irte e;
	struct vtd_irte_fields f = { .vector = 0x40, .sid = 0x0018, .svt = VTD_SVT_SID };

	assert_true(vtd_irte_encode(&f, &e));
	assert_true(vtd_irte_sid_ok(&e, 0x0018));
	assert_false(vtd_irte_sid_ok(&e, 0x0019));
	assert_false(vtd_irte_sid_ok(&e, 0x0118));
	/* SQ=3 ignores the function number. */
	f.sq = 3;
	assert_true(vtd_irte_encode(&f, &e));
	assert_true(vtd_irte_sid_ok(&e, 0x001f));
	assert_false(vtd_irte_sid_ok(&e, 0x0020));
	/* SVT=2: any requester on buses 1..3 (behind a conventional bridge). */
	f = (struct vtd_irte_fields){ .vector = 0x40, .sid = 0x0103, .svt = VTD_SVT_BUS_RANGE };
	assert_true(vtd_irte_encode(&f, &e));
	assert_true(vtd_irte_sid_ok(&e, 0x0100));
	assert_true(vtd_irte_sid_ok(&e, 0x03ff));
	assert_false(vtd_irte_sid_ok(&e, 0x0408));
	assert_false(vtd_irte_sid_ok(&e, 0x0008));
	/* SVT=0 checks nothing; never programmed, but the model must know it. */
	f.svt = VTD_SVT_NONE;
	assert_true(vtd_irte_encode(&f, &e));
	assert_true(vtd_irte_sid_ok(&e, 0xbeef));
}

static void test_msi_remappable(void **state UNUSED)
{
	/* Handle 5: bits 19:5 = 5, IF=1, SHV=0, bit 2 = handle[15] = 0. */
	assert_int_equal(vtd_msi_remap_addr(5), 0xfee000b0u);
	/* Handle 0x8001: bit 15 goes to address bit 2. */
	assert_int_equal(vtd_msi_remap_addr(0x8001), 0xfee00034u);
	assert_int_equal(vtd_msi_remap_addr(0x7fff), 0xfeeffff0u);
	struct vtd_irq_request r;
	assert_true(vtd_irq_request_decode(0xfee000b0u, 0xdeadbeef, &r));
	assert_true(r.remappable);
	assert_int_equal(r.handle, 5);
	assert_true(vtd_irq_request_decode(0xfee00034u, 0, &r));
	assert_int_equal(r.handle, 0x8001);
	/* SHV: the data's low 16 bits are a subhandle added to the handle. */
	assert_true(vtd_irq_request_decode(0xfee000b8u, 0x10003, &r));
	assert_int_equal(r.handle, 8);
	/* Compatibility format: vector and delivery from the data, destination from the address. */
	assert_int_equal(vtd_msi_compat_addr(2), 0xfee02000u);
	assert_true(vtd_irq_request_decode(0xfee02000u, 0x00020413u, &r));
	assert_false(r.remappable);
	assert_int_equal(r.vector, 0x13);
	assert_int_equal(r.delivery, VTD_DLM_NMI);
	assert_int_equal(r.dest, 2);
	/* Outside the window: memory, not an interrupt. */
	assert_false(vtd_irq_request_decode(0xfed00000u, 0, &r));
	assert_false(vtd_irq_request_decode(0x1fee00000ull, 0, &r));
}

static void test_ioapic_rte(void **state UNUSED)
{
	/* Handle 3, vector 0x39, level, active high, unmasked: 63:49 = 3, bit 48, bit 15, vector. */
	assert_int_equal(vtd_ioapic_remap_rte(3, 0x39, true, false, false), 0x0007000000008039ull);
	/* Handle 0x8000 sets bit 11; masked and active low. */
	assert_int_equal(vtd_ioapic_remap_rte(0x8000, 0x40, false, true, true), 0x0001000000012840ull);
}

static void test_irta_size(void **state UNUSED)
{
	assert_int_equal(vtd_irta_size_field(256), 7);
	assert_int_equal(vtd_irta_size_field(2), 0);
	assert_int_equal(vtd_irta_size_field(65536), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irte_xapic),
		cmocka_unit_test(test_irte_x2apic),
		cmocka_unit_test(test_sid_validation),
		cmocka_unit_test(test_msi_remappable),
		cmocka_unit_test(test_ioapic_rte),
		cmocka_unit_test(test_irta_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
