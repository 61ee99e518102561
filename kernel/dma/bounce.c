/*
 * kernel/dma/bounce.c - the bounce backend (no IOMMU): the device sees only
 * pages the manager chose for the command, each held until unmap().
 *
 * In place (dma.bounce=when-needed, the default): a buffer in a DMAPool or
 * Region the device can reach as it is (lib/dma_inplace.h) is given to the
 * device in its own physical pages.  The pool is physically contiguous and
 * the mapping holds a reference to it (dma_map), so none of its pages is
 * freed or reused while the device may touch them, whoever else lets go;
 * unmap() leaves their contents alone (they are the owner's data).  The
 * protection against a hostile provider is that only the manager writes
 * device addresses and each is a page of the command's own mapping, not
 * the copy: without an IOMMU a copy isolates nothing more.
 *
 * Staged (dma.bounce=always, or a buffer the device cannot take in place,
 * or one the manager inspects): map() grants ledger pages tagged with the
 * command (all or nothing); sync copies between the pool and those pages;
 * unmap() zeroes them and gives them back, so nothing one command left
 * behind is seen by the next.  Ordinary Nitro instances have no IOMMU, so
 * this is the normal AWS path (DESIGN.md §6).  Pages follow the device's
 * page size (CC.MPS).
 */
#include "kernel/dma/dma.h"

#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/dma/dma_copy.h"
#include "lib/bits.h"
#include "lib/dma_inplace.h"
#include "lib/string.h"

/* One contiguous run of staging pages behind a ledger. */
struct bounce {
	struct dma_ledger b_ledger;
	uint64_t b_phys;
	uint8_t *b_virt;
	uint64_t b_bytes;
	struct dma_ledger_entry *b_entries;
	uint32_t *b_free;
	uint32_t b_in_place_live;	/* pool pages mapped in place, not yet unmapped */
};

static struct bounce *bounce_of(const struct dma_domain *d) { return d->dd_priv; }

static uint8_t *page_virt(const struct bounce *b, uint32_t idx)
{
	return b->b_virt + (uint64_t)idx * b->b_ledger.l_page_size;
}

/* First device page of an in-place mapping. */
static uint64_t in_place_base(const struct dma_domain *d, const struct dma_map *m)
{
	return ALIGN_DOWN(m->dm_pool->dp_phys + m->dm_handle, (uint64_t)d->dd_limits.dl_page_size);
}

/* The pool's own pages, if the device can reach them as they are (lib/dma_inplace.h). */
static bool map_in_place(struct dma_domain *d, struct dma_map *m)
{
	uint32_t ps = d->dd_limits.dl_page_size;
	const struct dma_pool *p = m->dm_pool;

	if (!d->dd_in_place || m->dm_scratch || m->dm_stage ||
	    dma_inplace_check(p->dp_phys, p->dp_bytes, m->dm_handle, m->dm_len, ps, d->dd_limits.dl_max_addr) !=
		    DMA_INPLACE_OK)
		return false;
	uint64_t start = p->dp_phys + m->dm_handle;
	m->dm_offset = (uint32_t)(start & (ps - 1));
	m->dm_npages = (uint32_t)((ALIGN_UP(start + m->dm_len, (uint64_t)ps) - ALIGN_DOWN(start, (uint64_t)ps)) / ps);
	m->dm_cookie = DMA_LEDGER_NONE;
	m->dm_in_place = true;
	bounce_of(d)->b_in_place_live += m->dm_npages;
	return true;
}

static int bounce_map(struct dma_domain *d, struct dma_map *m)
{
	struct bounce *b = bounce_of(d);
	uint32_t ps = d->dd_limits.dl_page_size;
	uint32_t npages = (uint32_t)DIV_ROUND_UP((uint64_t)m->dm_len, ps);

	m->dm_in_place = false;
	if (m->dm_len == 0)
		return CR_EINVAL;
	if (!m->dm_scratch && !dma_pool_ptr(m->dm_pool, m->dm_handle, m->dm_len))
		return CR_ERANGE;
	if (map_in_place(d, m)) {
		m->dm_mapped = true;
		d->dd_maps++;
		return 0;
	}
	if (npages > b->b_ledger.l_npages)
		return CR_EINVAL;
	if (npages > b->b_ledger.l_nfree)
		return CR_EAGAIN;
	m->dm_cookie = dma_ledger_grant(&b->b_ledger, npages, m->dm_tag);
	m->dm_npages = npages;
	m->dm_offset = 0;	/* staging pages hold the buffer from their first byte */
	m->dm_mapped = true;
	d->dd_maps++;
	return 0;
}

static bool bounce_next_page(struct dma_domain *d, struct dma_cursor *c, struct dma_page *out)
{
	const struct bounce *b = bounce_of(d);
	const struct dma_map *m = c->dc_map;

	if (m->dm_in_place) {
		if (c->dc_index >= m->dm_npages)
			return false;
		out->dp_addr = in_place_base(d, m) + (uint64_t)c->dc_index * d->dd_limits.dl_page_size;
		out->dp_virt = m->dm_pool->dp_virt + (out->dp_addr - m->dm_pool->dp_phys);
		c->dc_index++;
		return true;
	}
	uint32_t idx = c->dc_index == 0 ? c->dc_map->dm_cookie : c->dc_state;

	if (c->dc_index >= c->dc_map->dm_npages || idx == DMA_LEDGER_NONE)
		return false;
	out->dp_addr = dma_ledger_addr(&b->b_ledger, idx);
	out->dp_virt = page_virt(b, idx);
	c->dc_state = b->b_ledger.l_entries[idx].e_next;
	c->dc_index++;
	return true;
}

