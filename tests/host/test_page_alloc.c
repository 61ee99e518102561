/*
 * tests/host/test_page_alloc.c - host tests for lib/page_alloc.c: the bitmap
 * frame allocator (initial state, marking, lowest-first and contiguous
 * allocation, alignment, limits, freeing, double-free detection) plus a
 * randomized stress run checked against a shadow array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/page_alloc.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* 200 frames: not a multiple of 64, so the last bitmap word is partial. */
#define NFRAMES 200

static uint64_t bitmap[PAGE_ALLOC_BITMAP_WORDS(NFRAMES)];
static struct page_alloc pa;

static void setup(uint64_t nframes)
{
	memset(bitmap, 0, sizeof(bitmap));	/* init must set every bit itself */
	page_alloc_init(&pa, bitmap, nframes);
}

/* Free frames counted from the bitmap, independently of pa_free. */
static uint64_t count_free(void)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < pa.pa_nframes; f++)
		n += !page_alloc_is_used(&pa, f);
	return n;
}

static void assert_consistent(void)
{
	assert_int_equal(pa.pa_free, count_free());
}

/* ------------------------------------------------------------ init and marking */

static void test_init_all_used(void **state UNUSED)
{
	setup(NFRAMES);
	assert_int_equal(pa.pa_nframes, NFRAMES);
	assert_int_equal(pa.pa_free, 0);
	for (uint64_t f = 0; f < NFRAMES; f++)
		assert_true(page_alloc_is_used(&pa, f));
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), CR_ENOMEM);
}

static void test_is_used_beyond_end(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_false(page_alloc_is_used(&pa, NFRAMES - 1));
	assert_true(page_alloc_is_used(&pa, NFRAMES));
	assert_true(page_alloc_is_used(&pa, UINT64_MAX));
}

static void test_mark_free_counts(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 10, 20);
	assert_int_equal(pa.pa_free, 20);
	assert_true(page_alloc_is_used(&pa, 9));
	assert_false(page_alloc_is_used(&pa, 10));
	assert_false(page_alloc_is_used(&pa, 29));
	assert_true(page_alloc_is_used(&pa, 30));
	/* Overlapping a free range counts only the newly freed frames. */
	page_alloc_mark_free(&pa, 25, 10);
	assert_int_equal(pa.pa_free, 25);
	page_alloc_mark_free(&pa, 10, 25);
	assert_int_equal(pa.pa_free, 25);
	assert_consistent();
}

static void test_mark_used_counts(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, 100);
	page_alloc_mark_used(&pa, 50, 10);
	assert_int_equal(pa.pa_free, 90);
	assert_true(page_alloc_is_used(&pa, 50));
	assert_true(page_alloc_is_used(&pa, 59));
	assert_false(page_alloc_is_used(&pa, 60));
	/* Marking used frames used again changes nothing. */
	page_alloc_mark_used(&pa, 45, 20);
	assert_int_equal(pa.pa_free, 80);
	page_alloc_mark_used(&pa, 150, 10);	/* never free */
	assert_int_equal(pa.pa_free, 80);
	assert_consistent();
}

static void test_mark_ranges_clipped(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, NFRAMES - 10, 1000);
	assert_int_equal(pa.pa_free, 10);
	page_alloc_mark_free(&pa, NFRAMES, 5);
	page_alloc_mark_free(&pa, UINT64_MAX - 2, 10);
	assert_int_equal(pa.pa_free, 10);
	page_alloc_mark_free(&pa, 0, UINT64_MAX);	/* first + n would wrap */
	assert_int_equal(pa.pa_free, NFRAMES);
	page_alloc_mark_used(&pa, NFRAMES - 4, UINT64_MAX);
	assert_int_equal(pa.pa_free, NFRAMES - 4);
	page_alloc_mark_used(&pa, NFRAMES + 3, 2);
	assert_int_equal(pa.pa_free, NFRAMES - 4);
	assert_consistent();
}

