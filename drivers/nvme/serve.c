/*
 * drivers/nvme/serve.c - the provider as a service: block session requests
 * in, NVMe commands out, acknowledgements back.
 *
 * Each BlockSession capability is one client on one device (a namespace or
 * a partition).  Its requests are copied out of the shared ring and
 * checked (operation, length, inside the device, inside the client's
 * region) before anything reaches the device; a bad one is answered with
 * an error, never forwarded.  Data pointers name the client's region by
 * the session's handle space (include/abi/block.h): the provider never
 * sees the data, the manager copies it, and the broker checks the window
 * again.  Everything waits on one inbox: session bits, the controller's
 * interrupt, and the kernel's stop.  On stop: finish what is in flight,
 * flush what has a write cache, exit (the manager then shuts the
 * controller down).
 *
 * The session hop is kept cheap (lib/block_ring.h's event indices): new
 * requests are picked up whenever completions are reaped; acks are posted
 * in batches and the client is notified only if it armed its event index
 * (it is about to sleep); and the provider arms its own only before it
 * sleeps, so a client posting to a busy provider makes no system call.
 * With nvme.poll=always a busy provider does not sleep at all: it polls
 * its rings and (through the kernel) the device until idle for a while.
 */
#include "drivers/nvme/lane_direct.h"
#include "drivers/nvme/nvme_var.h"
#include "include/abi/block.h"
#include "lib/bits.h"
#include "lib/block_ring.h"
#include "lib/cmdline.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define MAX_SESSIONS		NVME_INBOX_SESSIONS
#define NSEC_PER_MS		1000000ull
#define IDLE_WAIT_NS		(1000 * NSEC_PER_MS)
#define POLL_ALWAYS_IDLE_NS	(10 * NSEC_PER_MS)	/* nvme.poll=always: sleep after this long without work */

struct session {
	int cap;
	struct block_info info;
	const struct nvme_ns *ns;
	struct block_ring_server ring;
	uint32_t inflight;		/* commands on the device for it */
	bool gone;			/* its client went away (the kernel said so) */
	bool broken;			/* it wrote nonsense into the ring: no longer served */
	bool notify;			/* acks posted since the last wake-up */
	uint64_t served, refused;
	uint64_t notified, notify_skipped;	/* ack batches that woke the client, and those it did not need */
	uint64_t residence_ns;		/* summed over served requests: taken from the ring to acked */
	uint64_t failed;		/* requests the device ended with an error (the first ERROR_LINES said) */
};

/* Error lines per session: a volume failing every request would flood the console (20000 lines in 3 s). */
#define ERROR_LINES 16

/* What a device command is for: its session and the client's tag. */
struct pending {
	uint16_t sess;
	uint16_t op;
	uint32_t blocks;
	uint64_t tag;
	uint64_t taken_ns;
	uint64_t slba;			/* in the namespace: what an error line names */
};

static struct session sessions[MAX_SESSIONS];
static unsigned int nsessions;
static struct pending pending[NVME_IO_ENTRIES_MAX];
static const struct nvme_job *fault_job;	/* fault.provider=: generation 1 only */
static int fault_inbox;
static uint64_t taken_total;

/* fault.provider=: crash (a page fault the kernel must contain and recover from), or stop making progress. */
static void inject_fault(const char *when)
{
	if (fault_job->j_fault == FAULT_HANG) {
		uprintf("provider: hang injected on purpose after=%lu requests", taken_total);
		for (;;)
			sys_notify_wait(fault_inbox, 1000 * NSEC_PER_MS);	/* woken, and does nothing */
	}
	uprintf("provider: fault injected on purpose %s requests=%lu", when, taken_total);
	volatile uintptr_t nowhere = 8;	/* an unmapped page, through the compiler's back */
	*(volatile uint32_t *)nowhere = 1;
}

static void ack(struct session *s, uint64_t tag, int status, uint16_t nvme_status)
{
	struct block_ack a = { .ba_tag = tag, .ba_status = status, .ba_nvme_status = nvme_status };

	block_ring_post_ack(&s->ring, &a);
	s->notify = true;
}

