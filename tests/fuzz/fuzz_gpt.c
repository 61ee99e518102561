/*
 * tests/fuzz/fuzz_gpt.c - libFuzzer harness for lib/gpt.c.
 *
 * The input describes a sparse disk read through gpt_read_disk's callback:
 *
 *   [0]     flags: bits 2:0 log2(sector / 512) (512 B .. 64 KiB);
 *           bit 3 recompute the primary's CRCs, bit 4 the backup's (so
 *           mutated fields get past the CRCs); bit 5 fail one read;
 *           bit 6 the disk ends near 2^64
 *   [1]     max partitions the caller takes
 *   [2]     scratch size: 1 + (b % 64) sectors, at most 256 KiB
 *   [3]     which read fails (bit 5), [4] with which code
 *   [5..8]  last LBA (u32 LE), or 2^64 - 1 - it (bit 6)
 *   [9..10] n, the number of bytes that follow for the start of the disk
 *   ...     n bytes from LBA 0 on, then the rest, which ends at the last
 *           byte of the disk; everything else reads as zeros.
 *
 * Invariants: the callback is only asked for sectors 1..last_lba that fit
 * in scratch; with a table, every returned partition lies inside its
 * header's usable range, in slot order, no two overlapping, names
 * printable, and (issue 15 §2, computed from the disk bytes alone, see
 * metadata()) none covers LBA 0, either header or either array, wherever a
 * later boot could find them; the rule that chose the table fits what was
 * found; the copy in use passed every check and is the primary when
 * the primary did; states agree with return codes.  gpt_header_parse and
 * gpt_entries_parse run on the raw front too, and the GUID text round-
 * trips.  tests/fuzz/mkseeds.py writes the seeds (tables from
 * tests/qemu/gptimage.py).
 */
#define _POSIX_C_SOURCE 200809L	/* strnlen */

#include <string.h>

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/crc32.h"
#include "lib/gpt.h"
#include "tests/fuzz/fuzz_common.h"

#define SCRATCH_MAX	(256u * 1024)
#define FIX_CRC_MAX	(64u * 1024)	/* arrays larger than this keep the CRC they have */

struct sparse {
	uint32_t lb;			/* sector bytes */
	uint64_t last;			/* last LBA */
	uint8_t *front;			/* sectors 0 .. front_sectors - 1 */
	uint64_t front_sectors;
	uint8_t *tail;			/* sectors last - tail_sectors + 1 .. last */
	uint64_t tail_sectors;
	size_t scratch_bytes;
	unsigned int reads;
	bool fail;
	unsigned int fail_at;		/* 0-based read number */
	int fail_rc;
};

/* The bytes of sector s when the input supplied them (tail first), else NULL (zeros). */
static uint8_t *sector(struct sparse *d, uint64_t s)
{
	if (s <= d->last && d->last - s < d->tail_sectors)
		return d->tail + (d->tail_sectors - 1 - (d->last - s)) * d->lb;
	if (s < d->front_sectors)
		return d->front + s * d->lb;
	return NULL;
}

static void copy_sector(struct sparse *d, uint64_t s, uint8_t *out)
{
	const uint8_t *p = sector(d, s);

	if (p)
		memcpy(out, p, d->lb);
	else
		memset(out, 0, d->lb);
}

static int sparse_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct sparse *d = ctx;
	unsigned int n = d->reads++;

	CHECK(count >= 1);
	CHECK(lba >= 1);			/* LBA 0, the protective MBR, is never needed */
	CHECK(lba <= d->last && count - 1 <= d->last - lba);
	CHECK((size_t)count * d->lb <= d->scratch_bytes);
	if (d->fail && n == d->fail_at)
		return d->fail_rc;
	for (uint32_t i = 0; i < count; i++)
		copy_sector(d, lba + i, (uint8_t *)buf + (size_t)i * d->lb);
	return 0;
}

