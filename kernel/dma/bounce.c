/*
 * kernel/dma/bounce.c - the brokered bounce backend.
 *
 * The device only ever sees manager-owned bounce pages recorded in the live
 * ledger: map grants pages (data, then PRP list pages) tagged with the
 * command, checks every address it put in the PRPs against the ledger,
 * sync copies between the provider's pool and the bounce pages, and unmap
 * returns the pages.  Ordinary Nitro instances have no IOMMU, so this is
 * the normal AWS path (DESIGN.md §6): copies move eight bytes per step and
 * the page size follows the controller's (CC.MPS).
 */
#include "kernel/dma/dma.h"

#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "lib/bits.h"
#include "lib/nvme_prp.h"
#include "lib/string.h"

int dma_bounce_init(struct dma_domain *d, uint64_t want_bytes, uint64_t min_bytes)
{
	struct dma_bounce *bb = &d->dd_bounce;
	uint32_t ps = d->dd_page_size;
	uint64_t bytes = MAX(ALIGN_UP(want_bytes, ps), ALIGN_UP(min_bytes, ps));

	for (;;) {
		bb->bb_phys = pmm_alloc(bytes / PAGE_SIZE, ps / PAGE_SIZE, d->dd_dma_limit);
		if (bb->bb_phys || bytes <= min_bytes)
			break;
		bytes = MAX(ALIGN_DOWN(bytes / 2, ps), ALIGN_UP(min_bytes, ps));
	}
	if (!bb->bb_phys)
		return CR_ENOMEM;
	uint32_t npages = (uint32_t)(bytes / ps);
	bb->bb_entries = kmalloc(npages * sizeof(*bb->bb_entries));
	bb->bb_free = kmalloc(npages * sizeof(*bb->bb_free));
	if (!bb->bb_entries || !bb->bb_free) {
		kfree(bb->bb_entries);
		kfree(bb->bb_free);
		pmm_free(bb->bb_phys, bytes / PAGE_SIZE);
		bb->bb_phys = 0;
		return CR_ENOMEM;
	}
	bb->bb_virt = phys_to_virt(bb->bb_phys);
	bb->bb_bytes = bytes;
	dma_ledger_init(&bb->bb_ledger, bb->bb_entries, bb->bb_free, npages, bb->bb_phys, ps);
	d->dd_ops = &dma_bounce_ops;
	return 0;
}

int dma_bounce_destroy(struct dma_domain *d)
{
	struct dma_bounce *bb = &d->dd_bounce;

	if (!bb->bb_phys)
		return 0;
	if (dma_ledger_live(&bb->bb_ledger)) {
		kerror("dma: error bounce pool still has %u live ledger pages; kept", dma_ledger_live(&bb->bb_ledger));
		return CR_EBUSY;
	}
	kfree(bb->bb_entries);
	kfree(bb->bb_free);
	pmm_free(bb->bb_phys, bb->bb_bytes / PAGE_SIZE);
	*bb = (struct dma_bounce){ 0 };
	return 0;
}

static uint8_t *page_virt(struct dma_bounce *bb, uint32_t idx)
{
	return bb->bb_virt + (uint64_t)idx * bb->bb_ledger.l_page_size;
}

/* PRP source over ledger chains; sequential access walks the chain once. */
struct chain_cursor {
	struct dma_bounce *bb;
	uint32_t data_head, data_pos, data_idx;
	uint32_t list_head, list_pos, list_idx;
};

static uint32_t cursor_step(const struct dma_ledger *l, uint32_t head, uint32_t *pos, uint32_t *idx, uint32_t want)
{
	if (want < *pos || *idx == DMA_LEDGER_NONE) {
		*pos = 0;
		*idx = head;
	}
	while (*pos < want && *idx != DMA_LEDGER_NONE) {
		*idx = l->l_entries[*idx].e_next;
		(*pos)++;
	}
	return *idx;
}

