/*
 * user/blockclient/session.c - one BlockDevice session from the client's
 * side: lend the region, learn the geometry, map the ring, post requests
 * and wait for their acks (include/abi/block.h).
 */
#include "lib/fmt.h"
#include "lib/string.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

#define NSEC_PER_SEC		((uint64_t)1000000000)
#define SLOW_NOTE_NS		(60 * NSEC_PER_SEC)

int bdev_open(struct bdev *b, int cap, int region_cap)
{
	struct region_info ri;
	struct block_map m;
	int err;

	b->cap = cap;
	b->region_cap = region_cap;
	if ((err = sys_region_map(region_cap, &ri)) < 0 || (err = sys_block_attach(cap, region_cap)) < 0 ||
	    (err = sys_block_info(cap, &b->info)) < 0 || (err = sys_block_map(cap, &m)) < 0)
		return err;
	if (!b->info.bi_block_xfer || !b->info.bi_block_bytes || !b->info.bi_blocks)
		return CR_EPROTO;
	b->region = (uint8_t *)ri.ri_base;
	b->region_bytes = ri.ri_bytes;
	block_ring_client_init(&b->ring, (struct block_ring *)m.bm_ring);
	block_replay_init(&b->replay, b->info.bi_generation);
	uint64_t max = b->info.bi_max_transfer / b->info.bi_block_xfer;
	if (max > b->region_bytes / b->info.bi_block_xfer)
		max = b->region_bytes / b->info.bi_block_xfer;
	b->max_blocks = (uint32_t)(max > 65536 ? 65536 : max);
	fmt_snprintf(b->bdf, sizeof(b->bdf), "%04x:%02x:%02x.%x", b->info.bi_segment, b->info.bi_bus, b->info.bi_dev,
		     b->info.bi_fn);
	uprintf("client: device dev=%s bdf=%s nsid=%u blocks=%lu block_bytes=%u first_lba=%lu max_transfer=%u region_bytes=%lu write_cache=%s trim=%s model=\"%s\" serial=\"%s\"%s%s%s%s",
		b->info.bi_name, b->bdf, b->info.bi_nsid, b->info.bi_blocks, b->info.bi_block_bytes,
		b->info.bi_first_lba, b->info.bi_max_transfer, b->region_bytes,
		b->info.bi_flags & BLOCK_WRITE_CACHE ? "yes" : "no", b->info.bi_flags & BLOCK_TRIM ? "yes" : "no",
		b->info.bi_model, b->info.bi_serial, b->info.bi_ebs_volume_id[0] ? " ebs_volume_id=" : "",
		b->info.bi_ebs_volume_id, b->info.bi_ebs_device_name[0] ? " ebs_device_name=" : "",
		b->info.bi_ebs_device_name);
	return b->max_blocks ? 0 : CR_EINVAL;
}

#define SPIN_CAP_NS		((uint64_t)50000)	/* a spin never lasts longer than an interrupt's worth of waiting */

static bool any_acks(void)
{
	for (unsigned i = 0; i < blk.ndevs; i++) {
		if (block_ring_acks(&blk.dev[i].ring) != 0)
			return true;	/* an ack, or nonsense the caller's next look reports */
	}
	return false;
}

/* Look at the rings for the learned while; true if an ack came. */
static bool spin_for_acks(uint64_t start)
{
	uint64_t bound = poll_tune_bound(&blk.spin_tune, SPIN_CAP_NS);

	if (!bound)
		return false;
	for (;;) {
		if (any_acks()) {
			blk.spin_hits++;
			poll_tune_note(&blk.spin_tune, clock_now_ns() - start, 1);
			return true;
		}
		if (clock_now_ns() - start >= bound) {
			blk.spin_misses++;
			poll_tune_miss(&blk.spin_tune);
			return false;
		}
		__builtin_ia32_pause();
	}
}

/* Notify the providers bdev_kick left waiting but one, whose slot is returned (-1: none). */
static int flush_kicks_but_one(void)
{
	int last = -1;

	for (unsigned i = 0; i < blk.ndevs; i++) {
		struct bdev *b = &blk.dev[i];
		if (!b->kick_pending)
			continue;
		b->kick_pending = false;
		if (last >= 0)
			sys_block_notify(last);
		last = b->cap;
	}
	return last;
}

void blk_flush_kicks(void)
{
	int last = flush_kicks_but_one();

	if (last >= 0)
		sys_block_notify(last);
}

void blk_wait(uint64_t timeout_ns)
{
	uint64_t start = blk.spin ? clock_now_ns() : 0;
	int last;

	if (blk.spin) {
		blk_flush_kicks();	/* the provider must be running while we spin */
		if (spin_for_acks(start))
			return;
	}
	last = flush_kicks_but_one();
	for (unsigned i = 0; i < blk.ndevs; i++) {
		if (block_ring_client_arm(&blk.dev[i].ring)) {
			if (last >= 0)
				sys_block_notify(last);
			return;		/* an ack came in while we armed: no sleep */
		}
	}
	/* The provider's wake-up and our sleep, one crossing. */
	if (last >= 0)
		sys_block_notify_wait(last, blk.wake, timeout_ns);
	else
		sys_notify_wait(blk.wake, timeout_ns);
	if (blk.spin && any_acks())
		poll_tune_note(&blk.spin_tune, clock_now_ns() - start, 0);
}

