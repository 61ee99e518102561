/*
 * kernel/nvme/ctrl_lock.c - one controller's broker lock (locking.h L8).
 *
 * A provider's doorbell work (SYS_NVME_RING_WAIT) runs under nc_lock
 * alone, so providers on different CPUs, and a client beside its
 * provider, do not queue behind each other for the BKL.  What that work
 * cannot do without the BKL is owed and done here once it is held: the
 * signals of completion queues (irq_object_signal wakes processes) and the
 * last holds on pools (a Region whose client went away is freed).  An
 * interrupt handler that serves I/O completions without the BKL takes what
 * it owes out with it instead (nvme_ctrl_unlock_owing): nothing it holds
 * keeps the controller alive until the BKL is back.
 */
#include "kernel/cap/interrupt.h"
#include "kernel/core/locking.h"
#include "kernel/nvme/nvme_ctrl.h"

void nvme_ctrl_lock(struct nvme_ctrl *c)
{
	kspin_lock(&c->nc_lock);
}

/* Under nc_lock: what is owed, out of the controller, each signal's object with a hold of its own. */
static void take_owed(struct nvme_ctrl *c, struct nvme_owed *o)
{
	uint32_t owed = c->nc_signals_owed;

	*o = (struct nvme_owed){ .no_pools = dma_take_owed(&c->nc_dma) };
	c->nc_signals_owed = 0;
	for (unsigned v = 0; owed; v++, owed >>= 1) {
		/* A vector released meanwhile (under the BKL and this lock) has nobody left to tell. */
		if ((owed & 1) && v < c->nc_nvectors && c->nc_irq_obj[v]) {
			kobj_get(&c->nc_irq_obj[v]->io_obj);
			o->no_irq[o->no_nirq++] = c->nc_irq_obj[v];
		}
	}
}

bool nvme_ctrl_unlock(struct nvme_ctrl *c)
{
	bool owed = c->nc_signals_owed || c->nc_dma.dd_puts_owed;
	struct nvme_owed o;

	if (!owed || !bkl_held()) {
		kspin_unlock(&c->nc_lock);
		return owed;
	}
	take_owed(c, &o);
	kspin_unlock(&c->nc_lock);
	nvme_owed_pay(&o);
	return false;
}

void nvme_ctrl_settle(struct nvme_ctrl *c)
{
	nvme_ctrl_lock(c);
	nvme_ctrl_unlock(c);
}

void nvme_ctrl_unlock_owing(struct nvme_ctrl *c, struct nvme_owed *o)
{
	take_owed(c, o);
	kspin_unlock(&c->nc_lock);
}

void nvme_owed_pay(struct nvme_owed *o)
{
	for (unsigned i = 0; i < o->no_nirq; i++) {
		irq_object_signal(o->no_irq[i]);
		kobj_put(&o->no_irq[i]->io_obj);
	}
	dma_put_list(o->no_pools);
	*o = (struct nvme_owed){ 0 };
}
