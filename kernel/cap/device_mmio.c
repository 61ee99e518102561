/*
 * kernel/cap/device_mmio.c - DeviceMmio capability invocations.
 *
 * The object is an NVMe controller bound by the manager (kernel/nvme/).
 * Reads: the registers on lib/nvme_reg_access.c's allow-list, none of
 * which holds an address (broker invariant I5).  Writes: only the reset
 * claim (CC with EN = 0).  AQA/ASQ/ACQ and CC.EN = 1 are written by the
 * manager in the brokered enable, and doorbells are brokered, so no
 * address the provider chose ever reaches the device.
 */
#include "include/abi/cap.h"
#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "include/abi/nvme_broker.h"
#include "include/abi/nvme_provider.h"
#include "kernel/block/session.h"
#include "kernel/cap/interrupt.h"
#include "kernel/cap/invocations.h"
#include "kernel/cap/notification.h"
#include "kernel/core/clock.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "kernel/core/syscall.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/manager.h"
#include "kernel/nvme/poll.h"
#include "lib/nvme_reg_access.h"

static int decode_ctrl(uint64_t slot, uint32_t rights, struct nvme_ctrl **out)
{
	const struct cap *c;
	int err = cap_decode(slot, CAP_TYPE_DEVICE_MMIO, rights, &c);

	if (!err)
		*out = c->c_object;
	return err;
}

static void log_refused(struct nvme_ctrl *c, const char *what, uint64_t off, uint64_t width, uint64_t value)
{
	nvme_ctrl_lock(c);	/* the rate limit is the broker's too, which logs without the BKL (L8) */
	bool allow = ratelimit_allow(&c->nc_refusal_log, clock_ns());
	nvme_ctrl_unlock(c);
	if (!allow)
		return;
	kprintf("nvme: refused register %s bdf=%s pid=%d offset=0x%lx width=%lu value=0x%lx reason=%s", what,
		c->nc_bdf, proc_current()->p_pid, off, width, value,
		*what == 'r' ? "not-on-the-read-allow-list" : "not-a-selected-write-claim");
}

/* (mmio, offset, width, uint64_t *out) */
int64_t sys_mmio_read(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	uint64_t off = a->a[1], width = a->a[2], v;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_READ, &c);

	if (err)
		return err;
	if (!nvme_provider_may_read(off, width)) {
		log_refused(c, "read", off, width, 0);
		return CR_EPERM;
	}
	v = width == 4 ? nvme_read32(c, (uint32_t)off) : nvme_read64(c, (uint32_t)off);
	return copy_to_user(a->a[3], &v, sizeof(v));
}

/* (mmio, offset, width, value): the reset claim, nothing else. */
int64_t sys_mmio_write(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	uint64_t off = a->a[1], width = a->a[2], value = a->a[3];
	int err = decode_ctrl(a->a[0], CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	if (off == NVME_CC && width == 4 && !(value & NVME_CC_EN)) {
		nvme_provider_reset(c);
		return 0;
	}
	log_refused(c, "write", off, width, value);
	return CR_EPERM;
}

int64_t sys_device_info(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_READ, &c);

	if (err)
		return err;
	struct pci_dev *d = c->nc_pci;
	struct device_info info = {
		.di_segment = d->pd_segment, .di_bus = d->pd_bus, .di_dev = d->pd_dev, .di_fn = d->pd_fn,
		.di_class = d->pd_class, .di_subclass = d->pd_subclass, .di_prog_if = d->pd_prog_if,
		.di_vendor = d->pd_vendor, .di_device = d->pd_device,
		.di_subsys_vendor = d->pd_subsys_vendor, .di_subsys_id = d->pd_subsys_id,
		.di_lane = c->nc_lane, .di_nvectors = c->nc_nvectors,
		.di_irq_kind = c->nc_irqs.pi_kind, .di_reg_bytes = NVME_REG_PAGE,
		.di_max_transfer = c->nc_max_transfer, .di_max_queues = BROKER_MAX_QID,
		.di_page_size = c->nc_page_size,
	};
	return copy_to_user(a->a[1], &info, sizeof(info));
}

/* (mmio, const struct nvme_enable_req *) */
int64_t sys_nvme_enable(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	struct nvme_enable_req req;
	const struct cap *pool;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	if ((err = copy_from_user(&req, a->a[1], sizeof(req))) < 0)
		return err;
	if ((err = cap_decode(req.er_pool_slot, CAP_TYPE_DMA_POOL, CAP_RIGHT_MAP, &pool)) < 0)
		return err;
	struct dma_pool *p = pool->c_object;
	if (p->dp_mapped_pid != proc_current()->p_pid)
		return CR_EPERM;	/* the pool must be the caller's own, mapped */
	return nvme_provider_enable(c, p, &req);
}

/* (mmio, qid, kind, value) */
int64_t sys_nvme_doorbell(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	c->nc_provider_calls++;
	if (c->nc_lane == DMA_LANE_DIRECT && a->a[1] != 0)
		return CR_ENOENT;	/* I/O queues on the direct lane: the provider rings its own doorbells */
	if (!c->nc_enabled || a->a[1] > 0xffff || a->a[3] > 0xffff)
		return c->nc_enabled ? CR_EINVAL : CR_ENOENT;
	if (a->a[2] != NVME_DB_SQ_TAIL && a->a[2] != NVME_DB_CQ_HEAD)
		return CR_EINVAL;
	nvme_ctrl_lock(c);
	if (a->a[2] == NVME_DB_SQ_TAIL)
		err = broker_sq_doorbell(c, (uint16_t)a->a[1], (uint16_t)a->a[3]);
	else
		err = broker_cq_doorbell(c, (uint16_t)a->a[1], (uint16_t)a->a[3]);
	nvme_ctrl_unlock(c);
	return err;
}

