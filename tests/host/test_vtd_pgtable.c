/*
 * tests/host/test_vtd_pgtable.c - host tests for lib/vtd_pgtable.c, the
 * VT-d second-level page tables (VT-d 3.3 §3.6, §9.8).
 *
 * The tables live in fake "physical" pages.  The walker that checks them
 * is written here, independently of the code under test, and it reads
 * only what was flushed: every page has a device-visible shadow that
 * env->flush updates, as clflush does for a unit that does not snoop
 * (ECAP.C = 0).  An entry written but not flushed is therefore invisible
 * to it, and a table linked before it was flushed reads as garbage.
 * The walker also insists on the legacy-mode entry format: R/W plus an
 * address below the host address width, nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/vtd_pgtable.h"
#include "lib/vtd_reg.h"

#define UNUSED __attribute__((unused))

#define NPAGES		256
#define PHYS_BASE	0x7f0000000ull	/* fake physical addresses of table pages */
#define HAW_BITS	39

struct mem {
	uint8_t *page[NPAGES];		/* what the CPU sees */
	uint8_t *shadow[NPAGES];	/* what the walker sees: updated by flush only */
	bool used[NPAGES];
	unsigned live, allocs, fail_after;	/* fail_after: allocations allowed (0: no limit) */
	unsigned flushes;
};

static struct mem mem;

static void *m_alloc(void *ctx, uint64_t *phys)
{
	struct mem *m = ctx;

	if (m->fail_after && m->allocs >= m->fail_after)
		return NULL;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (!m->used[i]) {
			m->used[i] = true;
			m->live++;
			m->allocs++;
			/* The CPU zeroes it; the walker still sees junk until it is flushed. */
			memset(m->page[i], 0, 4096);
			memset(m->shadow[i], 0xa5, 4096);
			*phys = PHYS_BASE + (uint64_t)i * 4096;
			return m->page[i];
		}
	}
	return NULL;
}

static unsigned index_of_phys(uint64_t phys)
{
	assert_true(phys >= PHYS_BASE && phys < PHYS_BASE + NPAGES * 4096ull);
	return (unsigned)((phys - PHYS_BASE) / 4096);
}

static void m_free(void *ctx, void *page, uint64_t phys)
{
	struct mem *m = ctx;
	unsigned i = index_of_phys(phys);

	assert_ptr_equal(page, m->page[i]);
	assert_true(m->used[i]);
	m->used[i] = false;
	m->live--;
}

static void *m_table(void *ctx, uint64_t phys)
{
	struct mem *m = ctx;
	unsigned i = index_of_phys(phys);

	assert_true(m->used[i]);
	return m->page[i];
}

static void m_flush(void *ctx, const void *p, size_t len)
{
	struct mem *m = ctx;
	const uint8_t *b = p;

	m->flushes++;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (b >= m->page[i] && b + len <= m->page[i] + 4096) {
			memcpy(m->shadow[i] + (b - m->page[i]), b, len);
			return;
		}
	}
	fail_msg("flush of %zu bytes outside any table page", len);
}

static const struct vtd_pt_env env = { m_alloc, m_free, m_table, m_flush, &mem };

static int setup(void **state UNUSED)
{
	memset(&mem, 0, sizeof(mem));
	for (unsigned i = 0; i < NPAGES; i++) {
		mem.page[i] = aligned_alloc(4096, 4096);
		mem.shadow[i] = aligned_alloc(4096, 4096);
	}
	return 0;
}

static int teardown(void **state UNUSED)
{
	for (unsigned i = 0; i < NPAGES; i++) {
		free(mem.page[i]);
		free(mem.shadow[i]);
	}
	return 0;
}

/* ------------------------------------------------------------ the independent walker */

