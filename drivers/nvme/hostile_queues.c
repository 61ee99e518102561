/*
 * drivers/nvme/hostile_queues.c - selftest=hostile, the stateful part:
 * attacks on queue lifetimes and on the geometry the broker enforces.
 *
 *  - an I/O CQ without interrupts, whose completions nobody consumes: the
 *    manager must drain it anyway (broker invariant I3);
 *  - deleting an SQ with commands in flight, then creating the same qid
 *    again and checking that only the new command's completion finishes it,
 *    with the right data (I1, I2);
 *  - a forged IDENTIFY NAMESPACE page left in provider memory: the broker
 *    must keep the geometry the manager learned itself (I4);
 *  - a doorbell over a full queue of refused commands: bounded work per
 *    call, every command still answered (I7).
 */
#include "drivers/nvme/hostile.h"

#include "lib/bits.h"
#include "lib/fmt.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define NSEC_PER_MS		1000000ull
#define HQ_ID			2
#define HQ_ENTRIES		16
#define HQ_READS		8
#define FLOOD_BUDGET		256	/* BROKER_BUDGET in kernel/nvme/broker.h */

static struct nvme_queue hq;

/* Take every completion q shows within ms, releasing the slots; returns how many. */
static unsigned take_all(struct nvme_dev *d, struct nvme_queue *q, unsigned want, uint64_t ms, unsigned *ok)
{
	uint64_t deadline = clock_now_ns() + ms * NSEC_PER_MS;
	unsigned got = 0;

	*ok = 0;
	while (got < want && clock_now_ns() < deadline) {
		queue_reap(d, q);
		for (uint16_t i = 0; i < q->q_ndone; i++) {
			struct nvme_slot *s = &q->q_slots[q->q_done[i]];
			*ok += nvme_status_ok(nvme_status_decode(s->s_cqe.status));
			queue_release(q, q->q_done[i]);
			got++;
		}
		q->q_ndone = 0;
		if (got < want)
			sys_sleep_ns(NSEC_PER_MS);
	}
	return got;
}

static int admin(struct nvme_dev *d, struct nvme_sqe c, struct nvme_cqe *e)
{
	int err = queue_exec(d, &d->d_admin, &c, e);

	if (err)
		return err;
	return nvme_status_ok(nvme_status_decode(e->status)) ? 0 : CR_EIO;
}

static int create_sq(struct nvme_dev *d)
{
	struct nvme_cqe e;

	return admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ, .prp1 = hq.q_sq_handle,
		.cdw10 = HQ_ID | (uint32_t)(HQ_ENTRIES - 1) << 16, .cdw11 = NVME_QUEUE_PC | (uint32_t)HQ_ID << 16 }, &e);
}

static void submit_reads(struct nvme_dev *d, const struct nvme_ns *ns, unsigned n, uint64_t buf)
{
	for (unsigned i = 0; i < n; i++) {
		struct nvme_sqe c;
		cmd_rw(&c, NVME_CMD_READ, ns, i, 1, buf + (uint64_t)i * ns->n_block_xfer, d->d_md);
		queue_submit(d, &hq, &c, 0);
	}
	queue_ring(d, &hq);
}

int hostile_prepare(struct nvme_dev *d)
{
	static struct nvme_slot hq_slots[HQ_ENTRIES];
	static uint16_t hq_done[HQ_ENTRIES];

	return queue_init(d, &hq, HQ_ID, HQ_ENTRIES, 0, hq_slots, hq_done);
}

/* A queue pair whose CQ does not interrupt: the manager drains it all the same (I3). */
static bool ien0_queue(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t buf)
{
	struct nvme_cqe e;
	unsigned ok;

	if (!hq.q_sq ||
	    admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_CQ, .prp1 = hq.q_cq_handle,
		.cdw10 = HQ_ID | (uint32_t)(HQ_ENTRIES - 1) << 16, .cdw11 = NVME_QUEUE_PC }, &e) < 0 ||
	    create_sq(d) < 0) {
		hostile_verdict("io-cq-without-interrupts", false, "harmless", "queue-pair-not-created");
		return false;
	}
	submit_reads(d, ns, HQ_READS, buf);
	hq.q_irq = -1;	/* nothing will signal this queue: poll */
	unsigned got = take_all(d, &hq, HQ_READS, 5000, &ok);
	hostile_verdict("io-cq-without-interrupts", got == HQ_READS && ok == HQ_READS, "harmless",
			got == HQ_READS ? "manager-drained-every-completion" : "completions-missing");
	return got == HQ_READS;
}

/*
 * Delete the SQ with reads in flight and never look at their completions,
 * create the same qid again, and read LBA 0 on it: the one completion that
 * finishes the new command must be its own, with LBA 0's bytes (compared
 * with the same read on the main I/O queue).
 */