void bdev_kick(struct bdev *b)
{
	if (block_ring_client_must_notify(&b->ring)) {
		b->notified++;
		b->kick_pending = true;
	} else {
		b->notify_skipped++;
	}
}

static bool provider_gone(const struct bdev *b)
{
	return *(volatile const uint32_t *)&b->ring.c_ring->br_flags & BLOCK_RING_PROVIDER_GONE;
}

int bdev_post(struct bdev *b, const struct block_request *r)
{
	int room = block_ring_submit_room(&b->ring);

	if (room < 0)
		return room;
	if (room == 0 || !block_replay_room(&b->replay))
		return CR_EBUSY;
	int err = block_replay_track(&b->replay, r, b->ring.c_req_tail);
	if (err)
		return err;
	block_ring_submit(&b->ring, r);
	return 0;
}

int64_t bdev_submit(struct bdev *b, uint16_t op, uint64_t lba, uint32_t blocks, uint64_t offset)
{
	struct block_request r = { .br_tag = ++b->next_tag, .br_lba = lba, .br_offset = offset,
				   .br_blocks = blocks, .br_op = op };
	int err;

	while ((err = bdev_post(b, &r)) == CR_EBUSY) {
		if (provider_gone(b))
			return CR_EIO;
		blk_wait(NSEC_PER_SEC);
	}
	return err < 0 ? err : (int64_t)r.br_tag;
}

/*
 * The ring's generation moved (a hint anyone could write): ask the kernel,
 * and if a new provider took over, post again what the dead one had.
 */
static int handle_restart(struct bdev *b)
{
	struct block_info info;
	struct block_request r;
	bool give_up;
	int err = sys_block_info(b->cap, &info);

	if (err < 0)
		return err;
	unsigned lost = block_replay_restart(&b->replay, info.bi_generation, info.bi_restart_head);
	if (!lost && info.bi_generation == b->info.bi_generation)
		return 0;
	b->info.bi_generation = info.bi_generation;
	unsigned replayed = 0, failed = 0;
	while (block_replay_next_lost(&b->replay, &r, &give_up)) {
		if (give_up) {
			b->failed[b->nfailed++] = (struct block_ack){ .ba_tag = r.br_tag, .ba_status = CR_EIO };
			failed++;
			continue;
		}
		int room;
		while ((room = block_ring_submit_room(&b->ring)) == 0) {
			if (provider_gone(b))
				return CR_ENODEV;
			sys_block_notify(b->cap);
			blk_wait(NSEC_PER_SEC);
		}
		if (room < 0)
			return room;
		block_replay_reposted(&b->replay, r.br_tag, b->ring.c_req_tail);
		block_ring_submit(&b->ring, &r);
		replayed++;
	}
	uprintf("client: provider restarted dev=%s generation=%u lost=%u replayed=%u failed=%u replayed_total=%lu failed_total=%lu",
		b->info.bi_name, info.bi_generation, lost, replayed, failed, b->replay.r_replayed, b->replay.r_failed);
	if (replayed)
		sys_block_notify(b->cap);
	return 0;
}

int bdev_acks(struct bdev *b, struct block_ack *out, unsigned int max)
{
	unsigned got = 0;
	int n = block_ring_acks(&b->ring);

	if (n < 0)
		return n;	/* the provider wrote nonsense: stop trusting this session */
	/* Acks first: an acknowledged request is retired before any restart is looked at. */
	for (; n > 0 && got < max; n--) {
		struct block_ack a;
		block_ring_take_ack(&b->ring, &a);
		if (!block_replay_ack(&b->replay, a.ba_tag))
			continue;	/* nothing of ours (a replay's twin, or a provider's invention) */
		out[got++] = a;
	}
	bool drained = n == 0;
	if (drained && *(volatile const uint32_t *)&b->ring.c_ring->br_generation != b->replay.r_generation) {
		int err = handle_restart(b);
		if (err < 0)
			return err;
	}
	while (b->nfailed && got < max)
		out[got++] = b->failed[--b->nfailed];
	if (!got && provider_gone(b) && b->replay.r_count)
		return CR_ENODEV;	/* its provider ended for good: nothing will answer */
	return (int)got;
}

int bdev_io(struct bdev *b, uint16_t op, uint64_t lba, uint32_t blocks, uint64_t offset, uint16_t *nvme_status)
{
	int64_t tag = bdev_submit(b, op, lba, blocks, offset);
	uint64_t start = clock_now_ns(), noted = start;

	*nvme_status = 0;
	if (tag < 0)
		return (int)tag;
	bdev_kick(b);
	for (;;) {
		struct block_ack a[BLOCK_RING_ENTRIES];
		int n = bdev_acks(b, a, BLOCK_RING_ENTRIES);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (a[i].ba_tag == (uint64_t)tag) {
				*nvme_status = a[i].ba_nvme_status;
				return a[i].ba_status;
			}
		}
		uint64_t now = clock_now_ns();
		if (now - noted > SLOW_NOTE_NS) {
			/* EBS may stall for long; the provider decides when a command has failed. */
			uprintf("client: waiting dev=%s lba=%lu blocks=%u elapsed_s=%lu", b->info.bi_name, lba, blocks,
				(now - start) / NSEC_PER_SEC);
			noted = now;
		}
		blk_wait(NSEC_PER_SEC);
	}
}
