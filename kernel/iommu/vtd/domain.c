/*
 * kernel/iommu/vtd/domain.c - the direct-remapping DMA backend: one VT-d
 * domain per device (kernel/dma/dma.h).
 *
 * A domain is a domain id, second-level page tables and the device's
 * context entry (VT-d 3.3 §3.4.2, §9.3).  Its IOVA window (lib/vtd_cap.c)
 * lies above all RAM: the provider's pool is mapped whole at the window's
 * base when attached (the provider then writes IOVAs itself: no per-command
 * mapping, no copies), manager pages (queue rings, identify pages, the
 * verifier's probe) are mapped above it, each followed by an unmapped page,
 * and one guard page below them is never mapped at all.  Everything a
 * domain maps is unmapped, and the IOTLB invalidated, before the memory
 * behind it is freed; the context entry is cleared and invalidated before
 * the tables are.
 *
 * domain_init is where the first two verification steps run and are
 * printed ("unit": the unit covering the device is found, up, and the
 * window fits; "translation": the context entry is in place and GSTS.TES
 * reads 1).  The DMA steps follow in verify.c, driven by the device's
 * driver.  Per-command mapping (map/next_page/owns/...) is not offered:
 * on this lane the provider's commands never pass through the broker.
 */
#include "kernel/iommu/vtd/vtd.h"

#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"
#include "lib/string.h"

static struct vtd_domain *dom(const struct dma_domain *d) { return d->dd_priv; }

static const struct vtd_pt_env *env_of(const struct vtd_domain *vd) { return vtd_pt_env(vd->vd_unit); }

static int map_range_perm(struct vtd_domain *vd, uint64_t iova, uint64_t pa, uint64_t len, uint32_t perm)
{
	int err = vtd_pt_map(&vd->vd_pt, env_of(vd), iova, pa, len, perm);

	if (err)
		return err;
	vd->vd_maps += len / VTD_PAGE_SIZE;
	return vtd_invalidate(vd->vd_unit, VTD_EV_MAP, vd->vd_did, vd->vd_sid, iova, len);
}

static int map_range(struct vtd_domain *vd, uint64_t iova, uint64_t pa, uint64_t len)
{
	return map_range_perm(vd, iova, pa, len, VTD_PERM_R | VTD_PERM_W);
}

/* Unmap and wait for the IOTLB to forget: only then may the memory go. */
static int unmap_range(struct vtd_domain *vd, uint64_t iova, uint64_t len)
{
	vd->vd_unmaps += vtd_pt_unmap(&vd->vd_pt, env_of(vd), iova, len);
	int err = vtd_invalidate(vd->vd_unit, VTD_EV_UNMAP, vd->vd_did, vd->vd_sid, iova, len);
	if (err)
		kerror("iommu: error invalidation after unmap failed bdf=%s iova=0x%lx bytes=%lu err=%s", vd->vd_bdf,
		       iova, len, cr_err_name(err));
	return err;
}

/*
 * Mappings of the attached pool (the brokered admin queue's data on this
 * lane): the pool is mapped whole and contiguous in IOVA space, so a buffer
 * is just its place there; nothing is copied and nothing changes on unmap.
 * Manager scratch pages (PRP lists) are not offered: admin data that would
 * need a list is refused by the broker.
 */
static int vtd_map(struct dma_domain *d, struct dma_map *m)
{
	struct vtd_domain *vd = dom(d);
	uint32_t ps = d->dd_limits.dl_page_size;
	uint64_t end;

	if (!m->dm_pool || m->dm_pool != d->dd_pool || !vd->vd_pool_bytes || !m->dm_len ||
	    __builtin_add_overflow(m->dm_handle, (uint64_t)m->dm_len, &end) || end > vd->vd_pool_bytes)
		return CR_ENOSYS;
	uint64_t iova = vd->vd_pool_iova + m->dm_handle;
	m->dm_offset = (uint32_t)(iova % ps);
	m->dm_npages = (uint32_t)DIV_ROUND_UP(m->dm_offset + (uint64_t)m->dm_len, ps);
	m->dm_cookie = 0;
	m->dm_mapped = true;
	d->dd_maps++;
	return 0;
}

