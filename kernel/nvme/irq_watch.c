/*
 * kernel/nvme/irq_watch.c - notice interrupts that stop arriving, and poll.
 *
 * Runs from the timer tick (manager.c) in the same context as the
 * interrupt handler, so it may drain queues exactly as broker_irq does.
 * What it can see: the brokered device CQs, which live in manager memory.
 * On the direct lane the provider's own I/O CQs are not visible (their
 * head is the provider's), so there a loss is noticed on the admin queue
 * and, once noticed, every vector of the controller is forwarded from the
 * tick as well.
 */
#include "kernel/nvme/irq_watch.h"

#include "kernel/core/clock.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/log.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/pci_reg.h"

/* Does a brokered CQ served by vector idx hold a posted entry the manager has not consumed? */
static bool posted_unconsumed(const struct nvme_ctrl *c, unsigned idx)
{
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_cq *cq = &c->nc_cq[q];
		if (cq->cq_state == BQ_FREE || !cq->cq_ring || cq->cq_direct || cq->cq_polled)
			continue;	/* a CQ without interrupts (poll.h) signals nothing to miss */
		if (c->nc_nvectors > 1 && cq->cq_iv != idx)
			continue;
		const volatile struct nvme_cqe *e = &cq->cq_ring[cq->cq_head];
		if ((e->status & NVME_CQE_PHASE) == cq->cq_phase)
			return true;
	}
	return false;
}

static void serve(struct nvme_ctrl *c, unsigned idx, struct irq_watch *w)
{
	w->iw_polls++;
	if (c->nc_lane == DMA_LANE_DIRECT)
		nvme_direct_irq(c, idx);	/* the provider reaps its own I/O queues */
	w->iw_polled += broker_service_vector(c, idx);
}

void nvme_irq_watch_tick(struct nvme_ctrl *c)
{
	uint64_t now = clock_ns();
	bool any_polling = false;

	nvme_ctrl_assert_locked(c);
	for (unsigned idx = 0; idx < c->nc_nvectors && idx < BROKER_VECTORS; idx++) {
		struct irq_watch *w = &c->nc_watch[idx];
		uint64_t arrived = irq_vector_arrivals(c->nc_irqs.pi_cpu_vector[idx]);
		bool delivered = w->iw_irqs != w->iw_seen || arrived != w->iw_arrivals_seen;

		w->iw_seen = w->iw_irqs;
		w->iw_arrivals_seen = arrived;
		if (w->iw_polling) {
			if (delivered) {
				w->iw_polling = false;
				w->iw_posted_ns = 0;
				kprintf("nvme: interrupts back bdf=%s vector=%u polls=%lu polled_completions=%lu",
					c->nc_bdf, idx, w->iw_polls, w->iw_polled);
				continue;
			}
			serve(c, idx, w);
			any_polling = true;
			continue;
		}
		/* Entries a budget-bounded handler left (I7) came with their interrupt: not a loss. */
		if (delivered || c->nc_drain_backlog || !posted_unconsumed(c, idx)) {
			w->iw_posted_ns = 0;
			continue;
		}
		/*
		 * The target CPU may sit with interrupts off, queued for the BKL
		 * behind others (a loaded host stretches that): an interrupt is
		 * lost only if that CPU has let interrupts in a few times since.
		 */
		uint64_t opens = __atomic_load_n(&percpu_blocks[c->nc_irq_cpu].cpu_irq_opens, __ATOMIC_RELAXED);
		if (!w->iw_posted_ns) {
			w->iw_posted_ns = now;
			w->iw_opens_at = opens;
			continue;
		}
		if (now - w->iw_posted_ns < (uint64_t)IRQ_LOST_AFTER_MS * NSEC_PER_MSEC || opens - w->iw_opens_at < IRQ_LOST_AFTER_OPENS)
			continue;
		w->iw_polling = true;
		w->iw_episodes++;
		klog_recovery();
		kprintf("nvme: interrupts lost bdf=%s vector=%u fallback=polling cpu_vector=%u kind=%s waited_ms=%lu",
			c->nc_bdf, idx, c->nc_irqs.pi_cpu_vector[idx], irq_kind_name(c->nc_irqs.pi_kind),
			(now - w->iw_posted_ns) / NSEC_PER_MSEC);
		serve(c, idx, w);
		any_polling = true;
	}
	/* Direct lane: the I/O vectors' queues are invisible here; a loss on one means all. */
	if (any_polling && c->nc_lane == DMA_LANE_DIRECT) {
		for (unsigned idx = 0; idx < c->nc_nvectors && idx < BROKER_VECTORS; idx++) {
			struct irq_watch *w = &c->nc_watch[idx];
			if (!w->iw_polling && w->iw_irqs == w->iw_seen) {
				w->iw_polling = true;
				w->iw_episodes++;
				kprintf("nvme: interrupts lost bdf=%s vector=%u fallback=polling cpu_vector=%u kind=%s waited_ms=0 reason=same-controller",
					c->nc_bdf, idx, c->nc_irqs.pi_cpu_vector[idx], irq_kind_name(c->nc_irqs.pi_kind));
			}
		}
	}
}

void nvme_irq_fault_mask(struct nvme_ctrl *c)
{
	struct pci_dev *d = c->nc_pci;
	const struct pci_irq_set *s = &c->nc_irqs;

	switch (s->pi_kind) {
	case IRQ_KIND_MSIX:
		/* The per-vector mask: the device keeps the message pending (PBA), never sends it. */
		for (unsigned i = 0; i < s->pi_count; i++)
			mmio_write32(s->pi_msix_table + i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL,
				     PCI_MSIX_ENTRY_MASKED);
		break;
	case IRQ_KIND_MSI: {
		/* MSI off with INTx still disabled: the function signals nothing. */
		uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(d->pd_cap_msi + PCI_MSI_CTRL), 2);
		pci_cfg_write(d, (uint16_t)(d->pd_cap_msi + PCI_MSI_CTRL), 2, ctrl & (uint16_t)~PCI_MSI_CTRL_ENABLE);
		break;
	}
	case IRQ_KIND_INTX:
		pci_set_command_bits(d, PCI_COMMAND_INTX_DISABLE, 0);
		break;
	}
	kprintf("nvme: fault irq-masked bdf=%s kind=%s vectors=%u (behind the kernel's back)", c->nc_bdf,
		irq_kind_name(s->pi_kind), s->pi_count);
}

void nvme_irq_watch_report(const struct nvme_ctrl *c)
{
	uint32_t episodes = 0;
	uint64_t polls = 0, polled = 0;

	for (unsigned idx = 0; idx < BROKER_VECTORS; idx++) {
		episodes += c->nc_watch[idx].iw_episodes;
		polls += c->nc_watch[idx].iw_polls;
		polled += c->nc_watch[idx].iw_polled;
	}
	if (episodes)
		kprintf("nvme: interrupt watch bdf=%s lost_episodes=%u tick_polls=%lu polled_completions=%lu", c->nc_bdf,
			episodes, polls, polled);
}