static uint64_t prp_page(void *ctx, uint32_t i)
{
	struct chain_cursor *c = ctx;
	uint32_t idx = cursor_step(&c->bb->bb_ledger, c->data_head, &c->data_pos, &c->data_idx, i);

	return dma_ledger_addr(&c->bb->bb_ledger, idx);
}

static uint64_t *prp_list_page(void *ctx, uint32_t j, uint64_t *addr)
{
	struct chain_cursor *c = ctx;
	uint32_t idx = cursor_step(&c->bb->bb_ledger, c->list_head, &c->list_pos, &c->list_idx, j);

	if (idx == DMA_LEDGER_NONE)
		return NULL;
	*addr = dma_ledger_addr(&c->bb->bb_ledger, idx);
	return (uint64_t *)page_virt(c->bb, idx);
}

/*
 * Walk the PRPs the way the controller will and check that every address
 * in them is a live ledger page granted to this command: data pages with
 * the command's tag, list pages with the list tag.
 */
static bool audit(struct dma_bounce *bb, const struct dma_buffer *b, uint32_t npages)
{
	const struct dma_ledger *l = &bb->bb_ledger;
	uint32_t ps = l->l_page_size, per_list = ps / 8;
	struct dma_tag tag = b->db_tag, list_tag = b->db_tag;

	list_tag.dir = DMA_DIR_TO_DEVICE;
	if (!dma_ledger_covers(l, b->db_prp1, MIN((uint64_t)b->db_len, (uint64_t)ps), tag))
		return false;
	if (npages == 1)
		return b->db_prp2 == 0;
	if (npages == 2)
		return dma_ledger_covers(l, b->db_prp2, ps, tag);
	uint64_t list_addr = b->db_prp2;
	if (!dma_ledger_covers(l, list_addr, ps, list_tag))
		return false;
	const uint64_t *list = (const uint64_t *)(bb->bb_virt + (list_addr - l->l_base));
	uint32_t slot = 0;
	for (uint32_t i = 1; i < npages; i++) {
		if (slot == per_list - 1 && npages - i > 1) {
			list_addr = list[slot];
			if (!dma_ledger_covers(l, list_addr, ps, list_tag))
				return false;
			list = (const uint64_t *)(bb->bb_virt + (list_addr - l->l_base));
			slot = 0;
		}
		if (!dma_ledger_covers(l, list[slot++], ps, tag))
			return false;
	}
	return true;
}

static int bounce_map(struct dma_domain *d, struct dma_buffer *b)
{
	struct dma_bounce *bb = &d->dd_bounce;
	uint32_t ps = d->dd_page_size;
	uint32_t npages = nvme_prp_data_pages(ps, 0, b->db_len);
	uint32_t nlists = nvme_prp_list_pages(ps, npages);

	if (npages + nlists > bb->bb_ledger.l_nfree)
		return CR_EAGAIN;
	b->db_chain = dma_ledger_grant(&bb->bb_ledger, npages, b->db_tag);
	struct dma_tag list_tag = b->db_tag;
	list_tag.dir = DMA_DIR_TO_DEVICE;	/* the device reads PRP lists */
	b->db_list_chain = nlists ? dma_ledger_grant(&bb->bb_ledger, nlists, list_tag) : DMA_LEDGER_NONE;

	struct chain_cursor cur = { bb, b->db_chain, 0, b->db_chain, b->db_list_chain, 0, b->db_list_chain };
	struct nvme_prp_source src = { prp_page, prp_list_page, &cur };
	struct nvme_prp prp;
	int err = nvme_prp_build(ps, 0, b->db_len, &src, &prp);
	b->db_prp1 = prp.prp1;
	b->db_prp2 = prp.prp2;
	if (err < 0 || !audit(bb, b, npages)) {
		/* The ledger had the pages, so only a kernel bug gets here. */
		panic("dma: bounce PRP construction failed len=%u pages=%u lists=%u", b->db_len, npages, nlists);
	}
	b->db_mapped = true;
	d->dd_maps++;
	return 0;
}

