/*
 * drivers/nvme/queue.c - submission and completion queues, as any NVMe
 * driver keeps them (Base 2.0c §3.3), with two differences: the doorbell is
 * an invocation of the DeviceMmio capability (on the direct lane, the I/O
 * queues' doorbells are stores to the doorbell page: lane_direct.c; the
 * admin queue stays brokered), and waiting is an invocation of the queue's
 * Interrupt capability.
 *
 * Timeouts follow the clouds' advice (DESIGN.md §6): on expiry, first look
 * for a completion whose interrupt went missing, then Abort; an EBS volume
 * is never failed early (it can stall for a long time), others give up
 * after the abort has had its chance.
 */
#include "drivers/nvme/lane_direct.h"
#include "drivers/nvme/nvme_var.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define NSEC_PER_MS 1000000ull
#define ABORT_GRACE_MS 5000

int queue_init(struct nvme_dev *d, struct nvme_queue *q, uint16_t id, uint16_t entries, unsigned vector,
	       struct nvme_slot *slots, uint16_t *done)
{
	memset(q, 0, sizeof(*q));
	memset(slots, 0, (size_t)entries * sizeof(*slots));
	q->q_id = id;
	q->q_size = entries;
	q->q_slots = slots;
	q->q_done = done;
	q->q_sq_handle = pool_alloc(d, (uint64_t)entries * sizeof(struct nvme_sqe), 4096);
	q->q_cq_handle = pool_alloc(d, (uint64_t)entries * sizeof(struct nvme_cqe), 4096);
	if (q->q_sq_handle == UINT64_MAX || q->q_cq_handle == UINT64_MAX)
		return CR_ENOMEM;
	q->q_sq = pool_ptr(d, q->q_sq_handle);
	q->q_cq = pool_ptr(d, q->q_cq_handle);
	memset(q->q_sq, 0, (size_t)entries * sizeof(struct nvme_sqe));
	memset(q->q_cq, 0, (size_t)entries * sizeof(struct nvme_cqe));
	q->q_phase = 1;
	q->q_vector = d->d_nirq ? vector % d->d_nirq : 0;
	q->q_irq = d->d_nirq ? d->d_irq[q->q_vector] : -1;
	return 0;
}

uint16_t queue_next_cid(const struct nvme_queue *q)
{
	uint16_t cid = q->q_next_cid;

	for (unsigned n = 0; n < q->q_size && q->q_slots[cid].s_busy; n++)
		cid = (uint16_t)((cid + 1) % q->q_size);
	return cid;
}

/* On the direct lane the I/O queues are the device's own; the admin queue is brokered on both lanes. */
static bool direct_queue(const struct nvme_dev *d, const struct nvme_queue *q)
{
	return d->d_lane == DMA_LANE_DIRECT && q->q_id != 0;
}

int queue_submit(struct nvme_dev *d, struct nvme_queue *q, struct nvme_sqe *cmd, uint64_t tag)
{
	if (q->q_outstanding + 1 >= q->q_size)
		return CR_EAGAIN;
	uint16_t cid = queue_next_cid(q);
	if (direct_queue(d, q)) {
		int err = lane_direct_prepare(d, q, cid, cmd);	/* handles become IOVAs */
		if (err < 0)
			return err;
	}
	q->q_next_cid = (uint16_t)((cid + 1) % q->q_size);
	cmd->cid = cid;
	q->q_slots[cid] = (struct nvme_slot){ .s_busy = true, .s_submit_ns = clock_now_ns(), .s_tag = tag, .s_sqe = *cmd };
	q->q_sq[q->q_sq_tail] = *cmd;
	q->q_sq_tail = (uint16_t)((q->q_sq_tail + 1) % q->q_size);
	q->q_unrung++;
	q->q_outstanding++;
	return cid;
}

/*
 * Send a completed command again under its id, if its end was transient.
 * The SQ has room: the device fetched this entry, so at most q_size - 2
 * others wait in the ring.  The next kick rings the doorbell.
 */
static bool retry(struct nvme_dev *d, struct nvme_queue *q, struct nvme_slot *s, const struct nvme_cqe *c)
{
	struct nvme_status st = nvme_status_decode(c->status);
	bool unbounded = d->d_never_give_up && st.sc == NVME_SC_ABORT_REQUESTED;

	if (!nvme_status_transient(st) || (s->s_retries >= NVME_RETRIES_MAX && !unbounded))
		return false;
	if (s->s_retries < UINT8_MAX)
		s->s_retries++;
	q->q_retries++;
	uprintf("nvme: command retried qid=%u cid=%u opcode=0x%02x status=%s attempt=%u of=%s", q->q_id, c->cid, s->s_sqe.opc,
		nvme_status_name(st.sct, st.sc), s->s_retries, unbounded ? "unbounded" : "5");
	s->s_submit_ns = clock_now_ns();
	q->q_sq[q->q_sq_tail] = s->s_sqe;
	q->q_sq_tail = (uint16_t)((q->q_sq_tail + 1) % q->q_size);
	q->q_unrung++;
	return true;
}

