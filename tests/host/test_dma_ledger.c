/*
 * tests/host/test_dma_ledger.c - host tests for lib/dma_ledger.c: the live
 * DMA ledger (all-or-nothing grants, chains in order, nth, tag-checked
 * release that changes nothing on a mismatch, double release, the covers
 * test at page boundaries and outside the pool, live counts) plus a
 * randomized stress run checked against a shadow model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/dma_ledger.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define NPAGES	64
#define BASE	0x0000000080000000ull
#define PS	4096u

static struct dma_ledger_entry entries[NPAGES];
static uint32_t free_stack[NPAGES];
static struct dma_ledger led;

static const struct dma_tag TAG_A = { .owner = 7, .qid = 1, .cid = 0x10, .dir = DMA_DIR_FROM_DEVICE };
static const struct dma_tag TAG_B = { .owner = 7, .qid = 1, .cid = 0x11, .dir = DMA_DIR_TO_DEVICE };
static const struct dma_tag TAG_C = { .owner = 9, .qid = 2, .cid = 0x10, .dir = DMA_DIR_TO_DEVICE };

static void setup(uint32_t npages)
{
	memset(entries, 0xa5, sizeof(entries));		/* init must set every entry itself */
	memset(free_stack, 0xa5, sizeof(free_stack));
	dma_ledger_init(&led, entries, free_stack, npages, BASE, PS);
}

static struct dma_tag tag(uint32_t owner, uint16_t qid, uint16_t cid, uint8_t dir)
{
	return (struct dma_tag){ .owner = owner, .qid = qid, .cid = cid, .dir = dir };
}

/* Chain length, walking e_next (bounded). */
static uint32_t chain_len(uint32_t head)
{
	uint32_t n = 0;

	for (uint32_t i = head; i != DMA_LEDGER_NONE; i = entries[i].e_next) {
		assert_true(i < led.l_npages);
		assert_true(++n <= led.l_npages);
	}
	return n;
}

/* Live entries counted from the table, independently of l_nfree. */
static uint32_t count_live(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < led.l_npages; i++)
		n += entries[i].e_live;
	return n;
}

static void assert_consistent(void)
{
	assert_int_equal(dma_ledger_live(&led), count_live());
	/* The free stack holds exactly the non-live pages, each once. */
	bool seen[NPAGES] = { false };
	for (uint32_t k = 0; k < led.l_nfree; k++) {
		uint32_t i = free_stack[k];
		assert_true(i < led.l_npages);
		assert_false(seen[i]);
		seen[i] = true;
		assert_false(entries[i].e_live);
	}
}

/* ------------------------------------------------------------ init and grant */

static void test_init_all_free(void **state UNUSED)
{
	setup(NPAGES);
	assert_int_equal(led.l_npages, NPAGES);
	assert_int_equal(led.l_nfree, NPAGES);
	assert_int_equal(dma_ledger_live(&led), 0);
	assert_int_equal(led.l_grants, 0);
	for (uint32_t i = 0; i < NPAGES; i++) {
		assert_false(entries[i].e_live);
		assert_int_equal(entries[i].e_next, DMA_LEDGER_NONE);
		assert_int_equal(dma_ledger_addr(&led, i), BASE + (uint64_t)i * PS);
	}
	assert_consistent();
}

static void test_grant_lowest_first_in_order(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, 5, TAG_A);
	assert_int_equal(h, 0);
	/* The chain is 0, 1, 2, 3, 4: in order, each tagged. */
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(dma_ledger_nth(&led, h, i), i);
		assert_true(entries[i].e_live);
		assert_int_equal(entries[i].e_tag.owner, TAG_A.owner);
		assert_int_equal(entries[i].e_tag.qid, TAG_A.qid);
		assert_int_equal(entries[i].e_tag.cid, TAG_A.cid);
		assert_int_equal(entries[i].e_tag.dir, TAG_A.dir);
	}
	assert_int_equal(entries[4].e_next, DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_nth(&led, h, 5), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_nth(&led, h, 1000), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_live(&led), 5);
	assert_int_equal(led.l_grants, 5);
	uint32_t h2 = dma_ledger_grant(&led, 1, TAG_B);
	assert_int_equal(h2, 5);
	assert_int_equal(chain_len(h2), 1);
	assert_int_equal(led.l_grants, 6);
	assert_consistent();
}