static void test_mark_zero_length(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 5, 0);
	assert_int_equal(pa.pa_free, 0);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), CR_ENOMEM);
}

/* ------------------------------------------------------------ allocation */

static void test_single_frames_lowest_first(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 100, 5);
	page_alloc_mark_free(&pa, 20, 3);
	page_alloc_mark_free(&pa, 150, 1);
	static const int64_t want[] = { 20, 21, 22, 100, 101, 102, 103, 104, 150 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), want[i]);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), CR_ENOMEM);
	assert_int_equal(pa.pa_free, 0);
}

static void test_freed_low_frame_is_reused_first(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	for (int i = 0; i < 10; i++)
		assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), i);
	assert_int_equal(page_alloc_free(&pa, 3, 1), 0);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 3);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 10);
	/* mark_free below the lowest free frame is found too. */
	page_alloc_mark_used(&pa, 0, NFRAMES);
	page_alloc_mark_free(&pa, 150, 1);
	page_alloc_mark_free(&pa, 7, 1);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 7);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 150);
}

static void test_contiguous_run(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_int_equal(page_alloc_alloc(&pa, 10, 1, 0), 0);
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 0), 10);
	assert_int_equal(pa.pa_free, NFRAMES - 15);
	for (uint64_t f = 0; f < 15; f++)
		assert_true(page_alloc_is_used(&pa, f));
	assert_false(page_alloc_is_used(&pa, 15));
	assert_consistent();
}

static void test_contiguous_run_skips_short_holes(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 10, 3);	/* too short */
	page_alloc_mark_free(&pa, 20, 4);	/* too short */
	page_alloc_mark_free(&pa, 30, 5);	/* fits */
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 0), 30);
	/* The short holes are still there for single frames. */
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 10);
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 0), CR_ENOMEM);
	assert_int_equal(pa.pa_free, 6);
	assert_consistent();
}

static void test_run_crossing_bitmap_words(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 60, 72);	/* spans words 0, 1 and 2 */
	assert_int_equal(page_alloc_alloc(&pa, 72, 1, 0), 60);
	assert_int_equal(pa.pa_free, 0);
}

static void test_whole_memory_and_last_frame(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_int_equal(page_alloc_alloc(&pa, NFRAMES + 1, 1, 0), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, NFRAMES, 1, 0), 0);
	assert_int_equal(pa.pa_free, 0);

	setup(NFRAMES);
	page_alloc_mark_free(&pa, NFRAMES - 1, 1);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), NFRAMES - 1);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), CR_ENOMEM);
}

static void test_bad_arguments(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_int_equal(page_alloc_alloc(&pa, 0, 1, 0), CR_EINVAL);
	assert_int_equal(page_alloc_alloc(&pa, 1, 0, 0), CR_EINVAL);
	assert_int_equal(page_alloc_alloc(&pa, 1, 3, 0), CR_EINVAL);
	assert_int_equal(page_alloc_alloc(&pa, 1, 12, 0), CR_EINVAL);
	assert_int_equal(pa.pa_free, NFRAMES);
	assert_consistent();
}

static void test_alignment(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 0);
	assert_int_equal(page_alloc_alloc(&pa, 1, 8, 0), 8);
	assert_int_equal(page_alloc_alloc(&pa, 4, 16, 0), 16);
	assert_int_equal(page_alloc_alloc(&pa, 1, 64, 0), 64);
	assert_int_equal(page_alloc_alloc(&pa, 2, 128, 0), 128);
	/* Unaligned leftovers still serve single frames, lowest first. */
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 0), 1);
	assert_int_equal(page_alloc_alloc(&pa, 3, 1, 0), 2);
	assert_consistent();
}

