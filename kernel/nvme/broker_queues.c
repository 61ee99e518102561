/*
 * kernel/nvme/broker_queues.c - queue lifetimes on the brokered lane: the
 * admin queue at enable, I/O queue creation and deletion (with the fence
 * that retires an SQ incarnation, I2), command slots, reset and teardown,
 * and the read-only view the validator consults.
 */
#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"
#include "lib/string.h"

/* ---------------------------------------------------------------- slots */

static uint16_t slot_index(const struct broker_sq *sq, const struct broker_cmd *t)
{
	return (uint16_t)(t - sq->sq_cmds);
}

uint16_t broker_device_cid(const struct broker_sq *sq, const struct broker_cmd *t)
{
	return (uint16_t)(slot_index(sq, t) | (uint16_t)t->bc_gen << BROKER_CID_SLOT_BITS);
}

struct broker_cmd *broker_slot_take(struct broker_sq *sq, bool manager)
{
	if (sq->sq_nfree <= (manager ? 0 : sq->sq_reserved))
		return NULL;
	struct broker_cmd *t = &sq->sq_cmds[sq->sq_free_head];
	sq->sq_free_head = t->bc_next_free;
	sq->sq_nfree--;
	uint8_t gen = t->bc_gen;
	*t = (struct broker_cmd){ .bc_gen = gen, .bc_state = BC_DEVICE, .bc_next_done = BROKER_NONE };
	return t;
}

/* Back to the tail of the free FIFO with the next generation: the CID it had is not reused soon. */
void broker_slot_put(struct broker_sq *sq, struct broker_cmd *t)
{
	uint16_t i = slot_index(sq, t);

	t->bc_state = BC_FREE;
	t->bc_gen = (uint8_t)((t->bc_gen + 1) & BROKER_CID_GEN_MASK);
	t->bc_mgr = NULL;
	if (sq->sq_nfree == 0)
		sq->sq_free_head = i;
	else
		sq->sq_cmds[sq->sq_free_tail].bc_next_free = i;
	sq->sq_free_tail = i;
	sq->sq_nfree++;
}

void broker_cmd_release(struct nvme_ctrl *c, struct broker_cmd *t)
{
	nvme_ctrl_assert_locked(c);
	/* In place, the device wrote the pool's pages itself, success or not. */
	if (t->bc_data.dm_mapped && t->bc_data.dm_in_place)
		broker_note_device_data(c, &t->bc_data);
	if (t->bc_md.dm_mapped && t->bc_md.dm_in_place)
		broker_note_device_data(c, &t->bc_md);
	dma_unmap(&c->nc_dma, &t->bc_data);
	dma_unmap(&c->nc_dma, &t->bc_md);
	dma_unmap(&c->nc_dma, &t->bc_list);
}

bool broker_sq_exists(const struct broker_sq *sq)
{
	return sq->sq_state != BQ_FREE;
}

/* ---------------------------------------------------------------- queues */

static uint16_t device_entries(const struct nvme_ctrl *c, uint32_t want)
{
	return (uint16_t)MIN(MIN(want, (uint32_t)BROKER_QUEUE_MAX), c->nc_mqes);
}

uint64_t broker_io_pair_bytes(const struct nvme_ctrl *c, uint32_t want)
{
	uint64_t n = device_entries(c, want);

	return ALIGN_UP(n * sizeof(struct nvme_sqe), PAGE_SIZE) + ALIGN_UP(n * sizeof(struct nvme_cqe), PAGE_SIZE) +
	       ALIGN_UP((n - 1) * sizeof(struct broker_cmd), PAGE_SIZE);
}

/* Every pool entry a provider SQ ring ever covered: what is there is the provider's own writing. */
static void note_shadow_sq(struct nvme_ctrl *c, uint64_t handle, uint16_t entries)
{
	if (!c->nc_shadow_sq_map || !entries)
		return;
	for (uint64_t e = handle / 64; e < handle / 64 + entries; e++)
		c->nc_shadow_sq_map[e / 8] |= (uint8_t)(1u << (e % 8));
}

