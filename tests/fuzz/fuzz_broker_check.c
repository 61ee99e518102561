/*
 * tests/fuzz/fuzz_broker_check.c - libFuzzer harness for lib/nvme_broker_check.c.
 *
 * The provider is untrusted: every submission queue entry it writes is
 * input.  The input first describes the manager's state (pool size,
 * transfer limit, queue limits, vectors, up to four namespaces, which
 * queues are live), then the queue id and the 64-byte command, then bytes
 * used as DSM ranges.  The fake view aborts if the checker asks about a
 * queue id beyond max_qid_limit (the manager's arrays end there).  Every
 * accepted plan must keep the device inside the pool and inside the
 * limits; every refusal must carry a reason and a status from the table.
 * Build with -DFUZZ_TRACE to print each decision (for checking seeds).
 */
#include <string.h>

#include "include/abi/block.h"
#include "include/abi/errors.h"
#include "include/abi/nvme_broker.h"
#include "lib/bits.h"
#include "lib/nvme_broker_check.h"
#include "lib/nvme_reg.h"
#include "tests/common/nvme_allow_lists.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_NS		4
#define MAX_LIMIT	64

struct fake {
	struct nvme_broker_ns ns[MAX_NS];
	unsigned nns;
	uint64_t sq_live, cq_live, cq_has_sqs;	/* bit q: queue q (q < 64) */
	uint16_t limit;
	struct nvme_broker_space space[3];	/* block sessions 1 and 2 */
};

static struct fake F;

static bool fake_space(void *ctx, uint32_t id, struct nvme_broker_space *out)
{
	struct fake *f = ctx;

	if (id == 0 || id > 2)
		return false;
	*out = f->space[id];
	return true;
}

static const struct nvme_broker_ns *fake_ns(void *ctx, uint32_t nsid)
{
	struct fake *f = ctx;

	for (unsigned i = 0; i < f->nns; i++) {
		if (f->ns[i].nsid == nsid)
			return &f->ns[i];
	}
	return NULL;
}

static bool bit(uint64_t m, uint16_t q) { return q < 64 && ((m >> q) & 1); }

static bool fake_sq_live(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;
	CHECK(qid <= f->limit);
	return bit(f->sq_live, qid);
}

static bool fake_cq_live(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;
	CHECK(qid <= f->limit);
	return bit(f->cq_live, qid);
}

static bool fake_cq_has_sqs(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;
	CHECK(qid <= f->limit);
	return bit(f->cq_has_sqs, qid);
}

/* Every (reason, SCT, SC) the checker may answer with. */
static bool refusal_known(const struct nvme_broker_refusal *w)
{
	uint16_t r = w->reason;

	if (r == NBR_NONE || r >= NBR_COUNT || r == NBR_DSM_RANGE)
		return false;
	switch (r) {
	case NBR_ADMIN_OPCODE: case NBR_IO_OPCODE:
		return w->sct == NVME_SCT_GENERIC && w->sc == NVME_SC_INVALID_OPCODE;
	case NBR_NAMESPACE:
		return w->sct == NVME_SCT_GENERIC && w->sc == NVME_SC_INVALID_NS;
	case NBR_LBA_RANGE:
	case NBR_SESSION_SCOPE:
		return w->sct == NVME_SCT_GENERIC && w->sc == NVME_SC_LBA_RANGE;
	case NBR_QUEUE_SIZE:
		return w->sct == NVME_SCT_COMMAND && w->sc == NVME_SC_QUEUE_SIZE;
	case NBR_VECTOR:
		return w->sct == NVME_SCT_COMMAND && w->sc == NVME_SC_INVALID_VECTOR;
	case NBR_QUEUES_NOT_NEGOTIATED:
		return w->sct == NVME_SCT_COMMAND && w->sc == NVME_SC_QID_INVALID;
	case NBR_QUEUE_IN_USE:
		return w->sct == NVME_SCT_COMMAND && w->sc == 0x0c;
	case NBR_QUEUE_ID:
		return (w->sct == NVME_SCT_COMMAND && (w->sc == NVME_SC_QID_INVALID || w->sc == NVME_SC_CQ_INVALID)) ||
		       (w->sct == NVME_SCT_GENERIC && w->sc == NVME_SC_INVALID_FIELD);
	default:
		return w->sct == NVME_SCT_GENERIC && w->sc == NVME_SC_INVALID_FIELD;
	}
}