static uint64_t map_first_page(const struct dma_domain *d, const struct dma_map *m)
{
	return ALIGN_DOWN(dom(d)->vd_pool_iova + m->dm_handle, (uint64_t)d->dd_limits.dl_page_size);
}

static bool vtd_next_page(struct dma_domain *d, struct dma_cursor *c, struct dma_page *out)
{
	uint32_t ps = d->dd_limits.dl_page_size;

	if (c->dc_index >= c->dc_map->dm_npages)
		return false;
	out->dp_addr = map_first_page(d, c->dc_map) + (uint64_t)c->dc_index * ps;
	out->dp_virt = NULL;	/* the provider's page: the manager writes nothing there */
	c->dc_index++;
	return true;
}

static bool vtd_owns(struct dma_domain *d, const struct dma_map *m, uint64_t addr, uint64_t len)
{
	uint64_t lo = map_first_page(d, m), hi = lo + (uint64_t)m->dm_npages * d->dd_limits.dl_page_size, end;

	return !__builtin_add_overflow(addr, len, &end) && addr >= lo && end <= hi;
}

static void vtd_sync(struct dma_domain *d, struct dma_map *m)
{
	/* The device reaches the pool itself; x86 DMA snoops the CPU's caches. */
	(void)d;
	(void)m;
}

static void vtd_read(struct dma_domain *d, const struct dma_map *m, uint32_t off, void *dst, uint32_t len)
{
	(void)d;
	(void)m;
	(void)off;
	memset(dst, 0, len);
}

static void vtd_unmap(struct dma_domain *d, struct dma_map *m)
{
	(void)d;
	m->dm_mapped = false;
}

/* ---------------------------------------------------------------- the pool */

static int vtd_attach_pool(struct dma_domain *d, struct dma_pool *pool)
{
	struct vtd_domain *vd = dom(d);
	int err;

	if (vd->vd_pool_bytes)
		return CR_EBUSY;
	/* The provider was told this address when it mapped the pool: it must be where the pool goes. */
	if (pool->dp_iova_base != vd->vd_win.pool_base || !pool->dp_bytes ||
	    pool->dp_bytes > DMA_DIRECT_SPACE_STRIDE - VTD_PAGE_SIZE)
		return CR_ERANGE;
	if ((err = map_range(vd, vd->vd_win.pool_base, pool->dp_phys, pool->dp_bytes)) < 0) {
		unmap_range(vd, vd->vd_win.pool_base, pool->dp_bytes);
		return err;
	}
	vd->vd_pool_iova = vd->vd_win.pool_base;
	vd->vd_pool_bytes = pool->dp_bytes;
	/* Mapped besides the pool and the clients' regions (which may be mapped first): the manager's. */
	uint64_t region_pages = 0;
	for (unsigned s = 1; s < DMA_DIRECT_SPACES; s++)
		region_pages += vd->vd_space_bytes[s] / VTD_PAGE_SIZE;
	kprintf("iommu: pool mapped bdf=%s did=%u iova=0x%lx-0x%lx bytes=%lu pages=%lu manager_pages=%lu",
		vd->vd_bdf, vd->vd_did, vd->vd_pool_iova, vd->vd_pool_iova + vd->vd_pool_bytes, vd->vd_pool_bytes,
		vd->vd_pool_bytes / VTD_PAGE_SIZE, vd->vd_pt.mapped - vd->vd_pool_bytes / VTD_PAGE_SIZE - region_pages);
	return 0;
}