int queue_kick(struct nvme_dev *d, struct nvme_queue *q, int wait_slot, uint64_t timeout_ns, uint64_t *woke)
{
	return queue_kick_notify(d, q, wait_slot, timeout_ns, -1, woke);
}

int queue_kick_notify(struct nvme_dev *d, struct nvme_queue *q, int wait_slot, uint64_t timeout_ns, int notify_slot,
		      uint64_t *woke)
{
	bool head_moved = q->q_cq_head != q->q_cq_head_told;
	struct nvme_ring_wait rw = {
		.rw_qid = q->q_id,
		.rw_sq_tail = q->q_unrung ? q->q_sq_tail : NVME_RW_KEEP,
		.rw_cq_head = head_moved ? q->q_cq_head : NVME_RW_KEEP,
		.rw_notify_slot = notify_slot >= 0 ? (uint16_t)(notify_slot + 1) : 0,
		.rw_wait_slot = wait_slot >= 0 ? (uint32_t)wait_slot : NVME_RW_NO_WAIT,
		.rw_timeout_ns = timeout_ns,
	};

	int taken = 0;

	if (woke)
		*woke = 0;
	if (!q->q_unrung && !head_moved && wait_slot < 0 && notify_slot < 0)
		return 0;	/* nothing to say, nothing to wait for: no crossing */
	if (direct_queue(d, q)) {
		taken = lane_direct_kick(d, q, &rw);	/* the doorbell page; rw keeps only the wait */
		if (wait_slot < 0 && notify_slot < 0)
			return taken;
	}
	int err = sys_nvme_ring_wait(d, &rw);
	if (err < 0)
		return err;
	if (!direct_queue(d, q)) {
		taken = (int)rw.rw_taken;
		q->q_unrung = 0;
		q->q_cq_head_told = q->q_cq_head;
	}
	if (woke)
		*woke = rw.rw_woke;
	return taken;
}

int queue_ring(struct nvme_dev *d, struct nvme_queue *q)
{
	return queue_kick(d, q, -1, 0, NULL);
}

/* Tell the controller the CQ head now, not with the next kick. */
static void tell_cq_head(struct nvme_dev *d, struct nvme_queue *q)
{
	q->q_cq_head_told = q->q_cq_head;
	if (direct_queue(d, q))
		lane_direct_ring_cq(d, q);
	else
		sys_nvme_doorbell(d, q->q_id, NVME_DB_CQ_HEAD, q->q_cq_head);
}

unsigned queue_reap(struct nvme_dev *d, struct nvme_queue *q)
{
	unsigned n = 0;

	for (;;) {
		volatile struct nvme_cqe *e = &q->q_cq[q->q_cq_head];
		/* Acquire: the entry's other fields were written before its tag (by the device or the manager). */
		if ((__atomic_load_n(&e->status, __ATOMIC_ACQUIRE) & NVME_CQE_PHASE) != q->q_phase)
			break;
		struct nvme_cqe c = { e->dw0, e->dw1, e->sqhd, e->sqid, e->cid, e->status };
		q->q_cq_head = (uint16_t)((q->q_cq_head + 1) % q->q_size);
		if (q->q_cq_head == 0)
			q->q_phase ^= 1;
		q->q_sq_head = c.sqhd;
		n++;
		if (c.cid >= q->q_size || !q->q_slots[c.cid].s_busy || q->q_slots[c.cid].s_done) {
			nvme_error("provider: error completion for no outstanding command qid=%u cid=%u", q->q_id, c.cid);
			continue;
		}
		if (retry(d, q, &q->q_slots[c.cid], &c))
			continue;
		q->q_slots[c.cid].s_cqe = c;
		q->q_slots[c.cid].s_done = true;
		if (q->q_ndone < q->q_size)
			q->q_done[q->q_ndone++] = c.cid;
	}
	/* The head is told with the next kick, or now if half the queue waits to be reused. */
	if ((uint16_t)((q->q_cq_head - q->q_cq_head_told + q->q_size) % q->q_size) >= q->q_size / 2)
		tell_cq_head(d, q);
	return n;
}

void queue_release(struct nvme_queue *q, uint16_t cid)
{
	lane_direct_release(q, cid);
	q->q_slots[cid].s_busy = false;
	q->q_slots[cid].s_done = false;
	q->q_outstanding--;
}

