/*
 * drivers/nvme/sys.c - the provider's capability invocations (include/abi/syscall.h).
 */
#include "drivers/nvme/nvme_var.h"
#include "user/lib/ulib.h"

int sys_mmio_read32(struct nvme_dev *d, uint32_t off, uint32_t *v)
{
	uint64_t x = 0;
	int err = (int)syscall6(SYS_MMIO_READ, d->d_mmio, off, 4, (long)&x, 0, 0);

	*v = (uint32_t)x;
	return err;
}

int sys_mmio_read64(struct nvme_dev *d, uint32_t off, uint64_t *v)
{
	return (int)syscall6(SYS_MMIO_READ, d->d_mmio, off, 8, (long)v, 0, 0);
}

int sys_mmio_write32(struct nvme_dev *d, uint32_t off, uint32_t v)
{
	return (int)syscall6(SYS_MMIO_WRITE, d->d_mmio, off, 4, v, 0, 0);
}

int sys_nvme_enable(struct nvme_dev *d, const struct nvme_enable_req *req)
{
	return (int)syscall6(SYS_NVME_ENABLE, d->d_mmio, (long)req, 0, 0, 0, 0);
}

int sys_nvme_doorbell(struct nvme_dev *d, uint16_t qid, uint32_t kind, uint16_t value)
{
	return (int)syscall6(SYS_NVME_DOORBELL, d->d_mmio, qid, kind, value, 0, 0);
}

int sys_nvme_ring_wait(struct nvme_dev *d, struct nvme_ring_wait *rw)
{
	return (int)syscall6(SYS_NVME_RING_WAIT, d->d_mmio, (long)rw, 0, 0, 0, 0);
}

int sys_irq_wait(int irq, uint64_t timeout_ns, struct irq_wait_result *out)
{
	return (int)syscall6(SYS_IRQ_WAIT, irq, (long)timeout_ns, (long)out, 0, 0, 0);
}

int sys_device_info(struct nvme_dev *d, struct device_info *out)
{
	return (int)syscall6(SYS_DEVICE_INFO, d->d_mmio, (long)out, 0, 0, 0, 0);
}

int sys_dma_pool_map(int pool, struct dma_pool_info *out)
{
	return (int)syscall6(SYS_DMA_POOL_MAP, pool, (long)out, 0, 0, 0, 0);
}
