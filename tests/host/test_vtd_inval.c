/*
 * tests/host/test_vtd_inval.c - host tests for lib/vtd_inval.c: the
 * invalidations each change to VT-d structures needs (VT-d 3.3 §6.1,
 * §6.5, §6.8), their register and queued encodings, the choice between
 * the two interfaces, and Global Command values that keep every enable.
 *
 * The strongest check is semantic: a model of a caching IOTLB is filled
 * for a range, the planned operations are applied to it, and every page
 * of the changed range must be gone while pages of other domains stay.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/vtd_inval.h"

#define UNUSED __attribute__((unused))

static struct vtd_caps caps(bool cm, bool psi, unsigned mamv, bool rwbf)
{
	return (struct vtd_caps){ .caching_mode = cm, .psi = psi, .mamv = mamv, .rwbf = rwbf, .qi = true,
				  .ver_major = 1, .did_bits = 16, .drain_read = true, .drain_write = true };
}

/* ------------------------------------------------------------ a caching IOTLB model */

#define TLB_MAX 4096
struct tlb {
	unsigned n;
	struct { uint16_t did; uint64_t page; } e[TLB_MAX];
	unsigned ctx_cached;	/* context entries cached: bit per sid % 32 */
};

static void tlb_fill(struct tlb *t, uint16_t did, uint64_t addr, uint64_t len)
{
	for (uint64_t a = addr & ~0xfffull; a < addr + len; a += 4096) {
		assert_true(t->n < TLB_MAX);
		t->e[t->n].did = did;
		t->e[t->n++].page = a >> 12;
	}
}

static void tlb_apply(struct tlb *t, const struct vtd_inv_plan *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		const struct vtd_inv_op *op = &p->op[i];
		unsigned keep = 0;
		for (unsigned j = 0; j < t->n; j++) {
			bool drop = op->kind == VTD_OP_IOTLB_GLOBAL ||
				    (op->kind == VTD_OP_IOTLB_DOMAIN && t->e[j].did == op->did) ||
				    (op->kind == VTD_OP_IOTLB_PAGES && t->e[j].did == op->did &&
				     (t->e[j].page >> op->am) == (op->addr >> 12 >> op->am));
			if (!drop)
				t->e[keep++] = t->e[j];
		}
		t->n = keep;
	}
}

