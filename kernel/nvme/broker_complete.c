/*
 * kernel/nvme/broker_complete.c - device CQ -> shadow CQ, and the interrupt.
 *
 * On the controller's interrupt the manager drains each device completion
 * queue on that vector: it copies read data back into the provider's pool,
 * releases the command's ledger pages, learns what IDENTIFY and queue
 * commands changed, and only then posts the completion (with the
 * provider's command id) into the shadow queue and signals the provider's
 * Interrupt capability.  A full shadow queue leaves entries in the device
 * queue, which in turn holds the device back: the NVMe flow control itself.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/string.h"

bool broker_shadow_cq_has_room(const struct broker_cq *cq)
{
	return (uint16_t)((cq->cq_shadow_tail + 1) % cq->cq_size) != cq->cq_shadow_head;
}

bool broker_post(struct nvme_ctrl *c, struct broker_cq *cq, const struct nvme_cqe *e)
{
	if (!broker_shadow_cq_has_room(cq))
		return false;
	struct nvme_cqe *slot = dma_pool_ptr(c->nc_dma.dd_pool,
					     cq->cq_shadow + (uint64_t)cq->cq_shadow_tail * sizeof(*slot), sizeof(*slot));
	struct nvme_cqe out = *e;
	out.status = (uint16_t)((e->status & ~NVME_CQE_PHASE) | cq->cq_shadow_phase);
	/* Everything before the phase tag, then the tag: the provider polls the tag. */
	slot->dw0 = out.dw0;
	slot->dw1 = out.dw1;
	slot->sqhd = out.sqhd;
	slot->sqid = out.sqid;
	slot->cid = out.cid;
	compiler_barrier();
	slot->status = out.status;
	cq->cq_shadow_tail = (uint16_t)((cq->cq_shadow_tail + 1) % cq->cq_size);
	if (cq->cq_shadow_tail == 0)
		cq->cq_shadow_phase ^= 1;
	c->nc_completed++;
	return true;
}

void broker_signal(struct nvme_ctrl *c, struct broker_cq *cq)
{
	if (cq->cq_ien && c->nc_nvectors)
		irq_object_signal(c->nc_irq_obj[cq->cq_iv < c->nc_nvectors ? cq->cq_iv : 0]);
}

/* Learn from completed IDENTIFY commands what the device really is. */
static void snoop_identify(struct nvme_ctrl *c, struct broker_cmd *t, uint32_t cns)
{
	if (cns == NVME_CNS_CONTROLLER) {
		c->nc_dma.dd_ops->peek(&c->nc_dma, &t->bc_dma, 0, c->nc_id_raw, NVME_IDENTIFY_BYTES);
		nvme_parse_identify_ctrl(c->nc_id_raw, &c->nc_id);
		c->nc_have_id = true;
		uint64_t mdts = nvme_mdts_bytes(c->nc_id.mdts, NVME_CAP_MPSMIN(c->nc_cap));
		uint64_t bounce_half = c->nc_dma.dd_bounce.bb_bytes / 2;
		uint64_t limit = BROKER_MAX_TRANSFER;
		if (mdts && mdts < limit)
			limit = mdts;
		if (bounce_half && bounce_half < limit)
			limit = bounce_half;
		c->nc_max_transfer = (uint32_t)limit;
		return;
	}
	if (cns != NVME_CNS_NAMESPACE)
		return;
	static uint8_t page[NVME_IDENTIFY_BYTES];
	struct nvme_ns_info ns;
	const char *why = NULL;
	uint32_t nsid = t->bc_plan.nsid;
	c->nc_dma.dd_ops->peek(&c->nc_dma, &t->bc_dma, 0, page, NVME_IDENTIFY_BYTES);
	struct nvme_broker_ns *slot = (struct nvme_broker_ns *)broker_ns(c, nsid);
	if (nvme_parse_identify_ns(page, &ns, &why) < 0 || ns.nsze == 0 ||
	    nsid == 0 || nsid == NVME_NSID_BROADCAST) {
		if (why)
			kprintf("nvme: broker ignores namespace nsid=%u reason=%s", nsid, why);
		if (slot)	/* no longer usable: forget it */
			*slot = c->nc_ns[--c->nc_nns];
		return;
	}
	if (!slot) {
		if (c->nc_nns == BROKER_MAX_NS) {
			kprintf("nvme: broker namespace table full; nsid=%u not usable for I/O", nsid);
			return;
		}
		slot = &c->nc_ns[c->nc_nns++];
	}
	*slot = (struct nvme_broker_ns){ nsid, ns.nsze, ns.lba_bytes, ns.ms, ns.extended, (uint8_t)(ns.dps & 7) };
	if (!c->nc_ns_raw_nsid || nsid <= c->nc_ns_raw_nsid) {
		c->nc_ns_raw_nsid = nsid;	/* kept for classification (cloud vendor data) */
		memcpy(c->nc_ns_raw, page, sizeof(page));
	}
}

