/*
 * kernel/dma/dma_pool.c - DMAPool and Region objects and their mapping
 * invocations.
 *
 * Both are physically contiguous memory below a device's DMA limit, mapped
 * into exactly one process and named by the device side only by offset:
 * the DMAPool is a provider's own (rings, buffers), a Region is a client's
 * data buffer that it lends to one block session (kernel/block/session.c).
 */
#include "kernel/dma/dma_pool.h"

#include "include/abi/block.h"
#include "include/abi/cap.h"
#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "lib/bits.h"

static void dma_pool_release(struct kobj *ko)
{
	struct dma_pool *p = (struct dma_pool *)ko;

	/* The process that mapped it is gone (its page tables went first), and so are the devices. */
	pmm_free(p->dp_phys, p->dp_bytes / PAGE_SIZE);
	kfree(p);
}

struct dma_pool *dma_pool_create(uint32_t type, uint64_t want_bytes, uint64_t min_bytes, uint64_t dma_limit,
				 uint32_t lane)
{
	struct dma_pool *p = kmalloc(sizeof(*p));

	if (!p)
		return NULL;
	uint64_t min = ALIGN_UP(min_bytes, PAGE_SIZE);
	/* Halve the request until it fits, but never below what the caller must have. */
	for (uint64_t bytes = MAX(ALIGN_UP(want_bytes, PAGE_SIZE), min);; bytes = MAX(ALIGN_DOWN(bytes / 2, PAGE_SIZE), min)) {
		uint64_t pa = pmm_alloc(bytes / PAGE_SIZE, 1, dma_limit);
		if (pa) {
			p->dp_obj = (struct kobj){ type, 1, dma_pool_release };
			p->dp_phys = pa;
			p->dp_virt = phys_to_virt(pa);
			p->dp_bytes = bytes;
			p->dp_lane = lane;
			return p;
		}
		if (bytes == min)
			break;
	}
	kfree(p);
	return NULL;
}

void *dma_pool_ptr(struct dma_pool *p, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!p || __builtin_add_overflow(off, len, &end) || end > p->dp_bytes)
		return NULL;
	return p->dp_virt + off;
}

/* Map p into the caller, once and only into one process: nobody else may see it. */
static int map_once(struct dma_pool *p)
{
	struct proc *me = proc_current();

	if (p->dp_mapped_pid && p->dp_mapped_pid != me->p_pid)
		return CR_EBUSY;
	if (!p->dp_mapped_pid) {
		uint64_t va = proc_map_shared(me, p->dp_phys, p->dp_bytes, true);
		if (!va)
			return CR_ENOMEM;
		p->dp_mapped_pid = me->p_pid;
		p->dp_user_va = va;
	}
	return 0;
}

int64_t sys_dma_pool_map(const struct syscall_args *a)
{
	const struct cap *c;
	int err = cap_decode(a->a[0], CAP_TYPE_DMA_POOL, CAP_RIGHT_MAP, &c);

	if (err)
		return err;
	struct dma_pool *p = c->c_object;
	if ((err = map_once(p)) < 0)
		return err;
	struct dma_pool_info info = {
		.dp_base = p->dp_user_va, .dp_bytes = p->dp_bytes, .dp_lane = p->dp_lane,
		.dp_iova_base = p->dp_lane == DMA_LANE_DIRECT ? p->dp_iova_base : 0,
	};
	return copy_to_user(a->a[1], &info, sizeof(info));
}

int64_t sys_region_map(const struct syscall_args *a)
{
	const struct cap *c;
	int err = cap_decode(a->a[0], CAP_TYPE_REGION, CAP_RIGHT_MAP, &c);

	if (err)
		return err;
	struct dma_pool *p = c->c_object;
	if ((err = map_once(p)) < 0)
		return err;
	struct region_info info = { .ri_base = p->dp_user_va, .ri_bytes = p->dp_bytes };
	return copy_to_user(a->a[1], &info, sizeof(info));
}