/* Walk the flushed tables: 0 with *pa and *perm, CR_ENOENT if not present; fails the test on a malformed entry. */
static int hw_walk(const struct vtd_pt *pt, uint64_t iova, uint64_t *pa, unsigned *perm)
{
	uint64_t table = pt->root_phys;
	unsigned p = 3;

	if (iova >> (12 + 9 * pt->levels))
		return CR_ENOENT;
	for (unsigned level = pt->levels; level >= 1; level--) {
		unsigned idx = (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
		uint64_t e;
		memcpy(&e, mem.shadow[index_of_phys(table)] + idx * 8, 8);
		if (!(e & 3))
			return CR_ENOENT;
		/* Legacy mode: nothing but R, W and an address below the host address width. */
		assert_int_equal(e & ~(VTD_SL_R | VTD_SL_W | VTD_SL_ADDR_MASK), 0);
		assert_int_equal((e & VTD_SL_ADDR_MASK) >> HAW_BITS, 0);
		p &= (unsigned)(e & 3);
		if (level == 1) {
			*pa = (e & VTD_SL_ADDR_MASK) | (iova & 0xfff);
			*perm = p;
			return p ? 0 : CR_ENOENT;
		}
		table = e & VTD_SL_ADDR_MASK;
	}
	return CR_ENOENT;
}

static void expect_mapped(const struct vtd_pt *pt, uint64_t iova, uint64_t want_pa, unsigned want_perm)
{
	uint64_t pa = 0;
	unsigned perm = 0;

	assert_int_equal(hw_walk(pt, iova, &pa, &perm), 0);
	assert_int_equal(pa, want_pa);
	assert_int_equal(perm, want_perm);
	assert_int_equal(vtd_pt_lookup(pt, &env, iova, &pa, &perm), 0);
	assert_int_equal(pa, want_pa);
	assert_int_equal(perm, want_perm);
}

static void expect_unmapped(const struct vtd_pt *pt, uint64_t iova)
{
	uint64_t pa;
	unsigned perm;

	assert_int_equal(hw_walk(pt, iova, &pa, &perm), CR_ENOENT);
	assert_int_equal(vtd_pt_lookup(pt, &env, iova, &pa, &perm), CR_ENOENT);
}

/* ------------------------------------------------------------ tests */

static void test_levels(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 2), CR_EINVAL);
	assert_int_equal(vtd_pt_init(&pt, &env, 6), CR_EINVAL);
	for (unsigned l = 3; l <= 5; l++) {
		assert_int_equal(vtd_pt_init(&pt, &env, l), 0);
		assert_int_equal(pt.limit, 1ull << (12 + 9 * l));
		assert_int_equal(pt.tables, 1);
		/* The top of the address space maps and walks with l levels. */
		uint64_t top = pt.limit - 4096;
		assert_int_equal(vtd_pt_map(&pt, &env, top, 0x5000, 4096, VTD_PERM_R | VTD_PERM_W), 0);
		assert_int_equal(pt.tables, l);
		expect_mapped(&pt, top + 0x123, 0x5123, 3);
		assert_int_equal(vtd_pt_map(&pt, &env, pt.limit, 0x5000, 4096, VTD_PERM_R), CR_ERANGE);
		vtd_pt_destroy(&pt, &env);
		assert_int_equal(mem.live, 0);
	}
}

/* A pool-sized range across 2 MiB and 1 GiB table boundaries, just below a 39-bit top. */
static void test_map_range_across_tables(void **state UNUSED)
{
	struct vtd_pt pt;
	uint64_t iova = (1ull << 30) - (3ull << 20);	/* crosses the 1 GiB boundary */
	uint64_t pa = 0x40000000ull, len = 8ull << 20;

	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, iova, pa, len, VTD_PERM_R | VTD_PERM_W), 0);
	assert_int_equal(pt.mapped, len / 4096);
	for (uint64_t off = 0; off < len; off += 4096)
		expect_mapped(&pt, iova + off, pa + off, 3);
	expect_unmapped(&pt, iova - 4096);
	expect_unmapped(&pt, iova + len);
	/* root + 2 level-2 tables (either side of 1 GiB) + 5 leaf tables (2 MiB each: 1G-4M .. 1G+6M) */
	assert_int_equal(pt.tables, 1 + 2 + 5);
	vtd_pt_destroy(&pt, &env);
	assert_int_equal(mem.live, 0);
}

