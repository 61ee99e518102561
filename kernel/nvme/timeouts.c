/*
 * kernel/nvme/timeouts.c - commands that do not complete, and controllers
 * that fail, looked at from the timer tick (the policy by cloud surface is
 * lib/nvme_timeout.c).
 *
 * Every 50 ms, from the tick: CSTS.  All ones (or RDY gone) with the vendor id all ones
 * too is a function that vanished (surprise removal): the units detach it, no reset is tried
 * on a device that is not there.  All ones with the function still in
 * configuration space, or CFS (Controller Fatal Status), asks for a reset
 * at once, without an Abort.  Then the
 * oldest brokered command the device holds (the admin queue's standing
 * Asynchronous Event Request excepted: it completes only on an event):
 * past the timeout, poll its CQ for a completion whose interrupt was lost;
 * if it is still outstanding, send Abort; past the Abort's grace, ask the
 * supervisor to reset the controller and replay (S1-S3 in supervise.h),
 * except on EBS, where the command is never failed early: it is logged at
 * intervals and waited for.  On the direct lane the provider's own I/O
 * queues are not the manager's to see; their commands are not timed here.
 */
#include "include/abi/errors.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "kernel/nvme/timeouts.h"
#include "kernel/pci/pci.h"
#include "lib/pci_reg.h"

#define FAULT_CTRL_AFTER	16	/* fault.ctrl=: completions before the DMA is cut */
#define TIMEOUT_LOOK_MS		50	/* how often: every slot of every queue is walked, so not every tick */

static const struct broker_cmd *oldest(const struct nvme_ctrl *c, uint16_t *qid)
{
	const struct broker_cmd *best = NULL;

	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_sq *sq = &c->nc_sq[q];
		if (sq->sq_state == BQ_FREE || !sq->sq_cmds || sq->sq_direct)
			continue;
		for (unsigned i = 0; i < sq->sq_nslots; i++) {
			const struct broker_cmd *t = &sq->sq_cmds[i];
			if (t->bc_state != BC_DEVICE || (q == 0 && t->bc_opc == NVME_ADMIN_ASYNC_EVENT))
				continue;
			if (!best || t->bc_since_ns < best->bc_since_ns) {
				best = t;
				*qid = (uint16_t)q;
			}
		}
	}
	return best;
}

/* Abort (Base 2.0c §5.1): SQID and CID of the command; best effort, the answer does not matter. */
static void send_abort(struct nvme_ctrl *c, uint16_t qid, uint16_t cid)
{
	struct nvme_mgr_cmd *m = &c->nc_abort_cmd;

	if (m->mc_sqe.opc == NVME_ADMIN_ABORT && !m->mc_done)
		return;		/* the previous one is still out */
	*m = (struct nvme_mgr_cmd){ .mc_sqe = { .opc = NVME_ADMIN_ABORT, .cdw10 = qid | (uint32_t)cid << 16 } };
	int err = broker_mgr_submit(c, 0, m);
	if (err)
		kprintf("nvme: abort not sent bdf=%s qid=%u cid=0x%04x err=%s", c->nc_bdf, qid, cid, cr_err_name(err));
}

static void say_fatal(const struct nvme_ctrl *c, uint32_t csts)
{
	kprintf("nvme: controller fatal bdf=%s csts=0x%x reason=%s action=reset", c->nc_bdf, csts,
		csts == 0xffffffffu ? "reads-all-ones" : "cfs");
}

static void want_reset(struct nvme_ctrl *c, const char *why)
{
	if (!c->nc_reset_wanted)
		c->nc_reset_wanted = why;
}

