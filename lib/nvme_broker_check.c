/*
 * lib/nvme_broker_check.c - validation of provider commands (see header).
 *
 * Allow-lists, not deny-lists: an admin or I/O opcode, or a feature id,
 * that is not named here is refused.  Everything that would let the device
 * touch memory (data pointers, queue bases, metadata pointers, SGLs,
 * controller memory) is either translated by the manager or refused.
 */
#include "lib/nvme_broker_check.h"

#include "include/abi/errors.h"
#include "include/abi/block.h"
#include "lib/bits.h"

static int refuse(struct nvme_broker_refusal *why, uint8_t sct, uint8_t sc, uint16_t reason)
{
	why->sct = sct;
	why->sc = sc;
	why->reason = reason;
	return CR_EPERM;
}

#define REFUSE_FIELD(why, reason) refuse(why, NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD, reason)

/*
 * The data buffer named by PRP1 as a handle: a space (0: the provider's
 * pool, or a block session's region where sessions_ok) and an offset
 * inside it; PRP2 unused.  sp gets the session's window, if any.
 */
static int check_handle(const struct nvme_broker_view *v, const struct nvme_sqe *c, uint64_t len,
			uint64_t align, bool sessions_ok, struct nvme_broker_plan *p, struct nvme_broker_space *sp,
			struct nvme_broker_refusal *why)
{
	uint64_t end, off = c->prp1 & NVME_HANDLE_OFFSET_MASK, bytes = v->pool_bytes;
	uint32_t space = (uint32_t)(c->prp1 >> NVME_HANDLE_SPACE_SHIFT);

	if (c->prp2 != 0)
		return REFUSE_FIELD(why, NBR_PRP2);
	if (len == 0 || (v->max_transfer && len > v->max_transfer) || len > UINT32_MAX)
		return REFUSE_FIELD(why, NBR_TRANSFER_SIZE);
	if (space) {
		if (!sessions_ok || !v->space || !v->space(v->ctx, space, sp) || !sp->bytes)
			return REFUSE_FIELD(why, NBR_HANDLE);
		bytes = sp->bytes;
	}
	if ((off & (align - 1)) || __builtin_add_overflow(off, len, &end) || end > bytes)
		return REFUSE_FIELD(why, NBR_HANDLE);
	p->space = space;
	p->handle = off;
	p->len = (uint32_t)len;
	return 0;
}

static int check_no_data(const struct nvme_sqe *c, struct nvme_broker_refusal *why)
{
	if (c->prp1 || c->prp2)
		return REFUSE_FIELD(why, NBR_NO_DATA_EXPECTED);
	return 0;
}

/* NVM CS §5.3: with PRACT=1 and 8-byte metadata the PI is inserted/stripped, not moved. */
static bool md_moves(const struct nvme_broker_ns *ns, bool pract)
{
	return ns->ms && !(pract && ns->ms == 8 && ns->pi_type);
}

uint32_t nvme_broker_block_xfer(const struct nvme_broker_ns *ns, bool pract)
{
	return ns->lba_bytes + (ns->extended && md_moves(ns, pract) ? ns->ms : 0);
}

uint32_t nvme_broker_block_md(const struct nvme_broker_ns *ns, bool pract)
{
	return !ns->extended && md_moves(ns, pract) ? ns->ms : 0;
}

uint32_t nvme_broker_max_blocks(const struct nvme_broker_ns *ns, uint64_t max_transfer, uint32_t page_size)
{
	uint32_t xfer = nvme_broker_block_xfer(ns, false), md = nvme_broker_block_md(ns, false);
	uint64_t max = xfer ? max_transfer / xfer : 0;

	if (max > 65536)
		max = 65536;
	if (md && max > page_size / md)
		max = page_size / md;
	if (xfer != ns->lba_bytes && page_size) {
		/* n blocks inline: n data pieces plus at most one per page boundary, n * xfer / page_size + 1. */
		uint64_t segments = (uint64_t)NVME_EXT_DATA_SEGMENTS_MAX - 1;
		uint64_t ext = segments * page_size / ((uint64_t)page_size + xfer);
		if (max > ext)
			max = ext;
	}
	return (uint32_t)max;
}

