/*
 * user/blockclient/blk.h - a block client: a process that holds only
 * BlockDevice capabilities (one per device), a Region for each, a
 * Notification to wait on and a Console, and runs the command line's jobs
 * through them (include/abi/block_job.h).
 */
#ifndef CAPROCK_USER_BLOCKCLIENT_BLK_H
#define CAPROCK_USER_BLOCKCLIENT_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/block.h"
#include "include/abi/block_job.h"
#include "lib/block_replay.h"
#include "lib/block_ring.h"
#include "lib/poll_tune.h"

#define BLK_MAX_DEVS 32

struct bdev {
	int cap, region_cap;
	struct block_info info;
	char bdf[16];
	struct block_ring_client ring;
	uint8_t *region;
	uint64_t region_bytes;
	uint32_t max_blocks;		/* per request: the transfer limit, the region, NLB's 16 bits */
	uint64_t next_tag;
	struct block_replay replay;	/* every request until its ack; posted again after a restart */
	struct block_ack failed[BLOCK_REPLAY_SLOTS];	/* given up after restarts: acks to hand out */
	unsigned int nfailed;
	uint64_t notified, notify_skipped;	/* request batches that woke the provider, and those it did not need */
	bool kick_pending;		/* its provider wants waking: done with our next wait (one crossing) */
};

struct blk {
	int console, wake;
	unsigned int ndevs;
	struct bdev dev[BLK_MAX_DEVS];
	unsigned int errors;
	bool spin;			/* BLOCK_JOB_SPIN: look at the rings a while before sleeping */
	struct poll_tune spin_tune;
	uint64_t spin_hits, spin_misses;
};

extern struct blk blk;

void blk_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* session.c */
int bdev_open(struct bdev *b, int cap, int region_cap);
/* Post one request (waiting for room); returns its tag, or a CR_* code. */
int64_t bdev_submit(struct bdev *b, uint16_t op, uint64_t lba, uint32_t blocks, uint64_t offset);
/* Post r with the caller's tag if there is room now: 0, CR_EBUSY (no room) or another CR_* code. */
int bdev_post(struct bdev *b, const struct block_request *r);
/*
 * Take up to max acks (each retires its request).  A provider restart is
 * handled here: lost requests are posted again, and those given up come
 * back as acks with CR_EIO.  Returns how many, or CR_EPROTO (the ring
 * cannot be trusted), or CR_ENODEV (the provider is gone for good and
 * nothing is left to take).
 */
int bdev_acks(struct bdev *b, struct block_ack *out, unsigned int max);
/* One request, waited for: 0 or the ack's status; *nvme_status gets the device's status field. */
int bdev_io(struct bdev *b, uint16_t op, uint64_t lba, uint32_t blocks, uint64_t offset, uint16_t *nvme_status);
/*
 * Sleep until a provider wakes us or timeout_ns passes; returns at once if
 * an ack is already waiting on any device (the event indices are armed
 * first, so a provider posting meanwhile notifies).
 */
void blk_wait(uint64_t timeout_ns);
/*
 * After posting requests on b: if its provider asked to be notified
 * (lib/block_ring.h), do so with the next blk_wait (or blk_flush_kicks).
 */
void bdev_kick(struct bdev *b);
/* Notify now every provider a bdev_kick left waiting (a caller that goes on without waiting). */
void blk_flush_kicks(void);

/* io.c */
int io_proof(struct bdev *b);
int io_read(struct bdev *b, uint64_t lba, uint32_t count);
int io_write(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed);
/* nvme.zeroes=: Write Zeroes, flush, read back as zeros.  nvme.trim=: deallocate (no claim on the data after). */
int io_zeroes(struct bdev *b, uint64_t lba, uint32_t count);
int io_trim(struct bdev *b, uint64_t lba, uint32_t count);
/* io_write without its line and without the read-back (io_verify does that). */
int io_write_quiet(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed, uint32_t *crc);
int io_verify(struct bdev *b, uint64_t lba, uint32_t count, uint64_t seed, uint64_t *bad_lba, long *bad_word);

/* soak.c */
int soak_run(struct bdev *b, uint32_t seconds);

/* bench.c, hostile.c */
int bench_run(const struct block_job *job);
int hostile_client_run(struct bdev *b);

#endif
