/*
 * kernel/nvme/broker_submit.c - the brokered doorbell: shadow SQ -> device SQ.
 *
 * For each new shadow entry: copy it out of the provider's memory (so it
 * cannot change under us), validate the copy (lib/nvme_broker_check.c),
 * map its buffer through the DMA backend, replace the provider's command id
 * and handles with the manager's, and place it in the device queue.  The
 * device doorbell is written once per batch.  A command that cannot go yet
 * (no free slot, bounce pages or completion room) stays in the shadow queue
 * and is retried when completions free resources: nothing is dropped.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/string.h"

enum submit_result { SUBMITTED, ANSWERED, STALLED };

/* Complete a command in the broker itself (refusal or answered abort). */
static enum submit_result answer(struct nvme_ctrl *c, struct broker_sq *sq, const struct nvme_sqe *cmd,
				 uint16_t status, uint32_t dw0)
{
	struct nvme_cqe e = {
		.dw0 = dw0,
		.sqhd = (uint16_t)((sq->sq_shadow_head + 1) % sq->sq_size),
		.sqid = sq->sq_qid,
		.cid = cmd->cid,
		.status = status,
	};
	broker_post(c, &c->nc_cq[sq->sq_cqid], &e);
	return ANSWERED;
}

static enum submit_result refuse(struct nvme_ctrl *c, struct broker_sq *sq, const struct nvme_sqe *cmd,
				 const struct nvme_broker_refusal *why)
{
	c->nc_refused++;
	kprintf("nvme: broker refused pid=%d qid=%u cid=%u opcode=0x%02x reason=%s sct=0x%x sc=0x%02x dnr=1",
		c->nc_provider_pid, sq->sq_qid, cmd->cid, cmd->opc, nvme_broker_reason_name(why->reason),
		why->sct, why->sc);
	return answer(c, sq, cmd, NVME_STATUS_MAKE(why->sct, why->sc, 1), NVME_BROKER_REFUSED | why->reason);
}

/* The device command id of the provider's (sqid, cid), or -1. */
static int find_device_cid(struct nvme_ctrl *c, uint16_t sqid, uint16_t provider_cid)
{
	struct broker_sq *t = &c->nc_sq[sqid];

	for (unsigned i = 0; t->sq_cmds && i < t->sq_size; i++) {
		if (t->sq_cmds[i].bc_busy && t->sq_cmds[i].bc_provider_cid == provider_cid)
			return (int)i;
	}
	return -1;
}

