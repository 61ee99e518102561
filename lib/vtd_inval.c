/*
 * lib/vtd_inval.c - invalidation planning and encodings (see header).
 */
#include "lib/vtd_inval.h"

#include "include/abi/errors.h"
#include "lib/bits.h"

static void add(struct vtd_inv_plan *p, struct vtd_inv_op op)
{
	if (p->n < VTD_PLAN_MAX + 2)
		p->op[p->n++] = op;
}

static struct vtd_inv_op iotlb_domain(const struct vtd_caps *c, uint16_t did)
{
	return (struct vtd_inv_op){ .kind = VTD_OP_IOTLB_DOMAIN, .did = did, .drain_read = c->drain_read,
				    .drain_write = c->drain_write };
}

/*
 * Page-selective steps covering [addr, addr + len): each a naturally
 * aligned power-of-two block of at most 2^MAMV pages.  Falls back to one
 * domain-selective step if the unit has no PSI or the range needs more
 * than VTD_PLAN_MAX steps.
 */
static void iotlb_range(const struct vtd_caps *c, uint16_t did, uint64_t addr, uint64_t len, struct vtd_inv_plan *p)
{
	unsigned start = p->n;
	uint64_t page = addr >> VTD_PAGE_SHIFT;
	uint64_t left = DIV_ROUND_UP(len + (addr & (VTD_PAGE_SIZE - 1)), VTD_PAGE_SIZE);

	if (c->psi && left) {
		while (left && p->n - start < VTD_PLAN_MAX) {
			unsigned am = page ? (unsigned)__builtin_ctzll(page) : 63;
			unsigned fit = 63u - (unsigned)__builtin_clzll(left);
			am = MIN(MIN(am, fit), c->mamv);
			add(p, (struct vtd_inv_op){ .kind = VTD_OP_IOTLB_PAGES, .did = did, .am = (uint8_t)am,
						    .addr = page << VTD_PAGE_SHIFT, .drain_read = c->drain_read,
						    .drain_write = c->drain_write });
			page += 1ull << am;
			left -= 1ull << am;
		}
		if (!left)
			return;
		p->n = start;	/* too fragmented: one domain-selective flush instead */
	}
	add(p, iotlb_domain(c, did));
}

void vtd_inval_plan(const struct vtd_caps *c, enum vtd_inval_event event, uint16_t did, uint16_t sid,
		    uint64_t addr, uint64_t len, struct vtd_inv_plan *out)
{
	out->n = 0;
	/* Table writes must leave the write buffer before the unit is told to look again (§6.8). */
	if (c->rwbf)
		add(out, (struct vtd_inv_op){ .kind = VTD_OP_WBF });
	switch (event) {
	case VTD_EV_ROOT_SET:
		/* A new root: nothing cached under the old one may survive (§10.4.4 SRTP: global, then global). */
		add(out, (struct vtd_inv_op){ .kind = VTD_OP_CC_GLOBAL });
		add(out, (struct vtd_inv_op){ .kind = VTD_OP_IOTLB_GLOBAL, .drain_read = c->drain_read,
					      .drain_write = c->drain_write });
		break;
	case VTD_EV_CONTEXT_SET:
		/* Only a caching-mode unit may hold the old not-present entry, filed under domain id 0 (§6.1). */
		if (c->caching_mode) {
			add(out, (struct vtd_inv_op){ .kind = VTD_OP_CC_DEVICE, .did = 0, .sid = sid });
			add(out, iotlb_domain(c, did));
		}
		break;
	case VTD_EV_CONTEXT_CLEAR:
		/* The device's cached context and every translation of its domain go. */
		add(out, (struct vtd_inv_op){ .kind = VTD_OP_CC_DEVICE, .did = did, .sid = sid });
		add(out, iotlb_domain(c, did));
		break;
	case VTD_EV_MAP:
		if (c->caching_mode)
			iotlb_range(c, did, addr, len, out);
		break;
	case VTD_EV_UNMAP:
		iotlb_range(c, did, addr, len, out);
		break;
	}
}

int vtd_inval_choose(const struct vtd_caps *c, uint32_t gsts, enum vtd_inval_pref pref, enum vtd_inval_mode *mode,
		     const char **why)
{
	/* Register-based invalidation does not exist from version 6 on (§6.5), nor while QI is enabled. */
	bool reg_ok = c->ver_major < 6 && !(gsts & VTD_GCMD_QIE);

	switch (pref) {
	case VTD_INVAL_PREF_REGISTER:
		if (!reg_ok) {
			*why = gsts & VTD_GCMD_QIE ? "queued-invalidation-already-enabled" : "register-invalidation-not-in-this-version";
			return CR_ENOSYS;
		}
		*mode = VTD_INVAL_REGISTER;
		return 0;
	case VTD_INVAL_PREF_QUEUED:
		if (!c->qi) {
			*why = "no-queued-invalidation";
			return CR_ENOSYS;
		}
		*mode = VTD_INVAL_QUEUED;
		return 0;
	case VTD_INVAL_PREF_AUTO:
		break;
	}
	if (c->qi) {
		*mode = VTD_INVAL_QUEUED;
		return 0;
	}
	if (reg_ok) {
		*mode = VTD_INVAL_REGISTER;
		return 0;
	}
	*why = "no-usable-invalidation-interface";
	return CR_ENOSYS;
}

