/*
 * tests/host/test_heap.c - host tests for lib/heap.c: size classes, zeroing,
 * reuse, large allocations, a failing page source, bad and double frees
 * (counted in h_bad_frees, the heap still sound afterwards), and a
 * randomized stress run checked against a shadow model.
 *
 * The page source is aligned_alloc(4096, ...), filled with garbage so that
 * zeroing is really tested.  Freed blocks are kept (quarantined) until the
 * test ends, as the kernel's direct map keeps freed frames readable: a
 * double free of a large block then reads what the heap left there rather
 * than tripping AddressSanitizer on the test's own page source.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/heap.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define PAGE		HEAP_PAGE_SIZE
#define HEADER		64	/* heap.c's page header */

/* ------------------------------------------------------------ page source */

struct block {
	uint8_t *p;
	size_t npages;
	bool freed;
};

struct src {
	struct block *b;
	size_t nb, cap;
	size_t outstanding;	/* pages handed out and not returned */
	size_t alloc_calls, free_calls;
	bool fail;
	uint8_t fill;
};

static struct src S;
static struct heap H;

static void *src_alloc(size_t npages, void *ctx)
{
	struct src *s = ctx;

	s->alloc_calls++;
	if (s->fail || npages == 0 || npages > 4096)
		return NULL;
	uint8_t *p = aligned_alloc(PAGE, npages * PAGE);
	assert_non_null(p);
	memset(p, s->fill, npages * PAGE);	/* garbage: the heap must zero */
	if (s->nb == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->b = realloc(s->b, s->cap * sizeof(*s->b));
		assert_non_null(s->b);
	}
	s->b[s->nb++] = (struct block){ p, npages, false };
	s->outstanding += npages;
	return p;
}

static void src_free(void *pages, size_t npages, void *ctx)
{
	struct src *s = ctx;

	s->free_calls++;
	for (size_t i = 0; i < s->nb; i++) {
		if (s->b[i].p == pages) {
			assert_false(s->b[i].freed);		/* the heap never frees twice */
			assert_int_equal(s->b[i].npages, npages);	/* and gives back what it took */
			s->b[i].freed = true;
			s->outstanding -= npages;
			return;
		}
	}
	fail_msg("page_free of %p which the source never handed out", pages);
}

static int setup(void **state UNUSED)
{
	memset(&S, 0, sizeof(S));
	S.fill = 0xab;
	heap_init(&H, src_alloc, src_free, &S);
	return 0;
}

static int teardown(void **state UNUSED)
{
	for (size_t i = 0; i < S.nb; i++)
		free(S.b[i].p);
	free(S.b);
	memset(&S, 0, sizeof(S));
	return 0;
}

static size_t class_of(size_t size)
{
	size_t c = 16;

	while (c < size)
		c <<= 1;
	return c;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

static uintptr_t page_of(const void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
}

/* ------------------------------------------------------------ tests */

static void test_init(void **state UNUSED)
{
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_pages, 0);
	assert_int_equal(H.h_bad_frees, 0);
	assert_int_equal(S.alloc_calls, 0);
	heap_free(&H, NULL);	/* ignored */
	assert_int_equal(H.h_bad_frees, 0);
}

static void test_size_classes(void **state UNUSED)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129,
					255, 256, 257, 511, 512, 513, 1000, 1024, 1025, 2047, 2048 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = sizes[i], cls = class_of(sz ? sz : 1);
		uint8_t *a = heap_alloc(&H, sz);
		uint8_t *b = heap_alloc(&H, sz);
		assert_non_null(a);
		assert_non_null(b);
		/* Objects of one class are class-size aligned from the header and fit their page. */
		assert_int_equal(((uintptr_t)a - page_of(a) - HEADER) % cls, 0);
		assert_true((uintptr_t)a - page_of(a) + cls <= PAGE);
		assert_true((uintptr_t)b - page_of(b) + cls <= PAGE);
		assert_int_equal((uintptr_t)a % 16, 0);
		/* Two from a fresh class page sit exactly one class apart. */
		if (page_of(a) == page_of(b))
			assert_int_equal((a > b ? a - b : b - a), cls);
		/* The whole class size is usable. */
		memset(a, 0x11, cls);
		memset(b, 0x22, cls);
		assert_true(a[cls - 1] == 0x11 && b[0] == 0x22);
	}
	/* One page per class (2048 needs a second page for its second object). */
	assert_int_equal(H.h_live_objects, 2 * 25);
}