/* The device is done with every command of sq (I1): let it all go. */
static void free_sq(struct nvme_ctrl *c, struct broker_sq *sq)
{
	for (unsigned i = 0; sq->sq_cmds && i < sq->sq_nslots; i++) {
		struct broker_cmd *t = &sq->sq_cmds[i];
		if (t->bc_state != BC_FREE)
			broker_cmd_release(c, t);
	}
	dma_free_coherent(&c->nc_dma, sq->sq_dev_addr, sq->sq_ring, (uint64_t)sq->sq_entries * sizeof(struct nvme_sqe));
	kfree(sq->sq_cmds);
	memset(sq, 0, sizeof(*sq));
}

static void free_cq(struct nvme_ctrl *c, struct broker_cq *cq)
{
	dma_free_coherent(&c->nc_dma, cq->cq_dev_addr, cq->cq_ring, (uint64_t)cq->cq_entries * sizeof(struct nvme_cqe));
	memset(cq, 0, sizeof(*cq));
}

static int alloc_sq(struct nvme_ctrl *c, uint16_t qid, uint16_t entries, uint16_t cqid, uint64_t shadow,
		    uint16_t shadow_entries, uint16_t reserved)
{
	struct broker_sq *sq = &c->nc_sq[qid];
	void *ring = NULL;

	memset(sq, 0, sizeof(*sq));
	sq->sq_entries = entries;
	sq->sq_nslots = (uint16_t)(entries - 1);	/* a queue of N entries holds N - 1 commands */
	sq->sq_dev_addr = dma_alloc_device_reads(&c->nc_dma, (uint64_t)entries * sizeof(struct nvme_sqe), &ring);
	sq->sq_cmds = kmalloc((size_t)sq->sq_nslots * sizeof(struct broker_cmd));
	if (!sq->sq_dev_addr || !sq->sq_cmds) {
		sq->sq_ring = ring;
		free_sq(c, sq);
		return CR_ENOMEM;
	}
	sq->sq_ring = ring;
	sq->sq_qid = qid;
	sq->sq_cqid = cqid;
	sq->sq_shadow = shadow;
	sq->sq_shadow_entries = shadow_entries;
	sq->sq_reserved = reserved;
	sq->sq_incarnation = ++c->nc_incarnations;
	/* Generations start apart per incarnation: defence in depth behind the fence. */
	for (uint16_t i = 0; i < sq->sq_nslots; i++) {
		sq->sq_cmds[i].bc_gen = (uint8_t)((sq->sq_incarnation * 7 + i) & BROKER_CID_GEN_MASK);
		sq->sq_cmds[i].bc_next_free = (uint16_t)(i + 1);
	}
	sq->sq_free_head = 0;
	sq->sq_free_tail = (uint16_t)(sq->sq_nslots - 1);
	sq->sq_nfree = sq->sq_nslots;
	note_shadow_sq(c, shadow, shadow_entries);
	return 0;
}

static int alloc_cq(struct nvme_ctrl *c, uint16_t qid, uint16_t entries, uint16_t iv, bool ien, uint64_t shadow,
		    uint16_t shadow_entries)
{
	struct broker_cq *cq = &c->nc_cq[qid];
	void *ring = NULL;

	memset(cq, 0, sizeof(*cq));
	cq->cq_dev_addr = dma_alloc_coherent(&c->nc_dma, (uint64_t)entries * sizeof(struct nvme_cqe), &ring);
	if (!cq->cq_dev_addr)
		return CR_ENOMEM;
	cq->cq_ring = ring;
	cq->cq_qid = qid;
	cq->cq_entries = entries;
	cq->cq_iv = iv;
	cq->cq_ien = ien;
	cq->cq_phase = 1;
	cq->cq_shadow = shadow;
	cq->cq_shadow_entries = shadow_entries;
	cq->cq_shadow_phase = 1;
	cq->cq_done_head = cq->cq_done_tail = BROKER_NONE;
	return 0;
}

