/*
 * kernel/nvme/poll.c - completion polling before a provider's wait (see poll.h).
 */
#include "kernel/nvme/poll.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/sched.h"
#include "lib/pci_reg.h"

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

static void set_mask(struct nvme_ctrl *c, unsigned iv, bool masked)
{
	mmio_write32(c->nc_irqs.pi_msix_table + iv * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL,
		     masked ? PCI_MSIX_ENTRY_MASKED : 0);
	if (masked)
		c->nc_poll_masked |= 1u << iv;
	else
		c->nc_poll_masked &= ~(1u << iv);
}

/*
 * A provider polling without sleeping: its I/O queue's vector goes quiet
 * (poll.h).  Only an MSI-X vector of its own: never the admin queue's
 * (vector 0 also serves the manager's commands and events) or a vector
 * the lost-interrupt watch is polling for.
 */
static void mask_for_polling(struct nvme_ctrl *c, const struct broker_cq *cq)
{
	unsigned iv = cq->cq_iv;

	if (c->nc_irqs.pi_kind != IRQ_KIND_MSIX || c->nc_nvectors < 2 || iv == 0 || iv >= c->nc_nvectors ||
	    iv >= BROKER_VECTORS || (c->nc_poll_masked & (1u << iv)) || c->nc_watch[iv].iw_polling ||
	    c->nc_fault_irq)
		return;
	set_mask(c, iv, true);
	c->nc_poll_masks++;
	c->nc_poll_masked_calls = c->nc_provider_calls;
}

void nvme_poll_unmask(struct nvme_ctrl *c)
{
	nvme_ctrl_assert_locked(c);
	for (unsigned iv = 0; c->nc_poll_masked && iv < BROKER_VECTORS; iv++) {
		if (c->nc_poll_masked & (1u << iv))
			set_mask(c, iv, false);
	}
}

void nvme_poll_tick(struct nvme_ctrl *c)
{
	nvme_ctrl_assert_locked(c);
	if (!c->nc_poll_masked)
		return;
	for (unsigned iv = 0; iv < BROKER_VECTORS; iv++) {
		if (c->nc_poll_masked & (1u << iv))
			broker_service_vector(c, iv);	/* I3: nothing waits for a poll that may not come */
	}
	if (c->nc_provider_calls == c->nc_poll_masked_calls || !c->nc_enabled)
		nvme_poll_unmask(c);	/* a tick without a call: it stopped polling */
	c->nc_poll_masked_calls = c->nc_provider_calls;
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
	if (mode == NVME_POLL_ALWAYS && !timeout_ns)
		mask_for_polling(c, cq);
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

	*pw = (struct nvme_poll_wait){ .pw_start_ns = clock_ns(), .pw_qid = qid, .pw_nonblocking = !timeout_ns };
	if (mode == NVME_POLL_NEVER || qid > BROKER_MAX_QID)
		return;
	nvme_ctrl_lock(c);
	if (timeout_ns && c->nc_poll_masked)
		nvme_poll_unmask(c);	/* about to sleep: the interrupt must be able to wake it */
	uint64_t bound = plan(c, qid, timeout_ns, already_pending, pw, &next, &phase);
	nvme_ctrl_unlock(c);
	if (!bound)
		return;
	bool hit = spin(next, phase, bound);
	nvme_ctrl_lock(c);
	struct broker_cq *cq = &c->nc_cq[qid];
	if (hit && c->nc_enabled && cq->cq_state == BQ_LIVE && broker_cq_peek(cq)) {
		c->nc_poll_hits++;
		pw->pw_hit = true;
		broker_service_vector(c, cq->cq_iv);	/* as the interrupt would: shadow CQ, then the signal */
	} else {
		c->nc_poll_misses++;
		poll_tune_miss(&c->nc_poll_tune[qid]);
	}
	nvme_ctrl_unlock(c);
}

void nvme_poll_after_wait(struct nvme_ctrl *c, const struct nvme_poll_wait *pw, bool completion)
{
	if (pw->pw_measure && completion) {
		nvme_ctrl_lock(c);
		poll_tune_note(&c->nc_poll_tune[pw->pw_qid], clock_ns() - pw->pw_start_ns, pw->pw_hit);
		nvme_ctrl_unlock(c);
	}
	/* always: a provider that polls its rings without blocking still gives way. */
	if (mode == NVME_POLL_ALWAYS && pw->pw_nonblocking && sched_others_runnable())
		sched_yield();
}