static void test_objects_per_page(void **state UNUSED)
{
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		size_t cls = (size_t)16 << c, per = (PAGE - HEADER) / cls;
		size_t pages0 = H.h_pages;
		uint8_t *first = heap_alloc(&H, cls);
		assert_int_equal(H.h_pages, pages0 + 1);
		for (size_t k = 1; k < per; k++) {
			uint8_t *p = heap_alloc(&H, cls);
			assert_int_equal(page_of(p), page_of(first));
		}
		assert_int_equal(H.h_pages, pages0 + 1);
		/* per + 1 objects need a second page. */
		uint8_t *p = heap_alloc(&H, cls);
		assert_int_not_equal(page_of(p), page_of(first));
		assert_int_equal(H.h_pages, pages0 + 2);
	}
	assert_int_equal(S.outstanding, H.h_pages);
}

static void test_zeroing_and_reuse(void **state UNUSED)
{
	for (size_t sz = 1; sz <= HEAP_MAX_SMALL; sz = sz * 2 + 1) {
		size_t cls = class_of(sz);
		uint8_t *p = heap_alloc(&H, sz);
		assert_true(all_zero(p, cls));	/* garbage page, zeroed object */
		memset(p, 0xff, cls);
		size_t pages = H.h_pages;
		heap_free(&H, p);
		uint8_t *q = heap_alloc(&H, sz);
		assert_ptr_equal(p, q);		/* the freed object comes straight back */
		assert_true(all_zero(q, cls));	/* and is zeroed again, free-list links included */
		assert_int_equal(H.h_pages, pages);
		heap_free(&H, q);
	}
	/* Small pages are kept after their objects are freed. */
	assert_int_equal(H.h_live_objects, 0);
	assert_true(H.h_pages > 0);
	assert_int_equal(S.free_calls, 0);
	assert_int_equal(H.h_bad_frees, 0);
}

static void test_large(void **state UNUSED)
{
	static const size_t sizes[] = { 2049, 3000, PAGE - HEADER, PAGE - HEADER + 1, PAGE, 2 * PAGE,
					10 * PAGE + 5, 1u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = sizes[i], npages = (sz + HEADER + PAGE - 1) / PAGE;
		size_t pages0 = H.h_pages, calls0 = S.alloc_calls;
		uint8_t *p = heap_alloc(&H, sz);
		assert_non_null(p);
		assert_int_equal(S.alloc_calls, calls0 + 1);
		assert_int_equal((uintptr_t)p - page_of(p), HEADER);
		assert_int_equal(H.h_pages, pages0 + npages);
		assert_int_equal(S.b[S.nb - 1].npages, npages);
		assert_true(all_zero(p, sz));
		memset(p, 0x5a, sz);	/* the whole request is usable (ASan checks the end) */
		assert_int_equal(H.h_live_objects, 1);
		heap_free(&H, p);
		assert_int_equal(H.h_pages, pages0);
		assert_int_equal(H.h_live_objects, 0);
		assert_true(S.b[S.nb - 1].freed);
		assert_int_equal(S.outstanding, H.h_pages);
	}
	assert_int_equal(H.h_bad_frees, 0);
}

static void test_large_impossible(void **state UNUSED)
{
	size_t calls = S.alloc_calls;

	assert_null(heap_alloc(&H, SIZE_MAX));
	assert_null(heap_alloc(&H, SIZE_MAX - HEADER));
	assert_null(heap_alloc(&H, SIZE_MAX - HEADER - PAGE + 1));
	assert_int_equal(S.alloc_calls, calls);	/* refused before asking for pages */
	/* At the edge the page source is asked and says no. */
	assert_null(heap_alloc(&H, SIZE_MAX - HEADER - PAGE));
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_pages, 0);
}

static void test_page_source_failure(void **state UNUSED)
{
	S.fail = true;
	assert_null(heap_alloc(&H, 16));
	assert_null(heap_alloc(&H, 2048));
	assert_null(heap_alloc(&H, 5000));
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_pages, 0);
	S.fail = false;
	/* With a page in hand, the class keeps serving even when the source fails. */
	void *p = heap_alloc(&H, 100);
	assert_non_null(p);
	S.fail = true;
	for (int i = 1; i < (PAGE - HEADER) / 128; i++)
		assert_non_null(heap_alloc(&H, 100));
	assert_null(heap_alloc(&H, 100));	/* page full */
	assert_null(heap_alloc(&H, 17));	/* class 32 has no page yet */
}

