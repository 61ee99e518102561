/*
 * include/abi/device.h - what the DeviceMmio, Interrupt and DMAPool
 * capabilities tell their holder.  No field ever carries a host-physical
 * address: device memory is named by pool offset ("handle"), registers by
 * offset into the device's register window.
 */
#ifndef CAPROCK_ABI_DEVICE_H
#define CAPROCK_ABI_DEVICE_H

#include <stddef.h>
#include <stdint.h>

enum dma_lane {
	DMA_LANE_BROKERED = 1,	/* bounce lane: commands carry pool handles, the manager authors PRPs */
	DMA_LANE_DIRECT = 2,	/* remapping lane: commands carry IOVAs inside the pool's window */
};

enum irq_kind {
	IRQ_KIND_MSIX = 1,
	IRQ_KIND_MSI = 2,
	IRQ_KIND_INTX = 3,
};

/* SYS_DEVICE_INFO */
struct device_info {
	uint16_t di_segment;
	uint8_t di_bus, di_dev, di_fn;
	uint8_t di_class, di_subclass, di_prog_if;
	uint16_t di_vendor, di_device;
	uint16_t di_subsys_vendor, di_subsys_id;
	uint32_t di_lane;		/* enum dma_lane */
	uint32_t di_nvectors;		/* Interrupt capabilities granted, one per vector */
	uint32_t di_irq_kind;		/* enum irq_kind */
	uint32_t di_reg_bytes;		/* readable register window (from offset 0) */
	uint32_t di_max_transfer;	/* broker's per-command limit in bytes (0 until IDENTIFY CONTROLLER) */
	uint32_t di_max_queues;		/* I/O queue pairs the broker will create */
	uint32_t di_page_size;		/* the controller memory page size the manager configured */
};
_Static_assert(sizeof(struct device_info) == 44, "device_info layout is ABI");
_Static_assert(offsetof(struct device_info, di_vendor) == 8, "device_info.di_vendor");
_Static_assert(offsetof(struct device_info, di_lane) == 16, "device_info.di_lane");
_Static_assert(offsetof(struct device_info, di_page_size) == 40, "device_info.di_page_size");

/*
 * Direct lane: NVMe handle space s (include/abi/block.h: 0 is the
 * provider's DMAPool, s >= 1 block session s's region) is reachable by the
 * device at dp_iova_base + s * DMA_DIRECT_SPACE_STRIDE, mapped from its
 * first byte.  Every space is smaller than the stride, so an offset past
 * its end is an IOMMU fault, never another space.
 */
#define DMA_DIRECT_SPACE_STRIDE	(16ull << 20)
#define DMA_DIRECT_SPACES	64

/* SYS_DMA_POOL_MAP */
struct dma_pool_info {
	uint64_t dp_base;		/* user virtual address of the mapping */
	uint64_t dp_bytes;
	uint32_t dp_lane;		/* enum dma_lane */
	uint32_t dp_rsvd;
	uint64_t dp_iova_base;		/* direct lane: device address of offset 0; brokered lane: 0 */
};
_Static_assert(sizeof(struct dma_pool_info) == 32, "dma_pool_info layout is ABI");
_Static_assert(offsetof(struct dma_pool_info, dp_lane) == 16, "dma_pool_info.dp_lane");
_Static_assert(offsetof(struct dma_pool_info, dp_iova_base) == 24, "dma_pool_info.dp_iova_base");

/* SYS_IRQ_WAIT */
enum irq_wait_reason {
	IRQ_WAIT_INTERRUPT = 1,
	IRQ_WAIT_TIMEOUT = 2,
};

struct irq_wait_result {
	uint32_t iw_reason;		/* enum irq_wait_reason */
	uint32_t iw_vector;		/* the device's vector index (MSI-X table entry) */
	uint32_t iw_kind;		/* enum irq_kind */
	uint32_t iw_cpu_vector;		/* the CPU (IDT) vector it arrived on */
	uint64_t iw_count;		/* interrupts delivered since the previous wait */
};
_Static_assert(sizeof(struct irq_wait_result) == 24, "irq_wait_result layout is ABI");
_Static_assert(offsetof(struct irq_wait_result, iw_count) == 16, "irq_wait_result.iw_count");

#endif
