/*
 * kernel/nvme/broker_queues.c - queue lifetimes on the brokered lane: the
 * brokered controller enable, I/O queue creation and deletion, reset and
 * teardown, and the read-only view the validator consults.
 */
#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"
#include "lib/string.h"

static void free_sq(struct nvme_ctrl *c, struct broker_sq *sq)
{
	if (sq->sq_cmds) {
		for (unsigned i = 0; i < sq->sq_size; i++) {
			if (sq->sq_cmds[i].bc_busy) {
				dma_unmap(&c->nc_dma, &sq->sq_cmds[i].bc_dma);
				dma_unmap(&c->nc_dma, &sq->sq_cmds[i].bc_md);
			}
		}
	}
	dma_free_coherent(&c->nc_dma, sq->sq_phys, (uint64_t)sq->sq_size * sizeof(struct nvme_sqe));
	kfree(sq->sq_cmds);
	kfree(sq->sq_free);
	memset(sq, 0, sizeof(*sq));
}

static void free_cq(struct nvme_ctrl *c, struct broker_cq *cq)
{
	dma_free_coherent(&c->nc_dma, cq->cq_phys, (uint64_t)cq->cq_size * sizeof(struct nvme_cqe));
	memset(cq, 0, sizeof(*cq));
}

static int alloc_sq(struct nvme_ctrl *c, uint16_t qid, uint16_t size, uint16_t cqid, uint64_t shadow)
{
	struct broker_sq *sq = &c->nc_sq[qid];
	void *ring;

	memset(sq, 0, sizeof(*sq));
	sq->sq_phys = dma_alloc_coherent(&c->nc_dma, (uint64_t)size * sizeof(struct nvme_sqe), &ring);
	sq->sq_cmds = kmalloc((size_t)size * sizeof(struct broker_cmd));
	sq->sq_free = kmalloc((size_t)size * sizeof(uint16_t));
	sq->sq_size = size;
	if (!sq->sq_phys || !sq->sq_cmds || !sq->sq_free) {
		free_sq(c, sq);
		return CR_ENOMEM;
	}
	sq->sq_ring = ring;
	sq->sq_qid = qid;
	sq->sq_cqid = cqid;
	sq->sq_shadow = shadow;
	/* A queue of N entries holds at most N - 1 commands. */
	for (uint16_t i = 0; i < size - 1; i++)
		sq->sq_free[sq->sq_nfree++] = (uint16_t)(size - 2 - i);
	return 0;
}

static int alloc_cq(struct nvme_ctrl *c, uint16_t qid, uint16_t size, uint16_t iv, bool ien, uint64_t shadow)
{
	struct broker_cq *cq = &c->nc_cq[qid];
	void *ring;

	memset(cq, 0, sizeof(*cq));
	cq->cq_phys = dma_alloc_coherent(&c->nc_dma, (uint64_t)size * sizeof(struct nvme_cqe), &ring);
	if (!cq->cq_phys)
		return CR_ENOMEM;
	cq->cq_ring = ring;
	cq->cq_qid = qid;
	cq->cq_size = size;
	cq->cq_iv = iv;
	cq->cq_ien = ien;
	cq->cq_phase = 1;
	cq->cq_shadow = shadow;
	cq->cq_shadow_phase = 1;
	return 0;
}

void broker_teardown(struct nvme_ctrl *c)
{
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		free_sq(c, &c->nc_sq[q]);
		free_cq(c, &c->nc_cq[q]);
	}
	if (c->nc_dma.dd_pool) {
		kobj_put(&c->nc_dma.dd_pool->dp_obj);
		c->nc_dma.dd_pool = NULL;
	}
	c->nc_nns = 0;
	c->nc_max_qid = 0;
	c->nc_max_transfer = 0;
	c->nc_enabled = false;
}