uint64_t vtd_ccmd_value(const struct vtd_inv_op *op)
{
	if (op->kind == VTD_OP_CC_DEVICE)
		return VTD_CCMD_ICC | VTD_CCMD_CIRG_DEVICE | VTD_CCMD_FM(0) | VTD_CCMD_SID(op->sid) | VTD_CCMD_DID(op->did);
	return VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL;
}

uint64_t vtd_iotlb_value(const struct vtd_inv_op *op, uint64_t *iva)
{
	uint64_t v = VTD_IOTLB_IVT | (op->drain_read ? VTD_IOTLB_DR : 0) | (op->drain_write ? VTD_IOTLB_DW : 0);

	*iva = 0;
	switch (op->kind) {
	case VTD_OP_IOTLB_PAGES:
		*iva = (op->addr & ~(uint64_t)(VTD_PAGE_SIZE - 1)) | VTD_IVA_AM(op->am);
		return v | VTD_IOTLB_IIRG_PAGE | VTD_IOTLB_DID(op->did);
	case VTD_OP_IOTLB_DOMAIN:
		return v | VTD_IOTLB_IIRG_DOMAIN | VTD_IOTLB_DID(op->did);
	default:
		return v | VTD_IOTLB_IIRG_GLOBAL;
	}
}

struct vtd_inv_desc vtd_qi_desc(const struct vtd_inv_op *op)
{
	uint64_t drain = (op->drain_read ? VTD_INV_IOTLB_DR : 0) | (op->drain_write ? VTD_INV_IOTLB_DW : 0);

	switch (op->kind) {
	case VTD_OP_CC_GLOBAL:
		return (struct vtd_inv_desc){ VTD_INV_CC | VTD_INV_CC_GLOBAL, 0 };
	case VTD_OP_CC_DEVICE:
		return (struct vtd_inv_desc){ VTD_INV_CC | VTD_INV_CC_DEVICE | VTD_INV_CC_DID(op->did) |
					      VTD_INV_CC_SID(op->sid) | VTD_INV_CC_FM(0), 0 };
	case VTD_OP_IOTLB_GLOBAL:
		return (struct vtd_inv_desc){ VTD_INV_IOTLB | VTD_INV_IOTLB_GLOBAL | drain, 0 };
	case VTD_OP_IOTLB_DOMAIN:
		return (struct vtd_inv_desc){ VTD_INV_IOTLB | VTD_INV_IOTLB_DOMAIN | drain | VTD_INV_IOTLB_DID(op->did), 0 };
	case VTD_OP_IOTLB_PAGES:
		return (struct vtd_inv_desc){ VTD_INV_IOTLB | VTD_INV_IOTLB_PAGE | drain | VTD_INV_IOTLB_DID(op->did),
					      (op->addr & ~(uint64_t)(VTD_PAGE_SIZE - 1)) | VTD_INV_IOTLB_AM(op->am) };
	case VTD_OP_IEC_GLOBAL:
		return (struct vtd_inv_desc){ VTD_INV_IEC, 0 };
	case VTD_OP_IEC_INDEX:
		return (struct vtd_inv_desc){ VTD_INV_IEC | VTD_INV_IEC_INDEX | VTD_INV_IEC_IM(op->am) |
					      VTD_INV_IEC_IIDX((uint16_t)op->addr), 0 };
	default:
		/* WBF has no descriptor: it is a Global Command in either mode (§6.8). */
		return (struct vtd_inv_desc){ 0, 0 };
	}
}

struct vtd_inv_desc vtd_qi_wait_desc(uint64_t status_phys, uint32_t status)
{
	return (struct vtd_inv_desc){ VTD_INV_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_FN | VTD_INV_WAIT_DATA(status),
				      status_phys & ~3ull };
}

const char *vtd_op_name(uint8_t kind)
{
	switch (kind) {
	case VTD_OP_WBF:		return "write-buffer-flush";
	case VTD_OP_CC_GLOBAL:		return "context-global";
	case VTD_OP_CC_DEVICE:		return "context-device";
	case VTD_OP_IOTLB_GLOBAL:	return "iotlb-global";
	case VTD_OP_IOTLB_DOMAIN:	return "iotlb-domain";
	case VTD_OP_IOTLB_PAGES:	return "iotlb-pages";
	case VTD_OP_IEC_GLOBAL:		return "iec-global";
	case VTD_OP_IEC_INDEX:		return "iec-index";
	}
	return "unknown";
}
