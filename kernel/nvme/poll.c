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
 * or the end of the budget.  Without the BKL or the controller's lock
 * (locking.h L3): only the phase bit of the one entry the manager expects
 * next is read, through what was captured under the locks, and the caller
 * looks again under them before it consumes anything (the CQ may have been
 * deleted meanwhile: its ring is manager memory, freed only after the
 * device stopped, and the direct map keeps it readable).  Other CPUs'
 * kernel entries go on; interrupts stay off, within the budget.
 */
static bool spin(const volatile struct nvme_cqe *next, uint16_t phase, uint64_t bound_ns)
{
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

/*
 * Under the controller's lock: if the device posted on cq, consume it as
 * the interrupt would (shadow CQ, then the signal).  Whether it had.
 */
static bool take_posted(struct nvme_ctrl *c, struct broker_cq *cq)
{
	if (!c->nc_enabled || cq->cq_state != BQ_LIVE || !broker_cq_peek(cq))
		return false;
	broker_service_vector(c, cq->cq_iv);
	return true;
}

/*
 * Under the controller's lock: a queue without interrupts has nothing but
 * looks to tell the provider its completions (and the tick, 4 ms later).
 * Whether one was taken.
 */
static bool look_locked(struct nvme_ctrl *c, uint16_t qid)
{
	if (qid == 0 || qid > BROKER_MAX_QID || !c->nc_cq[qid].cq_polled || !take_posted(c, &c->nc_cq[qid]))
		return false;
	c->nc_poll_hits++;
	return true;
}

void nvme_poll_tick(struct nvme_ctrl *c)
{
	uint64_t before = c->nc_completed;

	nvme_ctrl_assert_locked(c);
	if (!c->nc_io_cqs_polled)
		return;		/* every queue has its interrupt */
	/* I3: nothing waits for a poll that may not come (the provider sleeps, hangs or died). */
	for (unsigned q = 1; q <= BROKER_MAX_QID; q++) {
		if (c->nc_cq[q].cq_polled)
			take_posted(c, &c->nc_cq[q]);
	}
	c->nc_poll_tick_drains += c->nc_completed - before;
}

/* Under the controller's lock: the bound to spin for on qid's CQ, 0 for none, and what to watch. */
static uint64_t plan(struct nvme_ctrl *c, uint16_t qid, uint64_t timeout_ns, bool already_pending,
		     struct nvme_poll_wait *pw, const volatile struct nvme_cqe **next, uint16_t *phase)
{
	if (!c->nc_enabled)
		return 0;
	struct broker_cq *cq = &c->nc_cq[qid];
	if (cq->cq_state != BQ_LIVE || cq->cq_direct || !cq->cq_ring || !outstanding(c, qid))
		return 0;
	pw->pw_measure = !already_pending && timeout_ns;
	if (cq->cq_polled) {
		/* Nothing but the tick (4 ms) would end a sleep: the spin is the wait, then ask again. */
		pw->pw_wait_ns = 0;
		pw->pw_gives_way = true;
	}
	if (already_pending || (mode == NVME_POLL_ADAPTIVE && !timeout_ns) || sched_others_runnable())
		return 0;	/* the wait returns at once, or someone else should have the CPU */
	uint64_t cap = (uint64_t)IRQSOFF_WORK_US * 1000;
	*next = &cq->cq_ring[cq->cq_head];
	*phase = cq->cq_phase;
	return mode == NVME_POLL_ALWAYS ? cap : poll_tune_bound(&c->nc_poll_tune[qid], cap);
}

void nvme_poll_before_wait(struct nvme_ctrl *c, uint16_t qid, uint64_t timeout_ns, bool already_pending,
			   struct nvme_poll_wait *pw)
{
	const volatile struct nvme_cqe *next = NULL;
	uint16_t phase = 0;

	*pw = (struct nvme_poll_wait){ .pw_start_ns = clock_ns(), .pw_wait_ns = timeout_ns, .pw_qid = qid,
				       .pw_gives_way = !timeout_ns && mode == NVME_POLL_ALWAYS };
	if (mode == NVME_POLL_NEVER || qid > BROKER_MAX_QID)
		return;
	nvme_ctrl_lock(c);
	uint64_t bound = plan(c, qid, timeout_ns, already_pending, pw, &next, &phase);
	if (!bound && look_locked(c, qid))
		pw->pw_hit = true;	/* no spin (others runnable here): what was posted is taken all the same */
	nvme_ctrl_unlock(c);
	if (!bound)
		return;
	bool hit = spin(next, phase, bound);
	nvme_ctrl_lock(c);
	if (hit && take_posted(c, &c->nc_cq[qid])) {
		c->nc_poll_hits++;
		pw->pw_hit = true;
	} else {
		c->nc_poll_misses++;
		poll_tune_miss(&c->nc_poll_tune[qid]);
	}
	nvme_ctrl_unlock(c);
}

void nvme_poll_look(struct nvme_ctrl *c, uint16_t qid)
{
	if (!c->nc_io_cqs_polled || qid == 0 || qid > BROKER_MAX_QID)
		return;		/* set at bind: no queue of this controller lacks its interrupt */
	nvme_ctrl_lock(c);
	look_locked(c, qid);
	nvme_ctrl_unlock(c);
}

void nvme_poll_after_wait(struct nvme_ctrl *c, const struct nvme_poll_wait *pw, bool completion)
{
	if (pw->pw_measure && completion) {
		nvme_ctrl_lock(c);
		poll_tune_note(&c->nc_poll_tune[pw->pw_qid], clock_ns() - pw->pw_start_ns, pw->pw_hit);
		nvme_ctrl_unlock(c);
	}
	/* A provider that polls (its rings, or a queue without interrupts) still gives way. */
	if (pw->pw_gives_way && sched_others_runnable())
		sched_yield();
}