/* Remove sqid's entries from cq's done list; returns how many were dropped. */
static unsigned unlink_done(struct nvme_ctrl *c, struct broker_cq *cq, uint16_t sqid)
{
	uint32_t keep_head = BROKER_NONE, keep_tail = BROKER_NONE;
	unsigned dropped = 0;

	for (uint32_t at = cq->cq_done_head; at != BROKER_NONE;) {
		struct broker_cmd *t = &c->nc_sq[at >> 16].sq_cmds[at & 0xffff];
		uint32_t next = t->bc_next_done;
		t->bc_next_done = BROKER_NONE;
		if ((at >> 16) == sqid) {
			dropped++;
		} else {
			if (keep_tail == BROKER_NONE)
				keep_head = at;
			else
				c->nc_sq[keep_tail >> 16].sq_cmds[keep_tail & 0xffff].bc_next_done = at;
			keep_tail = at;
		}
		at = next;
	}
	cq->cq_done_head = keep_head;
	cq->cq_done_tail = keep_tail;
	return dropped;
}

/*
 * DELETE SQ succeeded: the device has completed or aborted every command
 * of that queue and posts nothing more for it.  Drain its CQ so nothing
 * of this incarnation stays in the device ring, then let every slot go
 * (I1, I2).  Completions still waiting for shadow room are dropped: their
 * queue is gone.
 */
static void fence_deleted_sq(struct nvme_ctrl *c, struct broker_sq *sq)
{
	struct broker_cq *cq = &c->nc_cq[sq->sq_cqid];

	broker_drain(c, cq);
	c->nc_dropped_on_delete += unlink_done(c, cq, sq->sq_qid);
	for (unsigned i = 0; i < sq->sq_nslots; i++) {
		struct broker_cmd *t = &sq->sq_cmds[i];
		if (t->bc_state == BC_DEVICE) {
			c->nc_aborted_on_delete++;
			if (t->bc_mgr == &c->nc_mgr_abandoned) {
				if (c->nc_mgr_abandoned_count)
					c->nc_mgr_abandoned_count--;
			} else if (t->bc_mgr) {
				t->bc_mgr->mc_cqe = (struct nvme_cqe){
					.status = NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_ABORTED_SQ_DELETION, 1) };
				t->bc_mgr->mc_done = true;
			}
		}
	}
	free_sq(c, sq);
}

void broker_teardown(struct nvme_ctrl *c)
{
	nvme_ctrl_assert_locked(c);
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		free_sq(c, &c->nc_sq[q]);
		free_cq(c, &c->nc_cq[q]);
	}
	dma_detach_pool(&c->nc_dma);
	c->nc_mgr_abandoned_count = 0;	/* RDY=0: nothing given up on can still complete */
	if (c->nc_ns_refreshing) {
		/* Its IDENTIFY died with the queues; what was learned so far stands. */
		kprintf("nvme: manager namespace refresh abandoned by a reset bdf=%s active=%u", c->nc_bdf, c->nc_nns);
		c->nc_ns_refreshing = 0;
	}
	c->nc_max_qid = 0;
	c->nc_enabled = false;
	c->nc_backlog = false;
	c->nc_drain_backlog = false;
}

/*
 * The admin queue pair and the controller enable, which only the manager
 * performs: AQA/ASQ/ACQ name manager memory.  With shadow entries the
 * provider's rings are mirrored; without, the queue is the manager's own
 * (bind time).  The caller tore the old state down (broker_teardown)
 * and waits for CSTS.RDY.
 */