/* The controller reported a fatal error or vanished: no completion will come. */
static bool controller_dead(struct nvme_dev *d)
{
	uint32_t csts;

	if (sys_mmio_read32(d, NVME_CSTS, &csts) < 0 || csts == 0xffffffffu || (csts & NVME_CSTS_CFS)) {
		nvme_error("provider: error controller fatal status csts=0x%x", csts);
		return true;
	}
	return false;
}

static void send_abort(struct nvme_dev *d, struct nvme_queue *q, uint16_t cid)
{
	struct nvme_sqe a = { .opc = NVME_ADMIN_ABORT, .cdw10 = q->q_id | (uint32_t)cid << 16 };

	if (q == &d->d_admin)
		return;	/* an abort would queue behind the command it aborts */
	if (queue_submit(d, &d->d_admin, &a, 0) >= 0)
		queue_ring(d, &d->d_admin);	/* its completion is reaped and dropped later */
}

int queue_wait(struct nvme_dev *d, struct nvme_queue *q, uint16_t cid, struct nvme_cqe *out)
{
	uint64_t start = q->q_slots[cid].s_submit_ns;
	uint64_t deadline = start + d->d_cmd_timeout_ms * NSEC_PER_MS;
	bool aborted = false;

	q->q_woke_by_interrupt = false;
	for (;;) {
		queue_reap(d, q);
		if (q->q_slots[cid].s_done) {
			/*
			 * The manager posts completions from the controller's interrupt;
			 * if ours arrived before we slept, the signal is still pending.
			 */
			uint64_t woke = 0;
			queue_kick(d, q, q->q_woke_by_interrupt ? -1 : q->q_irq, 0, &woke);
			if (woke)
				q->q_woke_by_interrupt = true;
			*out = q->q_slots[cid].s_cqe;
			queue_release(q, cid);
			q->q_ndone = 0;	/* synchronous callers track their one command themselves */
			return 0;
		}
		if (q->q_slots[cid].s_submit_ns != start) {
			/* queue_reap sent it again (an Abort ended it): a new command, a new timeout. */
			start = q->q_slots[cid].s_submit_ns;
			deadline = start + d->d_cmd_timeout_ms * NSEC_PER_MS;
			aborted = false;
		}
		uint64_t now = clock_now_ns();
		if (now < deadline) {
			uint64_t woke = 0;
			if (q->q_irq < 0) {
				queue_ring(d, q);
				sys_sleep_ns(100000);	/* no interrupt at all: poll */
			} else if (queue_kick(d, q, q->q_irq, deadline - now, &woke) >= 0 && woke) {
				q->q_woke_by_interrupt = true;
			}
			continue;
		}
		/* Deadline: look for a completion whose interrupt never came, then abort. */
		uint64_t elapsed_ms = (now - start) / NSEC_PER_MS;
		tell_cq_head(d, q);
		if (queue_reap(d, q) && q->q_slots[cid].s_done) {
			uprintf("nvme: command recovered by polling qid=%u cid=%u elapsed_ms=%lu reason=missed-interrupt",
				q->q_id, cid, elapsed_ms);
			continue;
		}
		if (controller_dead(d))
			return CR_EIO;
		uprintf("nvme: command timeout qid=%u cid=%u opcode=0x%02x elapsed_ms=%lu action=%s",
			q->q_id, cid, q->q_slots[cid].s_sqe.opc, elapsed_ms,
			aborted ? (d->d_never_give_up ? "keep-waiting" : "give-up") : "abort");
		if (!aborted) {
			send_abort(d, q, cid);
			aborted = true;
			deadline = now + ABORT_GRACE_MS * NSEC_PER_MS;
		} else if (d->d_never_give_up) {
			deadline = now + d->d_cmd_timeout_ms * NSEC_PER_MS;
		} else {
			nvme_error("provider: error command timed out qid=%u cid=%u elapsed_ms=%lu", q->q_id, cid, elapsed_ms);
			return CR_ETIMEDOUT;
		}
	}
}

int queue_exec(struct nvme_dev *d, struct nvme_queue *q, struct nvme_sqe *cmd, struct nvme_cqe *out)
{
	int cid = queue_submit(d, q, cmd, 0);
	int err;

	if (cid < 0)
		return cid;
	if ((err = queue_ring(d, q)) < 0) {
		queue_release(q, (uint16_t)cid);
		nvme_error("provider: error doorbell refused qid=%u err=%s", q->q_id, cr_err_name(err));
		return err;
	}
	return queue_wait(d, q, (uint16_t)cid, out);
}
