/*
 * kernel/nvme/audit.c - host_physical_user_visible=false, checked rather
 * than assumed (I5 and the lane's purpose).
 *
 * At release the manager scans everything the provider could see - its
 * pool: shadow rings, buffers, what it wrote and what the manager wrote
 * for it - for 8-byte words that look like an address the manager gave the
 * device: page aligned (every PRP entry and queue base is) and inside
 * memory the manager owns for this controller (the pool itself, the
 * backend's staging pages, the device rings, the manager's own buffer).
 * Skipped: entries of every ring the provider ever used as a submission
 * queue (it wrote them itself and the manager only read them), and pages
 * that received data read from the medium (a disk may hold any word,
 * addresses included; the broker notes them as it copies reads back).  On
 * the direct lane the device writes the provider's pages itself and the
 * manager gives nobody a host address, so only what the manager wrote
 * there - the brokered admin queue's completions - is scanned.  Any match
 * is an error line, so the run fails.
 */
#include "kernel/nvme/audit.h"

#include "kernel/core/irqsoff.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/pmm.h"
#include "lib/fmt.h"

static bool in_ring(uint64_t w, uint64_t base, uint64_t bytes)
{
	return base && w >= base && w - base < bytes;
}

static bool manager_word(struct nvme_ctrl *c, uint64_t w)
{
	const struct dma_pool *pool = c->nc_dma.dd_pool;

	if (w & (PAGE_SIZE - 1) || !w)
		return false;
	if (w >= pool->dp_phys && w - pool->dp_phys < pool->dp_bytes)
		return true;
	if (c->nc_dma.dd_ops->manager_address(&c->nc_dma, w))
		return true;
	if (in_ring(w, c->nc_mgr_buf_addr, 2 * (uint64_t)c->nc_page_size))
		return true;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		if (in_ring(w, c->nc_sq[q].sq_dev_addr, (uint64_t)c->nc_sq[q].sq_entries * sizeof(struct nvme_sqe)) ||
		    in_ring(w, c->nc_cq[q].cq_dev_addr, (uint64_t)c->nc_cq[q].cq_entries * sizeof(struct nvme_cqe)))
			return true;
	}
	return false;
}

/*
 * On the direct lane the provider writes device addresses itself: they
 * must be IOVAs of its pool, and the window they come from lies above all
 * RAM, so none of them can be read as a host address.  The audit counts
 * them (evidence the lane was used as designed) and checks the window.
 */
static bool iova_word(const struct nvme_ctrl *c, uint64_t w)
{
	uint64_t base = c->nc_dma.dd_pool_iova;

	return base && w >= base && w - base < c->nc_dma.dd_pool->dp_bytes;
}

/* Did the manager write pool offset off (a shadow CQ entry of a brokered queue)? */
static bool manager_wrote(const struct nvme_ctrl *c, uint64_t off)
{
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_cq *cq = &c->nc_cq[q];
		if (cq->cq_shadow_entries && off >= cq->cq_shadow &&
		    off - cq->cq_shadow < (uint64_t)cq->cq_shadow_entries * sizeof(struct nvme_cqe))
			return true;
	}
	return false;
}

static bool device_data(const struct nvme_ctrl *c, uint64_t off)
{
	uint64_t pg = off / PAGE_SIZE;

	if (c->nc_lane == DMA_LANE_DIRECT)
		return !manager_wrote(c, off);
	return c->nc_device_data_map && (c->nc_device_data_map[pg / 8] >> (pg % 8) & 1);
}

bool nvme_audit_provider_memory(struct nvme_ctrl *c)
{
	const struct dma_pool *pool = c->nc_dma.dd_pool;

	if (!pool)
		return true;
	const uint64_t *w = (const uint64_t *)pool->dp_virt;
	uint64_t matches = 0, first = 0, skipped = 0, data = 0, iovas = 0;
	for (uint64_t i = 0; i < pool->dp_bytes / 8; i++) {
		/*
		 * Megabytes at release, which other volumes must not wait for: a
		 * window per page once the work budget is spent.  The controller
		 * is stopped, its vectors freed and it is off the tick's list, so
		 * no handler touches what this reads.
		 */
		if (i % (PAGE_SIZE / 8) == 0 && i)
			irqsoff_window("nvme-audit");
		uint64_t entry = i / 8;		/* 64-byte SQ entries */
		if (c->nc_shadow_sq_map && (c->nc_shadow_sq_map[entry / 8] >> (entry % 8) & 1)) {
			skipped += 8;
			continue;
		}
		iovas += iova_word(c, w[i]);
		if (device_data(c, i * 8)) {
			data += 8;
			continue;
		}
		if (manager_word(c, w[i]) && !matches++)
			first = i * 8;
	}
	bool window_ok = !c->nc_dma.dd_pool_iova || c->nc_dma.dd_pool_iova >= pmm_ram_end();
	char lane[96] = "";
	if (c->nc_dma.dd_pool_iova)
		fmt_snprintf(lane, sizeof(lane), " lane=direct iova_words=%lu iova_base=0x%lx ram_end=0x%lx", iovas,
			     c->nc_dma.dd_pool_iova, pmm_ram_end());
	if (matches || !window_ok)
		kerror("dma: audit provider_bytes_scanned=%lu matching_words=%lu first_offset=0x%lx provider_sq_bytes_skipped=%lu device_data_bytes_skipped=%lu%s result=fail reason=%s",
		       pool->dp_bytes - skipped - data, matches, first, skipped, data, lane,
		       matches ? "manager-physical-address-in-provider-memory" : "iova-window-not-above-ram");
	else
		kprintf("dma: audit provider_bytes_scanned=%lu matching_words=0 provider_sq_bytes_skipped=%lu device_data_bytes_skipped=%lu%s result=pass",
			pool->dp_bytes - skipped - data, skipped, data, lane);
	return matches == 0 && window_ok;
}
