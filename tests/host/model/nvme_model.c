/*
 * tests/host/model/nvme_model.c - the NVMe controller model (see nvme_model.h).
 *
 * Modelled on the behaviour the broker relies on in NVMe Base 2.0c: queues
 * created and deleted by admin commands, PRPs walked page by page (§4.1.1),
 * completions posted with a phase tag (§4.6), DELETE SQ aborting what is
 * in flight (posting those completions or, as QEMU does when the CQ is
 * full, dropping them).  Physical addresses are reached the kernel's way,
 * DIRECT_MAP_BASE + pa (tests/host/model/kshim.c), after the oracle agreed.
 */
#include "tests/host/model/nvme_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core/pmm.h"
#include "lib/bits.h"

static void violation(struct nvme_model *m, const char *what, uint64_t addr, uint16_t sqid, uint16_t cid)
{
	m->violations++;
	snprintf(m->violation, sizeof(m->violation), "%s addr=0x%llx sqid=%u cid=0x%04x", what,
		 (unsigned long long)addr, sqid, cid);
}

static bool allowed(struct nvme_model *m, enum model_access kind, uint64_t addr, uint64_t len, uint16_t sqid,
		    uint16_t cid)
{
	if (m->oracle && !m->oracle(m->oracle_ctx, kind, addr, len, sqid, cid)) {
		static const char *const names[] = { "ring-sq", "ring-cq", "dma-read", "dma-write" };
		violation(m, names[kind], addr, sqid, cid);
		return false;
	}
	return true;
}

void model_init(struct nvme_model *m, uint16_t mqes, uint8_t mdts)
{
	memset(m, 0, sizeof(*m));
	m->cap = (uint64_t)(mqes - 1) | 1ull << 16 | 2ull << 24 | (uint64_t)NVME_CAP_CSS_NVM << 37;
	m->mdts = mdts;
	m->max_ioqpairs = 16;
}

void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lba_bytes)
{
	struct model_ns *ns = &m->ns[m->nns++];

	ns->nsid = nsid;
	ns->nsze = nsze;
	ns->lba_bytes = lba_bytes;
	ns->data = malloc(nsze * lba_bytes);
	/* Every 8 bytes different, and different per namespace: a misplaced copy shows. */
	for (uint64_t i = 0; i < nsze * lba_bytes / 8; i++) {
		uint64_t w = (i + 1) * 0x9e3779b97f4a7c15ull ^ nsid;
		memcpy(ns->data + i * 8, &w, 8);
	}
}