/* The request's own checks; 0 if the device may see it. */
static int check_request(struct nvme_dev *d, struct session *s, const struct block_request *r)
{
	const struct block_info *bi = &s->info;
	uint64_t end, bytes = (uint64_t)r->br_blocks * s->ns->n_block_xfer;

	switch (r->br_op) {
	case BLOCK_OP_FLUSH:
		return 0;
	case BLOCK_OP_READ:
	case BLOCK_OP_WRITE:
		break;
	case BLOCK_OP_WRITE_ZEROES:
		if (!(bi->bi_flags & BLOCK_WRITE_ZEROES))
			return CR_ENOSYS;	/* ONCS says the controller has no such command */
		break;
	case BLOCK_OP_TRIM:
		if (!(bi->bi_flags & BLOCK_TRIM))
			return CR_ENOSYS;
		break;
	default:
		return CR_EINVAL;
	}
	if (r->br_blocks == 0 || r->br_blocks > 65536 || __builtin_add_overflow(r->br_lba, r->br_blocks, &end) ||
	    end > bi->bi_blocks)
		return CR_ERANGE;	/* refused whole: nothing of it leaves the device's window */
	if (r->br_op != BLOCK_OP_READ && r->br_op != BLOCK_OP_WRITE)
		return 0;
	if (r->br_blocks > s->ns->n_max_blocks)
		return CR_EINVAL;	/* above the transfer limit: the client splits */
	if (!bi->bi_region_bytes)
		sys_block_info(s->cap, &s->info);	/* the region may have been lent since we looked */
	if ((r->br_offset & 3) || __builtin_add_overflow(r->br_offset, bytes, &end) || end > bi->bi_region_bytes)
		return CR_ERANGE;
	(void)d;
	return 0;
}

static void build(struct nvme_dev *d, struct session *s, const struct block_request *r, struct nvme_sqe *c,
		  uint64_t range_handle)
{
	uint64_t slba = s->info.bi_first_lba + r->br_lba;

	switch (r->br_op) {
	case BLOCK_OP_FLUSH:
		*c = (struct nvme_sqe){ .opc = NVME_CMD_FLUSH, .nsid = s->info.bi_nsid };
		return;
	case BLOCK_OP_WRITE_ZEROES:
		*c = (struct nvme_sqe){ .opc = NVME_CMD_WRITE_ZEROES, .nsid = s->info.bi_nsid,
					.cdw10 = (uint32_t)slba, .cdw11 = (uint32_t)(slba >> 32), .cdw12 = r->br_blocks - 1 };
		return;
	case BLOCK_OP_TRIM: {
		/* One deallocate range, in the provider's own pool (NVM CS §3.2.3). */
		uint8_t *range = pool_ptr(d, range_handle);
		memset(range, 0, NVME_DSM_RANGE_BYTES);
		store_le32(range + 4, r->br_blocks);
		store_le64(range + 8, slba);
		*c = (struct nvme_sqe){ .opc = NVME_CMD_DSM, .nsid = s->info.bi_nsid, .prp1 = range_handle,
					.cdw11 = 1u << 2 };
		return;
	}
	default:
		cmd_rw(c, r->br_op == BLOCK_OP_READ ? NVME_CMD_READ : NVME_CMD_WRITE, s->ns, slba, r->br_blocks,
		       NVME_HANDLE(s->info.bi_space, r->br_offset), d->d_md);
	}
}

/* Take what a session's client posted, while the device queue and the session's acks have room. */
static unsigned take_requests(struct nvme_dev *d, struct session *s, unsigned int idx)
{
	struct nvme_queue *q = &d->d_io;
	unsigned taken = 0;
	uint64_t now = clock_now_ns();	/* one clock read per pass: residence_us_avg */

	while (!s->gone && !s->broken) {
		int waiting = block_ring_requests(&s->ring), room = block_ring_ack_room(&s->ring);
		if (waiting < 0 || room < 0) {
			s->broken = true;
			uprintf("provider: error session dev=%s ring indices out of range; no longer served",
				s->info.bi_name);
			break;
		}
		if (!waiting || (uint32_t)room <= s->inflight || q->q_outstanding + 1 >= q->q_size ||
		    !lane_direct_can_submit())
			break;
		struct block_request r;
		block_ring_take_request(&s->ring, &r);
		taken++;
		if (++taken_total >= fault_job->j_fault_after &&
		    (fault_job->j_fault == FAULT_AFTER || fault_job->j_fault == FAULT_HANG))
			inject_fault("mid-job");
		int err = check_request(d, s, &r);
		if (err) {
			s->refused++;
			ack(s, r.br_tag, err, 0);
			continue;
		}
		struct nvme_sqe c;
		/* A trim's range lives in the slot of the command id it will get. */
		build(d, s, &r, &c, d->d_ranges + (uint64_t)queue_next_cid(q) * NVME_DSM_RANGE_BYTES);
		int cid = queue_submit(d, q, &c, 0);
		if (cid < 0) {
			ack(s, r.br_tag, cid, 0);
			continue;
		}
		pending[cid] = (struct pending){ .sess = (uint16_t)idx, .op = r.br_op, .tag = r.br_tag, .taken_ns = now,
						 .slba = s->info.bi_first_lba + r.br_lba,
						 .blocks = r.br_op == BLOCK_OP_FLUSH ? 0 : r.br_blocks };
		s->inflight++;
	}
	return taken;
}

