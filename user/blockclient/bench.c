/*
 * user/blockclient/bench.c - mode=bench bench.path=client: the closed-loop
 * benchmark through BlockDevice sessions, on one device or several at once.
 *
 * The same job as the provider's own (drivers/nvme/bench.c): bench.qd
 * requests in flight per device for bench.seconds after a one-second ramp,
 * total latency from posting the request to taking its ack.  The client
 * wakes the provider once per batch and sleeps on its Notification when
 * nothing came back.  The figure includes the session's cost: the ring,
 * the provider's translation, and the wake-ups on both sides.
 */
#include "include/abi/device.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/latency_hist.h"
#include "lib/pattern.h"
#include "lib/string.h"
#include "lib/xorshift.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

#define NSEC_PER_SEC	1000000000ull
#define RAMP_NS		NSEC_PER_SEC
#define STALL_NS	(30 * NSEC_PER_SEC)
#define MAX_QD		BLOCK_RING_ENTRIES

static struct latency_hist hist;
static uint64_t rng_state = XORSHIFT64_SEED;

struct dev_bench {
	struct bdev *b;
	uint32_t blocks, qd;
	uint64_t positions, next_seq;
	uint64_t sent_ns[MAX_QD];	/* by slot; the tag's low bits name the slot */
	uint64_t tag_base;
	uint64_t ios, errors;
};

static struct dev_bench db[BLK_MAX_DEVS];

static void post(struct dev_bench *x, uint16_t op, bool random, uint32_t slot)
{
	uint64_t pos = random ? xorshift64(&rng_state) % x->positions : x->next_seq++ % x->positions;
	struct block_request r = {
		.br_tag = x->tag_base + slot, .br_lba = pos * x->blocks,
		.br_offset = (uint64_t)slot * x->blocks * x->b->info.bi_block_xfer, .br_blocks = x->blocks, .br_op = op,
	};
	x->sent_ns[slot] = clock_now_ns();
	/* Room is certain: at most qd <= BLOCK_RING_ENTRIES requests are outstanding per device. */
	int err = bdev_post(x->b, &r);
	if (err < 0 && x->errors++ < 4)
		blk_error("bench: error dev=%s cannot post err=%s", x->b->info.bi_name, cr_err_name(err));
}