static struct model_ns *find_ns(struct nvme_model *m, uint32_t nsid)
{
	for (unsigned i = 0; i < m->nns; i++) {
		if (m->ns[i].nsid == nsid)
			return &m->ns[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------- registers */

static void reset(struct nvme_model *m)
{
	memset(m->sq, 0, sizeof(m->sq));
	memset(m->cq, 0, sizeof(m->cq));
	memset(m->cmd, 0, sizeof(m->cmd));
	m->csts = 0;
	m->irq_pending = 0;
}

uint32_t model_read32(struct nvme_model *m, uint32_t off)
{
	switch (off) {
	case NVME_CAP: return (uint32_t)m->cap;
	case NVME_CAP + 4: return (uint32_t)(m->cap >> 32);
	case NVME_VS: return 0x00010400;
	case NVME_CC: return m->cc;
	case NVME_CSTS: return m->csts;
	case NVME_AQA: return m->aqa;
	case NVME_ASQ: return (uint32_t)m->asq;
	case NVME_ASQ + 4: return (uint32_t)(m->asq >> 32);
	case NVME_ACQ: return (uint32_t)m->acq;
	case NVME_ACQ + 4: return (uint32_t)(m->acq >> 32);
	}
	return 0;
}

void model_write32(struct nvme_model *m, uint32_t off, uint32_t v)
{
	if (off >= NVME_REG_PAGE) {
		uint32_t q = (off - NVME_REG_PAGE) / 8;
		bool cq = (off - NVME_REG_PAGE) % 8 == 4;
		if (q >= MODEL_MAXQ || !(m->csts & NVME_CSTS_RDY)) {
			violation(m, "doorbell-while-not-ready-or-bad-queue", off, (uint16_t)q, 0);
			return;
		}
		if (cq) {
			if (!m->cq[q].live || v >= m->cq[q].size)
				violation(m, "cq-doorbell-invalid", v, (uint16_t)q, 0);
			else
				m->cq[q].head = (uint16_t)v;
			m->cq_doorbells++;
		} else {
			if (!m->sq[q].live || v >= m->sq[q].size)
				violation(m, "sq-doorbell-invalid", v, (uint16_t)q, 0);
			else
				m->sq[q].tail = (uint16_t)v;
			m->sq_doorbells++;
		}
		return;
	}
	switch (off) {
	case NVME_CC: {
		bool was = m->cc & NVME_CC_EN, now = v & NVME_CC_EN;
		m->cc = v;
		if (was && !now) {
			reset(m);
		} else if (!was && now) {
			m->sq[0] = (struct model_sq){ true, m->asq, (uint16_t)((m->aqa & 0xfff) + 1), 0, 0, 0, 0 };
			m->cq[0] = (struct model_cq){ true, m->acq, (uint16_t)(((m->aqa >> 16) & 0xfff) + 1), 0, 0, 0, 1, true };
			m->csts = NVME_CSTS_RDY;
		}
		if (now && ((v >> NVME_CC_SHN_SHIFT) & 3))
			m->csts |= NVME_CSTS_SHST_DONE << 2;
		return;
	}
	case NVME_AQA: m->aqa = v; return;
	case NVME_ASQ: m->asq = (m->asq & ~0xffffffffull) | v; return;
	case NVME_ASQ + 4: m->asq = (m->asq & 0xffffffffull) | (uint64_t)v << 32; return;
	case NVME_ACQ: m->acq = (m->acq & ~0xffffffffull) | v; return;
	case NVME_ACQ + 4: m->acq = (m->acq & 0xffffffffull) | (uint64_t)v << 32; return;
	}
}

/* ---------------------------------------------------------------- PRPs */

/*
 * Walk a PRP pair for len bytes (§4.1.1): visit(addr, n) for each piece.
 * List pages are read through the oracle first.  false if anything was
 * refused or malformed (the command then fails with a data transfer error).
 */
typedef bool (*piece_fn)(struct nvme_model *m, struct model_cmd *c, uint64_t addr, uint64_t n, void *ctx);

static bool walk_prps(struct nvme_model *m, struct model_cmd *c, uint64_t prp1, uint64_t prp2, uint64_t len,
		      piece_fn visit, void *ctx)
{
	uint64_t first = MIN(len, MODEL_PAGE - prp1 % MODEL_PAGE);

	if (!visit(m, c, prp1, first, ctx))
		return false;
	uint64_t left = len - first;
	if (!left)
		return true;
	if (left <= MODEL_PAGE)
		return prp2 % MODEL_PAGE == 0 && visit(m, c, prp2, left, ctx);
	uint64_t list = prp2;
	for (;;) {
		if (list % 8 || !allowed(m, MODEL_DATA_READ, list, MODEL_PAGE - list % MODEL_PAGE, c->sqid, c->sqe.cid))
			return false;
		const uint64_t *e = phys_to_virt(list);
		unsigned slots = (unsigned)((MODEL_PAGE - list % MODEL_PAGE) / 8);
		for (unsigned i = 0; i < slots && left; i++) {
			if (i == slots - 1 && left > MODEL_PAGE) {
				list = e[i];	/* the last entry chains to the next list page */
				break;
			}
			uint64_t n = MIN(left, (uint64_t)MODEL_PAGE);
			if (e[i] % MODEL_PAGE || !visit(m, c, e[i], n, ctx))
				return false;
			left -= n;
		}
		if (!left)
			return true;
	}
}

struct xfer {
	uint8_t *buf;
	uint64_t done;
	bool to_mem;		/* device writes memory */
	bool overwrite;		/* MQ_OVERWRITE: the last piece fills its page */
	uint64_t total;
};

static bool record_piece(struct nvme_model *m, struct model_cmd *c, uint64_t addr, uint64_t n, void *ctx)
{
	bool write = *(bool *)ctx;

	(void)m;
	if (c->npages == MODEL_PAGES_PER_CMD)
		return false;
	c->pages_write[c->npages] = write;
	c->pages[c->npages++] = addr;
	(void)n;
	return true;
}

static bool copy_piece(struct nvme_model *m, struct model_cmd *c, uint64_t addr, uint64_t n, void *ctx)
{
	struct xfer *x = ctx;
	uint64_t span = n;

	if (x->to_mem && x->overwrite && x->done + n == x->total)
		span = MODEL_PAGE - addr % MODEL_PAGE;	/* more than asked, to the end of the page */
	if (!allowed(m, x->to_mem ? MODEL_DATA_WRITE : MODEL_DATA_READ, addr, span, c->sqid, c->sqe.cid))
		return false;
	uint8_t *p = phys_to_virt(addr);
	if (x->to_mem) {
		memcpy(p, x->buf + x->done, n);
		if (span > n)
			memset(p + n, 0xee, span - n);
	} else {
		memcpy(x->buf + x->done, p, n);
	}
	x->done += n;
	return true;
}

static bool transfer(struct nvme_model *m, struct model_cmd *c, uint8_t *buf, uint64_t len, bool to_mem)
{
	struct xfer x = { buf, 0, to_mem, to_mem && (m->quirks & MQ_OVERWRITE), len };

	return walk_prps(m, c, c->sqe.prp1, c->sqe.prp2, len, copy_piece, &x);
}

/* Bytes a command moves through its PRPs, and whether the device writes them. */
static uint64_t data_len(struct nvme_model *m, const struct model_cmd *c, bool *to_mem)
{
	const struct nvme_sqe *s = &c->sqe;
	struct model_ns *ns;

	*to_mem = false;
	if (c->sqid == 0) {
		switch (s->opc) {
		case NVME_ADMIN_IDENTIFY:
			*to_mem = true;
			return NVME_IDENTIFY_BYTES;
		case NVME_ADMIN_GET_LOG_PAGE:
			*to_mem = true;
			return (((uint64_t)(s->cdw11 & 0xffff) << 16 | (s->cdw10 >> 16)) + 1) * 4;
		}
		return 0;
	}
	switch (s->opc) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
	case NVME_CMD_COMPARE:
		ns = find_ns(m, s->nsid);
		*to_mem = s->opc == NVME_CMD_READ;
		return ns ? (uint64_t)((s->cdw12 & 0xffff) + 1) * ns->lba_bytes : 0;
	case NVME_CMD_DSM:
		return (uint64_t)((s->cdw10 & 0xff) + 1) * NVME_DSM_RANGE_BYTES;
	}
	return 0;
}

/* ---------------------------------------------------------------- queues */

static struct model_cmd *slot_free(struct nvme_model *m)
{
	for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
		if (!m->cmd[i].live)
			return &m->cmd[i];
	}
	return NULL;
}

void model_fetch(struct nvme_model *m)
{
	if (!(m->csts & NVME_CSTS_RDY))
		return;
	for (uint16_t q = 0; q < MODEL_MAXQ; q++) {
		struct model_sq *sq = &m->sq[q];
		while (sq->live && sq->head != sq->tail) {
			uint64_t at = sq->base + (uint64_t)sq->head * sizeof(struct nvme_sqe);
			struct model_cmd *c = slot_free(m);
			if (!c || !allowed(m, MODEL_RING_SQ, at, sizeof(struct nvme_sqe), q, 0))
				return;
			*c = (struct model_cmd){ .live = true, .sqid = q };
			memcpy(&c->sqe, phys_to_virt(at), sizeof(c->sqe));
			sq->head = (uint16_t)((sq->head + 1) % sq->size);
			c->sqhd = sq->head;
			for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
				struct model_cmd *o = &m->cmd[i];
				if (o != c && o->live && o->sqid == q && o->sqe.cid == c->sqe.cid)
					violation(m, "cid-reused-while-in-flight", c->sqe.cid, q, c->sqe.cid);
			}
			bool to_mem;
			uint64_t len = data_len(m, c, &to_mem);
			if (len)
				walk_prps(m, c, c->sqe.prp1, c->sqe.prp2, len, record_piece, &to_mem);
		}
	}
}