static void delete_recreate(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t buf)
{
	struct nvme_cqe e;
	unsigned ok;

	submit_reads(d, ns, HQ_READS, buf);
	int del = admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_DELETE_SQ, .cdw10 = HQ_ID }, &e);
	/* Whatever the device posted for the deleted queue (done or aborted) arrives or not: let it go. */
	take_all(d, &hq, HQ_READS, 200, &ok);
	for (uint16_t i = 0; i < hq.q_size; i++) {
		if (hq.q_slots[i].s_busy)
			queue_release(&hq, i);
	}
	hq.q_sq_tail = 0;
	hq.q_unrung = 0;
	if (del < 0 || create_sq(d) < 0) {
		hostile_verdict("stale-completion-after-recreate", false, "harmless", "delete-or-recreate-failed");
		return;
	}
	uint32_t blocks = ns->n_info.lba_bytes >= 4096 ? 1 : 4096 / ns->n_info.lba_bytes;
	uint64_t bytes = (uint64_t)blocks * ns->n_block_xfer;
	uint8_t *fresh = pool_ptr(d, buf), *ref = pool_ptr(d, buf + bytes);
	memset(fresh, 0xa5, bytes);
	struct nvme_sqe c;
	cmd_rw(&c, NVME_CMD_READ, ns, 0, blocks, buf, d->d_md);
	int cid = queue_submit(d, &hq, &c, 0);
	queue_ring(d, &hq);
	unsigned got = take_all(d, &hq, 1, 5000, &ok);
	cmd_rw(&c, NVME_CMD_READ, ns, 0, blocks, buf + bytes, d->d_md);
	bool ref_ok = queue_exec(d, &d->d_io, &c, &e) == 0 && nvme_status_ok(nvme_status_decode(e.status));
	bool same = got == 1 && ok == 1 && ref_ok && memcmp(fresh, ref, bytes) == 0;
	char how[96];
	fmt_snprintf(how, sizeof(how), "new-cid=%d completions=%u data=%s", cid, got, same ? "lba0-match" : "MISMATCH");
	hostile_verdict("stale-completion-after-recreate", same, "harmless", how);
	admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_DELETE_SQ, .cdw10 = HQ_ID }, &e);
	admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_DELETE_CQ, .cdw10 = HQ_ID }, &e);
}

/*
 * IDENTIFY NAMESPACE into provider memory, then rewrite that page as if the
 * namespace were 2^40 blocks of 512 bytes: a read past the real end must
 * still be refused, because the broker's geometry is the manager's own.
 */
static void forged_identify(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t buf)
{
	struct nvme_cqe e;
	uint8_t *page = pool_ptr(d, buf);

	if (admin(d, (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY, .nsid = ns->n_nsid, .prp1 = buf,
					.cdw10 = NVME_CNS_NAMESPACE }, &e) < 0) {
		hostile_verdict("forged-identify-namespace-page", false, "refused", "identify-failed");
		return;
	}
	store_le64(page + NVME_IDNS_NSZE, 1ull << 40);
	store_le64(page + NVME_IDNS_NCAP, 1ull << 40);
	page[NVME_IDNS_FLBAS] = 0;
	store_le32(page + NVME_IDNS_LBAF, 9u << 16);
	uint64_t lba = ns->n_info.nsze;
	hostile_command_refused(d, &d->d_io, "forged-identify-namespace-page", (struct nvme_sqe){
		.opc = NVME_CMD_READ, .nsid = ns->n_nsid, .prp1 = d->d_data,
		.cdw10 = (uint32_t)lba, .cdw11 = (uint32_t)(lba >> 32) }, NBR_LBA_RANGE);
}

/* One doorbell over a queue full of refused commands: the kernel answers a budget per call (I7). */
static void refusal_flood(struct nvme_dev *d, const struct nvme_ns *ns)
{
	struct nvme_queue *q = &d->d_io;
	unsigned n = q->q_size - 2 < 1000 ? q->q_size - 2u : 1000u, refused = 0, got = 0;

	for (unsigned i = 0; i < n; i++) {
		struct nvme_sqe c = { .opc = 0x81, .nsid = ns->n_nsid };
		queue_submit(d, q, &c, 0);
	}
	int taken = queue_ring(d, q);
	uint64_t deadline = clock_now_ns() + 30000 * NSEC_PER_MS;
	while (got < n && clock_now_ns() < deadline) {
		queue_reap(d, q);
		for (uint16_t i = 0; i < q->q_ndone; i++) {
			refused += hostile_is_refusal(&q->q_slots[q->q_done[i]].s_cqe, NBR_IO_OPCODE);
			queue_release(q, q->q_done[i]);
			got++;
		}
		q->q_ndone = 0;
		if (got < n)
			queue_kick(d, q, q->q_irq, 100 * NSEC_PER_MS, NULL);
	}
	char how[96];
	fmt_snprintf(how, sizeof(how), "commands=%u taken_by_one_doorbell=%d refused=%u", n, taken, refused);
	bool ok = taken >= 0 && (unsigned)taken <= FLOOD_BUDGET && (unsigned)taken <= n && refused == n;
	hostile_verdict("refusal-flood", ok, "bounded", how);
}

void hostile_queues(struct nvme_dev *d)
{
	const struct nvme_ns *ns = ctrl_ns(d, 0);

	if (!ns || !ns->n_max_blocks)
		return;
	uint64_t buf = d->d_data;
	/* The broker's geometry and budget: nothing to attack where there is no broker. */
	if (d->d_lane == DMA_LANE_BROKERED) {
		forged_identify(d, ns, buf);
		refusal_flood(d, ns);
	}
	if (d->d_ioqpairs < HQ_ID) {
		uprintf("selftest: hostile queue attacks skipped ioqpairs=%u reason=needs-a-second-queue-pair", d->d_ioqpairs);
		return;
	}
	if (ien0_queue(d, ns, buf))
		delete_recreate(d, ns, buf);
}
