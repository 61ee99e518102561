/*
 * kernel/iommu/vtd/bypass.c - pass-through for devices on the bounce lane
 * (VT-d 3.3 §9.3, context translation type 10b, ECAP.PT).
 *
 * On the bounce lane the manager authors every address the device sees,
 * as on a machine without an IOMMU; when the unit covering such a device
 * translates (another device got a verified domain), the device needs a
 * context entry or all its DMA is blocked.  Pass-through gives it
 * untranslated access, which is exactly the bounce lane's assumption.  It
 * is installed even while translation is still off, so that a later
 * domain turning translation on does not cut the device off.
 */
#include "kernel/iommu/vtd/vtd.h"

#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/string.h"

#define BYPASS_DEVICES 64

struct bypass_ctx {
	bool used;
	uint16_t sid, did;
};

static struct bypass_ctx ctxs[VTD_MAX_UNITS][BYPASS_DEVICES];

void vtd_bypass_init(const struct vtd_unit *u)
{
	memset(ctxs[u->u_index], 0, sizeof(ctxs[u->u_index]));
}

void vtd_bypass_release(struct vtd_unit *u, uint16_t sid)
{
	for (unsigned i = 0; i < BYPASS_DEVICES; i++) {
		struct bypass_ctx *x = &ctxs[u->u_index][i];
		if (x->used && x->sid == sid && vtd_context_clear(u, sid, x->did) == 0) {
			vtd_did_free(u, x->did);
			x->used = false;
		}
	}
}

int vtd_bypass(const struct pci_dev *d, const char **why)
{
	bool explicit_scope;
	struct vtd_unit *u = vtd_unit_for(d, &explicit_scope);
	char bdf[16];

	if (!u || u->u_unusable || u->u_no_dma)
		return 0;	/* nothing of ours translates it */
	bool aliased = false;
	uint16_t sid = vtd_requester_id(d, &aliased);	/* behind a conventional bridge: the bridge's id */
	pci_bdf(d, bdf);
	for (unsigned i = 0; i < BYPASS_DEVICES; i++) {
		if (ctxs[u->u_index][i].used && ctxs[u->u_index][i].sid == sid)
			return 0;
	}
	if (!u->u_caps.pt) {
		if (!u->u_translating)
			return 0;	/* untranslated while translation stays off */
		*why = "unit-lacks-pass-through";
		return CR_ENOSYS;
	}
	struct bypass_ctx *x = NULL;
	for (unsigned i = 0; i < BYPASS_DEVICES && !x; i++) {
		if (!ctxs[u->u_index][i].used)
			x = &ctxs[u->u_index][i];
	}
	unsigned aw = u->u_caps.sagaw & 2 ? 1 : u->u_caps.sagaw & 4 ? 2 : 3;	/* any depth the unit accepts */
	if (!x || vtd_did_alloc(u, &x->did) < 0) {
		*why = "no-free-domain-id";
		return CR_ENOMEM;
	}
	vtd_rmrr_release_device(u, sid);	/* pass-through covers its RMRRs too */
	if (vtd_context_set(u, sid, x->did, VTD_CTX_TT_PASSTHROUGH, 0, aw) < 0) {
		vtd_did_free(u, x->did);
		*why = "context-entry-not-accepted";
		return CR_EIO;
	}
	x->used = true;
	x->sid = sid;
	kprintf("iommu: pass-through bdf=%s requester=%04x:%02x:%02x.%x unit=%u did=%u lane=brokered translating=%s", bdf,
		d->pd_segment, sid >> 8, (sid >> 3) & 0x1f, sid & 7, u->u_index, x->did, u->u_translating ? "yes" : "no");
	return 0;
}