unsigned model_inflight(const struct nvme_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MODEL_INFLIGHT; i++)
		n += m->cmd[i].live;
	return n;
}

static bool cq_full(const struct model_cq *cq)
{
	return (uint16_t)((cq->tail + 1) % cq->size) == cq->head;
}

static bool post_raw(struct nvme_model *m, uint16_t cqid, const struct nvme_cqe *e)
{
	struct model_cq *cq = &m->cq[cqid];
	uint64_t at = cq->base + (uint64_t)cq->tail * sizeof(struct nvme_cqe);

	if (!cq->live || cq_full(cq))
		return false;
	if (!allowed(m, MODEL_RING_CQ, at, sizeof(*e), cqid, e->cid))
		return false;
	struct nvme_cqe out = *e;
	out.status = (uint16_t)((e->status & ~NVME_CQE_PHASE) | cq->phase);
	memcpy(phys_to_virt(at), &out, sizeof(out));
	cq->tail = (uint16_t)((cq->tail + 1) % cq->size);
	if (cq->tail == 0)
		cq->phase ^= 1;
	if (cq->ien)
		m->irq_pending |= 1u << cq->iv;
	m->posted++;
	return true;
}

/* Post c's completion (with its misbehaviours); false if its CQ had no room: try again later. */
static bool complete(struct nvme_model *m, struct model_cmd *c, uint16_t status, uint32_t dw0)
{
	struct model_sq *sq = &m->sq[c->sqid];
	struct nvme_cqe e = { .dw0 = dw0, .sqhd = c->sqhd, .sqid = c->sqid, .cid = c->sqe.cid, .status = status };

	if (!post_raw(m, sq->cqid, &e)) {
		m->dropped_full++;
		return false;
	}
	if (m->quirks & MQ_DUPLICATE)
		post_raw(m, sq->cqid, &e);
	if (m->quirks & MQ_STALE_CID) {
		struct nvme_cqe stale = e;
		stale.cid = sq->last_cid;
		post_raw(m, sq->cqid, &stale);
	}
	sq->last_cid = c->sqe.cid;
	c->live = false;
	return true;
}

