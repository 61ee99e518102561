/*
 * kernel/iommu/vtd/inval.c - carry out what lib/vtd_inval.c planned
 * (VT-d 3.3 §6.5), through whichever interface the unit uses.
 *
 * A write-buffer flush is a Global Command in either mode (§6.8); the
 * rest goes to the invalidation queue as one batch closed by a wait
 * descriptor (inval_queue.c), or to the Context Command and IOTLB
 * registers one at a time (inval_reg.c).  Either way the call returns only
 * once the unit reports the operations done, so a caller may free what
 * the invalidated entries pointed at as soon as it returns.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"

int vtd_inval_init(struct vtd_unit *u, enum vtd_inval_pref pref, const char **why)
{
	uint32_t gsts = vtd_read32(u, VTD_GSTS);

	if (vtd_inval_choose(&u->u_caps, gsts, pref, &u->u_inval, why) < 0)
		return CR_ENOSYS;
	if (u->u_inval == VTD_INVAL_QUEUED && vtd_inval_queue_init(u) < 0) {
		*why = "invalidation-queue-not-enabled";
		return CR_EIO;
	}
	return 0;
}

int vtd_invalidate(struct vtd_unit *u, enum vtd_inval_event ev, uint16_t did, uint16_t sid, uint64_t addr,
		   uint64_t len)
{
	struct vtd_inv_plan p;
	struct vtd_inv_op batch[VTD_PLAN_MAX + 2];
	unsigned nbatch = 0;
	int err;

	vtd_inval_plan(&u->u_caps, ev, did, sid, addr, len, &p);
	for (unsigned i = 0; i < p.n; i++) {
		const struct vtd_inv_op *op = &p.op[i];
		if (op->kind == VTD_OP_WBF) {
			if ((err = vtd_gcmd(u, VTD_GCMD_WBF, 0, VTD_GCMD_WBF, false, "write buffer flush (GSTS.WBFS)")) < 0)
				return err;
		} else if (u->u_inval == VTD_INVAL_QUEUED) {
			batch[nbatch++] = *op;
		} else if ((err = vtd_inval_reg_run(u, op)) < 0) {
			return err;
		}
		u->u_invalidations++;
	}
	if (nbatch && (err = vtd_inval_queue_run(u, batch, nbatch)) < 0)
		return err;
	return 0;
}
