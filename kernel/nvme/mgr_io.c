/*
 * kernel/nvme/mgr_io.c - reads the manager makes itself, before any
 * provider exists: the partition tables of every namespace (kernel/block/).
 *
 * The data lands in a manager buffer (physically contiguous, one logical
 * block at a time up to 64 KiB, with a PRP list page of the manager's own
 * for more than two device pages) through the manager's polled I/O queue.
 * Nothing here is reachable by a provider.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"
#include "lib/string.h"

#define MGR_IO_QID		1
#define MGR_IO_ENTRIES		4
#define MGR_IO_BUF_BYTES	(64u << 10)
#define MGR_IO_TIMEOUT_MS	30000

int nvme_mgr_io_open(struct nvme_ctrl *c)
{
	void *buf = NULL, *list = NULL;
	struct nvme_mgr_cmd m = { .mc_sqe = { .opc = NVME_ADMIN_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES } };
	int err;

	c->nc_mgr_io_addr = dma_alloc_coherent(&c->nc_dma, MGR_IO_BUF_BYTES, &buf);
	c->nc_mgr_io_list_addr = dma_alloc_coherent(&c->nc_dma, c->nc_page_size, &list);
	c->nc_mgr_io_buf = buf;
	c->nc_mgr_io_list = list;
	if (!c->nc_mgr_io_addr || !c->nc_mgr_io_list_addr)
		return CR_ENOMEM;
	/* One queue pair (0-based counts); the provider negotiates its own after the reset. */
	if ((err = broker_mgr_exec(c, 0, &m, MGR_IO_TIMEOUT_MS)) < 0)
		return err;
	return broker_mgr_queue_pair(c, MGR_IO_QID, MGR_IO_ENTRIES, MGR_IO_TIMEOUT_MS);
}

/* Only once the controller is disabled: the device may no longer touch the buffers. */
void nvme_mgr_io_free(struct nvme_ctrl *c)
{
	dma_free_coherent(&c->nc_dma, c->nc_mgr_io_addr, c->nc_mgr_io_buf, MGR_IO_BUF_BYTES);
	dma_free_coherent(&c->nc_dma, c->nc_mgr_io_list_addr, c->nc_mgr_io_list, c->nc_page_size);
	c->nc_mgr_io_addr = c->nc_mgr_io_list_addr = 0;
}

int nvme_mgr_read(struct nvme_ctrl *c, const struct nvme_broker_ns *ns, uint64_t lba, uint32_t count, void *out)
{
	/* A command within the buffer and the controller's transfer limit (MDTS may be as small as a page). */
	uint32_t ps = c->nc_page_size, per = (uint32_t)MIN((uint64_t)MGR_IO_BUF_BYTES, c->nc_max_transfer) / ns->lba_bytes;
	uint8_t *dst = out;

	if (!per || ns->ms)
		return CR_EINVAL;	/* blocks above the limit, or metadata the buffer has no room for */
	while (count) {
		uint32_t n = MIN(count, per), bytes = n * ns->lba_bytes, pages = DIV_ROUND_UP(bytes, ps);
		uint64_t end;
		if (__builtin_add_overflow(lba, (uint64_t)n, &end) || end > ns->nsze)
			return CR_ERANGE;
		struct nvme_mgr_cmd m = { .mc_sqe = {
			.opc = NVME_CMD_READ, .nsid = ns->nsid, .prp1 = c->nc_mgr_io_addr,
			.cdw10 = (uint32_t)lba, .cdw11 = (uint32_t)(lba >> 32), .cdw12 = n - 1 } };
		if (pages == 2) {
			m.mc_sqe.prp2 = c->nc_mgr_io_addr + ps;
		} else if (pages > 2) {
			for (uint32_t i = 1; i < pages; i++)
				c->nc_mgr_io_list[i - 1] = c->nc_mgr_io_addr + (uint64_t)i * ps;
			m.mc_sqe.prp2 = c->nc_mgr_io_list_addr;
		}
		/* nvme.timeout_ms= (or the surface's own timeout) where shorter: one slow volume's bind is bounded by it. */
		uint32_t timeout_ms = c->nc_to_policy.timeout_ms && c->nc_to_policy.timeout_ms < MGR_IO_TIMEOUT_MS ?
				      c->nc_to_policy.timeout_ms : MGR_IO_TIMEOUT_MS;
		int err = broker_mgr_exec(c, MGR_IO_QID, &m, timeout_ms);
		if (err)
			return err;
		if (NVME_STATUS_SCT(m.mc_cqe.status) || NVME_STATUS_SC(m.mc_cqe.status))
			return CR_EIO;
		memcpy(dst, c->nc_mgr_io_buf, bytes);
		dst += bytes;
		lba += n;
		count -= n;
	}
	return 0;
}