static void test_alignment_skips_unaligned_free_run(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 1, 15);	/* 1..15: no 16-aligned start */
	page_alloc_mark_free(&pa, 33, 40);	/* 33..72: 48 and 64 are aligned */
	assert_int_equal(page_alloc_alloc(&pa, 8, 16, 0), 48);
	assert_int_equal(page_alloc_alloc(&pa, 8, 16, 0), 64);
	assert_int_equal(page_alloc_alloc(&pa, 8, 16, 0), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 4, 4, 0), 4);
	assert_consistent();
}

static void test_limit(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 100, 50);
	/* Nothing free below 100. */
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 100), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 50), CR_ENOMEM);
	/* The run's last frame must be below the limit: 100..104 < 105. */
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 104), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 105), 100);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 105), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 1, 1, 106), 105);
	/* A limit past the end is the same as no limit. */
	assert_int_equal(page_alloc_alloc(&pa, 2, 1, 1000000), 106);
	assert_int_equal(pa.pa_free, 50 - 8);
	assert_consistent();
}

static void test_limit_with_alignment(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	page_alloc_mark_used(&pa, 0, 1);
	/* Frame 0 is taken, so 32 is the only start: its run ends at 39 < 40. */
	assert_int_equal(page_alloc_alloc(&pa, 8, 32, 40), 32);
	assert_int_equal(page_alloc_alloc(&pa, 8, 32, 40), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 8, 32, 0), 64);
}

static void test_request_larger_than_free(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, 10);
	assert_int_equal(page_alloc_alloc(&pa, 11, 1, 0), CR_ENOMEM);
	assert_int_equal(pa.pa_free, 10);
}

/* ------------------------------------------------------------ freeing */

static void test_free_returns_frames(void **state UNUSED)
{
	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, 64);
	int64_t a = page_alloc_alloc(&pa, 16, 1, 0);
	assert_int_equal(a, 0);
	assert_int_equal(pa.pa_free, 48);
	assert_int_equal(page_alloc_free(&pa, (uint64_t)a, 16), 0);
	assert_int_equal(pa.pa_free, 64);
	assert_int_equal(page_alloc_alloc(&pa, 64, 1, 0), 0);
	assert_consistent();
}

static void test_double_free_detected(void **state UNUSED)
{
	uint64_t snapshot[sizeof(bitmap) / sizeof(bitmap[0])];

	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	int64_t a = page_alloc_alloc(&pa, 4, 1, 0);
	assert_int_equal(page_alloc_free(&pa, (uint64_t)a, 4), 0);
	uint64_t free_before = pa.pa_free;
	memcpy(snapshot, bitmap, sizeof(bitmap));
	assert_int_equal(page_alloc_free(&pa, (uint64_t)a, 4), CR_EINVAL);
	assert_int_equal(pa.pa_free, free_before);
	assert_memory_equal(snapshot, bitmap, sizeof(bitmap));
}

static void test_partial_double_free_changes_nothing(void **state UNUSED)
{
	uint64_t snapshot[sizeof(bitmap) / sizeof(bitmap[0])];

	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, NFRAMES);
	assert_int_equal(page_alloc_alloc(&pa, 8, 1, 0), 0);
	assert_int_equal(page_alloc_free(&pa, 5, 1), 0);
	uint64_t free_before = pa.pa_free;
	memcpy(snapshot, bitmap, sizeof(bitmap));
	/* 0..7 contains the already-free frame 5: nothing may be released. */
	assert_int_equal(page_alloc_free(&pa, 0, 8), CR_EINVAL);
	assert_int_equal(pa.pa_free, free_before);
	assert_memory_equal(snapshot, bitmap, sizeof(bitmap));
	assert_true(page_alloc_is_used(&pa, 0));
	assert_true(page_alloc_is_used(&pa, 7));
}