static void vtd_detach_pool(struct dma_domain *d)
{
	struct vtd_domain *vd = dom(d);

	if (!vd->vd_pool_bytes)
		return;
	/* The caller stopped the device (CSTS.RDY = 0) first; now make sure the unit forgets too. */
	if (unmap_range(vd, vd->vd_pool_iova, vd->vd_pool_bytes) == 0)
		kprintf("iommu: pool unmapped bdf=%s did=%u pages=%lu mapped_now=%lu invalidated=iotlb", vd->vd_bdf,
			vd->vd_did, vd->vd_pool_bytes / VTD_PAGE_SIZE, vd->vd_pt.mapped);
	vd->vd_pool_bytes = 0;
}

/* A block session's region, at its space's place in the data region (include/abi/device.h). */
static int vtd_map_space(struct dma_domain *d, uint32_t space, struct dma_pool *pool)
{
	struct vtd_domain *vd = dom(d);
	uint64_t iova = vd->vd_win.pool_base + (uint64_t)space * DMA_DIRECT_SPACE_STRIDE;
	int err;

	if (space == 0 || space >= DMA_DIRECT_SPACES || vd->vd_space_bytes[space])
		return CR_EINVAL;
	if (!pool->dp_bytes || pool->dp_bytes > DMA_DIRECT_SPACE_STRIDE - VTD_PAGE_SIZE)
		return CR_ERANGE;	/* a larger region would run into the next space */
	if ((err = map_range(vd, iova, pool->dp_phys, pool->dp_bytes)) < 0) {
		unmap_range(vd, iova, pool->dp_bytes);
		return err;
	}
	vd->vd_space_bytes[space] = pool->dp_bytes;
	kprintf("iommu: space mapped bdf=%s did=%u space=%u iova=0x%lx-0x%lx bytes=%lu", vd->vd_bdf, vd->vd_did, space,
		iova, iova + pool->dp_bytes, pool->dp_bytes);
	return 0;
}

static void vtd_unmap_space(struct dma_domain *d, uint32_t space)
{
	struct vtd_domain *vd = dom(d);

	if (space == 0 || space >= DMA_DIRECT_SPACES || !vd->vd_space_bytes[space])
		return;
	uint64_t iova = vd->vd_win.pool_base + (uint64_t)space * DMA_DIRECT_SPACE_STRIDE;
	/* The provider may still have commands naming it: from here on they fault instead. */
	if (unmap_range(vd, iova, vd->vd_space_bytes[space]) == 0)
		kprintf("iommu: space unmapped bdf=%s did=%u space=%u pages=%lu invalidated=iotlb", vd->vd_bdf,
			vd->vd_did, space, vd->vd_space_bytes[space] / VTD_PAGE_SIZE);
	vd->vd_space_bytes[space] = 0;
}

/* ---------------------------------------------------------------- manager pages */

/* The slot of the mapping at iova, or (iova 0) a free one. */
static struct vtd_coherent *coherent_slot(struct vtd_domain *vd, uint64_t iova)
{
	for (unsigned i = 0; i < VTD_MAX_COHERENT; i++) {
		struct vtd_coherent *c = &vd->vd_coherent[i];
		if (iova ? c->c_bytes && c->c_iova == iova : !c->c_bytes)
			return c;
	}
	return NULL;
}

static uint64_t alloc_manager(struct dma_domain *d, uint64_t bytes, void **virt, uint32_t perm)
{
	struct vtd_domain *vd = dom(d);
	uint32_t ps = d->dd_limits.dl_page_size;
	uint64_t n = ALIGN_UP(bytes, (uint64_t)ps);
	uint64_t iova = ALIGN_UP(vd->vd_mgr_next, (uint64_t)ps);
	struct vtd_coherent *slot = coherent_slot(vd, 0);

	if (!n || !slot || iova + n + VTD_PAGE_SIZE > vd->vd_win.mgr_top)
		return 0;
	/* Physical memory anywhere: the device sees the IOVA, which is within its limit by construction. */
	uint64_t pa = pmm_alloc(n / PAGE_SIZE, ps / PAGE_SIZE, PMM_NO_LIMIT);
	if (!pa)
		return 0;
	if (map_range_perm(vd, iova, pa, n, perm) < 0) {
		unmap_range(vd, iova, n);
		pmm_free(pa, n / PAGE_SIZE);
		return 0;
	}
	/* An unmapped page after every allocation: an overrun faults instead of reaching the next. */
	vd->vd_mgr_next = iova + n + VTD_PAGE_SIZE;
	*slot = (struct vtd_coherent){ iova, pa, n };
	*virt = phys_to_virt(pa);
	return iova;
}

