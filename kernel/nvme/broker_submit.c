/*
 * kernel/nvme/broker_submit.c - the brokered doorbell: shadow SQ -> device SQ.
 *
 * For each new shadow entry: copy it out of the provider's memory (so it
 * cannot change under us), validate the copy (lib/nvme_broker_check.c),
 * take a command slot, map its buffers and build its data pointers
 * (prp.c), and place it in the device queue.  The device doorbell is
 * written once per batch.  A command that cannot go yet (no free slot, no
 * staging pages, a namespace being identified again) stays in the shadow
 * queue and is retried when completions free resources: nothing is
 * dropped.  At most BROKER_BUDGET entries are taken per call, and a next
 * one only while the kernel's work budget for this interrupts-off stretch
 * lasts (I7); the device SQ tail covers only the entries taken, the rest
 * stay in the shadow ring for the next call, the idle loop or the tick.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/barrier.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/string.h"

enum submit_result { SUBMITTED, ANSWERED, STALLED };

/* A line for every refusal while the budget lasts, then a count (I7). */
static void log_refusal(struct nvme_ctrl *c, const struct broker_sq *sq, const struct nvme_sqe *cmd,
			const struct nvme_broker_refusal *why)
{
	uint64_t now = clock_ns();

	if (!ratelimit_allow(&c->nc_refusal_log, now))
		return;
	uint64_t held = ratelimit_take_suppressed(&c->nc_refusal_log);
	if (held)
		kprintf("nvme: broker refusals suppressed bdf=%s pid=%d count=%lu", c->nc_bdf, c->nc_provider_pid, held);
	kprintf("nvme: broker refused bdf=%s pid=%d qid=%u cid=%u opcode=0x%02x reason=%s sct=0x%x sc=0x%02x dnr=1",
		c->nc_bdf, c->nc_provider_pid, sq->sq_qid, cmd->cid, cmd->opc, nvme_broker_reason_name(why->reason),
		why->sct, why->sc);
}

/* Complete a command in the broker itself (refusal or answered abort); the caller made sure of room. */
static enum submit_result answer(struct nvme_ctrl *c, struct broker_sq *sq, const struct nvme_sqe *cmd,
				 uint16_t status, uint32_t dw0)
{
	struct nvme_cqe e = {
		.dw0 = dw0,
		.sqhd = (uint16_t)((sq->sq_shadow_head + 1) % sq->sq_shadow_entries),
		.sqid = sq->sq_qid,
		.cid = cmd->cid,
		.status = status,
	};
	if (!broker_post(c, &c->nc_cq[sq->sq_cqid], &e))
		return STALLED;
	return ANSWERED;
}

static enum submit_result refuse(struct nvme_ctrl *c, struct broker_sq *sq, const struct nvme_sqe *cmd,
				 const struct nvme_broker_refusal *why)
{
	enum submit_result r = answer(c, sq, cmd, NVME_STATUS_MAKE(why->sct, why->sc, 1),
				      NVME_BROKER_REFUSED | why->reason);
	if (r == ANSWERED) {
		c->nc_refused++;
		log_refusal(c, sq, cmd, why);
	}
	return r;
}

/* The device command id of the provider's outstanding (sqid, cid), or -1. */
static int find_device_cid(struct nvme_ctrl *c, uint16_t sqid, uint16_t provider_cid)
{
	const struct broker_sq *t = &c->nc_sq[sqid];

	for (unsigned i = 0; t->sq_cmds && i < t->sq_nslots; i++) {
		const struct broker_cmd *b = &t->sq_cmds[i];
		if (b->bc_state == BC_DEVICE && !b->bc_mgr && b->bc_provider_cid == provider_cid)
			return broker_device_cid(t, b);
	}
	return -1;
}