int broker_admin_start(struct nvme_ctrl *c, uint64_t asq_shadow, uint16_t asq_entries, uint64_t acq_shadow,
		       uint16_t acq_entries)
{
	nvme_ctrl_assert_locked(c);
	if ((nvme_read32(c, NVME_CC) & NVME_CC_EN) || (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY))
		return CR_EBUSY;	/* reset first and wait for RDY=0: then the device touches nothing */
	uint16_t entries = c->nc_admin_entries;
	bool shadow = asq_entries != 0;
	if (alloc_cq(c, 0, entries, 0, true, acq_shadow, acq_entries) < 0 ||
	    alloc_sq(c, 0, entries, 0, asq_shadow, asq_entries, shadow ? BROKER_MGR_RESERVED : 0) < 0) {
		free_sq(c, &c->nc_sq[0]);
		free_cq(c, &c->nc_cq[0]);
		return CR_ENOMEM;
	}
	c->nc_sq[0].sq_state = c->nc_cq[0].cq_state = BQ_LIVE;

	nvme_write32(c, NVME_AQA, (uint32_t)(entries - 1) << NVME_AQA_ASQS_SHIFT |
				   (uint32_t)(entries - 1) << NVME_AQA_ACQS_SHIFT);
	nvme_write64(c, NVME_ASQ, c->nc_sq[0].sq_dev_addr);
	nvme_write64(c, NVME_ACQ, c->nc_cq[0].cq_dev_addr);
	uint32_t cc = nvme_cc_config(c);
	nvme_write32(c, NVME_CC, cc);
	nvme_write32(c, NVME_CC, cc | NVME_CC_EN);
	c->nc_enabled = true;
	return 0;
}

/*
 * An I/O queue pair for the manager's own commands at bind time (reading
 * the GPT): no shadow, polled, so created without interrupts.
 */
int broker_mgr_queue_pair(struct nvme_ctrl *c, uint16_t qid, uint16_t entries, uint32_t timeout_ms)
{
	entries = device_entries(c, entries);
	int err = alloc_cq(c, qid, entries, 0, false, 0, 0);
	if (err)
		return err;
	if ((err = alloc_sq(c, qid, entries, qid, 0, 0, 0)) < 0) {
		free_cq(c, &c->nc_cq[qid]);
		return err;
	}
	struct nvme_mgr_cmd m = { .mc_sqe = {
		.opc = NVME_ADMIN_CREATE_CQ, .prp1 = c->nc_cq[qid].cq_dev_addr,
		.cdw10 = qid | (uint32_t)(entries - 1) << 16, .cdw11 = NVME_QUEUE_PC } };
	if ((err = broker_mgr_exec(c, 0, &m, timeout_ms)) < 0 || NVME_STATUS_SC(m.mc_cqe.status) ||
	    NVME_STATUS_SCT(m.mc_cqe.status))
		return err < 0 ? err : CR_EIO;	/* the caller disables the controller, then tears down */
	c->nc_cq[qid].cq_state = BQ_LIVE;
	m = (struct nvme_mgr_cmd){ .mc_sqe = {
		.opc = NVME_ADMIN_CREATE_SQ, .prp1 = c->nc_sq[qid].sq_dev_addr,
		.cdw10 = qid | (uint32_t)(entries - 1) << 16, .cdw11 = NVME_QUEUE_PC | (uint32_t)qid << 16 } };
	if ((err = broker_mgr_exec(c, 0, &m, timeout_ms)) < 0 || NVME_STATUS_SC(m.mc_cqe.status) ||
	    NVME_STATUS_SCT(m.mc_cqe.status))
		return err < 0 ? err : CR_EIO;
	c->nc_sq[qid].sq_state = BQ_LIVE;
	return 0;
}

/* CC.EN went 1 -> 0: the queues die with the reset; their memory waits for RDY=0 (teardown). */
void broker_mark_reset(struct nvme_ctrl *c)
{
	nvme_ctrl_assert_locked(c);
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		if (c->nc_sq[q].sq_state != BQ_FREE)
			c->nc_sq[q].sq_state = BQ_DELETING;
		if (c->nc_cq[q].cq_state != BQ_FREE)
			c->nc_cq[q].cq_state = BQ_DELETING;
	}
	c->nc_enabled = false;
	/* Nothing is sent again before RDY=0 and a new enable: what was given up on cannot land after. */
	c->nc_mgr_abandoned_count = 0;
}