static uint64_t vtd_alloc_coherent(struct dma_domain *d, uint64_t bytes, void **virt)
{
	return alloc_manager(d, bytes, virt, VTD_PERM_R | VTD_PERM_W);
}

/* A submission ring: the device fetches from it; no DMA, whoever aims it, can write commands into it. */
static uint64_t vtd_alloc_coherent_device_reads(struct dma_domain *d, uint64_t bytes, void **virt)
{
	return alloc_manager(d, bytes, virt, VTD_PERM_R);
}

static void vtd_free_coherent(struct dma_domain *d, uint64_t addr, void *virt, uint64_t bytes)
{
	struct vtd_domain *vd = dom(d);
	struct vtd_coherent *c = coherent_slot(vd, addr);

	(void)virt;
	(void)bytes;
	if (!c) {
		kerror("iommu: error free of unknown manager mapping bdf=%s iova=0x%lx", vd->vd_bdf, addr);
		return;
	}
	if (unmap_range(vd, c->c_iova, c->c_bytes) == 0)
		pmm_free(c->c_phys, c->c_bytes / PAGE_SIZE);
	/* else: the unit may still translate to it; leak rather than hand it out again */
	*c = (struct vtd_coherent){ 0 };
}

static bool vtd_manager_address(const struct dma_domain *d, uint64_t addr)
{
	const struct vtd_domain *vd = dom(d);

	for (unsigned i = 0; i < VTD_MAX_COHERENT; i++) {
		const struct vtd_coherent *c = &vd->vd_coherent[i];
		if (c->c_bytes && addr >= c->c_phys && addr - c->c_phys < c->c_bytes)
			return true;
	}
	return vtd_pt_owns_table(&vd->vd_pt, env_of(vd), addr);
}

static uint32_t vtd_live_pages(const struct dma_domain *d)
{
	return (uint32_t)dom(d)->vd_pt.mapped;
}

/* ---------------------------------------------------------------- teardown */

static int vtd_destroy(struct dma_domain *d)
{
	struct vtd_domain *vd = dom(d);

	if (!vd)
		return 0;
	if (vd->vd_pool_bytes || vd->vd_pt.mapped) {
		kerror("iommu: error domain still maps pages bdf=%s did=%u mapped=%lu pool_bytes=%lu; kept", vd->vd_bdf,
		       vd->vd_did, vd->vd_pt.mapped, vd->vd_pool_bytes);
		return CR_EBUSY;
	}
	struct vtd_unit *u = vd->vd_unit;
	int err = vd->vd_context_set ? vtd_context_clear(u, vd->vd_sid, vd->vd_did) : 0;
	if (err) {
		kerror("iommu: error context entry not invalidated bdf=%s did=%u; its tables are kept", vd->vd_bdf,
		       vd->vd_did);
		return err;
	}
	if (vd->vd_context_set)
		u->u_domains--;
	uint32_t tables = vd->vd_pt.tables;
	vtd_pt_destroy(&vd->vd_pt, env_of(vd));
	vtd_did_free(u, vd->vd_did);
	uint64_t held = ratelimit_take_suppressed(&u->u_fault_lines);
	if (held)
		kprintf("iommu: faults suppressed unit=%u count=%lu", u->u_index, held);
	kprintf("iommu: domain destroyed bdf=%s unit=%u did=%u mapped_pages=0 maps=%lu unmaps=%lu tables_freed=%u faults_on_unit=%lu context=cleared invalidated=context-device,iotlb-domain",
		vd->vd_bdf, u->u_index, vd->vd_did, vd->vd_maps, vd->vd_unmaps, tables, u->u_faults);
	kfree(vd);
	d->dd_priv = NULL;
	d->dd_ops = NULL;
	/* An unverified domain going away (a failed verification): translation may go off again. */
	vtd_disable_translation_if_idle(u);
	return 0;
}