static bool bounce_owns(struct dma_domain *d, const struct dma_map *m, uint64_t addr, uint64_t len)
{
	if (m->dm_in_place) {
		/* One page (or part of one) of the pages this mapping holds, and nothing else. */
		uint64_t ps = d->dd_limits.dl_page_size, base = in_place_base(d, m);
		if (!len || addr < base || (addr - base) / ps >= m->dm_npages)
			return false;
		return (addr - base) / ps == (addr - base + len - 1) / ps;
	}
	return dma_ledger_covers_grant(&bounce_of(d)->b_ledger, addr, len, m->dm_cookie, m->dm_tag);
}

/* Copy between the pool and the staging chain; to_device selects the direction. */
static void copy_chain(struct dma_domain *d, const struct dma_map *m, bool to_device)
{
	const struct bounce *b = bounce_of(d);
	uint32_t ps = d->dd_limits.dl_page_size;
	uint8_t *pool = dma_pool_ptr(m->dm_pool, m->dm_handle, m->dm_len);
	uint32_t done = 0;

	/* map() checked the range and the pool cannot shrink while attached. */
	for (uint32_t i = m->dm_cookie; i != DMA_LEDGER_NONE && done < m->dm_len; i = b->b_ledger.l_entries[i].e_next) {
		uint32_t n = MIN(ps, m->dm_len - done);
		if (to_device)
			dma_copy(page_virt(b, i), pool + done, n);
		else
			dma_copy(pool + done, page_virt(b, i), n);
		done += n;
	}
}

static void bounce_sync_for_device(struct dma_domain *d, struct dma_map *m)
{
	if (m->dm_in_place) {
		/* Nothing to copy; x86 DMA is cache coherent.  Counted as the staged bytes are. */
		if (m->dm_dir == DMA_DIR_TO_DEVICE)
			d->dd_in_place_bytes += m->dm_len;
		return;
	}
	if (m->dm_dir == DMA_DIR_TO_DEVICE && !m->dm_scratch) {
		copy_chain(d, m, true);
		d->dd_bytes_out += m->dm_len;
	}
}

static void bounce_sync_for_cpu(struct dma_domain *d, struct dma_map *m)
{
	if (m->dm_in_place) {
		if (m->dm_dir == DMA_DIR_FROM_DEVICE)
			d->dd_in_place_bytes += m->dm_len;
		return;
	}
	if (m->dm_dir == DMA_DIR_FROM_DEVICE && !m->dm_scratch) {
		copy_chain(d, m, false);
		d->dd_bytes_in += m->dm_len;
	}
}

static void bounce_read(struct dma_domain *d, const struct dma_map *m, uint32_t off, void *dst, uint32_t len)
{
	const struct bounce *b = bounce_of(d);
	uint32_t ps = d->dd_limits.dl_page_size;
	uint8_t *out = dst;

	if (m->dm_in_place) {
		memcpy(out, m->dm_pool->dp_virt + m->dm_handle + off, len);
		return;
	}
	for (uint32_t i = m->dm_cookie, pos = 0; i != DMA_LEDGER_NONE && len;
	     i = b->b_ledger.l_entries[i].e_next, pos += ps) {
		if (off >= pos + ps)
			continue;
		uint32_t in = off - pos, n = MIN(ps - in, len);
		memcpy(out, page_virt(b, i) + in, n);
		out += n;
		off += n;
		len -= n;
	}
}

static void bounce_unmap(struct dma_domain *d, struct dma_map *m)
{
	struct bounce *b = bounce_of(d);
	uint32_t ps = d->dd_limits.dl_page_size;

	if (m->dm_in_place) {
		/* The owner's own pages: left as the device left them; the caller drops the pool's hold. */
		b->b_in_place_live -= m->dm_npages;
		m->dm_mapped = false;
		return;
	}
	/* Whatever the device or the last owner left there is nobody else's business. */
	for (uint32_t i = m->dm_cookie; i != DMA_LEDGER_NONE; i = b->b_ledger.l_entries[i].e_next)
		dma_zero(page_virt(b, i), ps);
	if (dma_ledger_release(&b->b_ledger, m->dm_cookie, m->dm_tag) < 0)
		panic("dma: ledger release mismatch owner=%u qid=%u cid=%u", m->dm_tag.owner, m->dm_tag.qid,
		      m->dm_tag.cid);
	m->dm_mapped = false;
}

static int bounce_attach_pool(struct dma_domain *d, struct dma_pool *pool)
{
	(void)d;
	(void)pool;
	return 0;	/* the device never sees the pool itself */
}

static void bounce_detach_pool(struct dma_domain *d)
{
	(void)d;
}

