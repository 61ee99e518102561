/*
 * drivers/nvme/pool.c - carve the DMAPool into rings and buffers.
 *
 * Handles are byte offsets from the start of the pool; the provider never
 * knows where the pool is in physical memory (and on the brokered lane the
 * device never sees it either).
 */
#include "drivers/nvme/nvme_var.h"
#include "lib/bits.h"

uint64_t pool_alloc(struct nvme_dev *d, uint64_t bytes, uint64_t align)
{
	uint64_t start = ALIGN_UP(d->d_pool_next, align);

	if (start > d->d_pool_bytes || bytes > d->d_pool_bytes - start)
		return UINT64_MAX;
	d->d_pool_next = start + bytes;
	return start;
}
