/*
 * kernel/nvme/broker_complete.c - device CQ -> shadow CQ, and the interrupt.
 *
 * Every completion the device posts is consumed at once (I3): matched to
 * its command by SQID and CID (slot and generation, I2), the command's
 * read data copied back on success, its pages unmapped (I1), and what
 * queue commands changed applied.  Only then does the provider see it, in
 * its shadow CQ; when that is full the completion waits in the CQ's done
 * list, in order, never in the device ring.  The interrupt and the CQ
 * doorbell consume while the kernel's work budget for the stretch lasts
 * (I7); what they leave stays in the device ring, which cannot overflow
 * (the device holds fewer commands than the ring has entries), and is
 * consumed by broker_resume from the idle loop or the tick.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/barrier.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/string.h"

#define AEN_TYPE_NOTICE		2
#define AEN_NOTICE_NS_CHANGED	0

static bool shadow_room(const struct broker_cq *cq)
{
	return cq->cq_shadow_entries &&
	       (uint16_t)((cq->cq_shadow_tail + 1) % cq->cq_shadow_entries) != cq->cq_shadow_head;
}

static void post_now(struct nvme_ctrl *c, struct broker_cq *cq, const struct nvme_cqe *e)
{
	struct nvme_cqe *slot = dma_pool_ptr(c->nc_dma.dd_pool,
					     cq->cq_shadow + (uint64_t)cq->cq_shadow_tail * sizeof(*slot), sizeof(*slot));
	/*
	 * Everything before the phase tag, then the tag, released: the provider
	 * polls the tag from another CPU (an acquire load in drivers/nvme/queue.c).
	 */
	slot->dw0 = e->dw0;
	slot->dw1 = e->dw1;
	slot->sqhd = e->sqhd;
	slot->sqid = e->sqid;
	slot->cid = e->cid;
	__atomic_store_n(&slot->status, (uint16_t)((e->status & ~NVME_CQE_PHASE) | cq->cq_shadow_phase),
			 __ATOMIC_RELEASE);
	cq->cq_shadow_tail = (uint16_t)((cq->cq_shadow_tail + 1) % cq->cq_shadow_entries);
	if (cq->cq_shadow_tail == 0)
		cq->cq_shadow_phase ^= 1;
	c->nc_completed++;
}

bool broker_post(struct nvme_ctrl *c, struct broker_cq *cq, const struct nvme_cqe *e)
{
	if (cq->cq_done_head != BROKER_NONE || !shadow_room(cq))
		return false;
	post_now(c, cq, e);
	return true;
}

void broker_signal(struct nvme_ctrl *c, struct broker_cq *cq)
{
	if (!cq->cq_ien || cq->cq_iv >= c->nc_nvectors)
		return;
	if (!bkl_held()) {	/* a wakeup needs the BKL: owed until it is held (ctrl_lock.c) */
		c->nc_signals_owed |= 1u << cq->cq_iv;
		return;
	}
	irq_object_signal(c->nc_irq_obj[cq->cq_iv]);
}

static struct broker_cmd *done_at(struct nvme_ctrl *c, uint32_t at)
{
	return &c->nc_sq[at >> 16].sq_cmds[at & 0xffff];
}

static void park(struct nvme_ctrl *c, struct broker_cq *cq, struct broker_sq *sq, struct broker_cmd *t)
{
	uint32_t at = (uint32_t)sq->sq_qid << 16 | (uint32_t)(t - sq->sq_cmds);

	t->bc_state = BC_DONE;
	t->bc_next_done = BROKER_NONE;
	if (cq->cq_done_tail == BROKER_NONE)
		cq->cq_done_head = at;
	else
		done_at(c, cq->cq_done_tail)->bc_next_done = at;
	cq->cq_done_tail = at;
}

/* Post waiting completions while the shadow CQ has room; returns how many. */
static unsigned flush_done(struct nvme_ctrl *c, struct broker_cq *cq)
{
	unsigned n = 0;

	while (cq->cq_done_head != BROKER_NONE && shadow_room(cq)) {
		uint32_t at = cq->cq_done_head;
		struct broker_cmd *t = done_at(c, at);
		post_now(c, cq, &t->bc_cqe);
		cq->cq_done_head = t->bc_next_done;
		if (cq->cq_done_head == BROKER_NONE)
			cq->cq_done_tail = BROKER_NONE;
		broker_slot_put(&c->nc_sq[at >> 16], t);
		n++;
	}
	return n;
}

