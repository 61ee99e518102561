/*
 * kernel/dma/dma_pool.h - the DMAPool and Region objects: device-reachable
 * memory a process fills and reads, named by byte offset ("handle").
 *
 * The pool is physically contiguous, allocated below the device's DMA
 * limit, and mapped into exactly one process.  Its physical address never
 * leaves the kernel: on the brokered lane the device never sees it either
 * (bounce pages stand between), on the remapping lane the device sees it
 * only through an IOVA window.
 */
#ifndef CAPROCK_DMA_DMA_POOL_H
#define CAPROCK_DMA_DMA_POOL_H

#include <stdint.h>

#include "kernel/core/kobj.h"

struct dma_pool {
	struct kobj dp_obj;
	uint64_t dp_phys;		/* kernel-only */
	uint8_t *dp_virt;		/* kernel view through the direct map */
	uint64_t dp_bytes;
	uint32_t dp_lane;		/* enum dma_lane */
	uint64_t dp_iova_base;		/* direct lane only */
	int dp_mapped_pid;		/* 0 until SYS_DMA_POOL_MAP */
	uint64_t dp_user_va;
	struct dma_pool *dp_put_next;	/* on a domain's owed puts (dma_unmap without the BKL) */
};

/*
 * A pool (type CAP_TYPE_DMA_POOL) or region (CAP_TYPE_REGION) of at least
 * min_bytes (up to want_bytes) below dma_limit (0: none); NULL if none fits.
 */
struct dma_pool *dma_pool_create(uint32_t type, uint64_t want_bytes, uint64_t min_bytes, uint64_t dma_limit,
				 uint32_t lane);

/* Kernel pointer to [off, off + len) of the pool, or NULL if it is not all inside. */
void *dma_pool_ptr(struct dma_pool *p, uint64_t off, uint64_t len);

#endif