static void test_read_only_and_write_only(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 4), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x10000, 0x20000, 4096, VTD_PERM_R), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x11000, 0x21000, 4096, VTD_PERM_W), 0);
	expect_mapped(&pt, 0x10000, 0x20000, VTD_PERM_R);
	expect_mapped(&pt, 0x11000, 0x21000, VTD_PERM_W);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x12000, 0x22000, 4096, 0), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x12000, 0x22000, 4096, 4), CR_EINVAL);
	vtd_pt_destroy(&pt, &env);
}

static void test_bad_arguments(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1001, 0x2000, 4096, 3), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1000, 0x2001, 4096, 3), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1000, 0x2000, 100, 3), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1000, 0x2000, 0, 3), CR_EINVAL);
	/* A physical address beyond the 52-bit field cannot be written into an entry. */
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1000, 1ull << 52, 4096, 3), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x1000, (1ull << 52) - 4096, 8192, 3), CR_EINVAL);
	assert_int_equal(vtd_pt_map(&pt, &env, UINT64_MAX - 4095, 0x2000, 8192, 3), CR_ERANGE);
	assert_int_equal(pt.mapped, 0);
	vtd_pt_destroy(&pt, &env);
}

/* Overlap with anything mapped: refused whole, nothing changed. */
static void test_overlap_is_all_or_nothing(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x205000, 0x900000, 4096, 3), 0);
	unsigned flushes = mem.flushes;
	assert_int_equal(vtd_pt_map(&pt, &env, 0x200000, 0x100000, 0x10000, 3), CR_EEXIST);
	assert_int_equal(mem.flushes, flushes);
	assert_int_equal(pt.mapped, 1);
	for (uint64_t off = 0; off < 0x10000; off += 4096) {
		if (off == 0x5000)
			expect_mapped(&pt, 0x205000, 0x900000, 3);
		else
			expect_unmapped(&pt, 0x200000 + off);
	}
	vtd_pt_destroy(&pt, &env);
}

/* Out of table memory half way: whatever was mapped by this call is gone again. */
static void test_enomem_leaves_nothing_mapped(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	mem.allocs = 0;
	mem.fail_after = 2;	/* one level-2 table and one leaf table */
	uint64_t iova = 0x3ff000;	/* the second page needs a second leaf table */
	assert_int_equal(vtd_pt_map(&pt, &env, iova, 0x80000000ull, 3 * 4096, 3), CR_ENOMEM);
	mem.fail_after = 0;
	assert_int_equal(pt.mapped, 0);
	for (unsigned i = 0; i < 3; i++)
		expect_unmapped(&pt, iova + i * 4096ull);
	/* It works once memory is back. */
	assert_int_equal(vtd_pt_map(&pt, &env, iova, 0x80000000ull, 3 * 4096, 3), 0);
	expect_mapped(&pt, iova + 8192, 0x80002000ull, 3);
	vtd_pt_destroy(&pt, &env);
	assert_int_equal(mem.live, 0);
}