static const struct dma_ops vtd_ops = {
	.name = "direct-remapping",
	.map = vtd_map,
	.next_page = vtd_next_page,
	.owns = vtd_owns,
	.sync_for_device = vtd_sync,
	.sync_for_cpu = vtd_sync,
	.read = vtd_read,
	.unmap = vtd_unmap,
	.attach_pool = vtd_attach_pool,
	.detach_pool = vtd_detach_pool,
	.map_space = vtd_map_space,
	.unmap_space = vtd_unmap_space,
	.alloc_coherent = vtd_alloc_coherent,
	.alloc_coherent_device_reads = vtd_alloc_coherent_device_reads,
	.free_coherent = vtd_free_coherent,
	.manager_address = vtd_manager_address,
	.live_pages = vtd_live_pages,
	.destroy = vtd_destroy,
};

/* ---------------------------------------------------------------- creation: the unit and translation steps */

static int fail(const struct dma_domain_req *req, const char *bdf, const char *step, const char *why)
{
	kprintf("iommu: verify step=%s result=fail bdf=%s reason=%s", step, bdf, why);
	if (req->dr_fail_step)
		*req->dr_fail_step = step;
	if (req->dr_fail_why)
		*req->dr_fail_why = why;
	return CR_ENODEV;
}

/* The unit step: a usable unit translates the device, and a domain for it fits. */
static int unit_step(struct vtd_domain *vd, const struct pci_dev *dev, const struct dma_domain_req *req)
{
	bool explicit_scope = false;
	unsigned nrmrr = 0;
	const char *why = NULL;
	struct vtd_unit *u = vtd_unit_for(dev, &explicit_scope);

	if (!u)
		return fail(req, vd->vd_bdf, "unit", "no-unit-covers-device");
	if (u->u_unusable || u->u_no_dma)
		return fail(req, vd->vd_bdf, "unit", u->u_unusable ? u->u_unusable : u->u_no_dma);
	vd->vd_unit = u;
	/*
	 * Behind a conventional PCI (or PCIe-to-PCI) bridge the unit sees the
	 * bridge's requester id, shared by everything behind it: a domain of
	 * this device's own is not possible there.
	 */
	bool aliased = false;
	vtd_requester_id(dev, &aliased);
	if (aliased)
		return fail(req, vd->vd_bdf, "unit", "behind-conventional-pci-bridge");
	/*
	 * Firmware DMAs to its RMRRs on this device's behalf.  Mapping them
	 * into the domain would let the provider aim its device at firmware
	 * memory: the direct lane is refused for such a device instead.
	 */
	const struct acpi_dmar_rmrr_info *rm = vtd_rmrr_of(dev, &nrmrr);
	if (rm) {
		kprintf("iommu: rmrr names device bdf=%s rmrrs=%u first=0x%lx-0x%lx", vd->vd_bdf, nrmrr, rm->base,
			rm->limit);
		return fail(req, vd->vd_bdf, "unit", "device-has-rmrr");
	}
	if (vtd_plan_window(&u->u_caps, vtd_dmar->host_address_width + 1u, pmm_ram_end(), req->dr_limits.dl_max_addr,
			    &vd->vd_win, &why) < 0)
		return fail(req, vd->vd_bdf, "unit", why);
	if (req->dr_limits.dl_page_size > DMA_DIRECT_SPACE_STRIDE / 2 || vtd_did_alloc(u, &vd->vd_did) < 0)
		return fail(req, vd->vd_bdf, "unit", "no-free-domain-id");
	if (vtd_pt_init(&vd->vd_pt, env_of(vd), vd->vd_win.levels) < 0) {
		vtd_did_free(u, vd->vd_did);
		return fail(req, vd->vd_bdf, "unit", "no-memory-for-page-tables");
	}
	vd->vd_mgr_next = vd->vd_win.mgr_base;
	kprintf("iommu: verify step=unit result=ok bdf=%s unit=%u scope=%s did=%u levels=%u agaw=%u window=0x%lx-0x%lx pool_iova=0x%lx guard_iova=0x%lx ram_end=0x%lx dma_limit=0x%lx rmrr=none",
		vd->vd_bdf, u->u_index, explicit_scope ? "explicit" : "include-pci-all", vd->vd_did, vd->vd_win.levels,
		vd->vd_win.agaw, vd->vd_win.base, vd->vd_win.top, vd->vd_win.pool_base, vd->vd_win.guard, pmm_ram_end(),
		req->dr_limits.dl_max_addr);
	return 0;
}