int bench_run(const struct block_job *job)
{
	uint32_t bs = job->bj_bench_block_bytes, qd = job->bj_bench_qd > MAX_QD ? MAX_QD : job->bj_bench_qd;
	bool random = job->bj_bench_pattern == BENCH_RANDREAD || job->bj_bench_pattern == BENCH_RANDWRITE;
	bool write = job->bj_bench_pattern == BENCH_RANDWRITE || job->bj_bench_pattern == BENCH_SEQWRITE;
	uint16_t op = write ? BLOCK_OP_WRITE : BLOCK_OP_READ;
	const char *name = bench_pattern_name(job->bj_bench_pattern);

	for (unsigned int i = 0; i < blk.ndevs; i++) {
		struct dev_bench *x = &db[i];
		struct bdev *b = &blk.dev[i];
		x->b = b;
		x->blocks = bs / b->info.bi_block_xfer;
		x->qd = qd;
		if ((uint64_t)x->qd * bs > b->region_bytes)
			x->qd = (uint32_t)(b->region_bytes / bs);
		x->positions = x->blocks ? b->info.bi_blocks / x->blocks : 0;
		x->tag_base = (uint64_t)i << 32;
		if (bs % b->info.bi_block_xfer || x->blocks > b->max_blocks || !x->positions || !x->qd) {
			blk_error("bench: error job=%s%uk dev=%s block size must be a multiple of %u, at most %u blocks, region %lu bytes",
				  name, bs / 1024, b->info.bi_name, b->info.bi_block_xfer, b->max_blocks, b->region_bytes);
			return CR_EINVAL;
		}
		if (write)
			pattern_fill(b->region, 0, (size_t)x->qd * bs, 0xbe4c);
	}
	memset(&hist, 0, sizeof(hist));
	uint64_t start = clock_now_ns(), measure_from = start + RAMP_NS;
	uint64_t end = measure_from + job->bj_bench_seconds * NSEC_PER_SEC, last_progress = start, waits = 0;
	unsigned int outstanding = 0;
	for (unsigned int i = 0; i < blk.ndevs; i++) {
		for (uint32_t s = 0; s < db[i].qd; s++)
			post(&db[i], op, random, s);
		outstanding += db[i].qd;
		bdev_kick(db[i].b);
	}
	struct busy_window busy = { 0 };
	while (outstanding) {
		bool progress = false;
		uint64_t now = clock_now_ns();
		busy_window_note(&busy, now, measure_from, end);
		for (unsigned int i = 0; i < blk.ndevs; i++) {
			struct dev_bench *x = &db[i];
			struct block_ack acks[MAX_QD];
			int n = bdev_acks(x->b, acks, MAX_QD), posted = 0;
			if (n < 0) {
				blk_error("bench: error dev=%s session unusable err=%s", x->b->info.bi_name, cr_err_name(n));
				return n;
			}
			for (int k = 0; k < n; k++) {
				const struct block_ack a = acks[k];
				uint32_t slot = (uint32_t)(a.ba_tag - x->tag_base);
				if (slot >= x->qd) {
					blk_error("bench: error dev=%s ack for a tag never posted", x->b->info.bi_name);
					return CR_EPROTO;
				}
				if (a.ba_status && x->errors++ < 4)
					blk_error("bench: error dev=%s status=%s nvme_status=0x%04x", x->b->info.bi_name,
						  cr_err_name(a.ba_status), a.ba_nvme_status & 0xfffe);
				if (!a.ba_status && now >= measure_from && now <= end) {	/* completed in the window, as fio counts */
					x->ios++;
					latency_hist_add(&hist, (now - x->sent_ns[slot]) / 1000);
				}
				if (now < end) {
					post(x, op, random, slot);
					posted++;
				} else {
					outstanding--;
				}
				progress = true;
			}
			if (posted)
				bdev_kick(x->b);
		}
		if (progress) {
			blk_flush_kicks();	/* going on without a wait: the providers must hear now */
			last_progress = now;
			continue;
		}
		if (now - last_progress > STALL_NS) {
			blk_error("bench: error no ack for %llu s with %u requests outstanding", STALL_NS / NSEC_PER_SEC,
				  outstanding);
			return CR_ETIMEDOUT;
		}
		blk_wait(NSEC_PER_SEC);
		waits++;
	}
	uint64_t ios = 0, errors = 0, notified = 0, notify_skipped = 0;
	for (unsigned int i = 0; i < blk.ndevs; i++) {
		ios += db[i].ios;
		errors += db[i].errors;
		notified += db[i].b->notified;
		notify_skipped += db[i].b->notify_skipped;
	}
	uint64_t ms = (end - measure_from) / 1000000;
	char part[24] = "";
	if (job->bj_bench_parts)	/* one client of several, one device each: the scripts add the parts up */
		fmt_snprintf(part, sizeof(part), " part=%u/%u", job->bj_bench_part, job->bj_bench_parts);
	uint64_t iops = ios * 1000 / (ms ? ms : 1), mib_x10 = iops * bs * 10 / (1024 * 1024);
	uprintf("bench: job=%s%uk qd=%u iops=%lu mib_s=%lu.%lu lat_us_p50=%lu lat_us_p99=%lu lane=%s lat_us_p999=%lu ios=%lu errors=%lu seconds=%u ramp_s=1 waits=%lu cpu_busy_pct=%d path=client devs=%u dev=%s notified=%lu notify_skipped=%lu spin_hits=%lu spin_misses=%lu lat_us_avg=%lu cpus=%u%s",
		name, bs / 1024, qd, iops, mib_x10 / 10, mib_x10 % 10, latency_hist_percentile(&hist, 500),
		latency_hist_percentile(&hist, 990), blk.dev[0].info.bi_lane == DMA_LANE_DIRECT ? "direct" : "brokered",
		latency_hist_percentile(&hist, 999), ios, errors,
		job->bj_bench_seconds, waits, busy_window_pct(&busy), blk.ndevs, blk.dev[0].info.bi_name, notified,
		notify_skipped, blk.spin_hits, blk.spin_misses, latency_hist_mean(&hist), busy.bw_cpus, part);
	for (unsigned int i = 0; blk.ndevs > 1 && i < blk.ndevs; i++)
		uprintf("bench: device dev=%s ios=%lu iops=%lu errors=%lu", db[i].b->info.bi_name, db[i].ios,
			db[i].ios * 1000 / (ms ? ms : 1), db[i].errors);
	if (!ios && !errors)
		uprintf("bench: warning no I/O completed in the %u s window: iops=0 measures nothing", job->bj_bench_seconds);
	return errors ? CR_EIO : 0;
}