/* ---------------------------------------------------------------- commands */

#define OK 0
#define STATUS(sct, sc) NVME_STATUS_MAKE(sct, sc, 0)

static void fill_identify(struct nvme_model *m, const struct nvme_sqe *s, uint8_t *page)
{
	uint32_t cns = s->cdw10 & 0xff;

	memset(page, 0, NVME_IDENTIFY_BYTES);
	if (cns == NVME_CNS_CONTROLLER) {
		page[NVME_IDC_VID] = 0x36;
		page[NVME_IDC_VID + 1] = 0x1b;
		memcpy(page + NVME_IDC_SN, "MODEL0001           ", 20);
		memcpy(page + NVME_IDC_MN, "Caprock NVMe model                      ", 40);
		memcpy(page + NVME_IDC_FR, "1.0     ", 8);
		page[NVME_IDC_MDTS] = m->mdts;
		store_le32(page + NVME_IDC_NN, 16);
	} else if (cns == NVME_CNS_NAMESPACE) {
		struct model_ns *ns = find_ns(m, s->nsid);
		if (ns) {
			store_le64(page + NVME_IDNS_NSZE, ns->nsze);
			store_le64(page + NVME_IDNS_NCAP, ns->nsze);
			store_le64(page + NVME_IDNS_NUSE, ns->nsze);
			store_le32(page + NVME_IDNS_LBAF, (uint32_t)__builtin_ctz(ns->lba_bytes) << 16);
		}
	} else if (cns == NVME_CNS_ACTIVE_NS_LIST) {
		unsigned n = 0;
		for (unsigned i = 0; i < m->nns; i++) {
			if (m->ns[i].nsid > s->nsid)
				store_le32(page + 4 * n++, m->ns[i].nsid);
		}
	}
}