/* The live command a device completion on cq belongs to, or NULL (I2). */
static struct broker_cmd *match_completion(struct nvme_ctrl *c, const struct broker_cq *cq, const struct nvme_cqe *e)
{
	if (e->sqid > BROKER_MAX_QID)
		return NULL;
	struct broker_sq *sq = &c->nc_sq[e->sqid];
	uint16_t slot = e->cid & ((1u << BROKER_CID_SLOT_BITS) - 1);
	uint8_t gen = (uint8_t)(e->cid >> BROKER_CID_SLOT_BITS);
	if (sq->sq_state == BQ_FREE || sq->sq_cqid != cq->cq_qid || slot >= sq->sq_nslots)
		return NULL;
	struct broker_cmd *t = &sq->sq_cmds[slot];
	return t->bc_state == BC_DEVICE && t->bc_gen == gen ? t : NULL;
}

/* What the completion of a provider command tells the manager. */
static void learn(struct nvme_ctrl *c, const struct broker_cmd *t, bool ok, uint32_t dw0)
{
	broker_queue_finish(c, &t->bc_plan, ok, dw0);
	if (ok && t->bc_plan.kind == NBK_ASYNC_EVENT && (dw0 & 7) == AEN_TYPE_NOTICE &&
	    ((dw0 >> 8) & 0xff) == AEN_NOTICE_NS_CHANGED)
		nvme_ns_refresh(c);
}

/*
 * Pool pages now holding what the device read from the medium: any bytes
 * at all (the audit skips them).  In place, that is every page the device
 * was given, whatever the outcome: it may have written before failing, or
 * past the transfer.
 */
void broker_note_device_data(struct nvme_ctrl *c, const struct dma_map *m)
{
	if (m->dm_dir != DMA_DIR_FROM_DEVICE || m->dm_pool != c->nc_dma.dd_pool || !c->nc_device_data_map)
		return;
	uint64_t from = m->dm_handle, to = m->dm_handle + m->dm_len;
	if (m->dm_in_place) {
		from = m->dm_handle - m->dm_offset;
		to = from + (uint64_t)m->dm_npages * c->nc_dma.dd_limits.dl_page_size;
	}
	for (uint64_t pg = from / PAGE_SIZE; pg <= (to - 1) / PAGE_SIZE; pg++)
		c->nc_device_data_map[pg / 8] |= (uint8_t)(1u << (pg % 8));
}

/* now: when this drain began, the moment its completions were taken (the device's share ends there). */
static void complete(struct nvme_ctrl *c, struct broker_cq *cq, struct broker_sq *sq, struct broker_cmd *t,
		     const struct nvme_cqe *e, uint64_t now)
{
	bool ok = NVME_STATUS_SCT(e->status) == 0 && NVME_STATUS_SC(e->status) == 0;

	/*
	 * Direct lane: the provider holds the doorbell page, SQ 0's tail
	 * included, and could make the device fetch this slot again.  Once
	 * done, a slot holds zeros (opcode 0 on queue 0: an invalid command).
	 */
	if (c->nc_lane == DMA_LANE_DIRECT && sq->sq_ring)
		memset(&sq->sq_ring[t->bc_ring_slot], 0, sizeof(struct nvme_sqe));
	if (t->bc_mgr == &c->nc_mgr_abandoned) {
		kprintf("nvme: manager command completed after it was given up bdf=%s qid=%u status=0x%04x; dropped",
			c->nc_bdf, sq->sq_qid, e->status & 0xfffe);
		if (c->nc_mgr_abandoned_count)	/* a reset may have cleared it first */
			c->nc_mgr_abandoned_count--;
		broker_slot_put(sq, t);
		return;
	}
	if (t->bc_mgr) {
		struct nvme_mgr_cmd *m = t->bc_mgr;
		m->mc_cqe = *e;
		m->mc_done = true;
		broker_slot_put(sq, t);
		if (m->mc_callback) {
			if (!bkl_held())	/* only the admin queue's commands call back, and it is never served without the BKL */
				panic("nvme: manager callback without the BKL bdf=%s qid=%u", c->nc_bdf, sq->sq_qid);
			m->mc_callback(c, m);
		}
		return;
	}
	if (sq->sq_qid) {	/* how long the device (and the poll or interrupt that saw it) took */
		c->nc_device_ns += now - t->bc_since_ns;
		c->nc_device_cmds++;
	}
	/* The device posted this command's completion: its pages may go (I1). */
	if (ok) {
		if (t->bc_data.dm_mapped) {
			dma_sync_for_cpu(&c->nc_dma, &t->bc_data);
			broker_note_device_data(c, &t->bc_data);
		}
		if (t->bc_md.dm_mapped) {
			dma_sync_for_cpu(&c->nc_dma, &t->bc_md);
			broker_note_device_data(c, &t->bc_md);
		}
	}
	broker_cmd_release(c, t);
	t->bc_ok = ok;
	t->bc_cqe = (struct nvme_cqe){
		.dw0 = e->dw0, .dw1 = e->dw1, .sqhd = sq->sq_shadow_head, .sqid = e->sqid,
		.cid = t->bc_provider_cid, .status = e->status,
	};
	learn(c, t, ok, e->dw0);
	if (broker_post(c, cq, &t->bc_cqe))
		broker_slot_put(sq, t);
	else
		park(c, cq, sq, t);
}

