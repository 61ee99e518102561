/*
 * user/blockclient/soak.c - soak.seconds=N: write, read back and verify on
 * one device, round after round, for N seconds (issue 18's soak case).
 *
 * SOAK_SLOTS extents of SOAK_EXTENT_BYTES each, from 1 MiB into the
 * device (LBA 0, which the proof read takes, is left alone).  Round r
 * takes slot r % SOAK_SLOTS: it first reads the slot and checks it still
 * holds what round r - SOAK_SLOTS wrote (nothing lost in between, a
 * provider restart included), then writes the DESIGN.md §2 pattern with
 * seed seed_base + r, flushes, reads it back and checks it.  At the end
 * every slot is checked once more.  The seeds come from the device's name
 * and function, so a write that reached another volume never verifies
 * there; the host derives every slot's last seed from the line (slot s:
 * the last round r < rounds with r % slots == s) and checks the image.
 *
 *   client: soak dev=… bdf=… nsid=… seconds=… elapsed_ms=… rounds=… writes=… reads=… verified=…
 *           mismatches=0 errors=0 lba=… blocks=… slots=… seed_base=0x… generation=… replayed=…
 */
#include "lib/crc32.h"
#include "lib/string.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

#define NSEC_PER_SEC		1000000000ull
#define SOAK_SLOTS		8
#define SOAK_EXTENT_BYTES	(64u << 10)
#define SOAK_BASE_BYTES		(1u << 20)
#define SOAK_PROGRESS_NS	(10 * NSEC_PER_SEC)
#define SOAK_REPORTED_MAX	4	/* mismatch lines per device; all of them are counted */

struct soak {
	struct bdev *b;
	uint64_t rounds, writes, reads, verified, mismatches;
	unsigned int errors;
};

/* 1 verified, 0 mismatch (reported), or a CR_* code (reported by io_verify's read). */
static int verify(struct soak *s, uint64_t lba, uint32_t blocks, uint64_t seed, const char *when)
{
	uint64_t bad_lba = 0;
	long bad_word = -1;
	int r = io_verify(s->b, lba, blocks, seed, &bad_lba, &bad_word);

	if (r < 0) {
		s->errors++;
		return r;
	}
	s->reads++;
	if (r == 0) {
		s->verified++;
		return 1;
	}
	if (s->mismatches++ < SOAK_REPORTED_MAX)
		blk_error("client: soak mismatch dev=%s lba=%lu blocks=%u seed=0x%lx when=%s bad_lba=%lu word=%ld",
			  s->b->info.bi_name, lba, blocks, seed, when, bad_lba, bad_word);
	return 0;
}

int soak_run(struct bdev *b, uint32_t seconds)
{
	uint32_t bs = b->info.bi_block_bytes;
	uint32_t blocks = bs >= SOAK_EXTENT_BYTES ? 1 : SOAK_EXTENT_BYTES / bs;
	uint64_t base = (SOAK_BASE_BYTES + bs - 1) / bs;
	uint64_t seeds[SOAK_SLOTS] = { 0 };
	bool written[SOAK_SLOTS] = { false };
	struct soak s = { .b = b };
	char who[64];
	size_t wn = strlen(b->info.bi_name);

	if (base + (uint64_t)SOAK_SLOTS * blocks > b->info.bi_blocks) {
		blk_error("client: soak error dev=%s too small: %u extents of %u blocks from lba %lu need %lu blocks, it has %lu",
			  b->info.bi_name, SOAK_SLOTS, blocks, base, base + (uint64_t)SOAK_SLOTS * blocks, b->info.bi_blocks);
		return CR_ERANGE;
	}
	memcpy(who, b->info.bi_name, wn);
	who[wn] = ' ';
	memcpy(who + wn + 1, b->bdf, strlen(b->bdf) + 1);
	uint64_t seed_base = ((uint64_t)crc32_update(0, who, strlen(who)) << 24) | 0x50a4000000000000ull;

	uprintf("client: soak start dev=%s bdf=%s seconds=%u lba=%lu blocks=%u slots=%u seed_base=0x%lx generation=%u",
		b->info.bi_name, b->bdf, seconds, base, blocks, SOAK_SLOTS, seed_base, b->info.bi_generation);
	uint64_t start = clock_now_ns(), end = start + (uint64_t)seconds * NSEC_PER_SEC;
	uint64_t next_progress = start + SOAK_PROGRESS_NS;
	for (uint64_t now = start; now < end; now = clock_now_ns(), s.rounds++) {
		unsigned k = (unsigned)(s.rounds % SOAK_SLOTS);
		uint64_t lba = base + (uint64_t)k * blocks, seed = seed_base + s.rounds;
		uint32_t crc;
		int err;

		if (written[k] && verify(&s, lba, blocks, seeds[k], "before-overwrite") < 0)
			break;
		written[k] = false;	/* unknown until the write below is acknowledged */
		if ((err = io_write_quiet(b, lba, blocks, seed, &crc)) < 0) {
			s.errors++;
			break;
		}
		s.writes++;
		seeds[k] = seed;
		written[k] = true;
		if (verify(&s, lba, blocks, seed, "read-back") < 0)
			break;
		if (now >= next_progress) {
			uprintf("client: soak progress dev=%s elapsed_s=%lu rounds=%lu verified=%lu mismatches=%lu generation=%u",
				b->info.bi_name, (uint64_t)((now - start) / NSEC_PER_SEC), s.rounds + 1, s.verified, s.mismatches,
				b->info.bi_generation);
			next_progress += SOAK_PROGRESS_NS;
		}
	}
	uint64_t elapsed = clock_now_ns() - start;
	/* What every slot holds at the end, checked once more (and then by the host on the image). */
	for (unsigned k = 0; k < SOAK_SLOTS && !s.errors; k++) {
		if (written[k] && verify(&s, base + (uint64_t)k * blocks, blocks, seeds[k], "final") < 0)
			break;
	}
	uprintf("client: soak dev=%s bdf=%s nsid=%u seconds=%u elapsed_ms=%lu rounds=%lu writes=%lu reads=%lu verified=%lu "
		"mismatches=%lu errors=%u lba=%lu blocks=%u slots=%u seed_base=0x%lx generation=%u replayed=%lu",
		b->info.bi_name, b->bdf, b->info.bi_nsid, seconds, elapsed / 1000000, s.rounds, s.writes, s.reads,
		s.verified, s.mismatches, s.errors, base, blocks, SOAK_SLOTS, seed_base, b->info.bi_generation,
		b->replay.r_replayed);
	return s.mismatches || s.errors ? CR_EIO : 0;
}
