/*
 * lib/dma_inplace.h - may the device reach a buffer where it lies?
 *
 * On the no-IOMMU lane the manager may hand the device the physical pages
 * of a DMAPool or Region itself (they are kernel-allocated, physically
 * contiguous and held by the mapping) instead of staging pages, the way
 * Linux's dma-direct only falls back to swiotlb when it must.  This says
 * when it must: the device could not address the pages (a DMA limit such
 * as Amazon's 2^48), or the PRP rules cannot express the buffer (PRP1
 * needs a dword-aligned start, NVMe Base 2.0c §4.1.1), or the device pages
 * (CC.MPS, possibly larger than the kernel's 4 KiB) a transfer touches would
 * reach outside the pool, so that even an overlong device write could land
 * in memory that is not the pool's.
 */
#ifndef CAPROCK_LIB_DMA_INPLACE_H
#define CAPROCK_LIB_DMA_INPLACE_H

#include <stdint.h>

enum dma_inplace_verdict {
	DMA_INPLACE_OK,
	DMA_INPLACE_EMPTY,		/* nothing to map, or the range is not inside the pool */
	DMA_INPLACE_MISALIGNED,		/* start not dword aligned: PRP1 cannot name it */
	DMA_INPLACE_PAGE_OUTSIDE_POOL,	/* a touched device page reaches past the pool */
	DMA_INPLACE_ABOVE_LIMIT,	/* a touched device page is at or above the device's DMA limit */
};

/*
 * Buffer [off, off + len) of a physically contiguous pool at pool_phys of
 * pool_bytes, for a device with pages of page_size (a power of two) that
 * addresses only below max_addr (0: no limit).
 */
enum dma_inplace_verdict dma_inplace_check(uint64_t pool_phys, uint64_t pool_bytes, uint64_t off, uint64_t len,
					   uint32_t page_size, uint64_t max_addr);

const char *dma_inplace_verdict_name(enum dma_inplace_verdict v);

#endif