static unsigned drain(struct nvme_ctrl *c, struct broker_cq *cq, unsigned *taken)
{
	unsigned consumed = 0;

	nvme_ctrl_assert_locked(c);
	if (cq->cq_state == BQ_FREE || !cq->cq_ring)
		return 0;
	uint64_t now = clock_ns();	/* one clock read per drain, not per completion */
	for (;;) {
		volatile struct nvme_cqe *dev = &cq->cq_ring[cq->cq_head];
		if ((dev->status & NVME_CQE_PHASE) != cq->cq_phase)
			break;
		if (taken && !irqsoff_may_take((*taken)++, UINT32_MAX)) {
			c->nc_drain_backlog = true;	/* the rest: broker_resume (I7) */
			break;
		}
		compiler_barrier();	/* x86 keeps loads in order; read the tag first */
		struct nvme_cqe e = { dev->dw0, dev->dw1, dev->sqhd, dev->sqid, dev->cid, dev->status };
		cq->cq_head = (uint16_t)((cq->cq_head + 1) % cq->cq_entries);
		if (cq->cq_head == 0)
			cq->cq_phase ^= 1;
		consumed++;
		struct broker_cmd *t = match_completion(c, cq, &e);
		if (!t) {
			if (!c->nc_unmatched++)
				kerror("nvme: error device completion for no live command bdf=%s cqid=%u sqid=%u cid=0x%04x status=0x%04x",
				       c->nc_bdf, cq->cq_qid, e.sqid, e.cid, e.status);
			continue;
		}
		complete(c, cq, &c->nc_sq[e.sqid], t, &e, now);
		/* A fence above may have drained this CQ further and freed queues: re-check. */
		if (cq->cq_state == BQ_FREE)
			return consumed;
	}
	cq->cq_unrung = (uint16_t)(cq->cq_unrung + consumed);
	if (cq->cq_unrung && (!broker_cq_head_may_wait(c, cq) || cq->cq_unrung >= cq->cq_entries / 2))
		broker_report_cq_head(c, cq);
	return consumed;
}

bool broker_cq_peek(const struct broker_cq *cq)
{
	if (cq->cq_state == BQ_FREE || !cq->cq_ring)
		return false;
	const volatile struct nvme_cqe *dev = &cq->cq_ring[cq->cq_head];
	return (dev->status & NVME_CQE_PHASE) == cq->cq_phase;
}

unsigned broker_drain(struct nvme_ctrl *c, struct broker_cq *cq)
{
	return drain(c, cq, NULL);
}

unsigned broker_drain_budgeted(struct nvme_ctrl *c, struct broker_cq *cq, unsigned *taken)
{
	return drain(c, cq, taken);
}

/*
 * The device learns of consumed entries only from the CQ head doorbell; a
 * device event (an MMIO exit) that low-depth I/O need not pay each time.
 * With MSI-X the device signals every posting whatever the head, so the
 * head may wait until half the queue is consumed, or until the device
 * would need the room (broker_cq_room, NVMe §3.3.1.2 flow control).  Pin
 * interrupts stay asserted and a single MSI message is not re-sent while
 * entries look unconsumed, so there the head is reported at once; a CQ
 * without interrupts (cq_polled) signals nothing either way.
 */