/* Make the header at LBA h carry the right CRCs for what it says, where it can. */
static void fix_crcs(struct sparse *d, uint64_t h)
{
	uint8_t *p = sector(d, h);
	if (!p)
		return;
	uint64_t at = load_le64(p + GPT_HDR_ENTRIES_LBA);
	uint64_t bytes = (uint64_t)load_le32(p + GPT_HDR_NUM_ENTRIES) * load_le32(p + GPT_HDR_ENTRY_SIZE);
	if (bytes <= FIX_CRC_MAX) {
		static uint8_t buf[GPT_LBA_MAX_BYTES];
		uint32_t crc = 0;
		for (uint64_t s = at; bytes > 0 && s <= d->last; s++) {
			uint32_t n = (uint32_t)MIN(bytes, (uint64_t)d->lb);
			copy_sector(d, s, buf);
			crc = crc32_update(crc, buf, n);
			bytes -= n;
		}
		store_le32(p + GPT_HDR_ENTRIES_CRC, crc);
	}
	uint32_t hs = load_le32(p + GPT_HDR_HEADER_SIZE);
	if (hs >= GPT_HDR_MIN_BYTES && hs <= d->lb) {
		store_le32(p + GPT_HDR_HEADER_CRC, 0);
		store_le32(p + GPT_HDR_HEADER_CRC, crc32_update(0, p, hs));
	}
}

static void check_header(const struct gpt_header *h, uint64_t last)
{
	CHECK(h->my_lba >= 1 && h->my_lba <= last);
	CHECK(h->alternate_lba >= 1 && h->alternate_lba <= last && h->alternate_lba != h->my_lba);
	CHECK(h->first_usable <= h->last_usable && h->last_usable <= last);
	CHECK(h->entry_size >= GPT_ENT_MIN_BYTES && h->entry_size <= GPT_ENTRY_MAX_BYTES &&
	      is_power_of_two(h->entry_size));
	CHECK(h->num_entries >= 1 && h->num_entries <= GPT_MAX_ENTRIES);
	CHECK(h->array_bytes == (uint64_t)h->num_entries * h->entry_size && h->array_bytes <= GPT_ARRAY_MAX_BYTES);
	CHECK(h->array_lbas == DIV_ROUND_UP(h->array_bytes, h->lba_bytes));
	uint64_t array_last = h->entries_lba + h->array_lbas - 1;
	CHECK(array_last >= h->entries_lba);
	if (h->my_lba < h->first_usable) {
		CHECK(h->entries_lba > h->my_lba && array_last < h->first_usable);
		CHECK(h->alternate_lba > h->last_usable);
	} else {
		CHECK(h->my_lba > h->last_usable);
		CHECK(h->entries_lba > h->last_usable && array_last < h->my_lba);
		CHECK(h->alternate_lba < h->first_usable);
	}
}

static void check_parts(const struct gpt_header *h, const struct gpt_entries_info *info,
			const struct gpt_partition *p, unsigned int max)
{
	unsigned int repaired = 0;

	CHECK(info->nused <= h->num_entries);
	CHECK(info->nrefused <= info->nused);
	CHECK(info->nstored == MIN(info->nused - info->nrefused, max));
	CHECK(info->bad_slot == 0 && info->other_slot == 0);
	for (unsigned i = 0; i < info->nstored; i++) {
		CHECK(p[i].index >= 1 && p[i].index <= h->num_entries);
		if (i)
			CHECK(p[i].index > p[i - 1].index);
		CHECK(!gpt_guid_is_zero(p[i].type_guid));
		CHECK(h->first_usable <= p[i].first_lba && p[i].first_lba <= p[i].last_lba &&
		      p[i].last_lba <= h->last_usable);
		size_t n = strnlen(p[i].name, sizeof(p[i].name));
		CHECK(n <= GPT_NAME_UNITS);
		for (size_t k = 0; k < n; k++)
			CHECK(p[i].name[k] >= 0x20 && p[i].name[k] <= 0x7e && p[i].name[k] != '"');
		CHECK(p[i].name_repaired <= n);
		repaired += p[i].name_repaired;
		for (unsigned j = 0; j < i; j++)
			CHECK(p[i].last_lba < p[j].first_lba || p[j].last_lba < p[i].first_lba);

		uint64_t blocks = gpt_partition_blocks(&p[i]), abs = 0;
		CHECK(blocks >= 1);
		CHECK(gpt_partition_map(&p[i], 0, blocks, &abs) == 0 && abs == p[i].first_lba);
		CHECK(gpt_partition_map(&p[i], blocks - 1, 1, &abs) == 0 && abs == p[i].last_lba);
		CHECK(gpt_partition_map(&p[i], blocks, 1, &abs) == CR_ERANGE);
		CHECK(gpt_partition_map(&p[i], 1, blocks, &abs) == CR_ERANGE);
	}
	if (info->nstored == info->nused)	/* none refused, none beyond max */
		CHECK(repaired == info->names_repaired);
	else
		CHECK(repaired <= info->names_repaired);
}