static void test_bad_frees_small(void **state UNUSED)
{
	uint8_t *a = heap_alloc(&H, 64);
	uint8_t *b = heap_alloc(&H, 64);
	size_t live = H.h_live_objects;

	/* Interior pointers. */
	heap_free(&H, a + 1);
	heap_free(&H, a + 8);
	heap_free(&H, a + 32);
	heap_free(&H, a + 63);
	assert_int_equal(H.h_bad_frees, 4);
	/* Into the page header. */
	heap_free(&H, (void *)page_of(a));
	heap_free(&H, (void *)(page_of(a) + 16));
	heap_free(&H, (void *)(page_of(a) + HEADER - 1));
	assert_int_equal(H.h_bad_frees, 7);
	assert_int_equal(H.h_live_objects, live);
	/* The objects are still intact and freeable. */
	memset(a, 0x77, 64);
	heap_free(&H, a);
	heap_free(&H, b);
	assert_int_equal(H.h_live_objects, live - 2);
	assert_int_equal(H.h_bad_frees, 7);
}

static void test_double_free_small(void **state UNUSED)
{
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		size_t cls = (size_t)16 << c;
		uint8_t *a = heap_alloc(&H, cls);
		uint8_t *b = heap_alloc(&H, cls);
		size_t bad = H.h_bad_frees, live = H.h_live_objects;
		heap_free(&H, a);
		heap_free(&H, a);
		assert_int_equal(H.h_bad_frees, bad + 1);
		assert_int_equal(H.h_live_objects, live - 1);
		/* The free list was not corrupted: two allocations, two distinct objects. */
		uint8_t *x = heap_alloc(&H, cls);
		uint8_t *y = heap_alloc(&H, cls);
		assert_ptr_not_equal(x, y);
		assert_ptr_not_equal(y, b);
		assert_ptr_equal(x, a);
		/* Free, reallocate, free the stale pointer again: still caught only if free. */
		heap_free(&H, x);
		heap_free(&H, y);
		heap_free(&H, b);
		heap_free(&H, y);
		assert_int_equal(H.h_bad_frees, bad + 2);
	}
	assert_int_equal(H.h_live_objects, 0);
}

/* A live object may hold any bytes, including whatever marks free objects. */
static void test_free_object_holding_any_data(void **state UNUSED)
{
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		size_t cls = (size_t)16 << c;
		for (int fill = 0; fill < 3; fill++) {
			uint8_t *a = heap_alloc(&H, cls);
			size_t live = H.h_live_objects, bad = H.h_bad_frees;
			if (fill == 0)
				memset(a, 0xff, cls);
			else if (fill == 1)
				memcpy(a, "\0\0\0\0\0\0\0\0EERF\0\0\0\0", 16);	/* 0x46524545 at offset 8 */
			else
				for (size_t i = 0; i < cls; i += 4)
					memcpy(a + i, "EERF", 4);
			heap_free(&H, a);
			assert_int_equal(H.h_bad_frees, bad);
			assert_int_equal(H.h_live_objects, live - 1);
			assert_ptr_equal(heap_alloc(&H, cls), a);	/* and it is reusable */
			heap_free(&H, a);
		}
	}
}

/* Pointers into the unused tail of a class page never become objects. */
static void test_free_slack_slot(void **state UNUSED)
{
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		size_t cls = (size_t)16 << c, per = (PAGE - HEADER) / cls;
		uint8_t *a = heap_alloc(&H, cls);
		uintptr_t pg = page_of(a);
		size_t bad = H.h_bad_frees;
		/* The slot after the last whole object, class aligned but overrunning the page. */
		uintptr_t slack = pg + HEADER + per * cls;
		if (slack < pg + PAGE) {
			heap_free(&H, (void *)slack);
			assert_int_equal(H.h_bad_frees, bad + 1);
		}
		/* Drain the class: every object handed out lies inside its page. */
		uint8_t *objs[300];
		size_t n = 0;
		for (size_t k = 0; k < 2 * per + 2 && n < 300; k++) {
			uint8_t *p = heap_alloc(&H, cls);
			assert_non_null(p);
			assert_true((uintptr_t)p - page_of(p) >= HEADER);
			assert_true((uintptr_t)p - page_of(p) + cls <= PAGE);
			memset(p, 0xee, cls);
			objs[n++] = p;
		}
		while (n)
			heap_free(&H, objs[--n]);
		heap_free(&H, a);
	}
	assert_int_equal(H.h_live_objects, 0);
}

