/*
 * tests/host/test_vtd_cap.c - host tests for lib/vtd_cap.c (capability
 * decoding, page-table depth and the IOVA window) and lib/vtd_fault.c
 * (fault records), VT-d 3.3 §10.4.2-§10.4.3, §10.4.14, §9.9.
 *
 * The register values are the ones QEMU 7.2's intel-iommu reported to
 * this kernel (aw-bits=39, its default; aw-bits=48 with caching-mode=on;
 * 10.0 defaults to 48 and the QEMU matrix runs both widths),
 * plus made-up units for the edges: no usable depth, caching mode,
 * narrow address widths, RAM above the window, a device limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "include/abi/errors.h"
#include "lib/vtd_cap.h"
#include "lib/vtd_fault.h"
#include "lib/vtd_reg.h"

#define UNUSED __attribute__((unused))

#define QEMU_VER	0x10
#define QEMU_CAP39	0xd2008c22260206ull
#define QEMU_CAP48_CM	0xd2008c222f0686ull
#define QEMU_ECAP	0xf00f4aull

static void test_decode_qemu_39(void **state UNUSED)
{
	struct vtd_caps c;

	vtd_caps_decode(QEMU_VER, QEMU_CAP39, QEMU_ECAP, &c);
	assert_int_equal(c.ver_major, 1);
	assert_int_equal(c.ver_minor, 0);
	assert_int_equal(c.did_bits, 16);
	assert_int_equal(c.sagaw, 0x2);
	assert_int_equal(c.mgaw, 39);
	assert_false(c.caching_mode);
	assert_false(c.rwbf);
	assert_true(c.psi);
	assert_int_equal(c.mamv, 18);
	assert_int_equal(c.nfr, 1);
	assert_int_equal(c.fro, 0x220);
	assert_int_equal(c.iro, 0xf0);
	assert_int_equal(c.sllps, 3);		/* 2 MiB and 1 GiB pages */
	assert_true(c.drain_read && c.drain_write);
	assert_false(c.coherent);		/* table writes must be flushed */
	assert_true(c.qi);
	assert_true(c.ir);
	assert_true(c.pt);
	assert_false(c.scalable);
	assert_int_equal(vtd_did_count(&c), 65535);
}

static void test_decode_qemu_48_caching_mode(void **state UNUSED)
{
	struct vtd_caps c;

	vtd_caps_decode(QEMU_VER, QEMU_CAP48_CM, QEMU_ECAP, &c);
	assert_int_equal(c.sagaw, 0x6);
	assert_int_equal(c.mgaw, 48);
	assert_true(c.caching_mode);
	/* A made-up small unit: ND=0 (16 domains), RWBF, no PSI, coherent, no QI, no PT. */
	vtd_caps_decode(0x60, (1ull << 4) | (2ull << 8) | (38ull << 16), VTD_ECAP_C, &c);
	assert_int_equal(c.ver_major, 6);
	assert_int_equal(c.did_bits, 4);
	assert_int_equal(vtd_did_count(&c), 15);
	assert_true(c.rwbf);
	assert_false(c.psi);
	assert_true(c.coherent);
	assert_false(c.qi);
	assert_false(c.pt);
	assert_int_equal(c.nfr, 1);	/* NFR is zero-based */
}

static void test_window_qemu(void **state UNUSED)
{
	struct vtd_caps c;
	struct vtd_window w;
	const char *why = NULL;

	vtd_caps_decode(QEMU_VER, QEMU_CAP39, QEMU_ECAP, &c);
	assert_int_equal(vtd_plan_window(&c, 39, 0xffd7000, 0, &w, &why), 0);
	assert_int_equal(w.levels, 3);
	assert_int_equal(w.agaw, 39);
	assert_int_equal(w.ctx_aw, 1);
	assert_int_equal(w.top, 1ull << 39);
	assert_int_equal(w.base, (1ull << 39) - (2ull << 30));
	assert_int_equal(w.pool_base, w.base);
	/* 64 data spaces of 16 MiB (include/abi/device.h), the guard page right after them, then the manager's. */
	assert_int_equal(w.guard, w.base + 64 * (16ull << 20));
	assert_int_equal(w.mgr_base, w.guard + (2ull << 20));
	assert_true(w.guard > w.pool_base && w.guard < w.mgr_base);

	/* aw-bits=48: the deepest walk within MGAW, 4 levels, window under 2^48. */
	vtd_caps_decode(QEMU_VER, QEMU_CAP48_CM, QEMU_ECAP, &c);
	assert_int_equal(vtd_plan_window(&c, 48, 0xffd7000, 0, &w, &why), 0);
	assert_int_equal(w.levels, 4);
	assert_int_equal(w.ctx_aw, 2);
	assert_int_equal(w.top, 1ull << 48);
	/* An Amazon device (DMA below 2^48) on a 57-bit unit stays below its limit. */
	c.sagaw = 0xe;
	c.mgaw = 57;
	assert_int_equal(vtd_plan_window(&c, 52, 1ull << 36, 1ull << 48, &w, &why), 0);
	assert_int_equal(w.levels, 5);
	assert_int_equal(w.top, 1ull << 48);
	/* ... and with a made-up limit below a 39-bit unit's reach. */
	vtd_caps_decode(QEMU_VER, QEMU_CAP39, QEMU_ECAP, &c);
	assert_int_equal(vtd_plan_window(&c, 39, 1ull << 30, 1ull << 36, &w, &why), 0);
	assert_int_equal(w.top, 1ull << 36);
}

