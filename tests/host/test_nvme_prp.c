/*
 * tests/host/test_nvme_prp.c - host tests for lib/nvme_prp.c: PRP1/PRP2 and
 * PRP list construction (NVMe Base 2.0c §4.1.1).
 *
 * Every result is walked the way a controller walks it (PRP1 with its
 * offset, PRP2 as the second page or as a list pointer, the last entry of
 * a full list page as the pointer to the next one) and the pages the walk
 * reaches are compared with the buffer's page list.  Covered: page sizes
 * 4K/8K/64K, first offsets 0, 4, page-4 and random dword-aligned ones,
 * every length 1..3 pages byte by byte, then for every page count up to
 * well past one full list page (600 pages at 4K, 8200 at 64K, the MDTS
 * 2 MiB case) the shortest, longest and a random length with that count;
 * the page arithmetic; CR_EINVAL and CR_ENOMEM.
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
#include "lib/nvme_prp.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define MAX_LIST_PAGES	4
#define POISON		0xdeadbeefcafef00dull
#define DATA_BASE	0x0000100000000000ull	/* device addresses of data pages */
#define LIST_BASE	0x0000700000000000ull	/* device addresses of list pages */

/* ------------------------------------------------------------ fake PRP source */

struct src_state {
	uint32_t page_size;
	uint32_t npages;		/* data pages the buffer has (page(i) beyond is an error) */
	uint32_t perm_mult;		/* page i lives at DATA_BASE + ((i * perm_mult) % npages) * ps */
	unsigned list_avail;		/* list pages the source will hand out */
	unsigned list_handed;		/* list pages handed out so far */
	uint64_t *lists[MAX_LIST_PAGES];
	uint64_t list_addr[MAX_LIST_PAGES];
	unsigned page_calls;
	int bad_call;			/* a callback saw an index it should not have */
	uint32_t alloc_size;		/* bytes of each lists[] page */
	int dirty;			/* list pages may hold entries not yet reset to POISON */
};

static uint64_t data_addr(const struct src_state *s, uint32_t i)
{
	/* An odd multiplier coprime with npages permutes the pages: order matters. */
	return DATA_BASE + (((uint64_t)i * s->perm_mult) % (s->npages ? s->npages : 1)) * s->page_size +
	       (uint64_t)s->page_size * 16;
}

static uint64_t cb_page(void *ctx, uint32_t i)
{
	struct src_state *s = ctx;

	if (i >= s->npages)
		s->bad_call = 1;
	s->page_calls++;
	return data_addr(s, i);
}