static void test_free_out_of_range(void **state UNUSED)
{
	setup(NFRAMES);
	assert_int_equal(page_alloc_free(&pa, NFRAMES, 1), CR_ERANGE);
	assert_int_equal(page_alloc_free(&pa, NFRAMES - 1, 2), CR_ERANGE);
	assert_int_equal(page_alloc_free(&pa, 1, UINT64_MAX), CR_ERANGE);
	assert_int_equal(page_alloc_free(&pa, UINT64_MAX, 2), CR_ERANGE);
	assert_int_equal(pa.pa_free, 0);
	/* The last frame alone is in range. */
	assert_int_equal(page_alloc_free(&pa, NFRAMES - 1, 1), 0);
	assert_int_equal(pa.pa_free, 1);
}

static void test_fragmentation(void **state UNUSED)
{
	int64_t blocks[20];

	setup(NFRAMES);
	page_alloc_mark_free(&pa, 0, 80);
	for (int i = 0; i < 20; i++) {
		blocks[i] = page_alloc_alloc(&pa, 4, 1, 0);
		assert_int_equal(blocks[i], 4 * i);
	}
	assert_int_equal(pa.pa_free, 0);
	/* Free every other block: 40 frames free, but no run longer than 4. */
	for (int i = 0; i < 20; i += 2)
		assert_int_equal(page_alloc_free(&pa, (uint64_t)blocks[i], 4), 0);
	assert_int_equal(pa.pa_free, 40);
	assert_int_equal(page_alloc_alloc(&pa, 5, 1, 0), CR_ENOMEM);
	assert_int_equal(page_alloc_alloc(&pa, 8, 1, 0), CR_ENOMEM);
	/* Free block 3: blocks 2, 3, 4 make a 12-frame run at 8. */
	assert_int_equal(page_alloc_free(&pa, (uint64_t)blocks[3], 4), 0);
	assert_int_equal(page_alloc_alloc(&pa, 12, 1, 0), 8);
	assert_int_equal(page_alloc_alloc(&pa, 4, 1, 0), 0);
	/* 16..19 went into the 12-frame run; block 6 at 24 is the next aligned one. */
	assert_int_equal(page_alloc_alloc(&pa, 4, 8, 0), 24);
	assert_int_equal(pa.pa_free, 40 + 4 - 12 - 4 - 4);
	assert_consistent();
}

/* ------------------------------------------------------------ random stress */

/* xorshift64*: fixed seed, so any failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

#define STRESS_FRAMES 1000
#define STRESS_MAX_LIVE 256

/* The lowest aligned start of n free frames ending below end, by brute force. */
static int64_t first_fit(const bool *used, uint64_t nframes, uint64_t n, uint64_t align,
			 uint64_t limit)
{
	uint64_t end = limit && limit < nframes ? limit : nframes;

	for (uint64_t f = 0; f + n <= end; f += align) {
		uint64_t k = 0;
		while (k < n && !used[f + k])
			k++;
		if (k == n)
			return (int64_t)f;
	}
	return -1;
}