/* Drain one device CQ into its shadow.  Returns the completions posted. */
static unsigned drain(struct nvme_ctrl *c, struct broker_cq *cq)
{
	unsigned posted = 0, consumed = 0;

	while (cq->cq_ring) {
		volatile struct nvme_cqe *dev = &cq->cq_ring[cq->cq_head];
		if ((dev->status & NVME_CQE_PHASE) != cq->cq_phase)
			break;
		if (!broker_shadow_cq_has_room(cq))
			break;	/* the provider has not consumed yet; the device waits */
		compiler_barrier();	/* x86 keeps loads in order; read the tag first */
		struct nvme_cqe e = { dev->dw0, dev->dw1, dev->sqhd, dev->sqid, dev->cid, dev->status };
		cq->cq_head = (uint16_t)((cq->cq_head + 1) % cq->cq_size);
		if (cq->cq_head == 0)
			cq->cq_phase ^= 1;
		consumed++;

		struct broker_sq *sq = e.sqid <= BROKER_MAX_QID ? &c->nc_sq[e.sqid] : NULL;
		if (!sq || !sq->sq_cmds || sq->sq_cqid != cq->cq_qid || e.cid >= sq->sq_size ||
		    !sq->sq_cmds[e.cid].bc_busy) {
			kerror("nvme: error device completion for no outstanding command sqid=%u cid=%u status=0x%04x",
			       e.sqid, e.cid, e.status);
			continue;
		}
		sq->sq_head = e.sqhd;
		struct broker_cmd *t = &sq->sq_cmds[e.cid];
		bool ok = NVME_STATUS_SCT(e.status) == 0 && NVME_STATUS_SC(e.status) == 0;
		if (t->bc_dma.db_mapped) {
			dma_sync_for_cpu(&c->nc_dma, &t->bc_dma);
			if (ok && t->bc_plan.kind == NBK_IDENTIFY)
				snoop_identify(c, t, t->bc_plan.cns);
			dma_unmap(&c->nc_dma, &t->bc_dma);
		}
		if (t->bc_md.db_mapped) {
			dma_sync_for_cpu(&c->nc_dma, &t->bc_md);
			dma_unmap(&c->nc_dma, &t->bc_md);
		}
		struct nvme_cqe out = {
			.dw0 = e.dw0, .dw1 = e.dw1, .sqhd = sq->sq_shadow_head, .sqid = e.sqid,
			.cid = t->bc_provider_cid, .status = e.status,
		};
		t->bc_busy = false;
		sq->sq_free[sq->sq_nfree++] = e.cid;
		/* After the slot is free: finishing DELETE SQ frees that queue's slots. */
		broker_queue_finish(c, &t->bc_plan, ok, e.dw0);
		broker_post(c, cq, &out);
		posted++;
	}
	if (consumed) {
		compiler_barrier();
		nvme_write32(c, (uint32_t)nvme_cq_doorbell(cq->cq_qid, c->nc_dstrd), cq->cq_head);
	}
	return posted;
}

int broker_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t head)
{
	if (qid > BROKER_MAX_QID)
		return CR_EINVAL;
	struct broker_cq *cq = &c->nc_cq[qid];
	if (!cq->cq_live)
		return CR_ENOENT;
	/* The new head may not pass entries we have not posted. */
	uint16_t posted = (uint16_t)((cq->cq_shadow_tail - cq->cq_shadow_head + cq->cq_size) % cq->cq_size);
	uint16_t consumed = (uint16_t)((head - cq->cq_shadow_head + cq->cq_size) % cq->cq_size);
	if (head >= cq->cq_size || consumed > posted)
		return CR_EINVAL;
	c->nc_doorbells++;
	cq->cq_shadow_head = head;
	/* Room again: take what the device completed meanwhile, then what waited for room. */
	if (drain(c, cq))
		broker_signal(c, cq);
	broker_submit_pending(c);
	if (c->nc_intx_masked) {
		c->nc_intx_masked = false;
		nvme_write32(c, NVME_INTMC, 1);
	}
	return 0;
}

void broker_irq(void *ctx, unsigned int cpu_vector)
{
	struct broker_vector *v = ctx;
	struct nvme_ctrl *c = v->bv_ctrl;
	unsigned posted_any = 0;
	bool backlog = false;

	(void)cpu_vector;
	c->nc_irq_count++;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		struct broker_cq *cq = &c->nc_cq[q];
		if (!cq->cq_ring || (c->nc_nvectors > 1 && cq->cq_iv != v->bv_index))
			continue;
		unsigned posted = drain(c, cq);
		if (posted)
			broker_signal(c, cq);
		posted_any += posted;
		volatile struct nvme_cqe *next = &cq->cq_ring[cq->cq_head];
		backlog |= (next->status & NVME_CQE_PHASE) == cq->cq_phase;
	}
	if (!posted_any)
		c->nc_spurious_irqs++;	/* an interrupt with an empty queue is legal; count it */
	if (backlog && c->nc_irqs.pi_kind == IRQ_KIND_INTX) {
		/* A level-triggered line would fire again at once: mask until the provider makes room. */
		nvme_write32(c, NVME_INTMS, 1);
		c->nc_intx_masked = true;
	}
	broker_submit_pending(c);
}