static enum submit_result submit_one(struct nvme_ctrl *c, struct broker_sq *sq,
				      const struct nvme_broker_view *view, struct nvme_sqe *cmd)
{
	struct nvme_broker_plan plan;
	struct nvme_broker_refusal why;

	if (!broker_shadow_cq_has_room(&c->nc_cq[sq->sq_cqid]))
		return STALLED;		/* even a refusal needs a completion slot */
	if (sq->sq_nfree == 0)
		return STALLED;		/* device queue full: wait for completions */
	if (nvme_broker_check(view, sq->sq_qid, cmd, &plan, &why) < 0)
		return refuse(c, sq, cmd, &why);

	if (plan.kind == NBK_ABORT) {
		int dcid = find_device_cid(c, plan.qid, plan.abort_cid);
		if (dcid < 0)	/* nothing to abort: "command not aborted" (DW0 bit 0) */
			return answer(c, sq, cmd, 0, 1);
		cmd->cdw10 = plan.qid | (uint32_t)dcid << 16;
	}
	int err = broker_queue_begin(c, &plan);
	if (err) {
		why = (struct nvme_broker_refusal){ NVME_SCT_COMMAND, NVME_SC_QID_INVALID, NBR_QUEUE_ID };
		if (err == CR_ENOMEM)
			why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_INTERNAL, NBR_QUEUE_ID };
		return refuse(c, sq, cmd, &why);
	}

	uint16_t slot = sq->sq_free[sq->sq_nfree - 1];
	struct broker_cmd *t = &sq->sq_cmds[slot];
	*t = (struct broker_cmd){ .bc_provider_cid = cmd->cid, .bc_plan = plan };
	if (plan.xfer != NVME_XFER_NONE) {
		enum dma_dir dir = plan.xfer == NVME_XFER_FROM_DEVICE ? DMA_DIR_FROM_DEVICE : DMA_DIR_TO_DEVICE;
		t->bc_dma = (struct dma_buffer){
			.db_handle = plan.handle, .db_len = plan.len, .db_dir = dir,
			.db_tag = { (uint32_t)c->nc_provider_pid, sq->sq_qid, slot, (uint8_t)dir },
		};
		if (dma_map(&c->nc_dma, &t->bc_dma) == CR_EAGAIN)
			return STALLED;	/* bounce pages come back with completions */
		dma_sync_for_device(&c->nc_dma, &t->bc_dma);
		if (plan.kind == NBK_DSM) {
			/* Check the ranges in the copy the device will read, not the provider's. */
			static uint8_t ranges[NVME_DSM_MAX_RANGES * NVME_DSM_RANGE_BYTES];
			c->nc_dma.dd_ops->peek(&c->nc_dma, &t->bc_dma, 0, ranges, plan.len);
			if (nvme_broker_check_dsm(broker_ns(c, plan.nsid), ranges, plan.len / NVME_DSM_RANGE_BYTES) < 0) {
				dma_unmap(&c->nc_dma, &t->bc_dma);
				why = (struct nvme_broker_refusal){ NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, NBR_DSM_RANGE };
				return refuse(c, sq, cmd, &why);
			}
		}
		cmd->prp1 = t->bc_dma.db_prp1;
		cmd->prp2 = t->bc_dma.db_prp2;
		if (plan.md_len) {
			/* One page holds the whole metadata buffer: MPTR is its address. */
			t->bc_md = (struct dma_buffer){
				.db_handle = plan.md_handle, .db_len = plan.md_len, .db_dir = dir,
				.db_tag = t->bc_dma.db_tag,
			};
			if (dma_map(&c->nc_dma, &t->bc_md) == CR_EAGAIN) {
				dma_unmap(&c->nc_dma, &t->bc_dma);
				return STALLED;
			}
			dma_sync_for_device(&c->nc_dma, &t->bc_md);
			cmd->mptr = t->bc_md.db_prp1;
		}
	} else if (plan.kind == NBK_CREATE_CQ || plan.kind == NBK_CREATE_SQ) {
		cmd->prp1 = plan.kind == NBK_CREATE_CQ ? c->nc_cq[plan.qid].cq_phys : c->nc_sq[plan.qid].sq_phys;
		cmd->prp2 = 0;
	}
	sq->sq_nfree--;
	t->bc_busy = true;
	cmd->cid = slot;
	sq->sq_ring[sq->sq_tail] = *cmd;
	sq->sq_tail = (uint16_t)((sq->sq_tail + 1) % sq->sq_size);
	c->nc_submitted++;
	return SUBMITTED;
}

/* Take shadow entries until the provider's tail or a stall; ring the device once. */
static void submit_from(struct nvme_ctrl *c, struct broker_sq *sq)
{
	unsigned submitted = 0, answered = 0;
	struct broker_cq *cq = &c->nc_cq[sq->sq_cqid];
	/* Limits change only on completions, never within a batch; queue state is read live. */
	const struct nvme_broker_view view = broker_view(c);

	while (sq->sq_live && sq->sq_shadow_head != sq->sq_shadow_tail) {
		struct nvme_sqe cmd;
		const void *src = dma_pool_ptr(c->nc_dma.dd_pool,
					       sq->sq_shadow + (uint64_t)sq->sq_shadow_head * sizeof(cmd), sizeof(cmd));
		memcpy(&cmd, src, sizeof(cmd));
		enum submit_result r = submit_one(c, sq, &view, &cmd);
		if (r == STALLED)
			break;
		sq->sq_shadow_head = (uint16_t)((sq->sq_shadow_head + 1) % sq->sq_size);
		if (r == SUBMITTED)
			submitted++;
		else
			answered++;
	}
	if (submitted) {
		/* x86 makes the ring stores visible before this uncached store; keep the compiler honest too. */
		compiler_barrier();
		nvme_write32(c, (uint32_t)nvme_sq_doorbell(sq->sq_qid, c->nc_dstrd), sq->sq_tail);
	}
	if (answered)
		broker_signal(c, cq);
}

int broker_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t tail)
{
	if (qid > BROKER_MAX_QID)
		return CR_EINVAL;
	struct broker_sq *sq = &c->nc_sq[qid];
	if (!sq->sq_live)
		return CR_ENOENT;
	if (tail >= sq->sq_size)
		return CR_EINVAL;
	c->nc_doorbells++;
	sq->sq_shadow_tail = tail;
	submit_from(c, sq);
	return 0;
}

void broker_submit_pending(struct nvme_ctrl *c)
{
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		struct broker_sq *sq = &c->nc_sq[q];
		if (sq->sq_live && sq->sq_shadow_head != sq->sq_shadow_tail)
			submit_from(c, sq);
	}
}