static bool tlb_has(const struct tlb *t, uint16_t did, uint64_t addr)
{
	for (unsigned j = 0; j < t->n; j++) {
		if (t->e[j].did == did && t->e[j].page == addr >> 12)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ the plans */

static void test_root_set_is_global(void **state UNUSED)
{
	struct vtd_caps c = caps(false, true, 18, false);
	struct vtd_inv_plan p;

	vtd_inval_plan(&c, VTD_EV_ROOT_SET, 0, 0, 0, 0, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.op[0].kind, VTD_OP_CC_GLOBAL);	/* context cache first, then the IOTLB */
	assert_int_equal(p.op[1].kind, VTD_OP_IOTLB_GLOBAL);
}

/* A new context entry: nothing to flush unless the unit caches not-present entries (domain id 0). */
static void test_context_set(void **state UNUSED)
{
	struct vtd_caps c = caps(false, true, 18, false);
	struct vtd_inv_plan p;

	vtd_inval_plan(&c, VTD_EV_CONTEXT_SET, 5, 0x0010, 0, 0, &p);
	assert_int_equal(p.n, 0);
	c.caching_mode = true;
	vtd_inval_plan(&c, VTD_EV_CONTEXT_SET, 5, 0x0010, 0, 0, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.op[0].kind, VTD_OP_CC_DEVICE);
	assert_int_equal(p.op[0].did, 0);
	assert_int_equal(p.op[0].sid, 0x0010);
	assert_int_equal(p.op[1].kind, VTD_OP_IOTLB_DOMAIN);
	assert_int_equal(p.op[1].did, 5);
	/* A unit needing write-buffer flushes gets one first, whatever the event. */
	c.rwbf = true;
	vtd_inval_plan(&c, VTD_EV_CONTEXT_SET, 5, 0x0010, 0, 0, &p);
	assert_int_equal(p.op[0].kind, VTD_OP_WBF);
	assert_int_equal(p.n, 3);
}

static void test_context_clear(void **state UNUSED)
{
	struct vtd_caps c = caps(false, false, 0, false);
	struct vtd_inv_plan p;

	vtd_inval_plan(&c, VTD_EV_CONTEXT_CLEAR, 7, 0x0118, 0, 0, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.op[0].kind, VTD_OP_CC_DEVICE);
	assert_int_equal(p.op[0].did, 7);
	assert_int_equal(p.op[0].sid, 0x0118);
	assert_int_equal(p.op[1].kind, VTD_OP_IOTLB_DOMAIN);
	assert_int_equal(p.op[1].did, 7);
	assert_true(p.op[1].drain_read && p.op[1].drain_write);
}

/* Mapping needs nothing on real hardware, page-selective flushes in caching mode. */
static void test_map(void **state UNUSED)
{
	struct vtd_caps c = caps(false, true, 18, false);
	struct vtd_inv_plan p;

	vtd_inval_plan(&c, VTD_EV_MAP, 3, 0, 0x7fc0000000ull, 8 << 20, &p);
	assert_int_equal(p.n, 0);
	c.caching_mode = true;
	vtd_inval_plan(&c, VTD_EV_MAP, 3, 0, 0x7fc0000000ull, 8 << 20, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.op[0].kind, VTD_OP_IOTLB_PAGES);
	assert_int_equal(p.op[0].am, 11);	/* 2048 pages, aligned */
	assert_int_equal(p.op[0].addr, 0x7fc0000000ull);
}

/* Unmapped ranges: aligned power-of-two blocks within MAMV that cover exactly the range. */
static void test_unmap_blocks_cover_exactly(void **state UNUSED)
{
	static const struct { uint64_t addr, len; unsigned mamv; } cases[] = {
		{ 0x1000, 0x1000, 18 }, { 0x3000, 0x5000, 18 }, { 0x7fc0001000ull, 0x7ff000, 18 },
		{ 0x10000, 0x100000, 2 }, { 0x5000, 0x3000, 0 }, { 0x7fffffe000ull, 0x2000, 9 },
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct vtd_caps c = caps(false, true, cases[k].mamv, false);
		struct vtd_inv_plan p;
		vtd_inval_plan(&c, VTD_EV_UNMAP, 9, 0, cases[k].addr, cases[k].len, &p);
		uint64_t covered = 0, next = cases[k].addr;
		bool pages = p.n && p.op[0].kind == VTD_OP_IOTLB_PAGES;
		for (unsigned i = 0; pages && i < p.n; i++) {
			const struct vtd_inv_op *op = &p.op[i];
			assert_int_equal(op->kind, VTD_OP_IOTLB_PAGES);
			assert_int_equal(op->did, 9);
			assert_true(op->am <= cases[k].mamv);
			assert_int_equal(op->addr & ((4096ull << op->am) - 1), 0);	/* naturally aligned */
			assert_int_equal(op->addr, next);				/* in order, no gap, no overlap */
			next += 4096ull << op->am;
			covered += 4096ull << op->am;
		}
		if (pages)
			assert_int_equal(covered, cases[k].len);
		else
			assert_int_equal(p.op[0].kind, VTD_OP_IOTLB_DOMAIN);
	}
}

/* Against the caching model: after the plan, nothing of the unmapped range survives; other domains keep theirs. */
static void test_unmap_against_iotlb_model(void **state UNUSED)
{
	static struct tlb t;
	uint64_t seed = 99;

	for (unsigned round = 0; round < 300; round++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		struct vtd_caps c = caps(round & 1, round % 3 != 0, (unsigned)(seed >> 60), round % 5 == 0);
		uint64_t addr = ((seed >> 20) & 0x3ff) << 12, len = (1 + ((seed >> 40) & 0x7f)) << 12;
		memset(&t, 0, sizeof(t));
		tlb_fill(&t, 4, addr > 0x10000 ? addr - 0x10000 : 0, len + 0x20000);	/* around the range */
		tlb_fill(&t, 6, addr, len);						/* another domain, same IOVAs */
		struct vtd_inv_plan p;
		vtd_inval_plan(&c, VTD_EV_UNMAP, 4, 0, addr, len, &p);
		assert_true(p.n >= 1);
		tlb_apply(&t, &p);
		for (uint64_t a = addr; a < addr + len; a += 4096)
			assert_false(tlb_has(&t, 4, a));
		for (uint64_t a = addr; a < addr + len; a += 4096)
			assert_true(tlb_has(&t, 6, a));
	}
}

/* Too fragmented for the step budget: one domain-wide flush instead. */
static void test_fragmented_range_falls_back_to_domain(void **state UNUSED)
{
	struct vtd_caps c = caps(false, true, 0, false);	/* MAMV 0: one page per step */
	struct vtd_inv_plan p;

	vtd_inval_plan(&c, VTD_EV_UNMAP, 2, 0, 0x1000, (VTD_PLAN_MAX + 1) * 4096ull, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.op[0].kind, VTD_OP_IOTLB_DOMAIN);
	vtd_inval_plan(&c, VTD_EV_UNMAP, 2, 0, 0x1000, VTD_PLAN_MAX * 4096ull, &p);
	assert_int_equal(p.n, VTD_PLAN_MAX);
	/* No PSI at all: domain-wide. */
	c.psi = false;
	vtd_inval_plan(&c, VTD_EV_UNMAP, 2, 0, 0x1000, 4096, &p);
	assert_int_equal(p.op[0].kind, VTD_OP_IOTLB_DOMAIN);
}

/* ------------------------------------------------------------ encodings */

static void test_register_encodings(void **state UNUSED)
{
	struct vtd_inv_op cc = { .kind = VTD_OP_CC_DEVICE, .did = 0x1234, .sid = 0x0210 };
	assert_int_equal(vtd_ccmd_value(&cc), (1ull << 63) | (3ull << 61) | (0x0210ull << 16) | 0x1234);
	cc.kind = VTD_OP_CC_GLOBAL;
	assert_int_equal(vtd_ccmd_value(&cc), (1ull << 63) | (1ull << 61));

	uint64_t iva;
	struct vtd_inv_op pg = { .kind = VTD_OP_IOTLB_PAGES, .did = 0x42, .am = 3, .addr = 0x7fc0008000ull,
				 .drain_read = true, .drain_write = false };
	assert_int_equal(vtd_iotlb_value(&pg, &iva), (1ull << 63) | (3ull << 60) | (1ull << 49) | (0x42ull << 32));
	assert_int_equal(iva, 0x7fc0008000ull | 3);
	struct vtd_inv_op dom = { .kind = VTD_OP_IOTLB_DOMAIN, .did = 9 };
	assert_int_equal(vtd_iotlb_value(&dom, &iva), (1ull << 63) | (2ull << 60) | (9ull << 32));
	assert_int_equal(iva, 0);
	struct vtd_inv_op glob = { .kind = VTD_OP_IOTLB_GLOBAL, .drain_write = true };
	assert_int_equal(vtd_iotlb_value(&glob, &iva), (1ull << 63) | (1ull << 60) | (1ull << 48));
}

/* Interrupt entry cache invalidation (§6.5.2.7): type 4, G in bit 4, IM 31:27, IIDX 47:32. */
static void test_iec_encodings(void **state UNUSED)
{
	struct vtd_inv_op g = { .kind = VTD_OP_IEC_GLOBAL };
	struct vtd_inv_desc d = vtd_qi_desc(&g);
	assert_int_equal(d.lo, 0x4);
	assert_int_equal(d.hi, 0);
	struct vtd_inv_op one = { .kind = VTD_OP_IEC_INDEX, .am = 0, .addr = 0x3ff };
	d = vtd_qi_desc(&one);
	assert_int_equal(d.lo, 0x4 | (1ull << 4) | (0x3ffull << 32));
	struct vtd_inv_op eight = { .kind = VTD_OP_IEC_INDEX, .am = 3, .addr = 0x10 };
	d = vtd_qi_desc(&eight);
	assert_int_equal(d.lo, 0x4 | (1ull << 4) | (3ull << 27) | (0x10ull << 32));
	assert_string_equal(vtd_op_name(VTD_OP_IEC_INDEX), "iec-index");
}

static void test_queued_encodings(void **state UNUSED)
{
	struct vtd_inv_op cc = { .kind = VTD_OP_CC_DEVICE, .did = 0x1234, .sid = 0x0210 };
	struct vtd_inv_desc d = vtd_qi_desc(&cc);
	assert_int_equal(d.lo, 0x1 | (3ull << 4) | (0x1234ull << 16) | (0x0210ull << 32));
	assert_int_equal(d.hi, 0);
	struct vtd_inv_op pg = { .kind = VTD_OP_IOTLB_PAGES, .did = 7, .am = 2, .addr = 0x4000,
				 .drain_read = true, .drain_write = true };
	d = vtd_qi_desc(&pg);
	assert_int_equal(d.lo, 0x2 | (3ull << 4) | (1ull << 6) | (1ull << 7) | (7ull << 16));
	assert_int_equal(d.hi, 0x4000 | 2);
	struct vtd_inv_op glob = { .kind = VTD_OP_CC_GLOBAL };
	assert_int_equal(vtd_qi_desc(&glob).lo, 0x1 | (1ull << 4));
	struct vtd_inv_op itg = { .kind = VTD_OP_IOTLB_GLOBAL };
	assert_int_equal(vtd_qi_desc(&itg).lo, 0x2 | (1ull << 4));
	d = vtd_qi_wait_desc(0x12345678, 0xabcd);
	assert_int_equal(d.lo, 0x5 | (1ull << 5) | (1ull << 6) | (0xabcdull << 32));
	assert_int_equal(d.hi, 0x12345678);
}

static void test_choose_interface(void **state UNUSED)
{
	struct vtd_caps c = caps(false, true, 18, false);
	enum vtd_inval_mode m;
	const char *why = NULL;

	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_AUTO, &m, &why), 0);
	assert_int_equal(m, VTD_INVAL_QUEUED);
	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_REGISTER, &m, &why), 0);
	assert_int_equal(m, VTD_INVAL_REGISTER);
	/* Firmware left queued invalidation on: the registers are ignored. */
	assert_int_equal(vtd_inval_choose(&c, VTD_GCMD_QIE, VTD_INVAL_PREF_REGISTER, &m, &why), CR_ENOSYS);
	assert_string_equal(why, "queued-invalidation-already-enabled");
	/* Version 6 and later have no register-based interface. */
	c.ver_major = 6;
	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_REGISTER, &m, &why), CR_ENOSYS);
	c.qi = false;
	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_AUTO, &m, &why), CR_ENOSYS);
	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_QUEUED, &m, &why), CR_ENOSYS);
	c.ver_major = 1;
	assert_int_equal(vtd_inval_choose(&c, 0, VTD_INVAL_PREF_AUTO, &m, &why), 0);
	assert_int_equal(m, VTD_INVAL_REGISTER);
}

