/*
 * user/blockclient/io.c - the command line's reads and writes, through the
 * client's BlockDevice session.
 *
 * An extent of any length is split into requests of at most max_blocks
 * (the transfer limit, the region), each checked against the device first.
 * The proof line's crc32 is zlib's CRC-32 of exactly the bytes the reads
 * returned, chained across the requests.  Writes carry the DESIGN.md §2
 * pattern at their absolute place in the namespace (a partition's LBAs are
 * relative to it), are flushed, then read back and compared.  Write Zeroes
 * is read back as zeros; a trim (deallocate) claims nothing about what reads
 * return after it (that is the device's DLFEAT), only that it was done.
 */
#include "lib/crc32.h"
#include "lib/nvme_status.h"
#include "lib/pattern.h"
#include "lib/string.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

/* "dev=... bdf=... nsid=..." : the keys DESIGN.md §2 puts on every read and write line. */
#define WHO "dev=%s bdf=%s nsid=%u"
#define WHO_ARGS(b) (b)->info.bi_name, (b)->bdf, (b)->info.bi_nsid

static bool in_device(const char *what, const struct bdev *b, uint64_t lba, uint32_t count)
{
	if (lba >= b->info.bi_blocks || count > b->info.bi_blocks - lba) {
		blk_error("nvme: %s error " WHO " lba=%lu blocks=%u reason=beyond-%s lbas=%lu", what, WHO_ARGS(b), lba,
			  count, b->info.bi_flags & BLOCK_PARTITION ? "partition" : "namespace", b->info.bi_blocks);
		return false;
	}
	return true;
}

/* The error line of a request: the device's status decoded if it answered, else the kernel's code. */
static int report(const char *what, const struct bdev *b, uint64_t lba, uint32_t n, int err, uint16_t nvme_status)
{
	if (nvme_status) {
		struct nvme_status s = nvme_status_decode(nvme_status);
		blk_error("nvme: %s error " WHO " lba=%lu blocks=%u sct=0x%x sc=0x%02x dnr=%u more=%u crd=%u status=%s",
			  what, WHO_ARGS(b), lba, n, s.sct, s.sc, s.dnr, s.more, s.crd, nvme_status_name(s.sct, s.sc));
	} else {
		blk_error("nvme: %s error " WHO " lba=%lu blocks=%u reason=%s", what, WHO_ARGS(b), lba, n, cr_err_name(err));
	}
	return err;
}

static int request(const char *what, struct bdev *b, uint16_t op, uint64_t lba, uint32_t n)
{
	uint16_t nvme_status;
	int err = bdev_io(b, op, lba, n, 0, &nvme_status);

	return err ? report(what, b, lba, n, err, nvme_status) : 0;
}

int io_read(struct bdev *b, uint64_t lba, uint32_t count)
{
	uint32_t per = b->max_blocks, crc = 0;
	uint64_t bytes = 0;

	if (!in_device("read", b, lba, count))
		return CR_ERANGE;
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		int err = request("read", b, BLOCK_OP_READ, lba + done, n);
		if (err)
			return err;
		uint64_t len = (uint64_t)n * b->info.bi_block_xfer;
		crc = crc32_update(crc, b->region, len);
		bytes += len;
		done += n;
	}
	uprintf("nvme: read ok " WHO " lba=%lu blocks=%u bytes=%lu crc32=0x%08x commands=%lu first_lba=%lu md_bytes=%lu",
		WHO_ARGS(b), lba, count, bytes, crc, ((uint64_t)count + per - 1) / per, b->info.bi_first_lba,
		(uint64_t)count * b->info.bi_md_bytes);
	return 0;
}

/* The standing proof: 4 KiB (or one block, if larger) from LBA 0. */
int io_proof(struct bdev *b)
{
	uint32_t blocks = b->info.bi_block_bytes >= 4096 ? 1 : 4096 / b->info.bi_block_bytes;

	if (blocks > b->info.bi_blocks)
		blocks = (uint32_t)b->info.bi_blocks;
	return io_read(b, 0, blocks);
}

/* The pattern for blocks [lba, lba+n) at `at` in the region; inline metadata (if any) zeroed. */
static void fill(struct bdev *b, uint8_t *at, uint64_t lba, uint32_t n, uint64_t seed)
{
	uint32_t lbs = b->info.bi_block_bytes, xfer = b->info.bi_block_xfer;
	uint64_t abs = b->info.bi_first_lba + lba;

	for (uint32_t i = 0; i < n; i++) {
		pattern_fill(at + (uint64_t)i * xfer, (abs + i) * lbs, lbs, seed);
		memset(at + (uint64_t)i * xfer + lbs, 0, xfer - lbs);
	}
}

