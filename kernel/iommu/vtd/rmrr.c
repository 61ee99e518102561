/*
 * kernel/iommu/vtd/rmrr.c - Reserved Memory Region Reporting (VT-d 3.3
 * §8.4): memory firmware keeps using for some devices (USB legacy
 * emulation buffers, say) after the OS takes over.
 *
 * Before a unit starts translating, every device on it that an RMRR names
 * gets a context entry whose domain maps exactly its RMRRs one to one, so
 * that firmware's DMA keeps working; a region that is malformed (not page
 * aligned, beyond the host address width) is reported and left out.  A
 * device the kernel drives itself gives its RMRR context up when it gets
 * a domain or pass-through of its own; an NVMe controller named by an
 * RMRR never gets the direct lane (domain.c: the provider could otherwise
 * aim its device at firmware memory).
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/bits.h"
#include "lib/string.h"

#define RMRR_DEVICES 16

struct rmrr_ctx {
	bool used;
	uint16_t sid, did;
	struct vtd_pt pt;
};

static struct rmrr_ctx ctxs[VTD_MAX_UNITS][RMRR_DEVICES];

static struct vtd_pci_addr addr_of(const struct pci_dev *d)
{
	return (struct vtd_pci_addr){ d->pd_segment, d->pd_bus, d->pd_dev, d->pd_fn };
}

const struct acpi_dmar_rmrr_info *vtd_rmrr_of(const struct pci_dev *d, unsigned *n)
{
	unsigned idx[ACPI_MAX_RMRR];

	*n = vtd_dmar ? vtd_rmrrs_for_device(vtd_dmar, addr_of(d), &vtd_pci_reader, idx, ACPI_MAX_RMRR) : 0;
	return *n ? &vtd_dmar->rmrr[idx[0]] : NULL;
}

void vtd_rmrr_init(const struct vtd_unit *u)
{
	memset(ctxs[u->u_index], 0, sizeof(ctxs[u->u_index]));
}

uint32_t vtd_rmrr_contexts(const struct vtd_unit *u)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < RMRR_DEVICES; i++)
		n += ctxs[u->u_index][i].used;
	return n;
}

static void drop(struct vtd_unit *u, struct rmrr_ctx *x)
{
	const struct vtd_pt_env *env = vtd_pt_env(u);

	if (vtd_context_clear(u, x->sid, x->did) < 0)
		return;	/* still reachable by the unit: keep its tables */
	vtd_pt_destroy(&x->pt, env);	/* nothing points at them any more, nothing cached */
	vtd_did_free(u, x->did);
	x->used = false;
}

void vtd_rmrr_release_device(struct vtd_unit *u, uint16_t sid)
{
	for (unsigned i = 0; i < RMRR_DEVICES; i++) {
		if (ctxs[u->u_index][i].used && ctxs[u->u_index][i].sid == sid)
			drop(u, &ctxs[u->u_index][i]);
	}
}

void vtd_rmrr_remove(struct vtd_unit *u)
{
	for (unsigned i = 0; i < RMRR_DEVICES; i++) {
		if (ctxs[u->u_index][i].used)
			drop(u, &ctxs[u->u_index][i]);
	}
}

/* The shallowest walk the unit supports that reaches top (RMRRs are usually low addresses). */
static unsigned shallowest(const struct vtd_caps *c, uint64_t top)
{
	for (unsigned l = 3; l <= 5; l++) {
		if ((c->sagaw & (1u << (l - 2))) && top < 1ull << (12 + 9 * l))
			return l;
	}
	return 0;
}

static void identity_map(struct vtd_unit *u, const struct pci_dev *d, struct rmrr_ctx *x)
{
	const struct vtd_pt_env *env = vtd_pt_env(u);
	unsigned idx[ACPI_MAX_RMRR], mapped = 0;
	unsigned n = vtd_rmrrs_for_device(vtd_dmar, addr_of(d), &vtd_pci_reader, idx, ACPI_MAX_RMRR);
	uint64_t top = 0;
	char bdf[16];

	for (unsigned k = 0; k < n && k < ACPI_MAX_RMRR; k++)
		top = MAX(top, vtd_dmar->rmrr[idx[k]].limit);
	unsigned levels = shallowest(&u->u_caps, top);

	pci_bdf(d, bdf);
	if (!levels || vtd_did_alloc(u, &x->did) < 0)
		return;
	if (vtd_pt_init(&x->pt, env, levels) < 0) {
		vtd_did_free(u, x->did);
		return;
	}
	for (unsigned k = 0; k < n && k < ACPI_MAX_RMRR; k++) {
		const struct acpi_dmar_rmrr_info *rm = &vtd_dmar->rmrr[idx[k]];
		const char *why = NULL;
		int err = vtd_rmrr_check(rm, vtd_dmar->host_address_width + 1u, 0, 0, &why);
		if (!err && vtd_pt_map(&x->pt, env, rm->base, rm->base, rm->limit - rm->base + 1,
				       VTD_PERM_R | VTD_PERM_W) < 0)
			why = "cannot-map";
		if (why) {
			kerror("iommu: error rmrr not mapped bdf=%s base=0x%lx limit=0x%lx reason=%s", bdf, rm->base,
			       rm->limit, why);
			continue;
		}
		mapped++;
	}
	x->sid = vtd_sid(d->pd_bus, d->pd_dev, d->pd_fn);
	if (vtd_context_set(u, x->sid, x->did, VTD_CTX_TT_MULTILEVEL, x->pt.root_phys, levels - 2) < 0) {
		vtd_pt_destroy(&x->pt, env);
		vtd_did_free(u, x->did);
		return;
	}
	x->used = true;
	kprintf("iommu: rmrr identity map bdf=%s unit=%u did=%u regions=%u pages=%lu", bdf, u->u_index, x->did,
		mapped, x->pt.mapped);
}

void vtd_rmrr_install(struct vtd_unit *u)
{
	bool explicit_scope;
	unsigned n, slot = 0;

	for (unsigned i = 0; pci_device(i); i++) {
		const struct pci_dev *d = pci_device(i);
		if (vtd_unit_for(d, &explicit_scope) != u || !vtd_rmrr_of(d, &n) ||
		    vtd_context_present(u, vtd_sid(d->pd_bus, d->pd_dev, d->pd_fn)))
			continue;
		while (slot < RMRR_DEVICES && ctxs[u->u_index][slot].used)
			slot++;
		if (slot == RMRR_DEVICES) {
			kerror("iommu: error more than %u devices with RMRRs on unit=%u", RMRR_DEVICES, u->u_index);
			return;
		}
		identity_map(u, d, &ctxs[u->u_index][slot]);
	}
}