static void check_copy(const struct gpt_copy *c, uint64_t last)
{
	CHECK((c->rc == 0) == (c->why == NULL));
	CHECK(c->rc <= 0);
	if (c->header_ok) {
		CHECK(c->header_crc == GPT_CHECK_OK);
		check_header(&c->hdr, last);
		CHECK(c->hdr.my_lba == c->lba);
	}
	if (c->rc == 0)
		CHECK(c->header_ok && c->entries_crc == GPT_CHECK_OK);
	if (c->entries_crc != GPT_CHECK_NONE)
		CHECK(c->header_ok);
	if (c->rc == CR_ENOENT)
		CHECK(!c->header_ok && c->header_crc == GPT_CHECK_NONE);
	if (c->rc == CR_ENOMEM)
		CHECK(c->header_ok && c->scratch_needed == (size_t)c->hdr.array_lbas * c->hdr.lba_bytes);
}

/* A stretch of sectors, inclusive. */
struct extent {
	uint64_t first, last;
};

/* The array of a header that parsed: entries_lba and array_lbas sectors on. */
static struct extent array_of(const struct gpt_header *h)
{
	return (struct extent){ h->entries_lba, h->entries_lba + h->array_lbas - 1 };
}

/* Parse the header at lba straight from the disk bytes (no read callback). */
static bool header_at(struct sparse *d, uint64_t lba, uint8_t *buf, struct gpt_header *h)
{
	copy_sector(d, lba, buf);
	return gpt_header_parse(buf, d->lb, lba, d->last, h, NULL) == 0;
}

/*
 * The oracle of issue 15 §2, from the disk bytes alone: the sectors any
 * later boot could read as its table.  LBA 0; the primary header at LBA 1
 * and its array where the header parses, else the 16 KiB from LBA 2 where
 * the primary would be (UEFI 2.10 §5.3.2); each place a backup is looked
 * for (the primary's AlternateLBA, the last LBA) and, where a header
 * parses there, its array.  Returns how many extents x holds (at most 7).
 */
static unsigned int metadata(struct sparse *d, struct extent *x)
{
	static uint8_t buf[GPT_LBA_MAX_BYTES];
	struct gpt_header h, b;
	uint64_t backups[2] = { d->last, d->last };
	unsigned int n = 0;

	x[n++] = (struct extent){ 0, 1 };
	if (header_at(d, GPT_PRIMARY_LBA, buf, &h)) {
		x[n++] = array_of(&h);
		backups[1] = h.alternate_lba;
	} else {
		x[n++] = (struct extent){ 2, 2 + DIV_ROUND_UP(16384, d->lb) - 1 };
	}
	for (int i = 0; i < 2; i++) {
		x[n++] = (struct extent){ backups[i], backups[i] };
		if (header_at(d, backups[i], buf, &b))
			x[n++] = array_of(&b);
	}
	return n;
}

/* No partition handed out covers a sector of x, and no two of them overlap. */
static void check_offered(struct sparse *d, const struct gpt_partition *p, unsigned int n)
{
	struct extent x[8];
	unsigned int nx = metadata(d, x);

	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int k = 0; k < nx; k++)
			CHECK(p[i].last_lba < x[k].first || x[k].last < p[i].first_lba);
		for (unsigned int j = 0; j < i; j++)
			CHECK(p[i].last_lba < p[j].first_lba || p[j].last_lba < p[i].first_lba);
	}
}

