/*
 * include/abi/syscall.h - system call numbers and calling convention.
 *
 * SYSCALL with the number in RAX and arguments in RDI, RSI, RDX, R10, R8,
 * R9 (RCX and R11 are clobbered by the instruction).  The result comes back
 * in RAX: >= 0 on success, a negative enum cr_err on failure.  Every call
 * that touches an object takes a capability slot as its first argument.
 */
#ifndef CAPROCK_ABI_SYSCALL_H
#define CAPROCK_ABI_SYSCALL_H

enum syscall_nr {
	SYS_EXIT = 0,		/* (status) - does not return */
	SYS_LOG = 1,		/* (console, const char *buf, size_t len) */
	SYS_CLOCK_NS = 2,	/* () -> monotonic nanoseconds */
	SYS_CAP_INFO = 3,	/* (slot, struct cap_info *out) */
	SYS_YIELD = 4,		/* () */
	SYS_SLEEP_NS = 5,	/* (ns) */
	SYS_MMIO_READ = 6,	/* (mmio, offset, width, uint64_t *out) */
	SYS_MMIO_WRITE = 7,	/* (mmio, offset, width, value): selected-write claims only */
	SYS_IRQ_WAIT = 8,	/* (irq, timeout_ns, struct irq_wait_result *out) */
	SYS_DMA_POOL_MAP = 9,	/* (pool, struct dma_pool_info *out) */
	SYS_DEVICE_INFO = 10,	/* (mmio, struct device_info *out) */
	SYS_NVME_ENABLE = 11,	/* (mmio, const struct nvme_enable_req *req) */
	SYS_NVME_DOORBELL = 12,	/* (mmio, qid, enum nvme_doorbell_kind, value) -> SQ: entries taken now */
	SYS_NOTIFY_WAIT = 13,	/* (notification, timeout_ns) -> the bits that were set (cleared), 0 on timeout */
	SYS_REGION_MAP = 14,	/* (region, struct region_info *out) */
	SYS_BLOCK_INFO = 15,	/* (block device or session, struct block_info *out) */
	SYS_BLOCK_MAP = 16,	/* (block device or session, struct block_map *out): the shared ring */
	SYS_BLOCK_ATTACH = 17,	/* (block device, region): lend the region to the session, once */
	SYS_BLOCK_NOTIFY = 18,	/* (block device or session): wake the other end */
	SYS_NVME_RING_WAIT = 19,	/* (mmio, struct nvme_ring_wait *): CQ head, SQ tail, wait; one crossing */
	SYS_NVME_DOORBELL_MAP = 20,	/* (mmio, uint64_t *va): direct lane only, the doorbell page mapped uncached */
	SYS_CPU_IDLE_NS = 21,	/* (uint32_t *cpus) -> ns the running CPUs sat idle since boot, summed; *cpus = how many */
	SYS_COUNT
};

#endif