static int check_io(const struct nvme_broker_view *v, const struct nvme_sqe *c,
		    struct nvme_broker_plan *p, struct nvme_broker_refusal *why)
{
	const struct nvme_broker_ns *ns = NULL;

	switch (c->opc) {
	case NVME_CMD_FLUSH:
	case NVME_CMD_WRITE:
	case NVME_CMD_READ:
	case NVME_CMD_WRITE_UNCOR:
	case NVME_CMD_COMPARE:
	case NVME_CMD_WRITE_ZEROES:
	case NVME_CMD_DSM:
	case NVME_CMD_VERIFY:
		break;
	default:
		return refuse(why, NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE, NBR_IO_OPCODE);
	}
	if (v->max_transfer == 0)
		return refuse(why, NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD, NBR_CONTROLLER_UNKNOWN);
	p->nsid = c->nsid;
	if (c->opc == NVME_CMD_FLUSH && c->nsid == NVME_NSID_BROADCAST && v->flush_broadcast)
		return check_no_data(c, why);
	ns = v->ns(v->ctx, c->nsid);
	if (!ns)
		return refuse(why, NVME_SCT_GENERIC, NVME_SC_INVALID_NS, NBR_NAMESPACE);
	if (c->opc == NVME_CMD_FLUSH)
		return check_no_data(c, why);
	if (c->opc == NVME_CMD_DSM) {
		uint32_t nranges = (c->cdw10 & 0xff) + 1;
		p->kind = NBK_DSM;
		p->xfer = NVME_XFER_TO_DEVICE;
		struct nvme_broker_space sp;
		return check_handle(v, c, (uint64_t)nranges * NVME_DSM_RANGE_BYTES, 4, false, p, &sp, why);
	}