static void check_guid_text(const uint8_t *g)
{
	char t[GPT_GUID_STR_BYTES];
	uint8_t back[GPT_GUID_BYTES];

	gpt_guid_format(g, t);
	CHECK(strlen(t) == 36);
	for (int i = 0; i < 36; i++)
		CHECK((i == 8 || i == 13 || i == 18 || i == 23) ? t[i] == '-' :
		      ((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')));
	CHECK(gpt_guid_parse(t, back) == 0 && memcmp(back, g, GPT_GUID_BYTES) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { data, size };
	struct sparse d;

	memset(&d, 0, sizeof(d));
	uint8_t flags = fr_u8(&r);
	unsigned int max = fr_u8(&r);
	uint8_t scratch_sel = fr_u8(&r);
	d.fail_at = fr_u8(&r);
	uint8_t code = fr_u8(&r);
	uint32_t last32 = fr_u32(&r);
	size_t front_len = fr_u16(&r);

	d.lb = 512u << (flags & 7);
	d.last = flags & 0x40 ? UINT64_MAX - last32 : last32;
	d.fail = flags & 0x20;
	d.fail_rc = code & 1 ? CR_EIO : (code & 2 ? 1 : CR_ETIMEDOUT);
	d.scratch_bytes = MAX((size_t)d.lb, MIN((size_t)d.lb * (1 + scratch_sel % 64), (size_t)SCRATCH_MAX));

	/* The disk: at least sectors 0 and 1 at the front and the last one at the end. */
	if (front_len > r.n)
		front_len = r.n;
	d.front_sectors = MAX(DIV_ROUND_UP(front_len, d.lb), 2);
	d.front = calloc(d.front_sectors, d.lb);
	size_t tail_len = r.n - front_len;
	d.tail_sectors = MAX(DIV_ROUND_UP(tail_len, d.lb), 1);
	if (d.last < UINT64_MAX && d.tail_sectors > d.last + 1)
		d.tail_sectors = d.last + 1;
	d.tail = calloc(d.tail_sectors, d.lb);
	uint8_t *scratch = malloc(d.scratch_bytes);
	struct gpt_partition *parts = max ? malloc(sizeof(*parts) * max) : NULL;
	if (!d.front || !d.tail || !scratch || (max && !parts))
		goto out;
	fr_bytes(&r, d.front, front_len);
	size_t tail_room = (size_t)d.tail_sectors * d.lb;
	if (tail_len > tail_room) {	/* a disk smaller than the input: keep the end */
		r.p += tail_len - tail_room;
		r.n -= tail_len - tail_room;
		tail_len = tail_room;
	}
	fr_bytes(&r, d.tail + tail_room - tail_len, tail_len);

	if (flags & 0x08)
		fix_crcs(&d, GPT_PRIMARY_LBA);
	if (flags & 0x10)
		fix_crcs(&d, d.last);

	/* ---------------------------------------------------------------- the whole disk */
	struct gpt_io io = {
		.read = sparse_read, .ctx = &d, .lba_bytes = d.lb, .last_lba = d.last,
		.scratch = scratch, .scratch_bytes = d.scratch_bytes,
	};
	struct gpt_disk gd;
	int rc = gpt_read_disk(&io, parts, max, &gd);

	CHECK(rc <= 0);
	CHECK(d.reads <= 5);	/* three headers at most, two arrays */
	check_copy(&gd.primary, d.last);
	check_copy(&gd.backup, d.last);
	if (d.last >= 2)
		CHECK(gd.primary.lba == GPT_PRIMARY_LBA);
	if (gd.primary.header_ok)
		CHECK(gd.backup.lba == gd.primary.hdr.alternate_lba);
	else if (d.last >= 2)
		CHECK(gd.backup.lba == d.last);
	if (d.last >= 2)
		CHECK(gd.backup_at_end == (gd.backup.lba == d.last));
	switch (gd.backup_state) {
	case GPT_BACKUP_OK:
	case GPT_BACKUP_MISMATCH:
		CHECK(gd.backup.rc == 0);
		break;
	case GPT_BACKUP_MISSING:
		CHECK(gd.backup.rc == CR_ENOENT);
		break;
	case GPT_BACKUP_BAD:
		CHECK(gd.backup.rc != 0 && gd.backup.rc != CR_ENOENT);
		break;
	}
	if (gd.backup_state == GPT_BACKUP_MISMATCH)
		CHECK(gd.primary.rc == 0);
	/* The rule that decided, against what was found. */
	switch (gd.rule) {
	case GPT_RULE_PRIMARY:
		CHECK(rc == 0 && gd.primary.rc == 0);
		break;
	case GPT_RULE_BACKUP_SAME_TABLE:
		CHECK(rc == 0 && gd.primary.header_ok && gd.primary.rc != 0 && gd.differs == 0);
		break;
	case GPT_RULE_BACKUP_DIFFERS:
		CHECK(rc != 0 && gd.primary.header_ok && gd.backup.rc == 0 && gd.differs != 0);
		break;
	case GPT_RULE_PRIMARY_HEADER_BAD:
		CHECK(rc == 0 && !gd.primary.header_ok && gd.backup.rc == 0);
		break;
	case GPT_RULE_NONE:
		CHECK(rc != 0 && gd.backup.rc != 0);
		break;
	}
	if (gd.differs)
		CHECK(gd.primary.header_ok && gd.backup.header_ok);
	if (rc == 0) {
		const struct gpt_copy *used = gd.used_backup ? &gd.backup : &gd.primary;
		CHECK(used->rc == 0);
		CHECK(gd.used_backup == (gd.primary.rc != 0));
		CHECK(memcmp(&gd.hdr, &used->hdr, sizeof(gd.hdr)) == 0);
		CHECK(memcmp(&gd.entries, &used->entries, sizeof(gd.entries)) == 0);
		check_header(&gd.hdr, d.last);
		check_parts(&gd.hdr, &gd.entries, parts, max);
		check_offered(&d, parts, gd.entries.nstored);
		/* What was refused does cover a table sector the library named. */
		for (unsigned i = 0; i < MIN(gd.entries.nrefused, GPT_REFUSED_MAX); i++) {
			const struct gpt_extent *m = &gd.meta[gd.refused[i].covers];
			CHECK(gd.refused[i].covers < GPT_META_COUNT);
			CHECK(gd.refused[i].part.first_lba <= m->last && m->first <= gd.refused[i].part.last_lba);
		}
		if (gd.backup_state == GPT_BACKUP_OK && !gd.used_backup) {
			CHECK(memcmp(gd.hdr.disk_guid, gd.backup.hdr.disk_guid, GPT_GUID_BYTES) == 0);
			CHECK(gd.hdr.entries_crc == gd.backup.hdr.entries_crc);
			CHECK(gd.hdr.first_usable == gd.backup.hdr.first_usable &&
			      gd.hdr.last_usable == gd.backup.hdr.last_usable);
		}
		for (unsigned i = 0; i < gd.entries.nstored; i++) {
			check_guid_text(parts[i].type_guid);
			check_guid_text(parts[i].unique_guid);
		}
	} else {
		CHECK(gd.primary.rc != 0 && (gd.backup.rc != 0 || gd.rule == GPT_RULE_BACKUP_DIFFERS));
		if (rc == CR_ENOENT)
			CHECK(gd.primary.rc == CR_ENOENT && gd.backup.rc == CR_ENOENT);
		else
			CHECK(rc == (gd.primary.rc != CR_ENOENT ? gd.primary.rc : gd.backup.rc));
	}
	check_guid_text(gd.hdr.disk_guid);

	/* ---------------------------------------------------------------- the parsers alone, on the front */
	struct gpt_header h;
	const char *why = NULL;
	rc = gpt_header_parse(d.front + d.lb, d.lb, 1, d.last, &h, &why);
	CHECK((rc == 0) == (why == NULL));
	if (rc == 0) {
		check_header(&h, d.last);
		size_t avail = (size_t)(d.front_sectors * d.lb);
		if (h.entries_lba < d.front_sectors && h.array_bytes <= avail - h.entries_lba * d.lb) {
			struct gpt_entries_info info;
			why = NULL;
			rc = gpt_entries_parse(&h, d.front + h.entries_lba * d.lb, h.array_bytes, parts, max,
					       &info, &why);
			CHECK(rc == 0 || rc == CR_EPROTO);
			if (rc == 0) {
				check_parts(&h, &info, parts, max);
			} else {
				CHECK(why != NULL && info.bad_slot <= h.num_entries);
				if (info.other_slot)
					CHECK(info.other_slot < info.bad_slot);
			}
		}
	} else {
		CHECK(rc == CR_ENOENT || rc == CR_EPROTO || (rc == CR_EINVAL && d.last < 1));
	}
out:
	free(parts);
	free(scratch);
	free(d.tail);
	free(d.front);
	return 0;
}