static void test_grant_zero_and_too_many(void **state UNUSED)
{
	setup(NPAGES);
	assert_int_equal(dma_ledger_grant(&led, 0, TAG_A), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_grant(&led, NPAGES + 1, TAG_A), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_grant(&led, UINT32_MAX, TAG_A), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_live(&led), 0);
	assert_int_equal(led.l_grants, 0);
	assert_consistent();
}

static void test_grant_all_or_nothing(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, NPAGES - 3, TAG_A);
	assert_int_not_equal(h, DMA_LEDGER_NONE);
	/* 4 asked, 3 free: nothing is granted and nothing changes. */
	struct dma_ledger_entry before[NPAGES];
	uint32_t nfree = led.l_nfree;
	memcpy(before, entries, sizeof(before));
	assert_int_equal(dma_ledger_grant(&led, 4, TAG_B), DMA_LEDGER_NONE);
	assert_memory_equal(before, entries, sizeof(before));
	assert_int_equal(led.l_nfree, nfree);
	assert_int_equal(led.l_grants, NPAGES - 3);
	/* Exactly what is left succeeds. */
	uint32_t h2 = dma_ledger_grant(&led, 3, TAG_B);
	assert_int_not_equal(h2, DMA_LEDGER_NONE);
	assert_int_equal(chain_len(h2), 3);
	assert_int_equal(dma_ledger_live(&led), NPAGES);
	assert_int_equal(dma_ledger_grant(&led, 1, TAG_C), DMA_LEDGER_NONE);
	assert_consistent();
}

static void test_chain_after_fragmentation(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h[8];
	for (int i = 0; i < 8; i++)
		h[i] = dma_ledger_grant(&led, 2, tag(1, 1, (uint16_t)i, DMA_DIR_TO_DEVICE));
	/* Free every other grant: the free pages are scattered. */
	for (int i = 0; i < 8; i += 2)
		assert_int_equal(dma_ledger_release(&led, h[i], tag(1, 1, (uint16_t)i, 0)), 2);
	uint32_t big = dma_ledger_grant(&led, 20, TAG_C);
	assert_int_not_equal(big, DMA_LEDGER_NONE);
	assert_int_equal(chain_len(big), 20);
	/* nth walks the chain in grant order, all distinct, all tagged C. */
	bool seen[NPAGES] = { false };
	for (uint32_t i = 0; i < 20; i++) {
		uint32_t p = dma_ledger_nth(&led, big, i);
		assert_true(p < NPAGES);
		assert_false(seen[p]);
		seen[p] = true;
		assert_true(entries[p].e_live);
		assert_int_equal(entries[p].e_tag.owner, TAG_C.owner);
		if (i + 1 < 20)
			assert_int_equal(entries[p].e_next, dma_ledger_nth(&led, big, i + 1));
	}
	assert_int_equal(dma_ledger_nth(&led, big, 20), DMA_LEDGER_NONE);
	/* Live pages of the odd grants are untouched. */
	for (int i = 1; i < 8; i += 2) {
		assert_int_equal(chain_len(h[i]), 2);
		assert_int_equal(entries[h[i]].e_tag.cid, i);
	}
	assert_consistent();
}

static void test_nth_of_none(void **state UNUSED)
{
	setup(NPAGES);
	assert_int_equal(dma_ledger_nth(&led, DMA_LEDGER_NONE, 0), DMA_LEDGER_NONE);
	assert_int_equal(dma_ledger_nth(&led, DMA_LEDGER_NONE, 5), DMA_LEDGER_NONE);
	uint32_t h = dma_ledger_grant(&led, 1, TAG_A);
	assert_int_equal(dma_ledger_nth(&led, h, 0), h);
	assert_int_equal(dma_ledger_nth(&led, h, 1), DMA_LEDGER_NONE);
}

/* ------------------------------------------------------------ release */