/* Completions from the device become acks; returns how many. */
static unsigned reap(struct nvme_dev *d)
{
	struct nvme_queue *q = &d->d_io;
	unsigned n;

	queue_reap(d, q);
	uint64_t now = q->q_ndone ? clock_now_ns() : 0;
	for (uint16_t i = 0; i < q->q_ndone; i++) {
		uint16_t cid = q->q_done[i];
		struct nvme_slot *sl = &q->q_slots[cid];
		struct pending *p = &pending[cid];
		struct session *s = &sessions[p->sess];
		struct nvme_status st = nvme_status_decode(sl->s_cqe.status);
		if (!nvme_status_ok(st) && s->failed++ < ERROR_LINES)
			report_status(p->op == BLOCK_OP_READ ? "read" : p->op == BLOCK_OP_WRITE ? "write" :
				      p->op == BLOCK_OP_FLUSH ? "flush" : p->op == BLOCK_OP_TRIM ? "trim" : "zeroes",
				      s->info.bi_nsid, p->slba, p->blocks, &sl->s_cqe);
		if (s->failed == ERROR_LINES + 1 && !nvme_status_ok(st))
			uprintf("provider: errors dev=%s more than %u: the rest are counted (failed= at session done)",
				s->info.bi_name, ERROR_LINES);
		s->inflight--;
		s->served++;
		s->residence_ns += now - p->taken_ns;
		if (!s->gone && !s->broken)
			ack(s, p->tag, nvme_status_ok(st) ? 0 : CR_EIO, sl->s_cqe.status);
		queue_release(q, cid);
	}
	n = q->q_ndone;
	q->q_ndone = 0;
	return n;
}

/*
 * Wake the clients that armed their event index, once per batch of acks.
 * The last one to wake is left to the caller's next kick (one crossing for
 * the wake-up, the doorbells and the wait); returns its slot, or -1.
 */
static int notify_clients(void)
{
	int deferred = -1;

	for (unsigned i = 0; i < nsessions; i++) {
		struct session *s = &sessions[i];
		if (!s->notify)
			continue;
		s->notify = false;
		if (!block_ring_server_must_notify(&s->ring)) {
			s->notify_skipped++;
			continue;
		}
		s->notified++;
		if (deferred >= 0)
			sys_block_notify(deferred);
		deferred = s->cap;
	}
	return deferred;
}

/*
 * About to sleep: ask every session's client to notify its next request,
 * then look again (a request posted meanwhile saw no armed index).  True if
 * some request can be taken now (then do not sleep).  Requests that wait
 * for room (device queue, acks) are taken after the next completion; for
 * them the index is armed at the tail, so that new requests still wake us.
 */
static bool arm_sessions(struct nvme_dev *d)
{
	bool work = false;

	for (unsigned i = 0; i < nsessions; i++) {
		struct session *s = &sessions[i];
		if (s->gone || s->broken || !block_ring_server_arm(&s->ring))
			continue;
		if (take_requests(d, s, i))
			work = true;	/* the kick at the top of the loop rings them */
		else if (block_ring_requests(&s->ring) > 0)
			block_ring_server_arm_tail(&s->ring);
	}
	return work;
}

