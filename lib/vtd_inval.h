/*
 * lib/vtd_inval.h - what to invalidate, and how to say it, after a change
 * to VT-d translation structures.
 *
 * VT-d 3.3 §6.1 (caching mode: not-present entries may be cached, under
 * domain id 0), §6.5 (context-cache and IOTLB invalidation; register-based
 * §6.5.1 is gone from version 6 on, queued §6.5.2), §6.5.3 (page-selective
 * invalidation with an address mask), §6.8 (write-buffer flushing).  The
 * planner turns one event (a root table set, a context entry made present
 * or cleared, a range mapped or unmapped) into the ordered operations the
 * unit needs; the encoders turn one operation into register values or a
 * queued descriptor.  Pure: kernel/iommu/vtd/inval.c executes the plan.
 */
#ifndef CAPROCK_LIB_VTD_INVAL_H
#define CAPROCK_LIB_VTD_INVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/vtd_cap.h"
#include "lib/vtd_reg.h"

enum vtd_inval_event {
	VTD_EV_ROOT_SET,		/* a new root table pointer took effect */
	VTD_EV_CONTEXT_SET,		/* a not-present context entry became present */
	VTD_EV_CONTEXT_CLEAR,		/* a present context entry became not-present */
	VTD_EV_MAP,			/* not-present leaf entries became present */
	VTD_EV_UNMAP,			/* present leaf entries became not-present */
};

enum vtd_op_kind {
	VTD_OP_WBF,			/* write-buffer flush (CAP.RWBF) */
	VTD_OP_CC_GLOBAL,
	VTD_OP_CC_DEVICE,		/* context cache, one source id under one domain id */
	VTD_OP_IOTLB_GLOBAL,
	VTD_OP_IOTLB_DOMAIN,
	VTD_OP_IOTLB_PAGES,		/* 2^am pages at addr (aligned to that size) in one domain */
	VTD_OP_IEC_GLOBAL,		/* interrupt entry cache, every entry (queued only, §6.5.2.7) */
	VTD_OP_IEC_INDEX,		/* interrupt entry cache, the 2^am entries from index addr */
};

struct vtd_inv_op {
	uint8_t kind;			/* enum vtd_op_kind */
	uint8_t am;
	bool drain_read, drain_write;
	uint16_t did, sid;
	uint64_t addr;
};

#define VTD_PLAN_MAX	16		/* a range needing more page-selective steps is flushed by domain */

struct vtd_inv_plan {
	unsigned n;
	struct vtd_inv_op op[VTD_PLAN_MAX + 2];
};

/*
 * The operations event needs on a unit with caps c, for domain did,
 * source id sid, and (map/unmap) the IOVA range [addr, addr + len).
 */
void vtd_inval_plan(const struct vtd_caps *c, enum vtd_inval_event event, uint16_t did, uint16_t sid,
		    uint64_t addr, uint64_t len, struct vtd_inv_plan *out);

enum vtd_inval_mode {
	VTD_INVAL_REGISTER,
	VTD_INVAL_QUEUED,
};

enum vtd_inval_pref {
	VTD_INVAL_PREF_AUTO,		/* queued when the unit has it, else registers */
	VTD_INVAL_PREF_REGISTER,
	VTD_INVAL_PREF_QUEUED,
};

/*
 * Which interface to use on a unit with caps c whose Global Status reads
 * gsts: 0 and *mode, or CR_ENOSYS with *why (the preference cannot be
 * honoured, or the unit offers neither usable interface).
 */
int vtd_inval_choose(const struct vtd_caps *c, uint32_t gsts, enum vtd_inval_pref pref, enum vtd_inval_mode *mode,
		     const char **why);

/* Register-based encodings (§10.4.7, §10.4.8): the value to write, and for pages the IVA value. */
uint64_t vtd_ccmd_value(const struct vtd_inv_op *op);
uint64_t vtd_iotlb_value(const struct vtd_inv_op *op, uint64_t *iva);

/* Queued encodings (§6.5.2). */
struct vtd_inv_desc vtd_qi_desc(const struct vtd_inv_op *op);
/* Invalidation wait: write status to status_phys (4-byte aligned) once everything before it is done. */
struct vtd_inv_desc vtd_qi_wait_desc(uint64_t status_phys, uint32_t status);

/* The Global Command value that sets set and clears clear, repeating every enable Global Status shows (§10.4.4). */
static inline uint32_t vtd_gcmd_value(uint32_t gsts, uint32_t set, uint32_t clear)
{
	return (gsts & VTD_GCMD_PERSISTENT & ~clear) | set;
}

const char *vtd_op_name(uint8_t kind);

#endif