static void test_window_refusals(void **state UNUSED)
{
	struct vtd_caps c;
	struct vtd_window w;
	const char *why = NULL;

	vtd_caps_decode(QEMU_VER, QEMU_CAP39, QEMU_ECAP, &c);
	/* RAM reaching into the last two gigabytes of a 39-bit space. */
	assert_int_equal(vtd_plan_window(&c, 39, (1ull << 39) - (1ull << 30), 0, &w, &why), CR_ENODEV);
	assert_string_equal(why, "iova-window-overlaps-ram");
	/* RAM the page tables cannot name (host address width from the DMAR). */
	assert_int_equal(vtd_plan_window(&c, 36, (1ull << 36) + 4096, 0, &w, &why), CR_ENODEV);
	assert_string_equal(why, "ram-above-host-address-width");
	/* A device limit below two gigabytes leaves no window. */
	assert_int_equal(vtd_plan_window(&c, 39, 1ull << 20, 1ull << 30, &w, &why), CR_ENODEV);
	assert_string_equal(why, "address-width-below-window");
	/* A device limit that puts the window on the interrupt range (0xfee00000). */
	assert_int_equal(vtd_plan_window(&c, 39, 1ull << 20, 1ull << 32, &w, &why), CR_ENODEV);
	assert_string_equal(why, "iova-window-overlaps-interrupt-range");
	/* No depth the unit walks fits MGAW: only 4 levels offered, MGAW 40. */
	c.sagaw = 0x4;
	c.mgaw = 40;
	assert_int_equal(vtd_plan_window(&c, 39, 1ull << 20, 0, &w, &why), CR_ENODEV);
	assert_string_equal(why, "no-supported-page-table-depth");
	c.sagaw = 0;
	c.mgaw = 48;
	assert_int_equal(vtd_plan_window(&c, 39, 1ull << 20, 0, &w, &why), CR_ENODEV);
}

static void test_fault_decode(void **state UNUSED)
{
	struct vtd_fault f;

	/* What QEMU recorded for the verifier's blocked IDENTIFY: 00:02.0, write, reason 5. */
	uint64_t lo = 0x7fdffff000ull, hi = VTD_FRCD_HI_F | (5ull << 32) | 0x0010;
	assert_true(vtd_fault_decode(lo | 0x123, hi, &f));
	assert_int_equal(f.sid, 0x0010);
	assert_int_equal(f.addr, 0x7fdffff000ull);
	assert_int_equal(f.reason, VTD_FR_WRITE);
	assert_true(f.write);
	assert_string_equal(vtd_fault_reason_name(f.reason), "write-denied");
	/* A read (T set) from 03:1f.7, context entry not present. */
	hi = VTD_FRCD_HI_F | VTD_FRCD_HI_T | (2ull << 32) | vtd_sid(3, 0x1f, 7);
	assert_true(vtd_fault_decode(0x1000, hi, &f));
	assert_int_equal(f.sid, 0x03ff);
	assert_false(f.write);
	assert_string_equal(vtd_fault_reason_name(f.reason), "context-entry-not-present");
	/* F clear: nothing recorded, whatever else the register holds. */
	assert_false(vtd_fault_decode(0xdead000, hi & ~VTD_FRCD_HI_F, &f));
	assert_string_equal(vtd_fault_reason_name(0x99), "unknown");
	assert_int_equal(vtd_sid(0, 2, 0), 0x0010);
	assert_int_equal(vtd_sid(0xff, 31, 7), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_qemu_39),
		cmocka_unit_test(test_decode_qemu_48_caching_mode),
		cmocka_unit_test(test_window_qemu),
		cmocka_unit_test(test_window_refusals),
		cmocka_unit_test(test_fault_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