static int open_sessions(struct nvme_dev *d, const struct start_info *si)
{
	for (nsessions = 0; nsessions < MAX_SESSIONS; nsessions++) {
		struct session *s = &sessions[nsessions];
		struct block_map m;
		s->cap = start_cap(si, CAP_TYPE_BLOCK_SESSION, nsessions);
		if (s->cap < 0)
			break;
		if (sys_block_info(s->cap, &s->info) < 0 || sys_block_map(s->cap, &m) < 0 ||
		    !(s->ns = ctrl_ns(d, s->info.bi_nsid)) || s->info.bi_space == 0) {
			nvme_error("provider: error cannot open session %u", nsessions);
			return CR_EIO;
		}
		block_ring_server_init(&s->ring, (struct block_ring *)m.bm_ring);
		uprintf("provider: serving dev=%s nsid=%u first_lba=%lu blocks=%lu space=%u", s->info.bi_name,
			s->info.bi_nsid, s->info.bi_first_lba, s->info.bi_blocks, s->info.bi_space);
	}
	return 0;
}

/* Flush every namespace a session wrote to, if the controller caches writes. */
static int flush_all(struct nvme_dev *d)
{
	int err = 0;

	if (!(d->d_id.vwc & NVME_VWC_PRESENT))
		return 0;
	for (unsigned i = 0; i < d->d_nns; i++) {
		int e = cmd_flush(d, d->d_ns[i].n_nsid);
		if (e)
			err = e;
	}
	return err;
}

int serve_run(struct nvme_dev *d, const struct start_info *si, const struct nvme_job *job)
{
	bool stopping = false;
	uint64_t timeout = 0, last_work = clock_now_ns();	/* the first look does not sleep: requests may wait */
	int notify = -1;	/* a client to wake with the next kick */
	int err;

	fault_job = job;
	fault_inbox = d->d_inbox;
	if ((err = open_sessions(d, si)) < 0)
		return err;
	if (job->j_fault == FAULT_AT_ONCE || job->j_fault == FAULT_ALWAYS)
		inject_fault("once-serving");	/* sessions open: the kernel must contain it */
	d->d_io.q_irq = -1;	/* completions wake the inbox, not the Interrupt capability */
	for (;;) {
		/* Ring what was taken, tell the CQ head, wait for the inbox: one crossing. */
		uint64_t bits = 0;
		int kicked = queue_kick_notify(d, &d->d_io, d->d_inbox, timeout, notify, &bits);
		if (kicked < 0) {
			nvme_error("provider: error inbox wait failed err=%s", cr_err_name(kicked));
			return kicked;
		}
		notify = -1;	/* woken by that crossing */
		if (bits & NVME_INBOX_STOP)
			stopping = true;
		/* Reaping frees room: take new requests in the same pass. */
		unsigned work = reap(d) + (kicked > 0);
		for (unsigned i = 0; i < nsessions; i++) {
			struct session *s = &sessions[i];
			if (!s->gone && (s->ring.s_ring->br_flags & BLOCK_RING_CLIENT_GONE))
				s->gone = true;
			if (!stopping)
				work += take_requests(d, s, i);
		}
		notify = notify_clients();
		if (stopping && d->d_io.q_outstanding == 0)
			break;
		uint64_t now = clock_now_ns();
		if (work)
			last_work = now;
		if (stopping) {
			timeout = IDLE_WAIT_NS;
		} else if (job->j_poll == NVME_POLL_ALWAYS && now - last_work < POLL_ALWAYS_IDLE_NS) {
			timeout = 0;	/* busy: look again at once, the kernel polls the device meanwhile */
		} else {
			timeout = arm_sessions(d) ? 0 : IDLE_WAIT_NS;
		}
	}
	if (notify >= 0)
		sys_block_notify(notify);
	err = flush_all(d);
	for (unsigned i = 0; i < nsessions; i++)
		uprintf("provider: session done dev=%s served=%lu refused=%lu notified=%lu notify_skipped=%lu residence_us_avg=%lu failed=%lu",
			sessions[i].info.bi_name, sessions[i].served, sessions[i].refused, sessions[i].notified,
			sessions[i].notify_skipped,
			sessions[i].served ? sessions[i].residence_ns / 1000 / sessions[i].served : 0, sessions[i].failed);
	uprintf("provider: stopped sessions=%u flush=%s", nsessions, err ? "error" : "ok");
	return err;
}
