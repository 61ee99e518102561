/*
 * tests/host/test_dma_inplace.c - host tests for lib/dma_inplace.c: when the
 * bounce lane hands the device a pool's own pages and when it must stage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/dma_inplace.h"

#define UNUSED __attribute__((unused))
#define KIB 1024ull
#define POOL (0x100000ull)		/* a 4 KiB-aligned pool at 1 MiB */

static void test_aligned_buffers_go_in_place(void **state UNUSED)
{
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 0, 4 * KIB, 4096, 0), DMA_INPLACE_OK);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 512, 512, 4096, 0), DMA_INPLACE_OK);
	/* A buffer crossing pages: contiguous physical pages are what PRP entries need. */
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 4 * KIB - 4, 40 * KIB, 4096, 0), DMA_INPLACE_OK);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 60 * KIB, 4 * KIB, 4096, 0), DMA_INPLACE_OK);
}

static void test_unaligned_start_is_staged(void **state UNUSED)
{
	for (uint64_t off = 1; off < 4; off++)
		assert_int_equal(dma_inplace_check(POOL, 64 * KIB, off, 512, 4096, 0), DMA_INPLACE_MISALIGNED);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 4098, 512, 4096, 0), DMA_INPLACE_MISALIGNED);
	assert_int_equal(dma_inplace_check(POOL + 2, 64 * KIB, 0, 512, 4096, 0), DMA_INPLACE_MISALIGNED);
}

static void test_outside_the_pool_is_not_mapped(void **state UNUSED)
{
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 0, 0, 4096, 0), DMA_INPLACE_EMPTY);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 60 * KIB, 4 * KIB + 1, 4096, 0), DMA_INPLACE_EMPTY);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, UINT64_MAX - 10, 512, 4096, 0), DMA_INPLACE_EMPTY);
}

/* CC.MPS above the kernel page: a pool aligned to 4 KiB only may not cover the device's whole page. */
static void test_device_pages_must_stay_in_the_pool(void **state UNUSED)
{
	uint64_t odd = POOL + 4 * KIB;	/* 4 KiB aligned, not 16 KiB aligned */

	assert_int_equal(dma_inplace_check(odd, 64 * KIB, 0, 512, 16384, 0), DMA_INPLACE_PAGE_OUTSIDE_POOL);
	assert_int_equal(dma_inplace_check(odd, 64 * KIB, 12 * KIB, 512, 16384, 0), DMA_INPLACE_OK);
	/* the last device page would run 4 KiB past the pool's end */
	assert_int_equal(dma_inplace_check(odd, 64 * KIB, 60 * KIB, 512, 16384, 0), DMA_INPLACE_PAGE_OUTSIDE_POOL);
	assert_int_equal(dma_inplace_check(POOL, 64 * KIB, 0, 64 * KIB, 16384, 0), DMA_INPLACE_OK);
}

/* Amazon controllers DMA only below 2^48 (DESIGN.md §6): a page at or above stays staged. */
static void test_dma_limit(void **state UNUSED)
{
	uint64_t lim = 1ull << 48;

	assert_int_equal(dma_inplace_check(lim - 64 * KIB, 64 * KIB, 0, 64 * KIB, 4096, lim), DMA_INPLACE_OK);
	assert_int_equal(dma_inplace_check(lim - 32 * KIB, 64 * KIB, 0, 4 * KIB, 4096, lim), DMA_INPLACE_OK);
	assert_int_equal(dma_inplace_check(lim - 32 * KIB, 64 * KIB, 28 * KIB, 8 * KIB, 4096, lim),
			 DMA_INPLACE_ABOVE_LIMIT);
	/* the buffer below the limit, but the device page it ends in is not (a limit inside a device page) */
	assert_int_equal(dma_inplace_check(lim - 64 * KIB, 128 * KIB, 0, 60 * KIB, 16384, lim - 2 * KIB),
			 DMA_INPLACE_ABOVE_LIMIT);
	assert_int_equal(dma_inplace_check(lim, 64 * KIB, 0, 512, 4096, lim), DMA_INPLACE_ABOVE_LIMIT);
	assert_string_equal(dma_inplace_verdict_name(DMA_INPLACE_ABOVE_LIMIT), "above-dma-limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned_buffers_go_in_place),
		cmocka_unit_test(test_unaligned_start_is_staged),
		cmocka_unit_test(test_outside_the_pool_is_not_mapped),
		cmocka_unit_test(test_device_pages_must_stay_in_the_pool),
		cmocka_unit_test(test_dma_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