static void test_release_wrong_tag_changes_nothing(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, 4, TAG_A);
	uint32_t other = dma_ledger_grant(&led, 2, TAG_C);
	struct dma_ledger_entry before[NPAGES];
	uint32_t stack_before[NPAGES];
	uint32_t nfree = led.l_nfree;
	memcpy(before, entries, sizeof(before));
	memcpy(stack_before, free_stack, sizeof(stack_before));

	struct dma_tag bad_owner = TAG_A, bad_qid = TAG_A, bad_cid = TAG_A;
	bad_owner.owner++;
	bad_qid.qid++;
	bad_cid.cid++;
	assert_int_equal(dma_ledger_release(&led, h, bad_owner), CR_EINVAL);
	assert_int_equal(dma_ledger_release(&led, h, bad_qid), CR_EINVAL);
	assert_int_equal(dma_ledger_release(&led, h, bad_cid), CR_EINVAL);
	assert_int_equal(dma_ledger_release(&led, h, TAG_C), CR_EINVAL);
	/* Out-of-range and free heads. */
	assert_int_equal(dma_ledger_release(&led, NPAGES, TAG_A), CR_EINVAL);
	assert_int_equal(dma_ledger_release(&led, NPAGES + 100, TAG_A), CR_EINVAL);
	assert_int_equal(dma_ledger_release(&led, NPAGES - 1, TAG_A), CR_EINVAL);
	assert_memory_equal(before, entries, sizeof(before));
	assert_memory_equal(stack_before, free_stack, sizeof(stack_before));
	assert_int_equal(led.l_nfree, nfree);

	/* The direction is not part of the release check. */
	struct dma_tag other_dir = TAG_A;
	other_dir.dir = DMA_DIR_TO_DEVICE;
	assert_int_equal(dma_ledger_release(&led, h, other_dir), 4);
	assert_int_equal(dma_ledger_release(&led, other, TAG_C), 2);
	assert_int_equal(dma_ledger_live(&led), 0);
	assert_consistent();
}

static void test_release_mismatch_mid_chain_changes_nothing(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, 6, TAG_A);
	/* Corrupt the tag of the 4th page (as a confused caller might): release must refuse all. */
	uint32_t p3 = dma_ledger_nth(&led, h, 3);
	entries[p3].e_tag.cid ^= 1;
	uint32_t nfree = led.l_nfree;
	assert_int_equal(dma_ledger_release(&led, h, TAG_A), CR_EINVAL);
	assert_int_equal(led.l_nfree, nfree);
	for (uint32_t i = 0; i < 6; i++)
		assert_true(entries[dma_ledger_nth(&led, h, i)].e_live);
	entries[p3].e_tag.cid ^= 1;
	assert_int_equal(dma_ledger_release(&led, h, TAG_A), 6);
	assert_consistent();
}

static void test_release_cycle_refused(void **state UNUSED)
{
	setup(8);
	uint32_t h = dma_ledger_grant(&led, 3, TAG_A);
	/* A corrupted chain that loops must not hang the release. */
	entries[dma_ledger_nth(&led, h, 2)].e_next = h;
	assert_int_equal(dma_ledger_release(&led, h, TAG_A), CR_EINVAL);
	assert_int_equal(dma_ledger_live(&led), 3);
}

static void test_double_release(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, 3, TAG_A);
	assert_int_equal(dma_ledger_release(&led, h, TAG_A), 3);
	assert_int_equal(dma_ledger_live(&led), 0);
	for (uint32_t i = 0; i < 3; i++) {
		assert_false(entries[i].e_live);
		assert_int_equal(entries[i].e_next, DMA_LEDGER_NONE);
	}
	uint32_t nfree = led.l_nfree;
	assert_int_equal(dma_ledger_release(&led, h, TAG_A), CR_EINVAL);
	assert_int_equal(led.l_nfree, nfree);
	/* Re-granted to someone else: the old owner still cannot release it. */
	uint32_t h2 = dma_ledger_grant(&led, 3, TAG_C);
	assert_int_equal(dma_ledger_release(&led, h2, TAG_A), CR_EINVAL);
	assert_int_equal(dma_ledger_live(&led), 3);
	/* Released pages are reused first (LIFO). */
	assert_true(h2 < 3);
	assert_int_equal(dma_ledger_release(&led, h2, TAG_C), 3);
	assert_consistent();
}

static void test_release_none_head(void **state UNUSED)
{
	setup(NPAGES);
	/* An empty chain releases nothing and is not an error. */
	assert_int_equal(dma_ledger_release(&led, DMA_LEDGER_NONE, TAG_A), 0);
	assert_int_equal(led.l_nfree, NPAGES);
}

/* ------------------------------------------------------------ covers */