/* Put a prepared command into the device ring (its doorbell is rung per batch). */
static void to_device_ring(struct nvme_ctrl *c, struct broker_sq *sq, struct broker_cmd *t, struct nvme_sqe *cmd)
{
	cmd->cid = broker_device_cid(sq, t);
	t->bc_ring_slot = sq->sq_tail;
	t->bc_opc = cmd->opc;
	t->bc_since_ns = clock_ns();
	sq->sq_ring[sq->sq_tail] = *cmd;
	sq->sq_tail = (uint16_t)((sq->sq_tail + 1) % sq->sq_entries);
	c->nc_submitted++;
}

/*
 * Before the device sees more commands: every command it holds, plus every
 * entry consumed but not yet reported, must fit in the CQ as the device
 * knows it (entries - 1), or it would stop posting and wait for a head
 * doorbell that never comes.  Slots in use bound the commands in the device.
 */
static void cq_room_for_submissions(struct nvme_ctrl *c, uint16_t cqid)
{
	struct broker_cq *cq = &c->nc_cq[cqid];
	unsigned int busy = cq->cq_unrung;

	if (!cq->cq_unrung)
		return;
	for (unsigned int q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_sq *s = &c->nc_sq[q];
		if (s->sq_state != BQ_FREE && s->sq_cqid == cqid)
			busy += (unsigned int)(s->sq_nslots - s->sq_nfree);
	}
	if (busy >= (unsigned int)cq->cq_entries - 1)
		broker_report_cq_head(c, cq);
}

static void ring_sq(struct nvme_ctrl *c, struct broker_sq *sq)
{
	cq_room_for_submissions(c, sq->sq_cqid);
	/* x86 makes the ring stores visible before this uncached store; keep the compiler honest too. */
	compiler_barrier();
	nvme_write32(c, (uint32_t)nvme_sq_doorbell(sq->sq_qid, c->nc_dstrd), sq->sq_tail);
	c->nc_dev_sq_doorbells++;
}

static enum submit_result submit_one(struct nvme_ctrl *c, struct broker_sq *sq,
				      const struct nvme_broker_view *view, struct nvme_sqe *cmd)
{
	struct nvme_broker_plan plan;
	struct nvme_broker_refusal why;
	int err;

	if (c->nc_ns_refreshing && sq->sq_qid != 0)
		return STALLED;		/* the geometry is being learned again (I4): I/O waits for it */
	if (nvme_broker_check(view, sq->sq_qid, cmd, &plan, &why) < 0)
		return refuse(c, sq, cmd, &why);
	if (plan.kind == NBK_ABORT) {
		int dcid = find_device_cid(c, plan.qid, plan.abort_cid);
		if (dcid < 0)		/* nothing to abort: "command not aborted" (DW0 bit 0) */
			return answer(c, sq, cmd, 0, 1);
		cmd->cdw10 = plan.qid | (uint32_t)dcid << 16;
	}

	struct broker_cmd *t = broker_slot_take(sq, false);
	if (!t)
		return STALLED;		/* device queue full: wait for completions */
	t->bc_provider_cid = cmd->cid;
	t->bc_plan = plan;
	if ((err = broker_map_data(c, sq, t, cmd)) < 0) {
		broker_cmd_release(c, t);
		broker_slot_put(sq, t);
		if (err == CR_EAGAIN)
			return STALLED;	/* staging pages come back with completions */
		why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_INTERNAL, NBR_HANDLE };
		if (err == CR_ERANGE && plan.kind == NBK_DSM)
			why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, NBR_DSM_RANGE };
		else if (err == CR_ERANGE)
			why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD, NBR_HANDLE };
		return refuse(c, sq, cmd, &why);
	}
	if ((err = broker_queue_begin(c, &plan, cmd)) < 0) {
		broker_cmd_release(c, t);
		broker_slot_put(sq, t);
		why = (struct nvme_broker_refusal){ NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUE_ID };
		if (err == CR_ENOMEM)
			why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_INTERNAL, NBR_NO_MEMORY };
		return refuse(c, sq, cmd, &why);
	}
	to_device_ring(c, sq, t, cmd);
	return SUBMITTED;
}

