/*
 * kernel/iommu/vtd/context.c - root and context entries (VT-d 3.3 §9.1,
 * §9.3, legacy mode).
 *
 * A bus gets a context table the first time one of its functions gets a
 * context entry; tables are never freed while the unit runs (a root entry
 * pointing at an empty table blocks exactly as a missing one does).
 * Entries are 128 bits written as two halves: making one present writes
 * the high half (domain id, address width) first and the low half with
 * the present bit last; clearing drops the present bit first.  Every write
 * is flushed for a unit that does not snoop, and then the caches the
 * change concerns are invalidated (lib/vtd_inval.c decides which).
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/barrier.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"

static struct vtd_context_entry *context_table(struct vtd_unit *u, uint8_t bus, bool create)
{
	if (u->u_ctx[bus] || !create)
		return u->u_ctx[bus];
	uint64_t pa = pmm_alloc_page();
	if (!pa)
		return NULL;
	struct vtd_context_entry *t = phys_to_virt(pa);
	vtd_flush_cpu(u, t, PAGE_SIZE);
	struct vtd_root_entry *re = &u->u_root[bus];
	re->hi = 0;
	re->lo = (pa & VTD_CTX_ADDR_MASK) | VTD_ROOT_P;
	vtd_flush_cpu(u, re, sizeof(*re));
	u->u_ctx[bus] = t;
	return t;
}

bool vtd_context_present(const struct vtd_unit *u, uint16_t sid)
{
	const struct vtd_context_entry *t = u->u_ctx[sid >> 8];

	return t && (t[sid & 0xff].lo & VTD_CTX_P);
}

int vtd_context_set(struct vtd_unit *u, uint16_t sid, uint16_t did, uint64_t tt, uint64_t slpt_phys, unsigned ctx_aw)
{
	struct vtd_context_entry *t = context_table(u, (uint8_t)(sid >> 8), true);

	if (!t)
		return CR_ENOMEM;
	struct vtd_context_entry *e = &t[sid & 0xff];
	if (e->lo & VTD_CTX_P)
		return CR_EEXIST;
	e->hi = VTD_CTX_HI_AW(ctx_aw) | VTD_CTX_HI_DID(did);
	compiler_barrier();
	e->lo = (slpt_phys & VTD_CTX_ADDR_MASK) | tt | VTD_CTX_P;
	vtd_flush_cpu(u, e, sizeof(*e));
	u->u_live_contexts++;
	return vtd_invalidate(u, VTD_EV_CONTEXT_SET, did, sid, 0, 0);
}

int vtd_context_clear(struct vtd_unit *u, uint16_t sid, uint16_t did)
{
	struct vtd_context_entry *t = context_table(u, (uint8_t)(sid >> 8), false);

	if (!t || !(t[sid & 0xff].lo & VTD_CTX_P))
		return 0;
	struct vtd_context_entry *e = &t[sid & 0xff];
	e->lo = 0;
	compiler_barrier();
	e->hi = 0;
	vtd_flush_cpu(u, e, sizeof(*e));
	u->u_live_contexts--;
	/* The device's cached context and its domain's translations go before anything is freed. */
	return vtd_invalidate(u, VTD_EV_CONTEXT_CLEAR, did, sid, 0, 0);
}