bool broker_cq_head_may_wait(const struct nvme_ctrl *c, const struct broker_cq *cq)
{
	return cq->cq_polled || c->nc_irqs.pi_kind == IRQ_KIND_MSIX;
}

void broker_report_cq_head(struct nvme_ctrl *c, struct broker_cq *cq)
{
	compiler_barrier();
	nvme_write32(c, (uint32_t)nvme_cq_doorbell(cq->cq_qid, c->nc_dstrd), cq->cq_head);
	cq->cq_unrung = 0;
	c->nc_dev_cq_doorbells++;
}

int broker_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t head)
{
	nvme_ctrl_assert_locked(c);
	if (qid > BROKER_MAX_QID)
		return CR_EINVAL;
	struct broker_cq *cq = &c->nc_cq[qid];
	if (cq->cq_state != BQ_LIVE || !cq->cq_shadow_entries)
		return CR_ENOENT;
	/* The new head may not pass entries we have not posted. */
	uint16_t n = cq->cq_shadow_entries;
	uint16_t posted = (uint16_t)((cq->cq_shadow_tail - cq->cq_shadow_head + n) % n);
	uint16_t consumed = (uint16_t)((head - cq->cq_shadow_head + n) % n);
	if (head >= n || consumed > posted)
		return CR_EINVAL;
	c->nc_doorbells++;
	cq->cq_shadow_head = head;
	/* Room again: what waited for it, then anything the device posted without an interrupt. */
	unsigned flushed = flush_done(c, cq), taken = 0;
	uint64_t before = c->nc_completed;
	broker_drain_budgeted(c, cq, &taken);
	if (flushed || c->nc_completed != before)
		broker_signal(c, cq);
	broker_submit_pending_after(c, taken);
	return 0;
}

unsigned broker_service_vector(struct nvme_ctrl *c, unsigned int index)
{
	unsigned consumed = 0, taken = 0;

	nvme_ctrl_assert_locked(c);
	if (!c->nc_enabled)
		return 0;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		struct broker_cq *cq = &c->nc_cq[q];
		if (cq->cq_state == BQ_FREE || (c->nc_nvectors > 1 && cq->cq_iv != index))
			continue;
		uint64_t before = c->nc_completed;
		consumed += broker_drain_budgeted(c, cq, &taken);
		if (c->nc_completed != before)
			broker_signal(c, cq);
	}
	if (consumed || c->nc_lane == DMA_LANE_DIRECT)
		broker_submit_pending_after(c, taken);
	return consumed;
}

static void serve_irq(struct nvme_ctrl *c, const struct broker_vector *v);

/*
 * Under nc_lock: may this interrupt's completions be served without the
 * BKL?  Draining a CQ is most of an interrupt's kernel time (a completion
 * each: the command's pages given back, its entry posted), and under the
 * BKL it keeps every other CPU's entries waiting.  Only I/O completions on
 * the brokered lane: a vector of its own (the admin queue's completions
 * call the manager back; a direct lane's interrupt is forwarded), and an
 * entry that took the BKL itself (not a nested window of a holder).
 */
static bool serve_without_bkl(const struct nvme_ctrl *c, const struct broker_vector *v)
{
	return c->nc_lane != DMA_LANE_DIRECT && c->nc_nvectors > 1 && v->bv_index != c->nc_cq[0].cq_iv &&
	       c->nc_cq[0].cq_state != BQ_FREE && bkl_irq_may_release();
}

void broker_irq(void *ctx, unsigned int cpu_vector)
{
	struct broker_vector *v = ctx;
	struct nvme_ctrl *c = v->bv_ctrl;

	(void)cpu_vector;
	if (nvme_ctrl_locked_here(c)) {
		/* Nested in this CPU's own section (an interrupt window of the release audit): served later (I7). */
		c->nc_drain_backlog = true;
		return;
	}
	nvme_ctrl_lock(c);
	if (!serve_without_bkl(c, v)) {
		serve_irq(c, v);
		nvme_ctrl_unlock(c);
		return;
	}
	/* I/O completions only: under nc_lock alone, as the doorbells (locking.h L8). */
	struct nvme_owed owed;
	c->nc_irq_drains_unlocked++;
	bkl_release();
	serve_irq(c, v);
	nvme_ctrl_unlock_owing(c, &owed);
	bkl_acquire();
	nvme_owed_pay(&owed);
}