static uint16_t queue_command(struct nvme_model *m, struct model_cmd *c, uint32_t *dw0)
{
	const struct nvme_sqe *s = &c->sqe;
	uint16_t qid = s->cdw10 & 0xffff, size = (uint16_t)((s->cdw10 >> 16) + 1);

	switch (s->opc) {
	case NVME_ADMIN_CREATE_CQ:
		if (qid == 0 || qid >= MODEL_MAXQ || m->cq[qid].live || !(s->cdw11 & NVME_QUEUE_PC))
			return STATUS(NVME_SCT_COMMAND, NVME_SC_QID_INVALID);
		m->cq[qid] = (struct model_cq){ true, s->prp1, size, 0, 0, (uint16_t)(s->cdw11 >> 16), 1,
						 (s->cdw11 & NVME_CQ_IEN) != 0 };
		return OK;
	case NVME_ADMIN_CREATE_SQ: {
		uint16_t cqid = (uint16_t)(s->cdw11 >> 16);
		if (qid == 0 || qid >= MODEL_MAXQ || m->sq[qid].live || cqid >= MODEL_MAXQ || !m->cq[cqid].live)
			return STATUS(NVME_SCT_COMMAND, NVME_SC_QID_INVALID);
		m->sq[qid] = (struct model_sq){ true, s->prp1, size, 0, 0, cqid, 0 };
		return OK;
	}
	case NVME_ADMIN_DELETE_SQ:
		if (qid == 0 || qid >= MODEL_MAXQ || !m->sq[qid].live)
			return STATUS(NVME_SCT_COMMAND, NVME_SC_QID_INVALID);
		/* Everything in flight on it is aborted: its completion posted if asked and there is room. */
		for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
			struct model_cmd *o = &m->cmd[i];
			if (!o->live || o->sqid != qid)
				continue;
			if (!(m->quirks & MQ_DELETE_POSTS) ||
			    !complete(m, o, STATUS(NVME_SCT_GENERIC, NVME_SC_ABORTED_SQ_DELETION), 0))
				o->live = false;
		}
		m->sq[qid].live = false;
		return OK;
	case NVME_ADMIN_DELETE_CQ:
		if (qid == 0 || qid >= MODEL_MAXQ || !m->cq[qid].live)
			return STATUS(NVME_SCT_COMMAND, NVME_SC_QID_INVALID);
		for (unsigned q = 1; q < MODEL_MAXQ; q++) {
			if (m->sq[q].live && m->sq[q].cqid == qid)
				return STATUS(NVME_SCT_COMMAND, 0x0c);
		}
		m->cq[qid].live = false;
		return OK;
	case NVME_ADMIN_ABORT: {
		uint16_t cid = (uint16_t)(s->cdw10 >> 16);
		*dw0 = 1;
		for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
			struct model_cmd *o = &m->cmd[i];
			if (o->live && !o->executed && o->sqid == qid && o->sqe.cid == cid && o != c &&
			    complete(m, o, STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED), 0)) {
				*dw0 = 0;
				break;
			}
		}
		return OK;
	}
	}
	return STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE);
}