/* ---------------------------------------------------------------- the validator's view */

static const struct nvme_broker_ns *view_ns(void *ctx, uint32_t nsid) { return nvme_ns_find(ctx, nsid); }

static bool view_space(void *ctx, uint32_t id, struct nvme_broker_space *out)
{
	struct nvme_ctrl *c = ctx;
	const struct nvme_space *sp = id <= BROKER_MAX_SPACES ? c->nc_spaces[id] : NULL;

	if (!sp)
		return false;
	*out = (struct nvme_broker_space){ sp->sp_region ? sp->sp_region->dp_bytes : 0, sp->sp_nsid,
					   sp->sp_first_lba, sp->sp_blocks };
	return true;
}

static bool view_sq_live(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	return qid <= BROKER_MAX_QID && c->nc_sq[qid].sq_state != BQ_FREE;
}

static bool view_cq_live(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	return qid <= BROKER_MAX_QID && c->nc_cq[qid].cq_state == BQ_LIVE;
}

static bool view_cq_has_sqs(void *ctx, uint16_t qid)
{
	struct nvme_ctrl *c = ctx;
	for (unsigned q = 1; q <= BROKER_MAX_QID; q++) {
		if (c->nc_sq[q].sq_state != BQ_FREE && c->nc_sq[q].sq_cqid == qid)
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
		.vendor_log_pages = c->nc_amazon,
		.ns = view_ns,
		.space = view_space,
		.sq_live = view_sq_live,
		.cq_live = view_cq_live,
		.cq_has_sqs = view_cq_has_sqs,
		.ctx = c,
	};
}

/* ---------------------------------------------------------------- queue commands */

/*
 * A queue command passed validation: allocate the device side and write
 * the command the device will see.  The device's rings are the manager's
 * and may be smaller than the provider's shadow rings; device CQs always
 * interrupt, on the vector the provider was granted (I3).
 */
/*
 * Direct lane: an I/O queue is the provider's own ring, which the device
 * reaches at its IOVA in the pool (kernel/nvme/lane_direct.h); the broker
 * checked the command like any other and keeps only the queue's state, so
 * that deletion and the rest of the admin queue stay consistent.  The
 * completion queue always interrupts: the manager forwards the vector.
 */
static int begin_direct_queue(struct nvme_ctrl *c, const struct nvme_broker_plan *p, struct nvme_sqe *cmd)
{
	uint64_t iova = c->nc_dma.dd_pool_iova + p->handle;

	if (p->kind == NBK_CREATE_CQ) {
		struct broker_cq *cq = &c->nc_cq[p->qid];
		if (cq->cq_state != BQ_FREE)
			return CR_EBUSY;
		*cq = (struct broker_cq){ .cq_state = BQ_CREATING, .cq_qid = p->qid, .cq_iv = p->iv, .cq_ien = true,
					  .cq_entries = p->qsize, .cq_direct = true,
					  .cq_done_head = BROKER_NONE, .cq_done_tail = BROKER_NONE };
		cmd->cdw11 = NVME_QUEUE_PC | NVME_CQ_IEN | (uint32_t)p->iv << 16;
	} else {
		struct broker_sq *sq = &c->nc_sq[p->qid];
		if (sq->sq_state != BQ_FREE)
			return CR_EBUSY;
		*sq = (struct broker_sq){ .sq_state = BQ_CREATING, .sq_qid = p->qid, .sq_cqid = p->cqid,
					  .sq_entries = p->qsize, .sq_direct = true,
					  .sq_incarnation = ++c->nc_incarnations };
		cmd->cdw11 = NVME_QUEUE_PC | (cmd->cdw11 & NVME_SQ_QPRIO_MASK) | (uint32_t)p->cqid << 16;
	}
	cmd->prp1 = iova;
	cmd->prp2 = 0;
	cmd->cdw10 = p->qid | (uint32_t)(p->qsize - 1) << 16;
	return 0;
}