static void test_random_stress_against_shadow(void **state UNUSED)
{
	static uint64_t bm[PAGE_ALLOC_BITMAP_WORDS(STRESS_FRAMES)];
	static bool used[STRESS_FRAMES];
	static struct { uint64_t first, n; } live[STRESS_MAX_LIVE];
	struct page_alloc p;
	unsigned nlive = 0, nok = 0, nfail = 0;
	uint64_t nfree = 0;

	page_alloc_init(&p, bm, STRESS_FRAMES);
	for (uint64_t f = 0; f < STRESS_FRAMES; f++)
		used[f] = true;
	/* RAM in a few ranges with holes, as a firmware memory map gives it. */
	static const uint64_t ram[][2] = { { 1, 158 }, { 256, 400 }, { 700, 300 } };
	for (size_t i = 0; i < sizeof(ram) / sizeof(ram[0]); i++) {
		page_alloc_mark_free(&p, ram[i][0], ram[i][1]);
		for (uint64_t f = ram[i][0]; f < ram[i][0] + ram[i][1]; f++)
			used[f] = false;
		nfree += ram[i][1];
	}

	for (int iter = 0; iter < 20000; iter++) {
		uint64_t r = rng();
		if (nlive < STRESS_MAX_LIVE && (r % 100) < 55) {
			uint64_t n = 1 + rng() % 12;
			uint64_t align = 1ull << (rng() % 5);
			uint64_t limit = (rng() % 4 == 0) ? 1 + rng() % STRESS_FRAMES : 0;
			int64_t want = first_fit(used, STRESS_FRAMES, n, align, limit);
			if (want < 0)
				want = CR_ENOMEM;
			int64_t got = page_alloc_alloc(&p, n, align, limit);
			if (got != want)
				fail_msg("iter %d: alloc(n=%llu, align=%llu, limit=%llu) = %lld, first fit %lld",
					 iter, (unsigned long long)n, (unsigned long long)align,
					 (unsigned long long)limit, (long long)got, (long long)want);
			nfail += got < 0;
			if (got >= 0) {
				uint64_t f = (uint64_t)got;
				nok++;
				assert_int_equal(f % align, 0);
				assert_true(f + n <= STRESS_FRAMES);
				if (limit)
					assert_true(f + n <= limit);
				for (uint64_t k = 0; k < n; k++) {
					assert_false(used[f + k]);	/* never hand out a used frame */
					used[f + k] = true;
				}
				nfree -= n;
				live[nlive].first = f;
				live[nlive].n = n;
				nlive++;
			}
		} else if (nlive > 0 && (r % 100) < 97) {
			unsigned i = (unsigned)(rng() % nlive);
			assert_int_equal(page_alloc_free(&p, live[i].first, live[i].n), 0);
			for (uint64_t k = 0; k < live[i].n; k++)
				used[live[i].first + k] = false;
			nfree += live[i].n;
			/* Freeing it again must be refused. */
			assert_int_equal(page_alloc_free(&p, live[i].first, live[i].n), CR_EINVAL);
			live[i] = live[--nlive];
		} else {
			/* Occasionally a single free frame is taken by someone else. */
			uint64_t f = rng() % STRESS_FRAMES;
			if (!used[f]) {
				page_alloc_mark_used(&p, f, 1);
				used[f] = true;
				nfree--;
			}
		}
		assert_int_equal(p.pa_free, nfree);
		if (iter % 64 == 0) {
			for (uint64_t f = 0; f < STRESS_FRAMES; f++)
				assert_int_equal(page_alloc_is_used(&p, f), used[f]);
		}
	}
	for (uint64_t f = 0; f < STRESS_FRAMES; f++)
		assert_int_equal(page_alloc_is_used(&p, f), used[f]);
	/* The run must have exercised both outcomes to mean anything. */
	assert_true(nok > 5000);
	assert_true(nfail > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_all_used),
		cmocka_unit_test(test_is_used_beyond_end),
		cmocka_unit_test(test_mark_free_counts),
		cmocka_unit_test(test_mark_used_counts),
		cmocka_unit_test(test_mark_ranges_clipped),
		cmocka_unit_test(test_mark_zero_length),
		cmocka_unit_test(test_single_frames_lowest_first),
		cmocka_unit_test(test_freed_low_frame_is_reused_first),
		cmocka_unit_test(test_contiguous_run),
		cmocka_unit_test(test_contiguous_run_skips_short_holes),
		cmocka_unit_test(test_run_crossing_bitmap_words),
		cmocka_unit_test(test_whole_memory_and_last_frame),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_alignment_skips_unaligned_free_run),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_with_alignment),
		cmocka_unit_test(test_request_larger_than_free),
		cmocka_unit_test(test_free_returns_frames),
		cmocka_unit_test(test_double_free_detected),
		cmocka_unit_test(test_partial_double_free_changes_nothing),
		cmocka_unit_test(test_free_out_of_range),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_random_stress_against_shadow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
