/*
 * kernel/nvme/poll.c - completion polling before a provider's wait (see poll.h).
 */
#include "kernel/nvme/poll.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/sched.h"

static enum nvme_poll_choice mode = NVME_POLL_ADAPTIVE;

void nvme_poll_set_mode(enum nvme_poll_choice m)
{
	mode = m;
}

enum nvme_poll_choice nvme_poll_mode(void)
{
	return mode;
}

/* Commands of the provider's or the manager's on the device for completion queue qid. */
static bool outstanding(const struct nvme_ctrl *c, uint16_t cqid)
{
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_sq *sq = &c->nc_sq[q];
		if (sq->sq_state != BQ_FREE && sq->sq_cqid == cqid && sq->sq_nfree < sq->sq_nslots)
			return true;
	}
	return false;
}

/*
 * Spin on the device CQ until an entry, the bound, another runnable process
 * or the end of the budget.  Without the BKL (locking.h L3): only the
 * phase bit of the one entry the manager expects next is read, through
 * what was captured under the lock, and the caller looks again under the
 * lock before it consumes anything (the CQ may have been deleted meanwhile).
 * Other CPUs' kernel entries go on; interrupts stay off, within the budget.
 */
static bool spin(const struct broker_cq *cq, uint64_t bound_ns)
{
	if (cq->cq_state == BQ_FREE || !cq->cq_ring)
		return false;
	const volatile struct nvme_cqe *next = &cq->cq_ring[cq->cq_head];
	uint16_t phase = cq->cq_phase;
	uint64_t start = clock_ns();
	bool hit = false;

	bkl_release();
	for (;;) {
		if ((next->status & NVME_CQE_PHASE) == phase) {
			hit = true;
			break;
		}
		if (clock_ns() - start >= bound_ns || sched_others_runnable() ||
		    !irqsoff_may_take(1, UINT32_MAX))
			break;
		cpu_relax();
	}
	bkl_acquire();
	return hit;
}

void nvme_poll_before_wait(struct nvme_ctrl *c, uint16_t qid, uint64_t timeout_ns, bool already_pending,
			   struct nvme_poll_wait *pw)
{
	*pw = (struct nvme_poll_wait){ .pw_start_ns = clock_ns(), .pw_qid = qid, .pw_nonblocking = !timeout_ns };
	if (mode == NVME_POLL_NEVER || !c->nc_enabled || qid > BROKER_MAX_QID)
		return;
	struct broker_cq *cq = &c->nc_cq[qid];
	if (cq->cq_state != BQ_LIVE || cq->cq_direct || !outstanding(c, qid))
		return;
	pw->pw_measure = !already_pending && timeout_ns;
	if (already_pending || (mode == NVME_POLL_ADAPTIVE && !timeout_ns) || sched_others_runnable())
		return;		/* the wait returns at once, or someone else should have the CPU */
	uint64_t cap = (uint64_t)IRQSOFF_WORK_US * 1000;
	uint64_t bound = mode == NVME_POLL_ALWAYS ? cap : poll_tune_bound(&c->nc_poll_tune[qid], cap);
	if (!bound)
		return;
	if (spin(cq, bound) && c->nc_enabled && cq->cq_state == BQ_LIVE && broker_cq_peek(cq)) {
		c->nc_poll_hits++;
		pw->pw_hit = true;
		broker_service_vector(c, cq->cq_iv);	/* as the interrupt would: shadow CQ, then the signal */
	} else {
		c->nc_poll_misses++;
		poll_tune_miss(&c->nc_poll_tune[qid]);
	}
}

void nvme_poll_after_wait(struct nvme_ctrl *c, const struct nvme_poll_wait *pw, bool completion)
{
	if (pw->pw_measure && completion)
		poll_tune_note(&c->nc_poll_tune[pw->pw_qid], clock_ns() - pw->pw_start_ns, pw->pw_hit);
	/* always: a provider that polls its rings without blocking still gives way. */
	if (mode == NVME_POLL_ALWAYS && pw->pw_nonblocking && sched_others_runnable())
		sched_yield();
}