/* (mmio, uint64_t *va): the doorbell page, on the direct lane, for the controller's provider. */
int64_t sys_nvme_doorbell_map(const struct syscall_args *a)
{
	struct nvme_ctrl *c;
	uint64_t va = 0;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	nvme_ctrl_lock(c);
	err = nvme_direct_doorbell_map(c, proc_current(), &va);
	nvme_ctrl_unlock(c);
	if (err < 0)
		return err;
	return copy_to_user(a->a[1], &va, sizeof(va));
}

/*
 * The CQ head, then the SQ tail, under the controller's lock.  An I/O
 * queue's doorbells run without the BKL (locking.h L8): this is most of a
 * provider's kernel time, and other CPUs' entries (its clients, other
 * providers) go on meanwhile.  The admin queue's keep the BKL: its
 * commands allocate queues and call the manager back.  What the section
 * owes (signals, last holds on pools) is settled once the BKL is back.
 */
static int ring_doorbells(struct nvme_ctrl *c, struct nvme_ring_wait *rw)
{
	bool without_bkl = rw->rw_qid != 0 && c->nc_lane != DMA_LANE_DIRECT;
	int err = 0;

	nvme_ctrl_lock(c);
	if (without_bkl)
		bkl_release();
	if (!c->nc_enabled)
		err = CR_ENOENT;
	if (!err && rw->rw_cq_head != NVME_RW_KEEP)
		err = broker_cq_doorbell(c, rw->rw_qid, rw->rw_cq_head);
	if (!err && rw->rw_sq_tail != NVME_RW_KEEP) {
		int taken = broker_sq_doorbell(c, rw->rw_qid, rw->rw_sq_tail);
		if (taken < 0)
			err = taken;
		else
			rw->rw_taken = (uint32_t)taken;
	}
	bool owed = nvme_ctrl_unlock(c);
	if (without_bkl) {
		bkl_acquire();
		if (owed)
			nvme_ctrl_settle(c);
	}
	return err;
}

/* (mmio, struct nvme_ring_wait *): decode everything, then CQ head, SQ tail and the wait. */
int64_t sys_nvme_ring_wait(const struct syscall_args *a)
{
	struct nvme_ring_wait rw;
	struct nvme_ctrl *c;
	const struct cap *w = NULL;
	int err = decode_ctrl(a->a[0], CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	if ((err = copy_from_user(&rw, a->a[1], sizeof(rw))) < 0)
		return err;
	c->nc_provider_calls++;
	if (!c->nc_enabled)
		return CR_ENOENT;
	/* Direct lane: only the admin queue is brokered; the provider rings its I/O queues itself. */
	if (c->nc_lane == DMA_LANE_DIRECT && rw.rw_qid != 0 &&
	    (rw.rw_sq_tail != NVME_RW_KEEP || rw.rw_cq_head != NVME_RW_KEEP))
		return CR_ENOENT;
	if (rw.rw_qid > BROKER_MAX_QID)
		return CR_EINVAL;
	/* A client to wake first: the provider's ack notification rides on this crossing. */
	struct block_session *notify = NULL;
	bool notify_provider_end = false;
	if (rw.rw_notify_slot && (err = block_end_decode(rw.rw_notify_slot - 1u, &notify, &notify_provider_end)) < 0)
		return err;
	if (notify && !notify_provider_end)
		return CR_EBADCAP;	/* only a provider's session end: it wakes that session's client */
	if (rw.rw_wait_slot != NVME_RW_NO_WAIT) {
		if ((err = cap_decode(rw.rw_wait_slot, CAP_TYPE_NONE, CAP_RIGHT_WAIT, &w)) < 0)
			return err;
		if (w->c_type != CAP_TYPE_INTERRUPT && w->c_type != CAP_TYPE_NOTIFICATION)
			return CR_EBADCAP;
	}
	rw.rw_taken = 0;
	if ((rw.rw_cq_head != NVME_RW_KEEP || rw.rw_sq_tail != NVME_RW_KEEP) && (err = ring_doorbells(c, &rw)) < 0)
		return err;
	rw.rw_woke = 0;
	if (notify)
		block_end_notify(notify, true);
	if (!w) {
		nvme_poll_look(c, rw.rw_qid);	/* a queue without interrupts: take what was posted */
		return copy_to_user(a->a[1], &rw, sizeof(rw));
	}
	/* nvme.poll=: look at the device CQ before sleeping (kernel/nvme/poll.c). */
	struct nvme_poll_wait pw;
	bool irq = w->c_type == CAP_TYPE_INTERRUPT;
	bool pending = irq ? ((struct irq_object *)w->c_object)->io_pending != 0 :
			     ((struct notification *)w->c_object)->n_bits != 0;
	nvme_poll_before_wait(c, rw.rw_qid, rw.rw_timeout_ns, pending, &pw);
	if (irq)
		rw.rw_woke = irq_object_wait(w->c_object, pw.pw_wait_ns);
	else
		rw.rw_woke = notification_wait(w->c_object, pw.pw_wait_ns);
	nvme_poll_after_wait(c, &pw, irq ? rw.rw_woke != 0 : (rw.rw_woke & NVME_INBOX_IRQ) != 0);
	return copy_to_user(a->a[1], &rw, sizeof(rw));
}