static void test_unmap(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 4), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x7000000000ull, 0x1000000, 64 * 4096, 3), 0);
	assert_int_equal(vtd_pt_unmap(&pt, &env, 0x7000000000ull + 4096, 2 * 4096), 2);
	expect_mapped(&pt, 0x7000000000ull, 0x1000000, 3);
	expect_unmapped(&pt, 0x7000000000ull + 4096);
	expect_unmapped(&pt, 0x7000000000ull + 8192);
	expect_mapped(&pt, 0x7000000000ull + 3 * 4096, 0x1003000, 3);
	/* Unmapping what is not mapped is a no-op, as is a range beyond the tables. */
	assert_int_equal(vtd_pt_unmap(&pt, &env, 0x7000000000ull + 4096, 2 * 4096), 0);
	assert_int_equal(vtd_pt_unmap(&pt, &env, 1ull << 50, 4096), 0);
	assert_int_equal(vtd_pt_unmap(&pt, &env, 0x7000000000ull, 64 * 4096), 62);
	assert_int_equal(pt.mapped, 0);
	for (unsigned i = 0; i < 64; i++)
		expect_unmapped(&pt, 0x7000000000ull + i * 4096ull);
	/* The same range maps again. */
	assert_int_equal(vtd_pt_map(&pt, &env, 0x7000000000ull, 0x2000000, 64 * 4096, 1), 0);
	expect_mapped(&pt, 0x7000000000ull + 63 * 4096ull, 0x2000000 + 63 * 4096ull, 1);
	vtd_pt_destroy(&pt, &env);
	assert_int_equal(mem.live, 0);
}

static void test_owns_table(void **state UNUSED)
{
	struct vtd_pt pt;

	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	assert_int_equal(vtd_pt_map(&pt, &env, 0x40000000ull, 0x100000, 4096, 3), 0);
	unsigned found = 0;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (mem.used[i]) {
			assert_true(vtd_pt_owns_table(&pt, &env, PHYS_BASE + i * 4096ull + 8));
			found++;
		}
	}
	assert_int_equal(found, pt.tables);
	assert_false(vtd_pt_owns_table(&pt, &env, 0x100000));
	assert_false(vtd_pt_owns_table(&pt, &env, PHYS_BASE + (NPAGES - 1) * 4096ull));
	vtd_pt_destroy(&pt, &env);
	assert_false(vtd_pt_owns_table(&pt, &env, PHYS_BASE));
}

/* Random maps and unmaps against a flat model of the address space. */
static void test_random_against_model(void **state UNUSED)
{
	enum { SLOTS = 96 };
	static uint64_t model[SLOTS];	/* pa + perm, 0: unmapped */
	struct vtd_pt pt;
	uint64_t base = (1ull << 39) - (1ull << 30) - 32 * 4096;	/* straddles a level-3 boundary */
	uint64_t seed = 12345;

	memset(model, 0, sizeof(model));
	assert_int_equal(vtd_pt_init(&pt, &env, 3), 0);
	for (unsigned step = 0; step < 4000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned at = (unsigned)(seed >> 33) % SLOTS, n = 1 + (unsigned)(seed >> 20) % 8;
		if (at + n > SLOTS)
			n = SLOTS - at;
		uint64_t iova = base + at * 4096ull, pa = ((seed >> 40) & 0xffff) * 4096ull;
		unsigned perm = 1 + (unsigned)(seed >> 8) % 3;
		if (seed & 1) {
			bool free_run = true;
			for (unsigned i = 0; i < n; i++)
				free_run &= model[at + i] == 0;
			int rc = vtd_pt_map(&pt, &env, iova, pa, n * 4096ull, perm);
			assert_int_equal(rc, free_run ? 0 : CR_EEXIST);
			for (unsigned i = 0; free_run && i < n; i++)
				model[at + i] = (pa + i * 4096ull) | perm;
		} else {
			unsigned want = 0;
			for (unsigned i = 0; i < n; i++) {
				want += model[at + i] != 0;
				model[at + i] = 0;
			}
			assert_int_equal(vtd_pt_unmap(&pt, &env, iova, n * 4096ull), want);
		}
		uint64_t count = 0;
		for (unsigned i = 0; i < SLOTS; i++) {
			if (model[i])
				expect_mapped(&pt, base + i * 4096ull, model[i] & ~3ull, (unsigned)(model[i] & 3));
			else
				expect_unmapped(&pt, base + i * 4096ull);
			count += model[i] != 0;
		}
		assert_int_equal(pt.mapped, count);
	}
	vtd_pt_destroy(&pt, &env);
	assert_int_equal(mem.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_across_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_and_write_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_leaves_nothing_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owns_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
