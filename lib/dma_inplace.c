/*
 * lib/dma_inplace.c - when the bounce lane must stage a buffer (see header).
 */
#include "lib/dma_inplace.h"

#include "lib/bits.h"

enum dma_inplace_verdict dma_inplace_check(uint64_t pool_phys, uint64_t pool_bytes, uint64_t off, uint64_t len,
					   uint32_t page_size, uint64_t max_addr)
{
	uint64_t end;

	if (!len || __builtin_add_overflow(off, len, &end) || end > pool_bytes)
		return DMA_INPLACE_EMPTY;
	uint64_t start = pool_phys + off;
	if (start & 3)
		return DMA_INPLACE_MISALIGNED;
	/* The device writes whole pages at worst: every page it is given must be the pool's. */
	uint64_t first = ALIGN_DOWN(start, (uint64_t)page_size);
	uint64_t last_end = ALIGN_UP(pool_phys + end, (uint64_t)page_size);
	if (first < pool_phys || last_end > pool_phys + pool_bytes)
		return DMA_INPLACE_PAGE_OUTSIDE_POOL;
	if (max_addr && last_end > max_addr)
		return DMA_INPLACE_ABOVE_LIMIT;
	return DMA_INPLACE_OK;
}

const char *dma_inplace_verdict_name(enum dma_inplace_verdict v)
{
	switch (v) {
	case DMA_INPLACE_OK: return "in-place";
	case DMA_INPLACE_EMPTY: return "empty";
	case DMA_INPLACE_MISALIGNED: return "misaligned";
	case DMA_INPLACE_PAGE_OUTSIDE_POOL: return "page-outside-pool";
	case DMA_INPLACE_ABOVE_LIMIT: return "above-dma-limit";
	}
	return "unknown";
}