/* Run one command; returns false when it stays in flight (held AER, full CQ). */
static bool execute(struct nvme_model *m, struct model_cmd *c)
{
	const struct nvme_sqe *s = &c->sqe;
	uint32_t dw0 = 0;
	uint16_t status = OK;
	bool to_mem;
	uint64_t len = data_len(m, c, &to_mem);

	if (c->sqid == 0 && s->opc == NVME_ADMIN_ASYNC_EVENT)
		return false;	/* held until model_post_aen */
	if (!c->executed) {
		c->executed = true;
		m->executed++;
		if (c->sqid == 0) {
			switch (s->opc) {
			case NVME_ADMIN_IDENTIFY: {
				uint8_t page[NVME_IDENTIFY_BYTES];
				fill_identify(m, s, page);
				if (!transfer(m, c, page, len, true))
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
				break;
			}
			case NVME_ADMIN_GET_LOG_PAGE: {
				uint8_t *buf = malloc(len);
				memset(buf, 0x5a, len);
				if (!transfer(m, c, buf, len, true))
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
				free(buf);
				break;
			}
			case NVME_ADMIN_SET_FEATURES:
				if ((s->cdw10 & 0xff) == NVME_FEAT_NUM_QUEUES)
					dw0 = (uint32_t)(m->max_ioqpairs - 1) * 0x10001u;
				break;
			case NVME_ADMIN_GET_FEATURES:
			case NVME_ADMIN_KEEP_ALIVE:
				break;
			default:
				status = queue_command(m, c, &dw0);
			}
		} else {
			struct model_ns *ns = find_ns(m, s->nsid);
			uint64_t slba = (uint64_t)s->cdw11 << 32 | s->cdw10, nlb = (s->cdw12 & 0xffff) + 1;
			switch (s->opc) {
			case NVME_CMD_FLUSH:
				break;
			case NVME_CMD_READ:
			case NVME_CMD_WRITE:
			case NVME_CMD_COMPARE:
			case NVME_CMD_WRITE_ZEROES:
				if (!ns) {
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_NS);
				} else if (slba + nlb > ns->nsze) {
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE);
				} else if (s->opc == NVME_CMD_WRITE_ZEROES) {
					memset(ns->data + slba * ns->lba_bytes, 0, nlb * ns->lba_bytes);
				} else if (s->opc == NVME_CMD_COMPARE) {
					uint8_t *tmp = malloc(len);
					if (!transfer(m, c, tmp, len, false))
						status = STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
					else if (memcmp(tmp, ns->data + slba * ns->lba_bytes, len))
						status = STATUS(NVME_SCT_MEDIA, 0x85);
					free(tmp);
				} else if (!transfer(m, c, ns->data + slba * ns->lba_bytes, len, s->opc == NVME_CMD_READ)) {
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
				} else if (s->opc == NVME_CMD_READ && (m->quirks & MQ_FAIL_AFTER_DATA)) {
					status = STATUS(NVME_SCT_MEDIA, 0x81);	/* the data moved, then the medium failed */
				}
				break;
			case NVME_CMD_DSM: {
				uint8_t *tmp = malloc(len);
				if (!transfer(m, c, tmp, len, false)) {
					status = STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
				} else {
					/* A range outside the namespace is an LBA range error (and counted). */
					for (uint64_t r = 0; ns && r < len / NVME_DSM_RANGE_BYTES; r++) {
						uint32_t nlb;
						uint64_t slba;
						memcpy(&nlb, tmp + r * NVME_DSM_RANGE_BYTES + 4, 4);
						memcpy(&slba, tmp + r * NVME_DSM_RANGE_BYTES + 8, 8);
						if (slba + nlb > ns->nsze || slba + nlb < slba) {
							m->dsm_outside++;
							status = STATUS(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE);
						}
					}
				}
				free(tmp);
				break;
			}
			default:
				status = STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE);
			}
		}
		c->status = status;	/* kept for a retry when the CQ is full */
		c->dw0 = dw0;
	}
	return complete(m, c, c->status, c->dw0);
}

unsigned model_run(struct nvme_model *m, unsigned n)
{
	unsigned done = 0;

	if (!(m->csts & NVME_CSTS_RDY))
		return 0;
	for (unsigned k = 0; k < MODEL_INFLIGHT && (!n || done < n); k++) {
		unsigned i = m->quirks & MQ_REORDER ? MODEL_INFLIGHT - 1 - k : k;
		struct model_cmd *c = &m->cmd[i];
		if (!c->live || ((m->quirks & MQ_HOLD) && c->sqid && !c->executed && !c->released))
			continue;
		if (execute(m, c))
			done++;
		if (!(m->csts & NVME_CSTS_RDY))
			break;	/* a command reset the model */
	}
	return done;
}

void model_release_held(struct nvme_model *m)
{
	for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
		if (m->cmd[i].live)
			m->cmd[i].released = true;
	}
}

bool model_post_aen(struct nvme_model *m, uint32_t dw0)
{
	for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
		struct model_cmd *c = &m->cmd[i];
		if (c->live && c->sqid == 0 && c->sqe.opc == NVME_ADMIN_ASYNC_EVENT)
			return complete(m, c, OK, dw0);
	}
	return false;
}

void model_post_forged(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid)
{
	struct nvme_cqe e = { .sqid = sqid, .cid = cid, .status = OK };

	post_raw(m, cqid, &e);
}
