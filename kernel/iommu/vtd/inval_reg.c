/*
 * kernel/iommu/vtd/inval_reg.c - register-based invalidation (VT-d 3.3
 * §6.5.1, §10.4.7 Context Command, §10.4.8 IOTLB registers).
 *
 * One operation at a time: write the command with its "invalidate" bit
 * (ICC, IVT), wait for the unit to clear that bit, and check that it
 * reports an actual granularity (0 means the request was not performed).
 * Units from version 6 on have no such registers (lib/vtd_inval.c then
 * never chooses this interface).
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"

int vtd_inval_reg_run(struct vtd_unit *u, const struct vtd_inv_op *op)
{
	int err;

	if (op->kind == VTD_OP_CC_GLOBAL || op->kind == VTD_OP_CC_DEVICE) {
		vtd_write64(u, VTD_CCMD, vtd_ccmd_value(op));
		if ((err = vtd_wait64(u, VTD_CCMD, VTD_CCMD_ICC, 0, "context-cache invalidation (CCMD.ICC)")) < 0)
			return err;
		if (!VTD_CCMD_CAIG(vtd_read64(u, VTD_CCMD))) {
			kerror("iommu: error unit=%u context-cache invalidation not performed op=%s", u->u_index,
			       vtd_op_name(op->kind));
			return CR_EIO;
		}
		return 0;
	}
	uint64_t iva;
	uint64_t cmd = vtd_iotlb_value(op, &iva);
	uint32_t iotlb = u->u_caps.iro + VTD_IOTLB_OFF;
	if (op->kind == VTD_OP_IOTLB_PAGES)
		vtd_write64(u, u->u_caps.iro + VTD_IVA_OFF, iva);
	vtd_write64(u, iotlb, cmd);
	if ((err = vtd_wait64(u, iotlb, VTD_IOTLB_IVT, 0, "IOTLB invalidation (IOTLB.IVT)")) < 0)
		return err;
	if (!VTD_IOTLB_IAIG(vtd_read64(u, iotlb))) {
		kerror("iommu: error unit=%u IOTLB invalidation not performed op=%s did=%u", u->u_index,
		       vtd_op_name(op->kind), op->did);
		return CR_EIO;
	}
	return 0;
}