static void serve_irq(struct nvme_ctrl *c, const struct broker_vector *v)
{
	c->nc_irq_count++;
	if (v->bv_index < BROKER_VECTORS)
		c->nc_watch[v->bv_index].iw_irqs++;	/* irq_watch.c: this vector is alive */
	if (c->nc_lane == DMA_LANE_DIRECT)
		nvme_direct_irq(c, v->bv_index);	/* the provider's own I/O queues: it reaps them */
	if (!c->nc_enabled)
		return;
	if (!broker_service_vector(c, v->bv_index) && c->nc_lane != DMA_LANE_DIRECT)
		c->nc_spurious_irqs++;	/* an interrupt with an empty queue is legal; count it */
}

bool broker_resume(struct nvme_ctrl *c)
{
	unsigned taken = 0;

	nvme_ctrl_assert_locked(c);
	if (c->nc_drain_backlog) {
		c->nc_drain_backlog = false;
		for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
			struct broker_cq *cq = &c->nc_cq[q];
			uint64_t before = c->nc_completed;
			broker_drain_budgeted(c, cq, &taken);
			if (c->nc_completed != before)
				broker_signal(c, cq);
		}
	}
	/* Completions free slots and staging pages: what waited for them goes now too. */
	if (c->nc_backlog || c->nc_drain_backlog)
		broker_submit_pending_after(c, taken);
	return c->nc_backlog || c->nc_drain_backlog;
}

/* m is given up on while the device may still hold it: its completion, if it comes, is dropped. */
static void abandon(struct nvme_ctrl *c, uint16_t qid, struct nvme_mgr_cmd *m)
{
	struct broker_sq *sq = &c->nc_sq[qid];

	for (unsigned i = 0; i < sq->sq_nslots; i++) {
		struct broker_cmd *t = &sq->sq_cmds[i];
		if (t->bc_state == BC_DEVICE && t->bc_mgr == m) {
			t->bc_mgr = &c->nc_mgr_abandoned;
			c->nc_mgr_abandoned_count++;
		}
	}
}

int broker_mgr_exec(struct nvme_ctrl *c, uint16_t qid, struct nvme_mgr_cmd *m, uint32_t timeout_ms)
{
	nvme_ctrl_assert_locked(c);
	if (c->nc_mgr_abandoned_count) {
		kerror("nvme: error manager command not sent bdf=%s qid=%u opcode=0x%02x: %u given up on are still with the device",
		       c->nc_bdf, qid, m->mc_sqe.opc, c->nc_mgr_abandoned_count);
		return CR_EBUSY;
	}
	int err = broker_mgr_submit(c, qid, m);

	if (err)
		return err;
	struct broker_cq *cq = &c->nc_cq[c->nc_sq[qid].sq_cqid];
	uint64_t start = clock_ns();
	uint64_t deadline = start + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	while (!m->mc_done) {
		broker_drain(c, cq);
		if (m->mc_done)
			break;
		uint32_t csts = nvme_read32(c, NVME_CSTS);
		if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS)) {
			kerror("nvme: error controller failed during a manager command bdf=%s opcode=0x%02x csts=0x%x%s%s",
			       c->nc_bdf, m->mc_sqe.opc, csts, c->nc_iommu_not_driven ? " iommu_not_driven=" : "",
			       c->nc_iommu_not_driven ? c->nc_iommu_not_driven : "");
			abandon(c, qid, m);
			return CR_EIO;
		}
		if (clock_ns() > deadline) {
			kerror("nvme: error manager command timed out bdf=%s qid=%u opcode=0x%02x timeout_ms=%u",
			       c->nc_bdf, qid, m->mc_sqe.opc, timeout_ms);
			abandon(c, qid, m);
			return CR_ETIMEDOUT;
		}
		nvme_wait_pause(c, start, 20);	/* an interrupt meanwhile may complete it: mc_done */
	}
	return 0;
}