/* Every Global Command write repeats the enables in force and never a one-shot command. */
static void test_gcmd_preserves_enables(void **state UNUSED)
{
	uint32_t gsts = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_SRTP | VTD_GCMD_WBF | 0x3f;	/* RTPS/WBFS and junk too */

	assert_int_equal(vtd_gcmd_value(gsts, VTD_GCMD_SRTP, 0), VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_SRTP);
	assert_int_equal(vtd_gcmd_value(gsts, VTD_GCMD_WBF, 0), VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_WBF);
	assert_int_equal(vtd_gcmd_value(gsts, 0, VTD_GCMD_TE), VTD_GCMD_QIE);
	assert_int_equal(vtd_gcmd_value(VTD_GCMD_IRE | VTD_GCMD_CFI, VTD_GCMD_TE, 0),
			 VTD_GCMD_IRE | VTD_GCMD_CFI | VTD_GCMD_TE);
	assert_int_equal(vtd_gcmd_value(0, VTD_GCMD_QIE, 0), VTD_GCMD_QIE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_set_is_global),
		cmocka_unit_test(test_context_set),
		cmocka_unit_test(test_context_clear),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_unmap_blocks_cover_exactly),
		cmocka_unit_test(test_unmap_against_iotlb_model),
		cmocka_unit_test(test_fragmented_range_falls_back_to_domain),
		cmocka_unit_test(test_register_encodings),
		cmocka_unit_test(test_queued_encodings),
		cmocka_unit_test(test_choose_interface),
		cmocka_unit_test(test_iec_encodings),
		cmocka_unit_test(test_gcmd_preserves_enables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