int broker_queue_begin(struct nvme_ctrl *c, const struct nvme_broker_plan *p, struct nvme_sqe *cmd)
{
	int err;

	if (c->nc_lane == DMA_LANE_DIRECT && (p->kind == NBK_CREATE_CQ || p->kind == NBK_CREATE_SQ))
		return begin_direct_queue(c, p, cmd);
	switch (p->kind) {
	case NBK_CREATE_CQ: {
		struct broker_cq *cq = &c->nc_cq[p->qid];
		if (cq->cq_state != BQ_FREE)
			return CR_EBUSY;
		if ((err = alloc_cq(c, p->qid, device_entries(c, p->qsize), p->iv, p->ien, p->handle, p->qsize)) < 0)
			return err;
		cq->cq_state = BQ_CREATING;
		cq->cq_polled = c->nc_io_cqs_polled;	/* I3: then drained by polls and the tick, not interrupts */
		cmd->prp1 = cq->cq_dev_addr;
		cmd->prp2 = 0;
		cmd->cdw10 = p->qid | (uint32_t)(cq->cq_entries - 1) << 16;
		cmd->cdw11 = NVME_QUEUE_PC | (cq->cq_polled ? 0 : NVME_CQ_IEN) | (uint32_t)p->iv << 16;
		return 0;
	}
	case NBK_CREATE_SQ: {
		struct broker_sq *sq = &c->nc_sq[p->qid];
		if (sq->sq_state != BQ_FREE)
			return CR_EBUSY;
		if ((err = alloc_sq(c, p->qid, device_entries(c, p->qsize), p->cqid, p->handle, p->qsize, 0)) < 0)
			return err;
		sq->sq_state = BQ_CREATING;
		cmd->prp1 = sq->sq_dev_addr;
		cmd->prp2 = 0;
		cmd->cdw10 = p->qid | (uint32_t)(sq->sq_entries - 1) << 16;
		cmd->cdw11 = NVME_QUEUE_PC | (cmd->cdw11 & NVME_SQ_QPRIO_MASK) | (uint32_t)p->cqid << 16;
		return 0;
	}
	case NBK_DELETE_SQ:
		if (c->nc_sq[p->qid].sq_state != BQ_LIVE)
			return CR_EBUSY;
		c->nc_sq[p->qid].sq_state = BQ_DELETING;	/* no new commands from here on */
		return 0;
	case NBK_DELETE_CQ:
		if (c->nc_cq[p->qid].cq_state != BQ_LIVE)
			return CR_EBUSY;
		c->nc_cq[p->qid].cq_state = BQ_DELETING;
		return 0;
	default:
		return 0;
	}
}

/* The device answered a queue command: make the manager's state match. */
void broker_queue_finish(struct nvme_ctrl *c, const struct nvme_broker_plan *p, bool ok, uint32_t dw0)
{
	struct broker_sq *sq = &c->nc_sq[p->qid];
	struct broker_cq *cq = &c->nc_cq[p->qid];

	switch (p->kind) {
	case NBK_CREATE_CQ:
		if (ok)
			cq->cq_state = BQ_LIVE;
		else
			free_cq(c, cq);
		break;
	case NBK_CREATE_SQ:
		if (ok)
			sq->sq_state = BQ_LIVE;
		else
			free_sq(c, sq);		/* the device never had it: nothing in flight */
		break;
	case NBK_DELETE_SQ:
		if (ok)
			fence_deleted_sq(c, sq);
		else
			sq->sq_state = BQ_LIVE;
		break;
	case NBK_DELETE_CQ:
		if (ok)
			free_cq(c, cq);		/* its SQs are gone (checked), so its done list is empty */
		else
			cq->cq_state = BQ_LIVE;
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