static long check(struct bdev *b, uint64_t lba, uint32_t n, uint64_t seed)
{
	uint32_t lbs = b->info.bi_block_bytes, xfer = b->info.bi_block_xfer;
	uint64_t abs = b->info.bi_first_lba + lba;

	for (uint32_t i = 0; i < n; i++) {
		long bad = pattern_check(b->region + (uint64_t)i * xfer, (abs + i) * lbs, lbs, seed);
		if (bad >= 0)
			return (long)i * (lbs / 8) + bad;
	}
	return -1;
}

/*
 * Up to WRITE_DEPTH requests in flight, each in its own slot of the region:
 * a long write keeps the device busy, and a provider restart in the middle
 * has several of them outstanding (all kept by the session until acked).
 */
#define WRITE_DEPTH 8

struct write_slot {
	int64_t tag;		/* 0: free */
	uint64_t lba;
	uint32_t n;
};

/* Wait for acks of the slots: how many came back (at least one), or a CR_* code. */
static int write_reap(struct bdev *b, struct write_slot *slots, unsigned nslots)
{
	for (;;) {
		struct block_ack a[BLOCK_RING_ENTRIES];
		int n = bdev_acks(b, a, BLOCK_RING_ENTRIES), freed = 0;
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			for (unsigned k = 0; k < nslots; k++) {
				if (slots[k].tag != (int64_t)a[i].ba_tag)
					continue;
				if (a[i].ba_status)
					return report("write", b, slots[k].lba, slots[k].n, a[i].ba_status, a[i].ba_nvme_status);
				slots[k].tag = 0;
				freed++;
			}
		}
		if (freed)
			return freed;
		blk_wait(1000000000ull);
	}
}

/*
 * Read [lba, lba+count) and compare it with the pattern of seed: 0 if every block matches, 1 if one
 * does not (*bad_lba and *bad_word say where), or a CR_* code (reported) if a read failed.
 */
int io_verify(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed, uint64_t *bad_lba, long *bad_word)
{
	uint32_t per = b->max_blocks;
	int err;

	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		if ((err = request("read", b, BLOCK_OP_READ, lba + done, n)) < 0)
			return err;
		long bad = check(b, lba + done, n, seed);
		if (bad >= 0) {
			*bad_lba = lba + done;
			*bad_word = bad;
			return 1;
		}
		done += n;
	}
	return 0;
}

/* The pattern written (up to WRITE_DEPTH requests in flight) and flushed; *crc is its CRC-32. */
int io_write_quiet(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed, uint32_t *crc_out)
{
	uint32_t per = b->max_blocks, crc = 0;
	uint64_t slot_bytes = (uint64_t)per * b->info.bi_block_xfer;
	unsigned nslots = (unsigned)(b->region_bytes / slot_bytes);
	struct write_slot slots[WRITE_DEPTH] = { 0 };
	unsigned busy = 0;
	int err;

	if (!in_device("write", b, lba, count))
		return CR_ERANGE;
	if (nslots > WRITE_DEPTH)
		nslots = WRITE_DEPTH;
	if (!nslots)
		nslots = 1;
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		if (busy == nslots) {
			if ((err = write_reap(b, slots, nslots)) < 0)
				return err;
			busy -= (unsigned)err;
		}
		int k = -1;
		for (unsigned i = 0; i < nslots && k < 0; i++)
			k = slots[i].tag ? -1 : (int)i;
		uint8_t *at = b->region + (uint64_t)k * slot_bytes;
		fill(b, at, lba + done, n, seed);
		crc = crc32_update(crc, at, (uint64_t)n * b->info.bi_block_xfer);
		int64_t tag = bdev_submit(b, BLOCK_OP_WRITE, lba + done, n, (uint64_t)k * slot_bytes);
		if (tag < 0)
			return (int)tag;
		bdev_kick(b);
		blk_flush_kicks();	/* the next chunk is filled meanwhile: the provider starts now */
		slots[k] = (struct write_slot){ tag, lba + done, n };
		busy++;
		done += n;
	}
	while (busy) {
		if ((err = write_reap(b, slots, nslots)) < 0)
			return err;
		busy -= (unsigned)err;
	}
	if ((err = request("flush", b, BLOCK_OP_FLUSH, 0, 1)) < 0)
		return err;
	*crc_out = crc;
	return 0;
}