static void test_covers(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, 3, TAG_A);	/* pages 0, 1, 2 */
	uint32_t hb = dma_ledger_grant(&led, 1, TAG_B);	/* page 3 */
	uint64_t p0 = dma_ledger_addr(&led, 0), p1 = dma_ledger_addr(&led, 1);
	(void)h;

	/* Whole pages and parts of a page. */
	assert_true(dma_ledger_covers(&led, p0, PS, TAG_A));
	assert_true(dma_ledger_covers(&led, p0, 1, TAG_A));
	assert_true(dma_ledger_covers(&led, p0 + PS - 1, 1, TAG_A));
	assert_true(dma_ledger_covers(&led, p0 + 512, PS - 512, TAG_A));
	assert_true(dma_ledger_covers(&led, p1, PS, TAG_A));
	/* Crossing a page boundary, even into a page of the same grant: no. */
	assert_false(dma_ledger_covers(&led, p0 + 1, PS, TAG_A));
	assert_false(dma_ledger_covers(&led, p0, PS + 1, TAG_A));
	assert_false(dma_ledger_covers(&led, p0 + PS - 1, 2, TAG_A));
	assert_false(dma_ledger_covers(&led, p0, 2 * PS, TAG_A));
	/* Zero length. */
	assert_false(dma_ledger_covers(&led, p0, 0, TAG_A));
	/* Wrong tag: owner, qid or cid; direction is not compared. */
	struct dma_tag t = TAG_A;
	t.owner++;
	assert_false(dma_ledger_covers(&led, p0, PS, t));
	t = TAG_A;
	t.qid++;
	assert_false(dma_ledger_covers(&led, p0, PS, t));
	t = TAG_A;
	t.cid++;
	assert_false(dma_ledger_covers(&led, p0, PS, t));
	t = TAG_A;
	t.dir = DMA_DIR_TO_DEVICE;
	assert_true(dma_ledger_covers(&led, p0, PS, t));
	/* Another grant's page. */
	assert_false(dma_ledger_covers(&led, dma_ledger_addr(&led, hb), PS, TAG_A));
	assert_true(dma_ledger_covers(&led, dma_ledger_addr(&led, hb), PS, TAG_B));
	/* A free page. */
	assert_false(dma_ledger_covers(&led, dma_ledger_addr(&led, 10), PS, TAG_A));
	assert_false(dma_ledger_covers(&led, dma_ledger_addr(&led, 10), 8, TAG_A));
	/* After release the pages are no longer covered. */
	assert_int_equal(dma_ledger_release(&led, hb, TAG_B), 1);
	assert_false(dma_ledger_covers(&led, dma_ledger_addr(&led, 3), PS, TAG_B));
}

static void test_covers_outside_pool(void **state UNUSED)
{
	setup(NPAGES);
	uint32_t h = dma_ledger_grant(&led, NPAGES, TAG_A);	/* everything */
	assert_int_not_equal(h, DMA_LEDGER_NONE);
	uint64_t end = BASE + (uint64_t)NPAGES * PS;

	assert_true(dma_ledger_covers(&led, end - PS, PS, TAG_A));
	assert_true(dma_ledger_covers(&led, end - 1, 1, TAG_A));
	/* Below base. */
	assert_false(dma_ledger_covers(&led, BASE - 1, 1, TAG_A));
	assert_false(dma_ledger_covers(&led, BASE - PS, PS, TAG_A));
	assert_false(dma_ledger_covers(&led, BASE - 1, 2, TAG_A));
	assert_false(dma_ledger_covers(&led, 0, 1, TAG_A));
	/* At and after the end. */
	assert_false(dma_ledger_covers(&led, end, 1, TAG_A));
	assert_false(dma_ledger_covers(&led, end - 1, 2, TAG_A));
	assert_false(dma_ledger_covers(&led, end + PS, PS, TAG_A));
	assert_false(dma_ledger_covers(&led, UINT64_MAX, 1, TAG_A));
	assert_false(dma_ledger_covers(&led, UINT64_MAX - PS + 1, PS, TAG_A));
	/* Lengths that would wrap a 64-bit sum. */
	assert_false(dma_ledger_covers(&led, BASE + 1, UINT64_MAX, TAG_A));
	assert_false(dma_ledger_covers(&led, BASE, UINT64_MAX, TAG_A));
	assert_false(dma_ledger_covers(&led, BASE + PS - 1, UINT64_MAX - PS + 2, TAG_A));
	assert_false(dma_ledger_covers(&led, BASE + 8, (uint64_t)0 - 8, TAG_A));
}

