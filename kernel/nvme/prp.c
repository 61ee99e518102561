/*
 * kernel/nvme/prp.c - the data pointers of a provider command, built by
 * the manager (I4).
 *
 * The provider names its buffers by pool handle; the manager maps them
 * through the DMA domain (on the bounce lane in place where the device can
 * reach them, else staged), takes PRP list pages from the domain too (tagged
 * with the command, written only here), builds PRP1/PRP2 and the lists
 * (lib/nvme_prp.c, NVMe Base 2.0c §4.1.1) from the length it computed from
 * its own geometry, and then walks them the way the controller will:
 * every address must be a page of this command's own mapping.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"
#include "lib/nvme_prp.h"

/* lib/nvme_prp.h's page source over the domain's cursors; sequential use walks each mapping once. */
struct prp_walk {
	struct dma_domain *d;
	struct dma_cursor data, list;
	uint32_t data_next, list_next;
	bool failed;
};

static uint64_t walk_page(void *ctx, uint32_t i)
{
	struct prp_walk *w = ctx;
	struct dma_page p = { 0, 0 };

	if (i != w->data_next || !dma_next_page(w->d, &w->data, &p))
		w->failed = true;
	w->data_next++;
	return p.dp_addr;
}

static uint64_t *walk_list_page(void *ctx, uint32_t j, uint64_t *addr)
{
	struct prp_walk *w = ctx;
	struct dma_page p;

	if (j != w->list_next || !dma_next_page(w->d, &w->list, &p)) {
		w->failed = true;
		return NULL;
	}
	w->list_next++;
	*addr = p.dp_addr;
	return p.dp_virt;
}

/* The list page at device address a, through the list mapping (NULL if it is not one of them). */
static const uint64_t *list_view(struct dma_domain *d, const struct dma_map *list, uint64_t a)
{
	struct dma_cursor cur;
	struct dma_page p;

	dma_cursor_start(&cur, list);
	while (dma_next_page(d, &cur, &p)) {
		if (p.dp_addr == a)
			return p.dp_virt;
	}
	return NULL;
}

/* Walk PRP1/PRP2 and the lists as the controller will: each address a page of this command. */
static bool prp_audit(struct dma_domain *d, const struct dma_map *data, const struct dma_map *list,
		      uint64_t prp1, uint64_t prp2)
{
	uint32_t ps = d->dd_limits.dl_page_size, per_list = ps / 8;
	uint32_t npages = data->dm_npages;

	if (!dma_owns(d, data, prp1, MIN((uint64_t)data->dm_len, (uint64_t)(ps - data->dm_offset))))
		return false;
	if (npages == 1)
		return prp2 == 0;
	if (npages == 2)
		return dma_owns(d, data, prp2, ps);
	const uint64_t *entries = dma_owns(d, list, prp2, ps) ? list_view(d, list, prp2) : NULL;
	if (!entries)
		return false;
	uint32_t slot = 0;
	for (uint32_t i = 1; i < npages; i++) {
		if (slot == per_list - 1 && npages - i > 1) {
			uint64_t next = entries[slot];
			entries = dma_owns(d, list, next, ps) ? list_view(d, list, next) : NULL;
			if (!entries)
				return false;
			slot = 0;
		}
		if (!dma_owns(d, data, entries[slot++], ps))
			return false;
	}
	return true;
}

static int map_one(struct nvme_ctrl *c, struct dma_map *m, struct dma_pool *pool, uint64_t handle, uint32_t len,
		   uint8_t dir, struct dma_tag tag, bool stage)
{
	*m = (struct dma_map){ .dm_pool = pool, .dm_handle = handle, .dm_len = len, .dm_dir = dir,
			       .dm_scratch = pool == NULL, .dm_stage = stage, .dm_tag = tag };
	return dma_map(&c->nc_dma, m);
}

int broker_map_data(struct nvme_ctrl *c, struct broker_sq *sq, struct broker_cmd *t, struct nvme_sqe *cmd)
{
	const struct nvme_broker_plan *p = &t->bc_plan;
	struct dma_domain *d = &c->nc_dma;
	uint32_t ps = c->nc_page_size;
	int err;

	if (p->xfer == NVME_XFER_NONE)
		return 0;
	uint8_t dir = p->xfer == NVME_XFER_FROM_DEVICE ? DMA_DIR_FROM_DEVICE : DMA_DIR_TO_DEVICE;
	struct dma_tag tag = { (uint32_t)c->nc_provider_pid, sq->sq_qid, broker_device_cid(sq, t), dir };
	struct dma_tag list_tag = tag;
	list_tag.dir = DMA_DIR_TO_DEVICE;	/* the device reads PRP lists */

	struct dma_pool *pool = nvme_space_pool(c, p->space);
	if (!pool)
		return CR_ERANGE;	/* the session went away since the check */
	/* DSM ranges are checked in what the device reads: a copy the provider cannot change after the check. */
	if ((err = map_one(c, &t->bc_data, pool, p->handle, p->len, dir, tag, p->kind == NBK_DSM)) < 0)
		return err;
	if (p->md_len && (err = map_one(c, &t->bc_md, d->dd_pool, p->md_handle, p->md_len, dir, tag, false)) < 0)
		return err;
	uint32_t nlists = nvme_prp_list_pages(ps, t->bc_data.dm_npages);
	if (nlists && (err = map_one(c, &t->bc_list, NULL, 0, nlists * ps, DMA_DIR_TO_DEVICE, list_tag, false)) < 0)
		return err;
	dma_sync_for_device(d, &t->bc_data);
	if (t->bc_md.dm_mapped)
		dma_sync_for_device(d, &t->bc_md);

	if (p->kind == NBK_DSM) {
		/* Check the ranges in the copy the device will read, not the provider's. */
		uint8_t ranges[NVME_DSM_RANGE_BYTES * 16];
		for (uint32_t off = 0; off < p->len; off += sizeof(ranges)) {
			uint32_t n = MIN((uint32_t)sizeof(ranges), p->len - off);
			dma_read(d, &t->bc_data, off, ranges, n);
			if (nvme_broker_check_dsm(nvme_ns_find(c, p->nsid), ranges, n / NVME_DSM_RANGE_BYTES) < 0)
				return CR_ERANGE;
		}
	}

	struct prp_walk w = { .d = d };
	dma_cursor_start(&w.data, &t->bc_data);
	dma_cursor_start(&w.list, &t->bc_list);
	struct nvme_prp_source src = { walk_page, walk_list_page, &w };
	struct nvme_prp prp;
	err = nvme_prp_build(ps, t->bc_data.dm_offset, p->len, &src, &prp);
	if (err < 0 || w.failed || !prp_audit(d, &t->bc_data, &t->bc_list, prp.prp1, prp.prp2)) {
		/* The domain granted every page, so only a kernel bug gets here: refuse, loudly. */
		kerror("nvme: error PRP construction failed bdf=%s len=%u pages=%u lists=%u",
		       c->nc_bdf, p->len, t->bc_data.dm_npages, nlists);
		return CR_EPROTO;
	}
	cmd->prp1 = prp.prp1;
	cmd->prp2 = prp.prp2;
	if (t->bc_md.dm_mapped) {
		struct dma_cursor cur;
		struct dma_page pg;
		dma_cursor_start(&cur, &t->bc_md);
		if (!dma_next_page(d, &cur, &pg) || !dma_owns(d, &t->bc_md, pg.dp_addr + t->bc_md.dm_offset, p->md_len))
			return CR_EPROTO;
		cmd->mptr = pg.dp_addr + t->bc_md.dm_offset;
	}
	return 0;
}