static void check_plan(const struct nvme_broker_view *v, uint16_t qid, const struct nvme_sqe *c,
		       const struct nvme_broker_plan *p)
{
	uint64_t end;

	/* Nothing the device could follow on its own survives. */
	CHECK((c->flags & (NVME_SQE_FUSE_MASK | NVME_SQE_PSDT_MASK)) == 0);
	CHECK(c->prp2 == 0);
	/* MPTR survives only as a handle to a separate metadata buffer of at most one page. */
	if (c->mptr) {
		CHECK(qid != 0 && p->md_len > 0 && p->md_handle == c->mptr && p->md_len <= v->page_size);
		CHECK(!__builtin_add_overflow(p->md_handle, (uint64_t)p->md_len, &end) && end <= v->pool_bytes);
		CHECK(p->md_handle % 4 == 0);
	} else {
		CHECK(p->md_len == 0);
	}
	CHECK(qid == 0 ? admin_allowed(c->opc) : io_allowed(c->opc));
	if (qid != 0)
		CHECK(v->max_transfer != 0);

	bool ring = p->kind == NBK_CREATE_CQ || p->kind == NBK_CREATE_SQ;
	if ((p->xfer != NVME_XFER_NONE || ring) && !p->space) {
		/* The buffer or ring lies inside the pool. */
		CHECK(p->len > 0);
		CHECK(p->handle == c->prp1);
		CHECK(!__builtin_add_overflow(p->handle, (uint64_t)p->len, &end) && end <= v->pool_bytes);
		CHECK(p->handle % 4 == 0);
	} else if (p->space) {
		CHECK(!ring && p->len > 0 && p->handle % 4 == 0);	/* the window is checked below */
	} else {
		CHECK(c->prp1 == 0);	/* no data pointer on a command without data */
		CHECK(p->len == 0);
	}
	if (p->xfer != NVME_XFER_NONE) {
		if (v->max_transfer != 0)
			CHECK(p->len <= v->max_transfer);
		else
			CHECK(p->len <= NVME_IDENTIFY_BYTES);
	}

	switch (p->kind) {
	case NBK_CREATE_CQ:
	case NBK_CREATE_SQ: {
		uint32_t entry = p->kind == NBK_CREATE_CQ ? 16 : 64;
		CHECK(c->opc == (p->kind == NBK_CREATE_CQ ? NVME_ADMIN_CREATE_CQ : NVME_ADMIN_CREATE_SQ));
		CHECK(p->qid >= 1 && p->qid <= v->max_qid && p->qid <= v->max_qid_limit);
		CHECK(p->qsize >= 2 && p->qsize <= v->mqes);
		CHECK(p->len == (uint32_t)p->qsize * entry);
		CHECK(p->handle % entry == 0);
		if (p->kind == NBK_CREATE_CQ) {
			CHECK(!bit(F.cq_live, p->qid));
			CHECK(p->iv < v->nvectors);	/* whatever IEN says: the device CQ always interrupts */
		} else {
			CHECK(!bit(F.sq_live, p->qid));
			CHECK(p->cqid >= 1 && p->cqid <= v->max_qid_limit && bit(F.cq_live, p->cqid));
		}
		break;
	}
	case NBK_DELETE_SQ:
		CHECK(p->qid >= 1 && p->qid <= v->max_qid_limit && bit(F.sq_live, p->qid));
		break;
	case NBK_DELETE_CQ:
		CHECK(p->qid >= 1 && p->qid <= v->max_qid_limit && bit(F.cq_live, p->qid));
		CHECK(!bit(F.cq_has_sqs, p->qid));
		break;
	case NBK_ABORT:
		CHECK(p->qid <= v->max_qid_limit && (p->qid == 0 || bit(F.sq_live, p->qid)));
		break;
	case NBK_SET_NUM_QUEUES:
		CHECK(p->nsqr != 0xffff && p->ncqr != 0xffff);
		break;
	case NBK_IDENTIFY:
		CHECK(p->len == NVME_IDENTIFY_BYTES && p->xfer == NVME_XFER_FROM_DEVICE);
		CHECK(p->cns <= 0x08 && p->cns != 0x04);	/* the CNS allow-list */
		break;
	case NBK_ASYNC_EVENT:
		CHECK(qid == 0 && c->opc == NVME_ADMIN_ASYNC_EVENT && p->xfer == NVME_XFER_NONE);
		break;
	case NBK_DSM:
		CHECK(qid != 0 && c->opc == NVME_CMD_DSM);
		CHECK(p->len % NVME_DSM_RANGE_BYTES == 0 && p->len <= NVME_DSM_MAX_RANGES * NVME_DSM_RANGE_BYTES);
		CHECK(fake_ns(&F, c->nsid) != NULL);
		break;
	case NBK_PLAIN:
		/* Nothing a provider sets may outlive it; only listed log pages are read. */
		if (qid == 0 && c->opc == NVME_ADMIN_SET_FEATURES)
			CHECK(!(c->cdw10 & NVME_FEAT_SV));
		if (qid == 0 && c->opc == NVME_ADMIN_GET_LOG_PAGE)
			CHECK(((c->cdw10 & 0xff) >= 1 && (c->cdw10 & 0xff) <= 5) ||
			      ((c->cdw10 & 0xff) == NVME_LOG_AMAZON_EBS_STATS && v->vendor_log_pages));
		break;
	}

	if (qid != 0 && c->opc != NVME_CMD_DSM && c->opc != NVME_CMD_FLUSH) {
		const struct nvme_broker_ns *ns = fake_ns(&F, c->nsid);
		uint64_t slba = (uint64_t)c->cdw11 << 32 | c->cdw10;
		uint32_t nlb = (c->cdw12 & NVME_RW_NLB_MASK) + 1;
		CHECK(ns != NULL);
		CHECK(!__builtin_add_overflow(slba, (uint64_t)nlb, &end) && end <= ns->nsze);
		if (c->opc == NVME_CMD_READ || c->opc == NVME_CMD_WRITE || c->opc == NVME_CMD_COMPARE) {
			bool pract = c->cdw12 & NVME_RW_PRACT;
			CHECK((uint64_t)p->len == (uint64_t)nlb * nvme_broker_block_xfer(ns, pract));
			CHECK(p->xfer == (c->opc == NVME_CMD_READ ? NVME_XFER_FROM_DEVICE : NVME_XFER_TO_DEVICE));
			/* Separate metadata moves only through the planned one-page MPTR buffer. */
			CHECK(p->md_len == (uint64_t)nlb * nvme_broker_block_md(ns, pract));
			CHECK(!p->md_len || (c->mptr && p->md_len <= v->page_size));
		} else {
			CHECK(p->xfer == NVME_XFER_NONE);
		}
	}
	if (p->space) {
		/* A session's region only for that session's device: its namespace, inside its window. */
		const struct nvme_broker_space *sp = &F.space[p->space];
		uint64_t slba = (uint64_t)c->cdw11 << 32 | c->cdw10, nlb = (c->cdw12 & NVME_RW_NLB_MASK) + 1;
		CHECK(p->space <= 2 && v->space);
		CHECK(qid != 0 && (c->opc == NVME_CMD_READ || c->opc == NVME_CMD_WRITE || c->opc == NVME_CMD_COMPARE));
		CHECK(c->nsid == sp->nsid && slba >= sp->first_lba && slba + nlb <= sp->first_lba + sp->blocks &&
		      slba + nlb >= slba);
		CHECK(p->handle + p->len <= sp->bytes && p->handle + p->len >= p->handle);
		CHECK(p->handle == (c->prp1 & NVME_HANDLE_OFFSET_MASK));
	}
	if (qid != 0 && c->opc == NVME_CMD_FLUSH) {
		CHECK(p->xfer == NVME_XFER_NONE);
		CHECK(fake_ns(&F, c->nsid) != NULL || (c->nsid == NVME_NSID_BROADCAST && v->flush_broadcast));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader in = { data, size };
	struct nvme_broker_view v = { 0 };
	struct nvme_sqe c;
	struct nvme_broker_plan p;
	struct nvme_broker_refusal why;

	memset(&F, 0, sizeof(F));
	/* The manager's state. */
	uint8_t shape = fr_u8(&in);
	v.pool_bytes = shape & 1 ? fr_u64(&in) : (uint64_t)fr_u16(&in) << 12;
	v.max_transfer = shape & 2 ? fr_u32(&in) : (uint32_t)(fr_u8(&in) & 0x1f) << 12;
	v.page_size = 4096u << (fr_u8(&in) & 3);
	v.mqes = (uint32_t)fr_u16(&in) + 1;
	F.limit = (uint16_t)(fr_u8(&in) % MAX_LIMIT);
	v.max_qid_limit = F.limit;
	v.max_qid = F.limit ? (uint16_t)(fr_u8(&in) % (F.limit + 1)) : 0;	/* the view's invariant */
	v.nvectors = fr_u16(&in);
	v.flush_broadcast = shape & 4;
	v.vendor_log_pages = shape & 0x20;
	F.nns = (shape >> 3) % (MAX_NS + 1);
	for (unsigned i = 0; i < F.nns; i++) {
		struct nvme_broker_ns *ns = &F.ns[i];
		uint8_t f = fr_u8(&in);
		ns->nsid = f & 0x80 ? fr_u32(&in) : (uint32_t)(f & 7);
		ns->nsze = f & 0x40 ? fr_u64(&in) : fr_u32(&in);
		ns->lba_bytes = 1u << (9 + (f >> 3 & 7));
		ns->ms = fr_u8(&in) % 65;
		ns->extended = fr_u8(&in) & 1;
		ns->pi_type = fr_u8(&in) & 7;
	}
	F.sq_live = fr_u64(&in);
	F.cq_live = fr_u64(&in);
	F.cq_has_sqs = fr_u64(&in);
	for (unsigned i = 1; i <= 2; i++) {
		F.space[i].bytes = (uint64_t)fr_u16(&in) << 9;
		F.space[i].nsid = fr_u8(&in) & 7;
		F.space[i].first_lba = fr_u8(&in) & 0x80 ? fr_u64(&in) : fr_u16(&in);
		F.space[i].blocks = fr_u8(&in) & 0x80 ? fr_u64(&in) : fr_u16(&in);
	}
	v.ns = fake_ns;
	v.space = shape & 0x40 ? NULL : fake_space;
	v.sq_live = fake_sq_live;
	v.cq_live = fake_cq_live;
	v.cq_has_sqs = fake_cq_has_sqs;
	v.ctx = &F;

	/* The command. */
	uint16_t qid = shape & 0x80 ? fr_u16(&in) : (fr_u8(&in) & 1);
	fr_bytes(&in, &c, sizeof(c));

	struct nvme_sqe copy = c;
	int rc = nvme_broker_check(&v, qid, &c, &p, &why);
	CHECK(memcmp(&copy, &c, sizeof(c)) == 0);	/* the command is only read */
#ifdef FUZZ_TRACE
	fprintf(stderr, "opc=0x%02x qid=%u rc=%d reason=%s kind=%d len=%u\n", c.opc, qid, rc,
		nvme_broker_reason_name(why.reason), (int)p.kind, p.len);
#endif
	if (rc != 0) {
		CHECK(rc == CR_EPERM);
		CHECK(refusal_known(&why));
		CHECK(strcmp(nvme_broker_reason_name(why.reason), "unknown") != 0);
		return 0;
	}
	CHECK(why.reason == NBR_NONE);
	check_plan(&v, qid, &c, &p);

	/* DSM: the ranges as copied in from the pool, checked against the namespace. */
	if (p.kind == NBK_DSM) {
		const struct nvme_broker_ns *ns = fake_ns(&F, c.nsid);
		uint32_t nranges = p.len / NVME_DSM_RANGE_BYTES;
		uint8_t *ranges = calloc(nranges, NVME_DSM_RANGE_BYTES);
		if (!ranges)
			return 0;
		fr_bytes(&in, ranges, (size_t)nranges * NVME_DSM_RANGE_BYTES);
		if (nvme_broker_check_dsm(ns, ranges, nranges) == 0) {
			for (uint32_t i = 0; i < nranges; i++) {
				const uint8_t *r = ranges + i * NVME_DSM_RANGE_BYTES;
				uint64_t nlb = load_le32(r + 4), slba = load_le64(r + 8), end;
				CHECK(!__builtin_add_overflow(slba, nlb, &end) && end <= ns->nsze);
			}
		}
		free(ranges);
	}
	return 0;
}