/* Copy between the pool and the bounce chain, to_bounce selecting the direction. */
static void copy_chain(struct dma_domain *d, struct dma_buffer *b, bool to_bounce)
{
	struct dma_bounce *bb = &d->dd_bounce;
	uint32_t ps = d->dd_page_size;
	uint8_t *pool = dma_pool_ptr(d->dd_pool, b->db_handle, b->db_len);
	uint32_t done = 0;

	KASSERT(pool);
	for (uint32_t i = b->db_chain; i != DMA_LEDGER_NONE && done < b->db_len;
	     i = bb->bb_ledger.l_entries[i].e_next) {
		uint32_t n = MIN(ps, b->db_len - done);
		if (to_bounce)
			memcpy(page_virt(bb, i), pool + done, n);
		else
			memcpy(pool + done, page_virt(bb, i), n);
		done += n;
	}
}

static void bounce_sync_for_device(struct dma_domain *d, struct dma_buffer *b)
{
	if (b->db_dir == DMA_DIR_TO_DEVICE) {
		copy_chain(d, b, true);
		d->dd_bytes_out += b->db_len;
	}
}

static void bounce_sync_for_cpu(struct dma_domain *d, struct dma_buffer *b)
{
	if (b->db_dir == DMA_DIR_FROM_DEVICE) {
		copy_chain(d, b, false);
		d->dd_bytes_in += b->db_len;
	}
}

static void bounce_peek(struct dma_domain *d, const struct dma_buffer *b, uint32_t off, void *dst, uint32_t len)
{
	struct dma_bounce *bb = &d->dd_bounce;
	uint32_t ps = d->dd_page_size;
	uint8_t *out = dst;

	for (uint32_t i = b->db_chain, pos = 0; i != DMA_LEDGER_NONE && len; i = bb->bb_ledger.l_entries[i].e_next, pos += ps) {
		if (off >= pos + ps)
			continue;
		uint32_t in = off - pos, n = MIN(ps - in, len);
		memcpy(out, page_virt(bb, i) + in, n);
		out += n;
		off += n;
		len -= n;
	}
}

static void bounce_unmap(struct dma_domain *d, struct dma_buffer *b)
{
	struct dma_bounce *bb = &d->dd_bounce;
	struct dma_tag list_tag = b->db_tag;

	if (!b->db_mapped)
		return;
	list_tag.dir = DMA_DIR_TO_DEVICE;
	if (dma_ledger_release(&bb->bb_ledger, b->db_chain, b->db_tag) < 0 ||
	    (b->db_list_chain != DMA_LEDGER_NONE &&
	     dma_ledger_release(&bb->bb_ledger, b->db_list_chain, list_tag) < 0))
		panic("dma: ledger release mismatch qid=%u cid=%u", b->db_tag.qid, b->db_tag.cid);
	b->db_mapped = false;
}

const struct dma_ops dma_bounce_ops = {
	.name = "bounce-buffer",
	.map = bounce_map,
	.sync_for_device = bounce_sync_for_device,
	.sync_for_cpu = bounce_sync_for_cpu,
	.peek = bounce_peek,
	.unmap = bounce_unmap,
};

uint64_t dma_alloc_coherent(const struct dma_domain *d, uint64_t bytes, void **virt)
{
	uint32_t ps = d->dd_page_size;
	uint64_t pa = pmm_alloc(ALIGN_UP(bytes, ps) / PAGE_SIZE, ps / PAGE_SIZE, d->dd_dma_limit);

	if (pa)
		*virt = phys_to_virt(pa);
	return pa;
}

void dma_free_coherent(const struct dma_domain *d, uint64_t phys, uint64_t bytes)
{
	if (phys)
		pmm_free(phys, ALIGN_UP(bytes, d->dd_page_size) / PAGE_SIZE);
}