static int bounce_map_space(struct dma_domain *d, uint32_t space, struct dma_pool *pool)
{
	(void)d;
	(void)space;
	(void)pool;
	return 0;	/* without an IOMMU there is nothing to set up: each command maps its own pages */
}

static void bounce_unmap_space(struct dma_domain *d, uint32_t space)
{
	(void)d;
	(void)space;
}

static uint64_t bounce_alloc_coherent(struct dma_domain *d, uint64_t bytes, void **virt)
{
	uint32_t ps = d->dd_limits.dl_page_size;
	uint64_t pa = pmm_alloc(ALIGN_UP(bytes, ps) / PAGE_SIZE, ps / PAGE_SIZE, d->dd_limits.dl_max_addr);

	if (pa)
		*virt = phys_to_virt(pa);
	return pa;
}

static void bounce_free_coherent(struct dma_domain *d, uint64_t addr, void *virt, uint64_t bytes)
{
	(void)virt;
	pmm_free(addr, ALIGN_UP(bytes, d->dd_limits.dl_page_size) / PAGE_SIZE);
}

static bool bounce_manager_address(const struct dma_domain *d, uint64_t addr)
{
	const struct bounce *b = bounce_of(d);

	return addr >= b->b_phys && addr - b->b_phys < b->b_bytes;
}

/* Staging pages granted and pool pages held in place: all the device may still touch. */
static uint32_t bounce_live_pages(const struct dma_domain *d)
{
	return dma_ledger_live(&bounce_of(d)->b_ledger) + bounce_of(d)->b_in_place_live;
}

static int bounce_destroy(struct dma_domain *d)
{
	struct bounce *b = bounce_of(d);

	if (!b)
		return 0;
	if (dma_ledger_live(&b->b_ledger) || b->b_in_place_live) {
		kerror("dma: error staging pool still has %u live ledger pages and %u in-place pages; kept",
		       dma_ledger_live(&b->b_ledger), b->b_in_place_live);
		return CR_EBUSY;
	}
	kfree(b->b_entries);
	kfree(b->b_free);
	pmm_free(b->b_phys, b->b_bytes / PAGE_SIZE);
	kfree(b);
	d->dd_priv = NULL;
	d->dd_ops = NULL;
	return 0;
}

static const struct dma_ops bounce_ops = {
	.name = "bounce-buffer",
	.map = bounce_map,
	.next_page = bounce_next_page,
	.owns = bounce_owns,
	.sync_for_device = bounce_sync_for_device,
	.sync_for_cpu = bounce_sync_for_cpu,
	.read = bounce_read,
	.unmap = bounce_unmap,
	.attach_pool = bounce_attach_pool,
	.detach_pool = bounce_detach_pool,
	.map_space = bounce_map_space,
	.unmap_space = bounce_unmap_space,
	.alloc_coherent = bounce_alloc_coherent,
	.free_coherent = bounce_free_coherent,
	.manager_address = bounce_manager_address,
	.live_pages = bounce_live_pages,
	.destroy = bounce_destroy,
};

/* Staging pages: the wanted amount if it fits, halving down to the least the domain may run with. */
static int bounce_domain_init(struct dma_domain *d, const struct dma_domain_req *req)
{
	uint32_t ps = req->dr_limits.dl_page_size;
	uint64_t min = ALIGN_UP(MAX(req->dr_staging_min, (uint64_t)ps), ps);
	uint64_t bytes = MAX(ALIGN_UP(req->dr_staging_want, ps), min);
	struct bounce *b = kmalloc(sizeof(*b));

	if (!b)
		return CR_ENOMEM;
	for (;;) {
		b->b_phys = pmm_alloc(bytes / PAGE_SIZE, ps / PAGE_SIZE, req->dr_limits.dl_max_addr);
		if (b->b_phys || bytes <= min)
			break;
		bytes = MAX(ALIGN_DOWN(bytes / 2, ps), min);
	}
	if (!b->b_phys)
		goto fail_struct;
	uint32_t npages = (uint32_t)(bytes / ps);
	b->b_entries = kmalloc(npages * sizeof(*b->b_entries));
	b->b_free = kmalloc(npages * sizeof(*b->b_free));
	if (!b->b_entries || !b->b_free)
		goto fail_pages;
	b->b_virt = phys_to_virt(b->b_phys);
	b->b_bytes = bytes;
	dma_ledger_init(&b->b_ledger, b->b_entries, b->b_free, npages, b->b_phys, ps);
	b->b_in_place_live = 0;
	*d = (struct dma_domain){ .dd_ops = &bounce_ops, .dd_limits = req->dr_limits, .dd_priv = b,
				  .dd_staging_bytes = bytes, .dd_in_place = req->dr_in_place };
	return 0;

fail_pages:
	kfree(b->b_entries);
	kfree(b->b_free);
	pmm_free(b->b_phys, bytes / PAGE_SIZE);
fail_struct:
	kfree(b);
	return CR_ENOMEM;
}

const struct dma_backend dma_bounce_backend = {
	.name = "bounce-buffer",
	.domain_init = bounce_domain_init,
};