void nvme_timeout_tick(struct nvme_ctrl *c)
{
	uint64_t now_ms = clock_ns() / NSEC_PER_MSEC;

	nvme_ctrl_assert_locked(c);
	if (c->nc_reset_wanted || c->nc_vanished || now_ms < c->nc_to_next_ms)
		return;		/* the supervisor, or the detach, has it; or it was looked at a moment ago */
	c->nc_to_next_ms = now_ms + TIMEOUT_LOOK_MS;
	uint32_t csts = nvme_read32(c, NVME_CSTS);
	/*
	 * Gone from configuration space too: a real bus reads all ones from its
	 * BAR, QEMU reads 0 (RDY dropped on an enabled controller); either way
	 * only the vendor id tells a vanished function from a reset one.
	 */
	bool odd = csts == 0xffffffffu || !(csts & NVME_CSTS_RDY);
	if (odd && (pci_cfg_read(c->nc_pci, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff) {
		kprintf("nvme: controller vanished bdf=%s csts=0x%x vendor=0xffff action=detach", c->nc_bdf, csts);
		c->nc_vanished = true;
		return;
	}
	if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS)) {
		say_fatal(c, csts);
		want_reset(c, csts == 0xffffffffu ? "controller-vanished" : "controller-fatal");
		return;
	}
	if (c->nc_fault_ctrl && c->nc_completed >= FAULT_CTRL_AFTER) {
		c->nc_fault_ctrl = false;
		pci_set_command_bits(c->nc_pci, 0, PCI_COMMAND_MASTER);
		kprintf("nvme: fault ctrl-dma-cut bdf=%s completed=%lu (behind the kernel's back)", c->nc_bdf,
			c->nc_completed);
	}
	uint16_t qid = 0;
	const struct broker_cmd *t = oldest(c, &qid);
	if (!t) {
		c->nc_to_state = (struct nvme_timeout_state){ 0 };
		return;
	}
	uint16_t cid = broker_device_cid(&c->nc_sq[qid], t);
	if (qid != c->nc_to_qid || cid != c->nc_to_cid || t->bc_since_ns != c->nc_to_since_ns) {
		c->nc_to_state = (struct nvme_timeout_state){ 0 };	/* a new oldest command */
		c->nc_to_qid = qid;
		c->nc_to_cid = cid;
		c->nc_to_since_ns = t->bc_since_ns;
	}
	uint64_t age_ms = now_ms - t->bc_since_ns / NSEC_PER_MSEC;
	const struct nvme_timeout_policy *p = &c->nc_to_policy;
	switch (nvme_timeout_step(p, &c->nc_to_state, age_ms, now_ms)) {
	case NVME_TO_NONE:
		return;
	case NVME_TO_POLL_ABORT: {
		uint8_t opc = t->bc_opc;
		/* A completion the device posted without an interrupt (Linux: "completion polled"). */
		for (unsigned v = 0; v < c->nc_nvectors; v++)
			broker_service_vector(c, v);
		const struct broker_cmd *again = oldest(c, &qid);
		if (!again || broker_device_cid(&c->nc_sq[qid], again) != cid || qid != c->nc_to_qid) {
			kprintf("nvme: command timeout bdf=%s qid=%u cid=0x%04x opcode=0x%02x age_ms=%lu surface=%s action=completion-polled",
				c->nc_bdf, c->nc_to_qid, cid, opc, age_ms, p->surface);
			klog_recovery();
			c->nc_to_state = (struct nvme_timeout_state){ 0 };
			return;
		}
		kprintf("nvme: command timeout bdf=%s qid=%u cid=0x%04x opcode=0x%02x age_ms=%lu surface=%s action=abort timeout_ms=%u",
			c->nc_bdf, qid, cid, opc, age_ms, p->surface, p->timeout_ms);
		send_abort(c, qid, cid);
		return;
	}
	case NVME_TO_LOG:
		kprintf("nvme: command still waiting bdf=%s qid=%u cid=0x%04x opcode=0x%02x age_ms=%lu surface=%s policy=never-fail-early",
			c->nc_bdf, qid, cid, t->bc_opc, age_ms, p->surface);
		return;
	case NVME_TO_RESET:
		kprintf("nvme: command timeout bdf=%s qid=%u cid=0x%04x opcode=0x%02x age_ms=%lu surface=%s action=reset",
			c->nc_bdf, qid, cid, t->bc_opc, age_ms, p->surface);
		want_reset(c, "timeout");
		return;
	}
}