int io_write(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed)
{
	uint32_t crc = 0;
	uint64_t bad_lba = 0;
	long bad_word = -1;
	int err = io_write_quiet(b, lba, count, seed, &crc);

	if (err < 0)
		return err;
	/* Read it back: what the device returns must be the pattern, block for block. */
	err = io_verify(b, lba, count, seed, &bad_lba, &bad_word);
	if (err < 0)
		return err;
	if (err) {
		blk_error("nvme: write error " WHO " lba=%lu blocks=%u reason=readback-mismatch word=%ld",
			  WHO_ARGS(b), bad_lba, (uint32_t)(count - (bad_lba - lba) < b->max_blocks ?
							    count - (bad_lba - lba) : b->max_blocks), bad_word);
		return CR_EIO;
	}
	uprintf("nvme: write ok " WHO " lba=%lu blocks=%u bytes=%lu seed=0x%lx crc32=0x%08x first_lba=%lu flush=ok verify=readback-match",
		WHO_ARGS(b), lba, count, (uint64_t)count * b->info.bi_block_xfer, seed, crc, b->info.bi_first_lba);
	return 0;
}

/* Blocks one Write Zeroes or deallocate request may name: the 16-bit NLB of Write Zeroes. */
#define NO_DATA_MAX_BLOCKS 65536u

/* Requests of op over [lba, lba+count) with no data in the region; the request count, or a CR_* code. */
static long no_data_requests(const char *what, struct bdev *b, uint16_t op, uint32_t flag, uint64_t lba,
			     uint32_t count)
{
	long commands = 0;

	if (!in_device(what, b, lba, count))
		return CR_ERANGE;
	if (!(b->info.bi_flags & flag)) {
		blk_error("nvme: %s error " WHO " lba=%lu blocks=%u reason=not-supported-by-the-controller", what,
			  WHO_ARGS(b), lba, count);
		return CR_ENOSYS;
	}
	for (uint64_t done = 0; done < count; commands++) {
		uint32_t n = (uint32_t)(count - done < NO_DATA_MAX_BLOCKS ? count - done : NO_DATA_MAX_BLOCKS);
		int err = request(what, b, op, lba + done, n);
		if (err)
			return err;
		done += n;
	}
	return commands;
}

int io_zeroes(struct bdev *b, uint64_t lba, uint32_t count)
{
	long commands = no_data_requests("zeroes", b, BLOCK_OP_WRITE_ZEROES, BLOCK_WRITE_ZEROES, lba, count);
	int err;

	if (commands < 0)
		return (int)commands;
	if ((err = request("flush", b, BLOCK_OP_FLUSH, 0, 1)) < 0)
		return err;
	/* Read it back: every byte of every block must be zero. */
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < b->max_blocks ? count - done : b->max_blocks);
		if ((err = request("read", b, BLOCK_OP_READ, lba + done, n)) < 0)
			return err;
		uint32_t lbs = b->info.bi_block_bytes, xfer = b->info.bi_block_xfer;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *blk0 = b->region + (uint64_t)i * xfer;
			for (uint32_t k = 0; k < lbs; k++) {
				if (blk0[k]) {
					blk_error("nvme: zeroes error " WHO " lba=%lu blocks=%u reason=readback-not-zero byte=%u",
						  WHO_ARGS(b), lba + done + i, 1u, k);
					return CR_EIO;
				}
			}
		}
		done += n;
	}
	uprintf("nvme: zeroes ok " WHO " lba=%lu blocks=%u commands=%ld first_lba=%lu flush=ok verify=readback-zero",
		WHO_ARGS(b), lba, count, commands, b->info.bi_first_lba);
	return 0;
}

int io_trim(struct bdev *b, uint64_t lba, uint32_t count)
{
	long commands = no_data_requests("trim", b, BLOCK_OP_TRIM, BLOCK_TRIM, lba, count);

	if (commands < 0)
		return (int)commands;
	uprintf("nvme: trim ok " WHO " lba=%lu blocks=%u commands=%ld first_lba=%lu", WHO_ARGS(b), lba, count,
		commands, b->info.bi_first_lba);
	return 0;
}