int broker_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req)
{
	uint32_t max = MIN(c->nc_mqes, (uint32_t)NVME_AQ_MAX_ENTRIES);
	uint64_t end;

	if ((nvme_read32(c, NVME_CC) & NVME_CC_EN) || (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY))
		return CR_EBUSY;	/* the provider resets and waits for RDY=0 first */
	if (req->er_asq_entries < 2 || req->er_asq_entries > max ||
	    req->er_acq_entries < 2 || req->er_acq_entries > max)
		return CR_EINVAL;
	if (req->er_asq_handle % sizeof(struct nvme_sqe) || req->er_acq_handle % sizeof(struct nvme_cqe) ||
	    __builtin_add_overflow(req->er_asq_handle, (uint64_t)req->er_asq_entries * 64, &end) ||
	    end > pool->dp_bytes ||
	    __builtin_add_overflow(req->er_acq_handle, (uint64_t)req->er_acq_entries * 16, &end) ||
	    end > pool->dp_bytes)
		return CR_ERANGE;

	broker_teardown(c);	/* the controller is disabled: nothing of the old state is in use */
	kobj_get(&pool->dp_obj);
	c->nc_dma.dd_pool = pool;
	if (alloc_cq(c, 0, req->er_acq_entries, 0, true, req->er_acq_handle) < 0 ||
	    alloc_sq(c, 0, req->er_asq_entries, 0, req->er_asq_handle) < 0) {
		broker_teardown(c);
		return CR_ENOMEM;
	}
	c->nc_sq[0].sq_live = c->nc_cq[0].cq_live = true;

	uint32_t css = NVME_CAP_CSS(c->nc_cap) & NVME_CAP_CSS_NVM ? NVME_CC_CSS_NVM : NVME_CC_CSS_IOCS;
	uint32_t mps = (uint32_t)__builtin_ctz(c->nc_page_size) - 12;
	nvme_write32(c, NVME_AQA, (uint32_t)(req->er_asq_entries - 1) << NVME_AQA_ASQS_SHIFT |
				   (uint32_t)(req->er_acq_entries - 1) << NVME_AQA_ACQS_SHIFT);
	nvme_write64(c, NVME_ASQ, c->nc_sq[0].sq_phys);
	nvme_write64(c, NVME_ACQ, c->nc_cq[0].cq_phys);
	uint32_t cc = css << NVME_CC_CSS_SHIFT | mps << NVME_CC_MPS_SHIFT |
		      (uint32_t)NVME_SQE_SIZE_LOG2 << NVME_CC_IOSQES_SHIFT |
		      (uint32_t)NVME_CQE_SIZE_LOG2 << NVME_CC_IOCQES_SHIFT;
	nvme_write32(c, NVME_CC, cc);
	nvme_write32(c, NVME_CC, cc | NVME_CC_EN);
	c->nc_enabled = true;
	kprintf("nvme: brokered enable writer=manager asq_entries=%u acq_entries=%u page_size=%u css=%s",
		req->er_asq_entries, req->er_acq_entries, c->nc_page_size, css == NVME_CC_CSS_NVM ? "nvm" : "iocs");
	return 0;
}

void broker_reset_claim(struct nvme_ctrl *c)
{
	/* EN 1 -> 0 resets the controller; queues die with it.  Memory is freed once RDY reads 0. */
	nvme_write32(c, NVME_CC, nvme_read32(c, NVME_CC) & ~NVME_CC_EN);
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		c->nc_sq[q].sq_live = false;
		c->nc_cq[q].cq_live = false;
	}
	c->nc_enabled = false;
}

const struct nvme_broker_ns *broker_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	for (unsigned i = 0; i < c->nc_nns; i++) {
		if (c->nc_ns[i].nsid == nsid)
			return &c->nc_ns[i];
	}
	return NULL;
}

static const struct nvme_broker_ns *view_ns(void *ctx, uint32_t nsid) { return broker_ns(ctx, nsid); }

static bool view_sq_live(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	return qid <= BROKER_MAX_QID && (c->nc_sq[qid].sq_live || c->nc_sq[qid].sq_pending);
}

static bool view_cq_live(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	return qid <= BROKER_MAX_QID && c->nc_cq[qid].cq_live;
}