static uint64_t *cb_list(void *ctx, uint32_t j, uint64_t *addr)
{
	struct src_state *s = ctx;

	if (j != s->list_handed)
		s->bad_call = 1;	/* list pages are asked for in order, each once */
	if (j >= s->list_avail || j >= MAX_LIST_PAGES)
		return NULL;
	s->list_handed++;
	*addr = s->list_addr[j];
	return s->lists[j];
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void poison_all(struct src_state *s)
{
	for (unsigned j = 0; j < MAX_LIST_PAGES; j++) {
		for (uint32_t k = 0; k < s->alloc_size / 8; k++)
			s->lists[j][k] = POISON;
	}
	s->dirty = 0;
}

static void src_init(struct src_state *s, uint32_t ps, uint32_t npages, unsigned list_avail)
{
	s->page_size = ps;
	s->npages = npages;
	s->perm_mult = 1;
	for (uint32_t m = 7; npages > 1; m += 2) {
		if (gcd32(m, npages) == 1) {
			s->perm_mult = m;
			break;
		}
	}
	s->list_avail = list_avail;
	s->list_handed = 0;
	s->page_calls = 0;
	s->bad_call = 0;
	if (s->alloc_size != ps) {
		for (unsigned j = 0; j < MAX_LIST_PAGES; j++) {
			free(s->lists[j]);
			s->lists[j] = aligned_alloc(4096, ps);
			assert_non_null(s->lists[j]);
		}
		s->alloc_size = ps;
		s->dirty = 1;
	}
	if (s->dirty)
		poison_all(s);
	s->dirty = 1;	/* a build follows; a completed walk resets what it read */
	for (unsigned j = 0; j < MAX_LIST_PAGES; j++) {
		/* Out of order on purpose, so the chain pointer must be the right one. */
		s->list_addr[j] = LIST_BASE + (uint64_t)(MAX_LIST_PAGES - j) * 3 * ps;
	}
}

static void src_free(struct src_state *s)
{
	for (unsigned j = 0; j < MAX_LIST_PAGES; j++) {
		free(s->lists[j]);
		s->lists[j] = NULL;
	}
	s->alloc_size = 0;
}

static struct nvme_prp_source source(struct src_state *s)
{
	return (struct nvme_prp_source){ cb_page, cb_list, s };
}

/* ------------------------------------------------------------ reference arithmetic */

static uint32_t ref_data_pages(uint32_t ps, uint32_t off, uint64_t len)
{
	/* The page of the first byte through the page of the last byte. */
	return (uint32_t)((off + len - 1) / ps + 1);
}

static uint32_t ref_list_pages(uint32_t ps, uint32_t data_pages)
{
	uint32_t per = ps / 8, pages = 0;
	uint64_t left;

	if (data_pages <= 2)
		return 0;
	left = data_pages - 1;
	while (left) {
		pages++;
		left = left <= per ? 0 : left - (per - 1);
	}
	return pages;
}

/* ------------------------------------------------------------ the controller's walk */

static uint64_t *list_ptr(struct src_state *s, uint64_t addr)
{
	for (unsigned j = 0; j < s->list_handed; j++) {
		if (addr == s->list_addr[j])
			return s->lists[j];
	}
	fail_msg("PRP list pointer 0x%llx names no list page handed out", (unsigned long long)addr);
	return NULL;
}

/*
 * Walk prp as a controller does (§4.1.1) for len bytes and check every
 * page it reaches is the buffer's next page, then that the builder wrote
 * nothing into list slots the walk never reads.
 */
static void walk_and_check(struct src_state *s, uint32_t off, uint64_t len, const struct nvme_prp *prp)
{
	uint32_t ps = s->page_size, per = ps / 8;
	uint32_t npages = ref_data_pages(ps, off, len);
	uint64_t first = prp->prp1 & ~(uint64_t)(ps - 1);

	assert_int_equal(prp->prp1 & (ps - 1), off);
	assert_int_equal(prp->prp1 & 3, 0);
	assert_int_equal(first, data_addr(s, 0));
	assert_int_equal(prp->list_pages_used, ref_list_pages(ps, npages));
	assert_int_equal(prp->list_pages_used, s->list_handed);
	assert_false(s->bad_call);

	if (npages == 1) {
		assert_int_equal(prp->prp2, 0);
		return;
	}
	if (npages == 2) {
		/* PRP2 is the second memory page itself, offset 0. */
		assert_int_equal(prp->prp2 & (ps - 1), 0);
		assert_int_equal(prp->prp2, data_addr(s, 1));
		return;
	}

	/* PRP2 is a list pointer; offset must be dword (here: qword) aligned. */
	assert_int_equal(prp->prp2 & 7, 0);
	uint64_t *list = list_ptr(s, prp->prp2 & ~(uint64_t)(ps - 1));
	uint32_t slot = (uint32_t)((prp->prp2 & (ps - 1)) / 8);
	uint32_t remaining = npages - 1;	/* entries the controller still needs */
	uint32_t page = 1;
	unsigned lists_seen = 1;
	uint32_t used_in_last = 0;

	while (remaining) {
		if (slot == per - 1 && remaining > 1) {
			/* Last entry of a full page with more to come: next list page. */
			uint64_t next = list[slot];
			list[slot] = POISON;
			assert_int_equal(next & 7, 0);
			list = list_ptr(s, next & ~(uint64_t)(ps - 1));
			slot = (uint32_t)((next & (ps - 1)) / 8);
			lists_seen++;
			continue;
		}
		uint64_t e = list[slot];
		list[slot++] = POISON;
		assert_int_equal(e & (ps - 1), 0);	/* list entries have offset 0 */
		assert_int_equal(e, data_addr(s, page));
		page++;
		remaining--;
		used_in_last = slot;
	}
	assert_int_equal(page, npages);
	assert_int_equal(lists_seen, prp->list_pages_used);
	/* Nothing written just past the last entry read, nor in the last slot. */
	for (uint32_t k = used_in_last; k < per && k < used_in_last + 8; k++)
		assert_int_equal(list[k], POISON);
	assert_int_equal(list[per - 1], POISON);
	/* List pages never handed out stay untouched. */
	for (unsigned j = s->list_handed; j < MAX_LIST_PAGES; j++) {
		assert_int_equal(s->lists[j][0], POISON);
		assert_int_equal(s->lists[j][per - 1], POISON);
	}
	/* Every entry the builder wrote was read (and reset) by the walk. */
	s->dirty = 0;
}

/* Build for (off, len) with enough list pages and check the result. */
static void check_one(struct src_state *s, uint32_t ps, uint32_t off, uint64_t len)
{
	uint32_t npages = ref_data_pages(ps, off, len);
	struct nvme_prp prp;
	struct nvme_prp_source src;

	assert_int_equal(nvme_prp_data_pages(ps, off, len), npages);
	assert_int_equal(nvme_prp_list_pages(ps, npages), ref_list_pages(ps, npages));
	assert_true(ref_list_pages(ps, npages) <= MAX_LIST_PAGES);
	src_init(s, ps, npages, MAX_LIST_PAGES);
	src = source(s);
	memset(&prp, 0xa5, sizeof(prp));
	assert_int_equal(nvme_prp_build(ps, off, len, &src, &prp), 0);
	walk_and_check(s, off, len, &prp);
	/* Each data page asked for exactly once, none beyond the buffer. */
	assert_int_equal(s->page_calls, npages);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* The first-offset classes: 0, 4, page-4 and a random dword-aligned one. */
static void offsets_for(uint32_t ps, uint32_t out[4])
{
	out[0] = 0;
	out[1] = 4;
	out[2] = ps - 4;
	out[3] = (uint32_t)(rnd() % ps) & ~3u;
}

/*
 * Every length from 1 byte to 3 pages, then every page count up to
 * max_pages with its shortest, longest and a random length (thorough), or
 * with one of the three in turn (64K pages, where counts run to 8200).
 */
static void sweep(uint32_t ps, uint32_t max_pages, bool thorough)
{
	struct src_state s = { 0 };
	uint32_t offs[4];

	offsets_for(ps, offs);
	for (unsigned oi = 0; oi < 4; oi++) {
		uint32_t off = offs[oi];
		/* Byte-by-byte through the 1-, 2- and 3-page cases. */
		uint64_t step = ps >= 65536 ? 61 : 1;	/* 64K: still hits both sides of every edge below */
		for (uint64_t len = 1; len <= 3ull * ps; len += step)
			check_one(&s, ps, off, len);
		for (uint64_t k = 1; k <= 3; k++) {
			for (int d = -2; d <= 2; d++) {
				uint64_t edge = k * ps - off;
				if ((int64_t)edge + d >= 1)
					check_one(&s, ps, off, edge + d);
			}
		}
		/* Every page count: the shortest, the longest and one random length. */
		for (uint32_t n = 1; n <= max_pages; n++) {
			uint64_t lo = n == 1 ? 1 : (uint64_t)(n - 1) * ps - off + 1;
			uint64_t hi = (uint64_t)n * ps - off;
			if (thorough || n % 3 == 0)
				check_one(&s, ps, off, lo);
			if (thorough || n % 3 == 1)
				check_one(&s, ps, off, hi);
			if (thorough || n % 3 == 2)
				check_one(&s, ps, off, lo + rnd() % (hi - lo + 1));
		}
	}
	src_free(&s);
}

/* ------------------------------------------------------------ tests */

static void test_sweep_4k(void **state UNUSED)
{
	/* 511 entries per list page before chaining: 600 pages need 2 list pages. */
	sweep(4096, 600, true);
}

static void test_sweep_8k(void **state UNUSED)
{
	/* 1023 entries per list page before chaining. */
	sweep(8192, 1100, true);
}

static void test_sweep_64k(void **state UNUSED)
{
	/* 8191 entries per list page before chaining: 8200 pages need 2. */
	sweep(65536, 8200, false);
}

/* The MDTS 2 MiB case at 4K pages: 512 pages aligned, 513 unaligned. */
static void test_mdts_2mib(void **state UNUSED)
{
	struct src_state s = { 0 };
	struct nvme_prp prp;
	struct nvme_prp_source src;
	const uint64_t len = 2u << 20;

	/* Aligned: 512 pages, 511 list entries: exactly one full list page, no chain. */
	check_one(&s, 4096, 0, len);
	assert_int_equal(nvme_prp_data_pages(4096, 0, len), 512);
	assert_int_equal(nvme_prp_list_pages(4096, 512), 1);
	/* One list page holds 512 entries when none is a chain pointer. */
	check_one(&s, 4096, 0, len + 4096);
	assert_int_equal(nvme_prp_list_pages(4096, 513), 1);
	/* 514 pages: 513 entries, the 512th slot becomes the chain pointer. */
	check_one(&s, 4096, 0, len + 8192);
	assert_int_equal(nvme_prp_list_pages(4096, 514), 2);
	/* Unaligned 2 MiB: 513 pages. */
	check_one(&s, 4096, 4, len);
	check_one(&s, 4096, 4092, len);
	assert_int_equal(nvme_prp_data_pages(4096, 4, len), 513);

	/* The chain pointer sits in the last slot of the first list page. */
	src_init(&s, 4096, 514, MAX_LIST_PAGES);
	src = source(&s);
	assert_int_equal(nvme_prp_build(4096, 0, len + 8192, &src, &prp), 0);
	assert_int_equal(prp.prp2, s.list_addr[0]);
	assert_int_equal(s.lists[0][511], s.list_addr[1]);
	assert_int_equal(s.lists[1][0], data_addr(&s, 512));
	assert_int_equal(s.lists[1][1], data_addr(&s, 513));
	assert_int_equal(s.lists[1][2], POISON);
	src_free(&s);
}

static void test_random_lengths(void **state UNUSED)
{
	static const uint32_t sizes[] = { 4096, 8192, 16384, 65536 };
	struct src_state s = { 0 };

	for (int it = 0; it < 3000; it++) {
		uint32_t ps = sizes[rnd() % 4];
		uint32_t per = ps / 8;
		uint32_t off = (uint32_t)(rnd() % ps) & ~3u;
		uint64_t maxlen = (uint64_t)(per - 1) * 2 * ps + 3 * ps;	/* up to ~3 list pages */
		uint64_t len = 1 + rnd() % maxlen;
		check_one(&s, ps, off, len);
	}
	src_free(&s);
}

static void test_page_arithmetic(void **state UNUSED)
{
	assert_int_equal(nvme_prp_data_pages(4096, 0, 1), 1);
	assert_int_equal(nvme_prp_data_pages(4096, 0, 4096), 1);
	assert_int_equal(nvme_prp_data_pages(4096, 0, 4097), 2);
	assert_int_equal(nvme_prp_data_pages(4096, 4092, 4), 1);
	assert_int_equal(nvme_prp_data_pages(4096, 4092, 5), 2);
	assert_int_equal(nvme_prp_data_pages(4096, 4092, 4100), 2);
	assert_int_equal(nvme_prp_data_pages(4096, 4092, 4101), 3);
	assert_int_equal(nvme_prp_data_pages(65536, 4, 65536), 2);
	assert_int_equal(nvme_prp_data_pages(8192, 0, 1u << 20), 128);

	/* List pages: 0 for up to 2 pages; per_page entries in one page, then per-1 per chained page. */
	for (uint32_t ps = 4096; ps <= 65536; ps <<= 1) {
		uint32_t per = ps / 8;
		assert_int_equal(nvme_prp_list_pages(ps, 0), 0);
		assert_int_equal(nvme_prp_list_pages(ps, 1), 0);
		assert_int_equal(nvme_prp_list_pages(ps, 2), 0);
		assert_int_equal(nvme_prp_list_pages(ps, 3), 1);
		assert_int_equal(nvme_prp_list_pages(ps, per + 1), 1);
		assert_int_equal(nvme_prp_list_pages(ps, per + 2), 2);
		assert_int_equal(nvme_prp_list_pages(ps, 1 + per + (per - 1)), 2);
		assert_int_equal(nvme_prp_list_pages(ps, 2 + per + (per - 1)), 3);
		for (uint32_t n = 0; n < 5 * per; n += 1 + (uint32_t)(rnd() % 7))
			assert_int_equal(nvme_prp_list_pages(ps, n), ref_list_pages(ps, n));
	}
	/* Large counts do not overflow. */
	assert_int_equal(nvme_prp_list_pages(4096, UINT32_MAX), ref_list_pages(4096, UINT32_MAX));
	assert_int_equal(nvme_prp_data_pages(4096, 0, (uint64_t)UINT32_MAX * 4096), UINT32_MAX);
}

static void test_einval(void **state UNUSED)
{
	struct src_state s = { 0 };
	struct nvme_prp_source src;
	struct nvme_prp prp;
	static const uint32_t bad_ps[] = { 0, 1, 512, 2048, 4095, 4097, 6144, 12288, 65535, 65537,
					   0x80000001u, 0xffffffffu };

	src_init(&s, 4096, 4, MAX_LIST_PAGES);
	src = source(&s);
	/* len 0 */
	assert_int_equal(nvme_prp_build(4096, 0, 0, &src, &prp), CR_EINVAL);
	/* offsets not dword aligned */
	for (uint32_t off = 1; off < 4; off++) {
		assert_int_equal(nvme_prp_build(4096, off, 512, &src, &prp), CR_EINVAL);
		assert_int_equal(nvme_prp_build(4096, 4096 - 4 + off, 512, &src, &prp), CR_EINVAL);
		assert_int_equal(nvme_prp_build(4096, 0x800 + off, 512, &src, &prp), CR_EINVAL);
	}
	/* offset >= page size */
	assert_int_equal(nvme_prp_build(4096, 4096, 512, &src, &prp), CR_EINVAL);
	assert_int_equal(nvme_prp_build(4096, 8192, 512, &src, &prp), CR_EINVAL);
	assert_int_equal(nvme_prp_build(8192, 8192, 512, &src, &prp), CR_EINVAL);
	assert_int_equal(nvme_prp_build(4096, 0xfffffffcu, 512, &src, &prp), CR_EINVAL);
	/* page size not a power of two, or below 4096 */
	for (size_t i = 0; i < sizeof(bad_ps) / sizeof(bad_ps[0]); i++)
		assert_int_equal(nvme_prp_build(bad_ps[i], 0, 512, &src, &prp), CR_EINVAL);
	/* A buffer needing 2^32 pages cannot be described. */
	assert_int_equal(nvme_prp_build(4096, 0, (uint64_t)UINT32_MAX * 4096 + 1, &src, &prp), CR_EINVAL);
	assert_int_equal(nvme_prp_build(4096, 4, (uint64_t)UINT32_MAX * 4096, &src, &prp), CR_EINVAL);
	assert_int_equal(nvme_prp_build(4096, 4092, (uint64_t)UINT32_MAX * 4096 - 4091, &src, &prp),
			 CR_EINVAL);
	assert_int_equal(nvme_prp_build(4096, 0, UINT64_MAX, &src, &prp), CR_EINVAL);
	/* Refused before touching the source. */
	assert_int_equal(s.page_calls, 0);
	assert_int_equal(s.list_handed, 0);
	/* The largest valid power of two works. */
	src_init(&s, 4096, 1, MAX_LIST_PAGES);
	src = source(&s);
	assert_int_equal(nvme_prp_build(0x80000000u, 0x7ffffffcu, 4, &src, &prp), 0);
	assert_int_equal(prp.prp2, 0);
	src_free(&s);
}

static void test_enomem(void **state UNUSED)
{
	struct src_state s = { 0 };
	struct nvme_prp_source src;
	struct nvme_prp prp;
	static const uint32_t sizes[] = { 4096, 8192, 65536 };

	for (unsigned si = 0; si < 3; si++) {
		uint32_t ps = sizes[si], per = ps / 8;
		/* Page counts needing 1, 2 and 3 list pages. */
		uint32_t counts[] = { 3, per + 1, per + 2, 2 * per, 2 * per + 1 };
		for (unsigned ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
			uint32_t n = counts[ci];
			uint32_t need = ref_list_pages(ps, n);
			uint64_t len = (uint64_t)n * ps;
			for (unsigned avail = 0; avail <= need; avail++) {
				src_init(&s, ps, n, avail);
				src = source(&s);
				int rc = nvme_prp_build(ps, 0, len, &src, &prp);
				if (avail < need) {
					assert_int_equal(rc, CR_ENOMEM);
					assert_int_equal(s.list_handed, avail);
				} else {
					assert_int_equal(rc, 0);
					walk_and_check(&s, 0, len, &prp);
				}
				assert_false(s.bad_call);
			}
		}
	}
	/* One or two pages need no list page at all. */
	src_init(&s, 4096, 2, 0);
	src = source(&s);
	assert_int_equal(nvme_prp_build(4096, 0, 8192, &src, &prp), 0);
	assert_int_equal(nvme_prp_build(4096, 4, 4096, &src, &prp), 0);
	assert_int_equal(prp.prp2, data_addr(&s, 1));
	src_free(&s);
}

static void test_small_cases_exact(void **state UNUSED)
{
	struct src_state s = { 0 };
	struct nvme_prp_source src;
	struct nvme_prp prp;

	/* One page: PRP2 is 0 and no list is asked for. */
	src_init(&s, 4096, 1, MAX_LIST_PAGES);
	src = source(&s);
	assert_int_equal(nvme_prp_build(4096, 0x200, 0xe00, &src, &prp), 0);
	assert_int_equal(prp.prp1, data_addr(&s, 0) + 0x200);
	assert_int_equal(prp.prp2, 0);
	assert_int_equal(prp.list_pages_used, 0);
	/* One byte over the page: two pages, PRP2 the second page. */
	src_init(&s, 4096, 2, MAX_LIST_PAGES);
	src = source(&s);
	assert_int_equal(nvme_prp_build(4096, 0x200, 0xe01, &src, &prp), 0);
	assert_int_equal(prp.prp2, data_addr(&s, 1));
	assert_int_equal(prp.list_pages_used, 0);
	assert_int_equal(s.list_handed, 0);
	/* Three pages: PRP2 names a list with two entries. */
	src_init(&s, 4096, 3, MAX_LIST_PAGES);
	src = source(&s);
	assert_int_equal(nvme_prp_build(4096, 0, 3 * 4096, &src, &prp), 0);
	assert_int_equal(prp.prp2, s.list_addr[0]);
	assert_int_equal(prp.list_pages_used, 1);
	assert_int_equal(s.lists[0][0], data_addr(&s, 1));
	assert_int_equal(s.lists[0][1], data_addr(&s, 2));
	assert_int_equal(s.lists[0][2], POISON);
	src_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_cases_exact),
		cmocka_unit_test(test_page_arithmetic),
		cmocka_unit_test(test_sweep_4k),
		cmocka_unit_test(test_sweep_8k),
		cmocka_unit_test(test_sweep_64k),
		cmocka_unit_test(test_mdts_2mib),
		cmocka_unit_test(test_random_lengths),
		cmocka_unit_test(test_einval),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