/* The translation step: the device's context entry names the domain, and the unit translates. */
static int translation_step(struct vtd_domain *vd, const struct dma_domain_req *req)
{
	struct vtd_unit *u = vd->vd_unit;

	/* A pass-through or RMRR context it had (another lane before) gives way to the domain. */
	vtd_rmrr_release_device(u, vd->vd_sid);
	vtd_bypass_release(u, vd->vd_sid);
	if (vtd_context_set(u, vd->vd_sid, vd->vd_did, VTD_CTX_TT_MULTILEVEL, vd->vd_pt.root_phys, vd->vd_win.ctx_aw) < 0)
		return fail(req, vd->vd_bdf, "translation", "context-entry-not-accepted");
	vd->vd_context_set = true;
	u->u_domains++;
	if (vtd_enable_translation(u) < 0)
		return fail(req, vd->vd_bdf, "translation", "translation-enable-not-acknowledged");
	uint32_t gsts = vtd_read32(u, VTD_GSTS);
	if (!(gsts & VTD_GCMD_TE) || !vtd_context_present(u, vd->vd_sid))
		return fail(req, vd->vd_bdf, "translation", "translation-not-in-effect");
	kprintf("iommu: verify step=translation result=ok bdf=%s unit=%u gsts=0x%08x context=present did=%u type=multi-level aw=%u invalidation=%s",
		vd->vd_bdf, u->u_index, gsts, vd->vd_did, vd->vd_win.ctx_aw,
		u->u_inval == VTD_INVAL_QUEUED ? "queued" : "register");
	return 0;
}

static int vtd_domain_init(struct dma_domain *d, const struct dma_domain_req *req)
{
	const struct pci_dev *dev = req->dr_device;
	struct vtd_domain *vd = kmalloc(sizeof(*vd));
	int err;

	if (!vd)
		return CR_ENOMEM;
	memset(vd, 0, sizeof(*vd));
	pci_bdf(dev, vd->vd_bdf);
	vd->vd_sid = vtd_sid(dev->pd_bus, dev->pd_dev, dev->pd_fn);
	if ((err = unit_step(vd, dev, req)) < 0) {
		if (vd->vd_unit && vd->vd_did)
			vtd_did_free(vd->vd_unit, vd->vd_did);
		kfree(vd);
		return err;
	}
	*d = (struct dma_domain){ .dd_ops = &vtd_ops, .dd_limits = req->dr_limits, .dd_priv = vd,
				  .dd_pool_iova = vd->vd_win.pool_base };
	if ((err = translation_step(vd, req)) < 0) {
		vtd_destroy(d);
		return err;
	}
	return 0;
}

const struct dma_backend dma_vtd_backend = {
	.name = "direct-remapping",
	.domain_init = vtd_domain_init,
};

bool vtd_covers(const struct pci_dev *d)
{
	bool explicit_scope;
	struct vtd_unit *u = vtd_unit_for(d, &explicit_scope);

	return u && !u->u_unusable && !u->u_no_dma;
}