	uint64_t slba = ((uint64_t)c->cdw11 << 32) | c->cdw10, end;
	uint32_t nlb = (c->cdw12 & NVME_RW_NLB_MASK) + 1;
	if (__builtin_add_overflow(slba, (uint64_t)nlb, &end) || end > ns->nsze)
		return refuse(why, NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
	if (c->opc == NVME_CMD_WRITE_ZEROES || c->opc == NVME_CMD_VERIFY || c->opc == NVME_CMD_WRITE_UNCOR)
		return check_no_data(c, why);

	bool pract = c->cdw12 & NVME_RW_PRACT;
	uint64_t md_len = (uint64_t)nlb * nvme_broker_block_md(ns, pract), md_end;
	if (md_len) {
		/*
		 * Separate metadata: MPTR is a handle to one contiguous buffer
		 * (PSDT 0), which the manager bounces through a single page.
		 */
		if (!c->mptr)
			return REFUSE_FIELD(why, NBR_SEPARATE_METADATA);
		if (md_len > v->page_size)
			return REFUSE_FIELD(why, NBR_TRANSFER_SIZE);
		if ((c->mptr & 3) || __builtin_add_overflow(c->mptr, md_len, &md_end) || md_end > v->pool_bytes)
			return REFUSE_FIELD(why, NBR_HANDLE);
		p->md_handle = c->mptr;
		p->md_len = (uint32_t)md_len;
	} else if (c->mptr) {
		return REFUSE_FIELD(why, NBR_MPTR);
	}
	p->xfer = c->opc == NVME_CMD_READ ? NVME_XFER_FROM_DEVICE : NVME_XFER_TO_DEVICE;
	struct nvme_broker_space sp;
	int err = check_handle(v, c, (uint64_t)nlb * nvme_broker_block_xfer(ns, pract), 4, true, p, &sp, why);
	if (err || !p->space)
		return err;
	/* A session's region carries only that session's device: its namespace, inside its window. */
	if (sp.nsid != c->nsid || slba < sp.first_lba || end > sp.first_lba + sp.blocks ||
	    sp.first_lba + sp.blocks < sp.first_lba)
		return refuse(why, NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	return 0;
}

/* What a storage provider reads about its controller; nothing that moves or names memory. */
static bool cns_allowed(uint8_t cns)
{
	switch (cns) {
	case NVME_CNS_NAMESPACE:
	case NVME_CNS_CONTROLLER:
	case NVME_CNS_ACTIVE_NS_LIST:
	case NVME_CNS_NS_DESCRIPTORS:
	case NVME_CNS_CSI_NAMESPACE:
	case NVME_CNS_CSI_CONTROLLER:
	case NVME_CNS_CSI_ACTIVE_NS_LIST:
	case NVME_CNS_INDEPENDENT_NS:
		return true;
	}
	return false;
}

static bool log_page_allowed(const struct nvme_broker_view *v, uint8_t lid)
{
	switch (lid) {
	case NVME_LOG_ERROR:
	case NVME_LOG_SMART:
	case NVME_LOG_FW_SLOT:
	case NVME_LOG_CHANGED_NS:
	case NVME_LOG_CMD_EFFECTS:
		return true;
	case NVME_LOG_AMAZON_EBS_STATS:
		return v->vendor_log_pages;
	}
	return false;
}

static bool feature_allowed(uint8_t fid, bool set)
{
	switch (fid) {
	case NVME_FEAT_ARBITRATION:
	case NVME_FEAT_POWER_MGMT:
	case NVME_FEAT_TEMP_THRESHOLD:
	case NVME_FEAT_ERROR_RECOVERY:
	case NVME_FEAT_VOLATILE_WC:
	case NVME_FEAT_NUM_QUEUES:
	case NVME_FEAT_IRQ_COALESCE:
	case NVME_FEAT_IRQ_CONFIG:
	case NVME_FEAT_WRITE_ATOMICITY:
	case NVME_FEAT_ASYNC_EVENT:
		return true;	/* none of these moves data */
	}
	(void)set;
	return false;
}

/* Create I/O CQ/SQ: queue id, size, contiguity and the shadow ring handle. */
static int check_create(const struct nvme_broker_view *v, const struct nvme_sqe *c, bool is_cq,
			struct nvme_broker_plan *p, struct nvme_broker_refusal *why)
{
	p->qid = (uint16_t)(c->cdw10 & 0xffff);
	uint32_t qsize = (c->cdw10 >> 16) + 1;

	if (v->max_qid == 0)
		return refuse(why, NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUES_NOT_NEGOTIATED);
	if (p->qid == 0 || p->qid > v->max_qid ||
	    (is_cq ? v->cq_live(v->ctx, p->qid) : v->sq_live(v->ctx, p->qid)))
		return refuse(why, NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	/*
	 * plan->qsize is 16 bits: a 65536-entry queue (QSIZE 0xffff, allowed
	 * when CAP.MQES is 0xffff) would reach the manager as size 0.
	 */
	if (qsize < 2 || qsize > v->mqes || qsize > UINT16_MAX)
		return refuse(why, NVME_SCT_COMMAND, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	if (!(c->cdw11 & NVME_QUEUE_PC))
		return REFUSE_FIELD(why, NBR_QUEUE_FLAGS);
	p->qsize = (uint16_t)qsize;
	if (is_cq) {
		p->kind = NBK_CREATE_CQ;
		p->ien = c->cdw11 & NVME_CQ_IEN;
		p->iv = (uint16_t)(c->cdw11 >> 16);
		/* The device queue always interrupts (the manager drains it), so the vector counts even with IEN=0. */
		if (p->iv >= v->nvectors)
			return refuse(why, NVME_SCT_COMMAND, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	} else {
		p->kind = NBK_CREATE_SQ;
		p->cqid = (uint16_t)(c->cdw11 >> 16);
		if (p->cqid == 0 || p->cqid > v->max_qid_limit || !v->cq_live(v->ctx, p->cqid))
			return refuse(why, NVME_SCT_COMMAND, NVME_SC_CQ_INVALID, NBR_QUEUE_ID);
	}
	uint64_t entry = is_cq ? sizeof(struct nvme_cqe) : sizeof(struct nvme_sqe);
	/* The ring is provider memory the manager mirrors: it needs no data-transfer limit. */
	uint64_t end;
	if (c->prp2 != 0)
		return REFUSE_FIELD(why, NBR_PRP2);
	if ((c->prp1 & (entry - 1)) || __builtin_add_overflow(c->prp1, qsize * entry, &end) ||
	    end > v->pool_bytes)
		return REFUSE_FIELD(why, NBR_HANDLE);
	p->handle = c->prp1;
	p->len = (uint32_t)(qsize * entry);
	return 0;
}

static int check_admin(const struct nvme_broker_view *v, const struct nvme_sqe *c,
		       struct nvme_broker_plan *p, struct nvme_broker_refusal *why)
{
	struct nvme_broker_space sp;	/* only the provider's pool is allowed here */
	uint8_t fid = (uint8_t)(c->cdw10 & 0xff);

	switch (c->opc) {
	case NVME_ADMIN_IDENTIFY:
		p->kind = NBK_IDENTIFY;
		p->nsid = c->nsid;
		p->cns = (uint8_t)(c->cdw10 & 0xff);
		p->xfer = NVME_XFER_FROM_DEVICE;
		if (!cns_allowed(p->cns))
			return REFUSE_FIELD(why, NBR_CNS);
		return check_handle(v, c, NVME_IDENTIFY_BYTES, 4, false, p, &sp, why);
	case NVME_ADMIN_GET_LOG_PAGE: {
		uint64_t numd = ((uint64_t)(c->cdw11 & 0xffff) << 16 | (c->cdw10 >> 16)) + 1;
		p->xfer = NVME_XFER_FROM_DEVICE;
		if (!log_page_allowed(v, (uint8_t)(c->cdw10 & 0xff)))
			return REFUSE_FIELD(why, NBR_LOG_PAGE);
		/* Before MDTS is known, one identify-sized page is the most we move. */
		if (!v->max_transfer && numd * 4 > NVME_IDENTIFY_BYTES)
			return REFUSE_FIELD(why, NBR_TRANSFER_SIZE);
		return check_handle(v, c, numd * 4, 4, false, p, &sp, why);
	}
	case NVME_ADMIN_GET_FEATURES:
	case NVME_ADMIN_SET_FEATURES:
		if (!feature_allowed(fid, c->opc == NVME_ADMIN_SET_FEATURES))
			return REFUSE_FIELD(why, NBR_FEATURE);
		/* Nothing a provider sets may outlive it (the next reset restores the defaults). */
		if (c->opc == NVME_ADMIN_SET_FEATURES && (c->cdw10 & NVME_FEAT_SV))
			return REFUSE_FIELD(why, NBR_FEATURE_SAVE);
		if (c->opc == NVME_ADMIN_SET_FEATURES && fid == NVME_FEAT_NUM_QUEUES) {
			p->kind = NBK_SET_NUM_QUEUES;
			p->nsqr = (uint16_t)(c->cdw11 & 0xffff);
			p->ncqr = (uint16_t)(c->cdw11 >> 16);
			if (p->nsqr == 0xffff || p->ncqr == 0xffff)
				return REFUSE_FIELD(why, NBR_QUEUE_ID);
		}
		return check_no_data(c, why);
	case NVME_ADMIN_CREATE_CQ:
		return check_create(v, c, true, p, why);
	case NVME_ADMIN_CREATE_SQ:
		return check_create(v, c, false, p, why);
	case NVME_ADMIN_DELETE_SQ:
	case NVME_ADMIN_DELETE_CQ: {
		bool cq = c->opc == NVME_ADMIN_DELETE_CQ;
		p->kind = cq ? NBK_DELETE_CQ : NBK_DELETE_SQ;
		p->qid = (uint16_t)(c->cdw10 & 0xffff);
		if (p->qid == 0 || p->qid > v->max_qid_limit ||
		    !(cq ? v->cq_live(v->ctx, p->qid) : v->sq_live(v->ctx, p->qid)))
			return refuse(why, NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
		if (cq && v->cq_has_sqs(v->ctx, p->qid))
			return refuse(why, NVME_SCT_COMMAND, 0x0c, NBR_QUEUE_IN_USE);
		return check_no_data(c, why);
	}
	case NVME_ADMIN_ABORT:
		p->kind = NBK_ABORT;
		p->qid = (uint16_t)(c->cdw10 & 0xffff);
		p->abort_cid = (uint16_t)(c->cdw10 >> 16);
		if (p->qid > v->max_qid_limit || (p->qid && !v->sq_live(v->ctx, p->qid)))
			return refuse(why, NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
		return check_no_data(c, why);
	case NVME_ADMIN_ASYNC_EVENT:
		p->kind = NBK_ASYNC_EVENT;
		return check_no_data(c, why);
	case NVME_ADMIN_KEEP_ALIVE:
		return check_no_data(c, why);
	}
	return refuse(why, NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE, NBR_ADMIN_OPCODE);
}

int nvme_broker_check(const struct nvme_broker_view *v, uint16_t qid, const struct nvme_sqe *c,
		      struct nvme_broker_plan *p, struct nvme_broker_refusal *why)
{
	*p = (struct nvme_broker_plan){ .kind = NBK_PLAIN, .xfer = NVME_XFER_NONE };
	*why = (struct nvme_broker_refusal){ 0, 0, NBR_NONE };
	if (c->flags & NVME_SQE_FUSE_MASK)
		return REFUSE_FIELD(why, NBR_FUSED);
	if (c->flags & NVME_SQE_PSDT_MASK)
		return REFUSE_FIELD(why, NBR_SGL);
	/* Only READ, WRITE and COMPARE on a separate-metadata namespace may carry MPTR (check_io). */
	bool md_capable = qid != 0 && (c->opc == NVME_CMD_READ || c->opc == NVME_CMD_WRITE ||
				       c->opc == NVME_CMD_COMPARE);
	if (c->mptr != 0 && !md_capable)
		return REFUSE_FIELD(why, NBR_MPTR);
	return qid == 0 ? check_admin(v, c, p, why) : check_io(v, c, p, why);
}

int nvme_broker_check_dsm(const struct nvme_broker_ns *ns, const uint8_t *ranges, uint32_t nranges)
{
	for (uint32_t i = 0; i < nranges; i++) {
		const uint8_t *r = ranges + i * NVME_DSM_RANGE_BYTES;
		uint64_t nlb = load_le32(r + 4), slba = load_le64(r + 8), end;
		if (__builtin_add_overflow(slba, nlb, &end) || end > ns->nsze)
			return CR_ERANGE;
	}
	return 0;
}

const char *nvme_broker_reason_name(uint32_t reason)
{
	static const char *const names[NBR_COUNT] = {
		[NBR_NONE] = "none",
		[NBR_FUSED] = "fused-command",
		[NBR_SGL] = "sgl-data-pointer",
		[NBR_MPTR] = "metadata-pointer",
		[NBR_ADMIN_OPCODE] = "admin-opcode-not-allowed",
		[NBR_IO_OPCODE] = "io-opcode-not-allowed",
		[NBR_FEATURE] = "feature-not-allowed",
		[NBR_NAMESPACE] = "namespace-not-identified",
		[NBR_LBA_RANGE] = "lba-out-of-range",
		[NBR_TRANSFER_SIZE] = "transfer-size",
		[NBR_HANDLE] = "handle-outside-pool",
		[NBR_PRP2] = "prp2-not-zero",
		[NBR_NO_DATA_EXPECTED] = "data-pointer-on-dataless-command",
		[NBR_QUEUE_ID] = "queue-id",
		[NBR_QUEUE_SIZE] = "queue-size",
		[NBR_QUEUE_FLAGS] = "queue-not-contiguous",
		[NBR_VECTOR] = "interrupt-vector-not-granted",
		[NBR_QUEUES_NOT_NEGOTIATED] = "queue-count-not-negotiated",
		[NBR_SEPARATE_METADATA] = "separate-metadata-not-brokered",
		[NBR_CONTROLLER_UNKNOWN] = "controller-not-identified",
		[NBR_QUEUE_IN_USE] = "completion-queue-in-use",
		[NBR_DSM_RANGE] = "dsm-range-outside-namespace",
		[NBR_CNS] = "identify-cns-not-allowed",
		[NBR_LOG_PAGE] = "log-page-not-allowed",
		[NBR_FEATURE_SAVE] = "feature-save-not-allowed",
		[NBR_SESSION_SCOPE] = "outside-the-sessions-device",
		[NBR_NO_MEMORY] = "kernel-out-of-memory",
	};
	return reason < NBR_COUNT && names[reason] ? names[reason] : "unknown";
}