static void test_bad_frees_foreign_and_large(void **state UNUSED)
{
	/* A page the heap never saw: zeroed, then garbage. */
	uint8_t *foreign = aligned_alloc(PAGE, PAGE);
	memset(foreign, 0, PAGE);
	heap_free(&H, foreign + HEADER);
	heap_free(&H, foreign + 128);
	memset(foreign, 0x5c, PAGE);
	heap_free(&H, foreign + HEADER);
	assert_int_equal(H.h_bad_frees, 3);
	free(foreign);

	/* Large blocks: interior pointers, pointers into later pages, double free. */
	uint8_t *big = heap_alloc(&H, 3 * PAGE);
	size_t pages = H.h_pages;
	heap_free(&H, big + 8);
	heap_free(&H, big - HEADER);
	heap_free(&H, big + PAGE);
	heap_free(&H, big + PAGE - HEADER);
	heap_free(&H, big + 2 * PAGE + 100);
	assert_int_equal(H.h_bad_frees, 8);
	assert_int_equal(H.h_pages, pages);
	assert_int_equal(H.h_live_objects, 1);
	heap_free(&H, big);
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_pages, pages - 4);
	size_t frees = S.free_calls;
	heap_free(&H, big);	/* double free: the block is back with the source */
	assert_int_equal(H.h_bad_frees, 9);
	assert_int_equal(S.free_calls, frees);
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_pages, pages - 4);
}

/* ------------------------------------------------------------ stress */

#define NSLOTS 1500

struct slot {
	uint8_t *p;
	size_t size;
	uint8_t tag;
};

static uint64_t rng = 0x0123456789abcdefull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static size_t random_size(void)
{
	switch (rnd(10)) {
	case 0: return 2049 + rnd(3 * PAGE);	/* large */
	case 1: case 2: return 1 + rnd(2048);
	default: return 1 + rnd(128);
	}
}

static void check_slot(const struct slot *s)
{
	for (size_t i = 0; i < s->size; i++) {
		if (s->p[i] != (uint8_t)(s->tag + i))
			fail_msg("object %p (%zu bytes) corrupted at byte %zu", (void *)s->p, s->size, i);
	}
}

static void test_stress_shadow(void **state UNUSED)
{
	static struct slot slots[NSLOTS];
	size_t live = 0, bad = 0;

	memset(slots, 0, sizeof(slots));
	for (int it = 0; it < 60000; it++) {
		struct slot *s = &slots[rnd(NSLOTS)];
		unsigned op = (unsigned)rnd(100);

		if (!s->p) {
			s->size = random_size();
			s->p = heap_alloc(&H, s->size);
			assert_non_null(s->p);
			assert_true(all_zero(s->p, s->size));
			s->tag = (uint8_t)rnd(256);
			for (size_t i = 0; i < s->size; i++)
				s->p[i] = (uint8_t)(s->tag + i);
			live++;
		} else if (op < 90) {
			check_slot(s);
			heap_free(&H, s->p);
			if (op < 5) {
				heap_free(&H, s->p);	/* double free */
				bad++;
			}
			s->p = NULL;
			live--;
		} else if (op < 95 && s->size > 1) {
			/* An interior pointer: refused, object untouched. */
			heap_free(&H, s->p + 1 + rnd(s->size - 1));
			bad++;
			check_slot(s);
		} else {
			check_slot(s);
		}
		assert_int_equal(H.h_live_objects, live);
		assert_int_equal(H.h_bad_frees, bad);
		assert_int_equal(S.outstanding, H.h_pages);
	}
	for (size_t i = 0; i < NSLOTS; i++) {
		if (slots[i].p) {
			check_slot(&slots[i]);
			heap_free(&H, slots[i].p);
		}
	}
	assert_int_equal(H.h_live_objects, 0);
	assert_int_equal(H.h_bad_frees, bad);
	assert_int_equal(S.outstanding, H.h_pages);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_size_classes),
		T(test_objects_per_page),
		T(test_zeroing_and_reuse),
		T(test_large),
		T(test_large_impossible),
		T(test_page_source_failure),
		T(test_bad_frees_small),
		T(test_double_free_small),
		T(test_free_object_holding_any_data),
		T(test_free_slack_slot),
		T(test_bad_frees_foreign_and_large),
		T(test_stress_shadow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