static bool view_cq_has_sqs(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	for (unsigned q = 1; q <= BROKER_MAX_QID; q++) {
		if ((c->nc_sq[q].sq_live || c->nc_sq[q].sq_pending) && c->nc_sq[q].sq_cqid == qid)
			return true;
	}
	return false;
}

struct nvme_broker_view broker_view(struct nvme_ctrl *c)
{
	return (struct nvme_broker_view){
		.pool_bytes = c->nc_dma.dd_pool ? c->nc_dma.dd_pool->dp_bytes : 0,
		.max_transfer = c->nc_max_transfer,
		.page_size = c->nc_page_size,
		.mqes = c->nc_mqes,
		.max_qid = c->nc_max_qid,
		.max_qid_limit = BROKER_MAX_QID,
		.nvectors = (uint16_t)c->nc_nvectors,
		.flush_broadcast = c->nc_have_id && NVME_VWC_FLUSH_BROADCAST(c->nc_id.vwc) == 3,
		.ns = view_ns,
		.sq_live = view_sq_live,
		.cq_live = view_cq_live,
		.cq_has_sqs = view_cq_has_sqs,
		.ctx = c,
	};
}

/* A queue command passed validation: prepare the device side before it is sent. */
int broker_queue_begin(struct nvme_ctrl *c, const struct nvme_broker_plan *p)
{
	switch (p->kind) {
	case NBK_CREATE_CQ:
		if (c->nc_cq[p->qid].cq_live || c->nc_cq[p->qid].cq_pending)
			return CR_EBUSY;
		if (alloc_cq(c, p->qid, p->qsize, p->iv, p->ien, p->handle) < 0)
			return CR_ENOMEM;
		c->nc_cq[p->qid].cq_pending = true;
		return 0;
	case NBK_CREATE_SQ:
		if (c->nc_sq[p->qid].sq_live || c->nc_sq[p->qid].sq_pending)
			return CR_EBUSY;
		if (alloc_sq(c, p->qid, p->qsize, p->cqid, p->handle) < 0)
			return CR_ENOMEM;
		c->nc_sq[p->qid].sq_pending = true;
		return 0;
	case NBK_DELETE_SQ:
		c->nc_sq[p->qid].sq_live = false;	/* no new commands from here on */
		c->nc_sq[p->qid].sq_pending = true;
		return 0;
	case NBK_DELETE_CQ:
		c->nc_cq[p->qid].cq_live = false;
		c->nc_cq[p->qid].cq_pending = true;
		return 0;
	default:
		return 0;
	}
}

/* The device answered a queue command: make the manager's view match. */
void broker_queue_finish(struct nvme_ctrl *c, const struct nvme_broker_plan *p, bool ok, uint32_t dw0)
{
	struct broker_sq *sq = &c->nc_sq[p->qid];
	struct broker_cq *cq = &c->nc_cq[p->qid];

	switch (p->kind) {
	case NBK_CREATE_CQ:
		cq->cq_pending = false;
		if (ok)
			cq->cq_live = true;
		else
			free_cq(c, cq);
		break;
	case NBK_CREATE_SQ:
		sq->sq_pending = false;
		if (ok)
			sq->sq_live = true;
		else
			free_sq(c, sq);
		break;
	case NBK_DELETE_SQ:
		sq->sq_pending = false;
		if (ok)
			free_sq(c, sq);	/* the device has completed or aborted everything on it */
		else
			sq->sq_live = true;
		break;
	case NBK_DELETE_CQ:
		cq->cq_pending = false;
		if (ok)
			free_cq(c, cq);
		else
			cq->cq_live = true;
		break;
	case NBK_SET_NUM_QUEUES:
		if (ok) {
			uint32_t granted = MIN(dw0 & 0xffff, dw0 >> 16) + 1;
			c->nc_max_qid = (uint16_t)MIN(granted, (uint32_t)BROKER_MAX_QID);
		}
		break;
	default:
		break;
	}
}
