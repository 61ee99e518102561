/*
 * drivers/nvme/bench.c - mode=bench: an fio-like closed loop in the guest.
 *
 * Keeps bench.qd commands in flight on the I/O queue for bench.seconds after
 * a one-second ramp (as the linux-guest anchor's fio jobs do), one doorbell
 * per batch of submissions, and reports IOPS, MiB/s and total latency
 * percentiles (submission to completion seen by the provider).
 */
#include "drivers/nvme/lane_direct.h"
#include "drivers/nvme/nvme_var.h"
#include "lib/cmdline.h"
#include "lib/latency_hist.h"
#include "lib/nvme_status.h"
#include "lib/pattern.h"
#include "lib/string.h"
#include "lib/xorshift.h"
#include "user/lib/ulib.h"

#define NSEC_PER_SEC 1000000000ull
#define RAMP_NS NSEC_PER_SEC
#define STALL_NS (30 * NSEC_PER_SEC)	/* no completion this long: the device is stuck */
static struct latency_hist hist;

static uint64_t rng_state = XORSHIFT64_SEED;

struct bench_state {
	const struct nvme_ns *ns;
	uint32_t blocks;		/* per I/O */
	uint64_t positions;		/* aligned I/O positions in the namespace */
	uint64_t next_seq;
	uint8_t opc;
	bool random;
};

static int submit_one(struct nvme_dev *d, struct bench_state *s, uint64_t buf)
{
	uint64_t pos = s->random ? xorshift64(&rng_state) % s->positions : s->next_seq++ % s->positions;
	struct nvme_sqe c;

	cmd_rw(&c, s->opc, s->ns, pos * s->blocks, s->blocks, buf, d->d_md);
	return queue_submit(d, &d->d_io, &c, buf);
}

int bench_run(struct nvme_dev *d, const struct nvme_ns *ns, const struct nvme_job *job)
{
	struct nvme_queue *q = &d->d_io;
	uint32_t bs = job->j_bench_block_bytes, qd = job->j_bench_qd;
	struct bench_state s = { .ns = ns, .random = job->j_bench_pattern == BENCH_RANDREAD ||
							job->j_bench_pattern == BENCH_RANDWRITE };
	bool write = job->j_bench_pattern == BENCH_RANDWRITE || job->j_bench_pattern == BENCH_SEQWRITE;
	const char *name = bench_pattern_name(job->j_bench_pattern);

	if (bs % ns->n_block_xfer || bs / ns->n_block_xfer > ns->n_max_blocks) {
		nvme_error("bench: error job=%s%uk block size must be a multiple of %u and at most %lu bytes",
			   name, bs / 1024, ns->n_block_xfer, d->d_max_transfer);
		return CR_EINVAL;
	}
	if (qd > q->q_size - 1u)
		qd = q->q_size - 1u;
	if ((uint64_t)qd * bs > d->d_data_bytes)
		qd = (uint32_t)(d->d_data_bytes / bs);
	qd = lane_direct_cap_qd(qd, bs);
	s.blocks = bs / ns->n_block_xfer;
	s.positions = ns->n_info.nsze / s.blocks;
	s.opc = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	if (!s.positions || !qd) {
		nvme_error("bench: error namespace or pool too small for job=%s%uk", name, bs / 1024);
		return CR_EINVAL;
	}
	if (write)
		pattern_fill(pool_ptr(d, d->d_data), 0, (size_t)qd * bs, 0xbe4c);
	memset(&hist, 0, sizeof(hist));

	uint64_t start = clock_now_ns(), measure_from = start + RAMP_NS;
	uint64_t end = measure_from + job->j_bench_seconds * NSEC_PER_SEC;
	uint64_t ios = 0, errors = 0, waits = 0;
	for (uint32_t i = 0; i < qd; i++)
		submit_one(d, &s, d->d_data + (uint64_t)i * bs);
	queue_ring(d, q);

	bool stopping = false;
	uint64_t last_progress = clock_now_ns();
	struct busy_window busy = { 0 };
	while (q->q_outstanding) {
		if (!queue_reap(d, q)) {
			if (clock_now_ns() - last_progress > STALL_NS) {
				nvme_error("bench: error no completion for %llu s with %u commands outstanding",
					   STALL_NS / NSEC_PER_SEC, q->q_outstanding);
				return CR_ETIMEDOUT;
			}
			queue_kick(d, q, q->q_irq, NSEC_PER_SEC, NULL);	/* ring, tell the head, wait: one crossing */
			waits++;
			continue;
		}
		uint64_t now = clock_now_ns();
		last_progress = now;
		stopping = now >= end;
		busy_window_note(&busy, now, measure_from, end);
		for (uint16_t i = 0; i < q->q_ndone; i++) {
			uint16_t cid = q->q_done[i];
			struct nvme_slot *sl = &q->q_slots[cid];
			uint64_t buf = sl->s_tag;
			if (!nvme_status_ok(nvme_status_decode(sl->s_cqe.status))) {
				if (errors++ < 4)
					report_status("bench", ns->n_nsid,
						      sl->s_sqe.cdw10 | (uint64_t)sl->s_sqe.cdw11 << 32,	/* its SLBA */
						      s.blocks, &sl->s_cqe);
			} else if (now >= measure_from && now <= end) {	/* completed in the window, as fio counts */
				ios++;
				latency_hist_add(&hist, (now - sl->s_submit_ns) / 1000);
			}
			queue_release(q, cid);
			if (!stopping)
				submit_one(d, &s, buf);
		}
		q->q_ndone = 0;
	}
	uint64_t secs_x1000 = (end - measure_from) / 1000000;
	uint64_t iops = ios * 1000 / (secs_x1000 ? secs_x1000 : 1);
	uint64_t mib_x10 = iops * bs * 10 / (1024 * 1024);
	uprintf("bench: job=%s%uk qd=%u iops=%lu mib_s=%lu.%lu lat_us_p50=%lu lat_us_p99=%lu lane=%s lat_us_p999=%lu ios=%lu errors=%lu seconds=%u ramp_s=1 irq_waits=%lu nsid=%u cpu_busy_pct=%d path=provider cpus=%u lat_us_avg=%lu",
		name, bs / 1024, qd, iops, mib_x10 / 10, mib_x10 % 10, latency_hist_percentile(&hist, 500), latency_hist_percentile(&hist, 990),
		d->d_lane == DMA_LANE_BROKERED ? "brokered" : "direct", latency_hist_percentile(&hist, 999), ios, errors,
		job->j_bench_seconds, waits, ns->n_nsid, busy_window_pct(&busy), busy.bw_cpus, latency_hist_mean(&hist));
	if (!ios && !errors)
		uprintf("bench: warning no I/O completed in the %u s window: iops=0 measures nothing", job->j_bench_seconds);
	return errors ? CR_EIO : 0;
}