/*
 * Take shadow entries until the provider's tail, a stall or the budget:
 * `budget` entries, and the stretch's time (I7) for every entry but the
 * call's first, which goes anyway only when `already` (entries of other
 * work the caller did in this stretch) is 0.  Ring the device once.
 */
static unsigned submit_from(struct nvme_ctrl *c, struct broker_sq *sq, unsigned already, unsigned budget)
{
	unsigned submitted = 0, answered = 0, taken = 0;
	/* Limits change only on completions, never within a batch; queue state is read live. */
	const struct nvme_broker_view view = broker_view(c);

	while (sq->sq_state == BQ_LIVE && sq->sq_shadow_head != sq->sq_shadow_tail) {
		if (!irqsoff_may_take(already + taken, already + budget)) {
			c->nc_backlog = true;	/* the rest: next call, the idle loop or the tick (I7) */
			break;
		}
		struct nvme_sqe cmd;
		const void *src = dma_pool_ptr(c->nc_dma.dd_pool,
					       sq->sq_shadow + (uint64_t)sq->sq_shadow_head * sizeof(cmd), sizeof(cmd));
		memcpy(&cmd, src, sizeof(cmd));
		enum submit_result r = submit_one(c, sq, &view, &cmd);
		if (r == STALLED)
			break;
		sq->sq_shadow_head = (uint16_t)((sq->sq_shadow_head + 1) % sq->sq_shadow_entries);
		taken++;
		if (r == SUBMITTED)
			submitted++;
		else
			answered++;
	}
	if (submitted)
		ring_sq(c, sq);
	if (answered)
		broker_signal(c, &c->nc_cq[sq->sq_cqid]);
	return taken;
}

int broker_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t tail)
{
	nvme_ctrl_assert_locked(c);
	if (qid > BROKER_MAX_QID)
		return CR_EINVAL;
	struct broker_sq *sq = &c->nc_sq[qid];
	if (sq->sq_state != BQ_LIVE || !sq->sq_shadow_entries)
		return CR_ENOENT;
	if (tail >= sq->sq_shadow_entries)
		return CR_EINVAL;
	c->nc_doorbells++;
	sq->sq_shadow_tail = tail;
	return (int)submit_from(c, sq, 0, BROKER_BUDGET);	/* entries taken by this call (I7) */
}

void broker_submit_pending_after(struct nvme_ctrl *c, unsigned already)
{
	unsigned taken = 0;

	nvme_ctrl_assert_locked(c);
	c->nc_backlog = false;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		struct broker_sq *sq = &c->nc_sq[q];
		if (sq->sq_state != BQ_LIVE || !sq->sq_shadow_entries || sq->sq_shadow_head == sq->sq_shadow_tail)
			continue;
		if (q == 0 && !bkl_held()) {
			/* Admin commands allocate queues and call back: they go with the BKL (the tick, the idle loop). */
			c->nc_backlog = true;
			continue;
		}
		taken += submit_from(c, sq, already + taken, BROKER_BUDGET - taken);	/* marks the backlog when cut */
	}
}

/* Whatever waited for resources, once more; one budget over all queues. */
void broker_submit_pending(struct nvme_ctrl *c)
{
	broker_submit_pending_after(c, 0);
}

/* The manager's own command on queue qid: its data pointers already name manager memory. */
int broker_mgr_submit(struct nvme_ctrl *c, uint16_t qid, struct nvme_mgr_cmd *m)
{
	nvme_ctrl_assert_locked(c);
	if (qid > BROKER_MAX_QID || c->nc_sq[qid].sq_state != BQ_LIVE || !c->nc_enabled)
		return CR_ENOENT;
	struct broker_sq *sq = &c->nc_sq[qid];
	struct broker_cmd *t = broker_slot_take(sq, true);
	if (!t)
		return CR_EAGAIN;
	m->mc_done = false;
	t->bc_mgr = m;
	struct nvme_sqe cmd = m->mc_sqe;
	to_device_ring(c, sq, t, &cmd);
	ring_sq(c, sq);
	return 0;
}