/* ------------------------------------------------------------ stress */

struct shadow_grant {
	bool live;
	uint32_t head;
	uint32_t n;
	struct dma_tag tag;
	uint32_t pages[NPAGES];
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void test_stress_shadow(void **state UNUSED)
{
	static struct shadow_grant g[NPAGES];
	int owner_of[NPAGES];	/* shadow: grant index per page, -1 free */
	uint32_t live = 0;
	uint64_t grants = 0;

	setup(NPAGES);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < NPAGES; i++)
		owner_of[i] = -1;

	for (int it = 0; it < 200000; it++) {
		int gi = (int)rnd(NPAGES);
		struct shadow_grant *s = &g[gi];
		uint32_t op = rnd(10);

		if (!s->live && op < 5) {
			uint32_t n = 1 + rnd(12);
			struct dma_tag t = tag(1 + rnd(3), (uint16_t)rnd(4), (uint16_t)gi, (uint8_t)(1 + rnd(2)));
			uint32_t h = dma_ledger_grant(&led, n, t);
			if (n > NPAGES - live) {
				assert_int_equal(h, DMA_LEDGER_NONE);
				continue;
			}
			assert_int_not_equal(h, DMA_LEDGER_NONE);
			s->live = true;
			s->head = h;
			s->n = n;
			s->tag = t;
			for (uint32_t k = 0; k < n; k++) {
				uint32_t p = dma_ledger_nth(&led, h, k);
				assert_true(p < NPAGES);
				assert_int_equal(owner_of[p], -1);	/* never granted twice */
				owner_of[p] = gi;
				s->pages[k] = p;
			}
			assert_int_equal(dma_ledger_nth(&led, h, n), DMA_LEDGER_NONE);
			live += n;
			grants += n;
		} else if (s->live && op < 8) {
			/* Sometimes a wrong tag first: refused, nothing changes. */
			if (rnd(3) == 0) {
				struct dma_tag bad = s->tag;
				bad.cid ^= 0x8000;
				assert_int_equal(dma_ledger_release(&led, s->head, bad), CR_EINVAL);
			}
			assert_int_equal(dma_ledger_release(&led, s->head, s->tag), (int)s->n);
			for (uint32_t k = 0; k < s->n; k++)
				owner_of[s->pages[k]] = -1;
			live -= s->n;
			s->live = false;
			/* And a second release of the same head is refused (unless re-granted since). */
			if (owner_of[s->head] == -1)
				assert_int_equal(dma_ledger_release(&led, s->head, s->tag), CR_EINVAL);
		} else {
			/* covers agrees with the shadow for a random address and grant gi's tag. */
			uint32_t p = rnd(NPAGES);
			uint64_t a = dma_ledger_addr(&led, p) + rnd(PS);
			uint64_t len = 1 + rnd(PS);
			bool in_page = (a - BASE) % PS + len <= PS;
			/* cid is the grant index, so only grant gi ever carries this tag. */
			struct dma_tag t = s->live ? s->tag : tag(1, 0, (uint16_t)gi, DMA_DIR_TO_DEVICE);
			bool expect = in_page && owner_of[p] == gi;
			assert_int_equal(dma_ledger_covers(&led, a, len, t), expect);
		}
		assert_int_equal(dma_ledger_live(&led), live);
		assert_int_equal(led.l_grants, grants);
		if (it % 1024 == 0) {
			assert_consistent();
			for (uint32_t q = 0; q < NPAGES; q++)
				assert_int_equal(entries[q].e_live, owner_of[q] >= 0);
		}
	}
	assert_consistent();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_all_free),
		cmocka_unit_test(test_grant_lowest_first_in_order),
		cmocka_unit_test(test_grant_zero_and_too_many),
		cmocka_unit_test(test_grant_all_or_nothing),
		cmocka_unit_test(test_chain_after_fragmentation),
		cmocka_unit_test(test_nth_of_none),
		cmocka_unit_test(test_release_wrong_tag_changes_nothing),
		cmocka_unit_test(test_release_mismatch_mid_chain_changes_nothing),
		cmocka_unit_test(test_release_cycle_refused),
		cmocka_unit_test(test_double_release),
		cmocka_unit_test(test_release_none_head),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_covers_outside_pool),
		cmocka_unit_test(test_stress_shadow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
