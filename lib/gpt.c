/*
 * lib/gpt.c - GUID Partition Table parsing and validation (see gpt.h;
 * UEFI Specification 2.10 §5.3).
 *
 * Order of checks in a header: signature (its absence means "no GPT", not
 * "bad GPT"), then HeaderSize (it bounds the CRC), then the CRC, and only
 * then the fields the CRC covers — so that a torn or random sector is
 * called a CRC failure, not a field failure.  Every LBA is compared in a
 * form that cannot overflow: last_lba may be anything up to 2^64 - 1.
 */
#include "lib/gpt.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/crc32.h"
#include "lib/string.h"

static int fail(const char **why, const char *reason, int rc)
{
	if (why)
		*why = reason;
	return rc;
}

static bool lba_bytes_ok(uint32_t lba_bytes)
{
	return lba_bytes >= GPT_LBA_MIN_BYTES && lba_bytes <= GPT_LBA_MAX_BYTES &&
	       is_power_of_two(lba_bytes);
}

bool gpt_guid_is_zero(const uint8_t guid[GPT_GUID_BYTES])
{
	uint8_t any = 0;

	for (unsigned i = 0; i < GPT_GUID_BYTES; i++)
		any |= guid[i];
	return any == 0;
}

/* ---------------------------------------------------------------- header */

/* gpt_header_parse, also saying how far the CRC check got (for gpt_copy). */
static int parse_header(const uint8_t *s, uint32_t lba_bytes, uint64_t lba_read, uint64_t last_lba,
			struct gpt_header *o, const char **why, enum gpt_check *crc_state)
{
	static const uint8_t zero_crc[4];

	memset(o, 0, sizeof(*o));
	*crc_state = GPT_CHECK_NONE;
	if (!lba_bytes_ok(lba_bytes))
		return fail(why, "lba-size-unsupported", CR_EINVAL);
	if (lba_read > last_lba)
		return fail(why, "lba-beyond-disk", CR_EINVAL);
	if (load_le64(s + GPT_HDR_SIGNATURE) != GPT_SIGNATURE)
		return fail(why, "no-signature", CR_ENOENT);

	o->lba_bytes = lba_bytes;
	o->revision = load_le32(s + GPT_HDR_REVISION);
	o->header_size = load_le32(s + GPT_HDR_HEADER_SIZE);
	o->header_crc = load_le32(s + GPT_HDR_HEADER_CRC);
	if (o->header_size < GPT_HDR_MIN_BYTES || o->header_size > lba_bytes)
		return fail(why, "header-size-out-of-range", CR_EPROTO);

	/* The CRC of HeaderSize bytes with the CRC field itself taken as zero. */
	uint32_t crc = crc32_update(0, s, GPT_HDR_HEADER_CRC);
	crc = crc32_update(crc, zero_crc, sizeof(zero_crc));
	crc = crc32_update(crc, s + GPT_HDR_RESERVED, o->header_size - GPT_HDR_RESERVED);
	if (crc != o->header_crc) {
		*crc_state = GPT_CHECK_BAD;
		return fail(why, "header-crc-mismatch", CR_EPROTO);
	}
	*crc_state = GPT_CHECK_OK;

	o->my_lba = load_le64(s + GPT_HDR_MY_LBA);
	o->alternate_lba = load_le64(s + GPT_HDR_ALTERNATE_LBA);
	o->first_usable = load_le64(s + GPT_HDR_FIRST_USABLE);
	o->last_usable = load_le64(s + GPT_HDR_LAST_USABLE);
	memcpy(o->disk_guid, s + GPT_HDR_DISK_GUID, GPT_GUID_BYTES);
	o->entries_lba = load_le64(s + GPT_HDR_ENTRIES_LBA);
	o->num_entries = load_le32(s + GPT_HDR_NUM_ENTRIES);
	o->entry_size = load_le32(s + GPT_HDR_ENTRY_SIZE);
	o->entries_crc = load_le32(s + GPT_HDR_ENTRIES_CRC);

	/* A later 1.x revision keeps this layout; a new major would not. */
	if ((o->revision >> 16) != (GPT_REVISION_1_0 >> 16))
		return fail(why, "revision-unsupported", CR_EPROTO);
	if (load_le32(s + GPT_HDR_RESERVED) != 0)
		return fail(why, "header-reserved-nonzero", CR_EPROTO);
	if (o->my_lba != lba_read)
		return fail(why, "my-lba-mismatch", CR_EPROTO);
	if (o->my_lba == 0)
		return fail(why, "header-at-lba0", CR_EPROTO);	/* LBA 0 is the (protective) MBR's */
	if (o->first_usable > o->last_usable)
		return fail(why, "usable-range-inverted", CR_EPROTO);
	if (o->last_usable > last_lba)
		return fail(why, "usable-range-beyond-disk", CR_EPROTO);
	if (o->alternate_lba == 0 || o->alternate_lba > last_lba)
		return fail(why, "alternate-lba-out-of-range", CR_EPROTO);

	/*
	 * The primary header and its array precede the usable range, the
	 * backup's follow it (§5.3.2); the other header sits on the other
	 * side.  This keeps this header and its array out of its own
	 * partitions; the other copy's sectors are gpt_read_disk's to keep out.
	 */
	bool before = o->my_lba < o->first_usable;
	bool after = o->my_lba > o->last_usable;
	if (!before && !after)
		return fail(why, "header-inside-usable-range", CR_EPROTO);
	if (before ? o->alternate_lba <= o->last_usable : o->alternate_lba >= o->first_usable)
		return fail(why, "alternate-lba-misplaced", CR_EPROTO);

	if (o->entry_size < GPT_ENT_MIN_BYTES || o->entry_size > GPT_ENTRY_MAX_BYTES ||
	    !is_power_of_two(o->entry_size))
		return fail(why, "entry-size-invalid", CR_EPROTO);
	if (o->num_entries == 0)
		return fail(why, "entry-count-zero", CR_EPROTO);
	if (o->num_entries > GPT_MAX_ENTRIES)
		return fail(why, "entry-count-too-large", CR_EPROTO);
	/* Both factors are bounded above, so the product fits in 64 bits. */
	uint64_t bytes = (uint64_t)o->num_entries * o->entry_size;
	if (bytes > GPT_ARRAY_MAX_BYTES)
		return fail(why, "entry-array-too-large", CR_EPROTO);
	o->array_bytes = (uint32_t)bytes;
	o->array_lbas = (uint32_t)DIV_ROUND_UP(bytes, lba_bytes);

	uint64_t array_last;
	if (add_overflows_u64(o->entries_lba, o->array_lbas - 1, &array_last))
		return fail(why, "entry-array-misplaced", CR_EPROTO);
	if (before ? !(o->entries_lba > o->my_lba && array_last < o->first_usable)
		   : !(o->entries_lba > o->last_usable && array_last < o->my_lba))
		return fail(why, "entry-array-misplaced", CR_EPROTO);
	return 0;
}

int gpt_header_parse(const uint8_t *sector, uint32_t lba_bytes, uint64_t lba_read, uint64_t last_lba,
		     struct gpt_header *out, const char **why)
{
	enum gpt_check crc_state;

	return parse_header(sector, lba_bytes, lba_read, last_lba, out, why, &crc_state);
}

/* ---------------------------------------------------------------- entries */

/*
 * UTF-16LE to printable ASCII (see struct gpt_partition).  dst has room
 * for GPT_NAME_UNITS + 1.  Returns the characters replaced.
 */
static unsigned int copy_name(char *dst, const uint8_t *src)
{
	unsigned int n = 0, repaired = 0;

	for (unsigned i = 0; i < GPT_NAME_UNITS; i++) {
		uint16_t u = load_le16(src + 2 * i);
		if (u == 0)
			break;
		if (u >= 0x20 && u <= 0x7e && u != '"') {
			dst[n++] = (char)u;
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < GPT_NAME_UNITS) {
			uint16_t lo = load_le16(src + 2 * (i + 1));
			if (lo >= 0xdc00 && lo <= 0xdfff)
				i++;	/* one character outside the BMP: one '?' */
		}
		dst[n++] = '?';
		repaired++;
	}
	dst[n] = '\0';
	return repaired;
}

static bool header_is_parsed(const struct gpt_header *h)
{
	return h->entry_size >= GPT_ENT_MIN_BYTES && h->entry_size <= GPT_ENTRY_MAX_BYTES &&
	       is_power_of_two(h->entry_size) && h->num_entries <= GPT_MAX_ENTRIES &&
	       h->array_bytes == (uint64_t)h->num_entries * h->entry_size &&
	       h->first_usable <= h->last_usable;
}

/* Table sectors an entry must not cover, and where refusals go (all NULL: none). */
struct keep_out {
	const struct gpt_extent *meta;	/* GPT_META_COUNT extents */
	struct gpt_refusal *refused;	/* GPT_REFUSED_MAX slots */
};

/* The first table region first..last overlaps, or GPT_META_COUNT. */
static enum gpt_meta covers_meta(const struct gpt_extent *meta, uint64_t first, uint64_t last)
{
	for (unsigned int m = 0; m < GPT_META_COUNT; m++)
		if (first <= meta[m].last && meta[m].first <= last)
			return (enum gpt_meta)m;
	return GPT_META_COUNT;
}

static void store_partition(struct gpt_partition *p, unsigned int slot, const uint8_t *e, uint64_t first,
			    uint64_t last, const char *name, unsigned int repaired)
{
	p->index = slot;
	memcpy(p->type_guid, e + GPT_ENT_TYPE_GUID, GPT_GUID_BYTES);
	memcpy(p->unique_guid, e + GPT_ENT_UNIQUE_GUID, GPT_GUID_BYTES);
	p->first_lba = first;
	p->last_lba = last;
	p->attributes = load_le64(e + GPT_ENT_ATTRIBUTES);
	memcpy(p->name, name, sizeof(p->name));
	p->name_repaired = repaired;
}

static int parse_entries(const struct gpt_header *h, const uint8_t *array, size_t array_bytes,
			 const struct keep_out *ko, struct gpt_partition *out, unsigned int max,
			 struct gpt_entries_info *info, const char **why)
{
	memset(info, 0, sizeof(*info));
	if (!header_is_parsed(h))
		return fail(why, "header-not-parsed", CR_EINVAL);
	if (array_bytes < h->array_bytes)
		return fail(why, "entry-array-short", CR_EINVAL);
	if (crc32_update(0, array, h->array_bytes) != h->entries_crc)
		return fail(why, "entries-crc-mismatch", CR_EPROTO);

	for (uint32_t i = 0; i < h->num_entries; i++) {
		const uint8_t *e = array + (size_t)i * h->entry_size;
		if (gpt_guid_is_zero(e + GPT_ENT_TYPE_GUID))
			continue;	/* unused */
		uint64_t first = load_le64(e + GPT_ENT_FIRST_LBA);
		uint64_t last = load_le64(e + GPT_ENT_LAST_LBA);
		info->bad_slot = i + 1;
		if (first > last)
			return fail(why, "partition-first-after-last", CR_EPROTO);
		if (first < h->first_usable || last > h->last_usable)
			return fail(why, "partition-outside-usable-range", CR_EPROTO);
		/*
		 * Against every earlier used entry, stored or not: O(n^2) in
		 * the used entries, at most GPT_MAX_ENTRIES of them, with no
		 * memory beyond the array itself.
		 */
		for (uint32_t j = 0; j < i; j++) {
			const uint8_t *f = array + (size_t)j * h->entry_size;
			if (gpt_guid_is_zero(f + GPT_ENT_TYPE_GUID))
				continue;
			if (first <= load_le64(f + GPT_ENT_LAST_LBA) && load_le64(f + GPT_ENT_FIRST_LBA) <= last) {
				info->other_slot = j + 1;
				return fail(why, "partitions-overlap", CR_EPROTO);
			}
		}
		info->bad_slot = 0;

		char name[GPT_NAME_UNITS + 1];
		unsigned int repaired = copy_name(name, e + GPT_ENT_NAME);
		info->names_repaired += repaired;
		info->nused++;
		/* Over table sectors: a client of it could rewrite what the next boot reads. */
		enum gpt_meta m = ko->meta ? covers_meta(ko->meta, first, last) : GPT_META_COUNT;
		if (m != GPT_META_COUNT) {
			if (ko->refused && info->nrefused < GPT_REFUSED_MAX) {
				struct gpt_refusal *r = &ko->refused[info->nrefused];
				store_partition(&r->part, i + 1, e, first, last, name, repaired);
				r->covers = m;
			}
			info->nrefused++;
			continue;
		}
		if (info->nstored < max)
			store_partition(&out[info->nstored++], i + 1, e, first, last, name, repaired);
	}
	return 0;
}

int gpt_entries_parse(const struct gpt_header *h, const uint8_t *array, size_t array_bytes,
		      struct gpt_partition *out, unsigned int max, struct gpt_entries_info *info,
		      const char **why)
{
	static const struct keep_out none;

	return parse_entries(h, array, array_bytes, &none, out, max, info, why);
}

/* ---------------------------------------------------------------- a whole disk */

static int copy_fail(struct gpt_copy *c, int rc, const char *why)
{
	c->rc = rc;
	c->why = why;
	return rc;
}

/* A read callback's failure as a CR_* code (it should return one already). */
static int read_rc(int rc)
{
	return rc < 0 ? rc : CR_EIO;
}

/* Read and check the header of one copy, at lba. */
static int check_header(const struct gpt_io *io, struct gpt_copy *c, uint64_t lba)
{
	const char *why = NULL;
	int rc;

	c->lba = lba;
	rc = io->read(io->ctx, lba, 1, io->scratch);
	if (rc != 0)
		return copy_fail(c, read_rc(rc), "header-read-failed");
	rc = parse_header(io->scratch, io->lba_bytes, lba, io->last_lba, &c->hdr, &why, &c->header_crc);
	if (rc != 0)
		return copy_fail(c, rc, why);
	c->header_ok = true;
	return 0;
}

/*
 * Read and check the array of a copy whose header passed: its CRC and every
 * entry.  Up to max partitions that keep out of ko go to parts (max 0:
 * check only).
 */
static int check_array(const struct gpt_io *io, struct gpt_copy *c, const struct keep_out *ko,
		       struct gpt_partition *parts, unsigned int max)
{
	const char *why = NULL;
	int rc;

	size_t need = (size_t)c->hdr.array_lbas * io->lba_bytes;
	if (need > io->scratch_bytes) {
		c->scratch_needed = need;
		return copy_fail(c, CR_ENOMEM, "entry-array-exceeds-scratch");
	}
	rc = io->read(io->ctx, c->hdr.entries_lba, c->hdr.array_lbas, io->scratch);
	if (rc != 0)
		return copy_fail(c, read_rc(rc), "entry-array-read-failed");
	rc = parse_entries(&c->hdr, io->scratch, need, ko, parts, max, &c->entries, &why);
	/* The CRC is checked before any entry; the only array-wide CR_EPROTO is the CRC's. */
	if (rc == CR_EPROTO && c->entries.bad_slot == 0)
		c->entries_crc = GPT_CHECK_BAD;
	else if (rc == 0 || rc == CR_EPROTO)
		c->entries_crc = GPT_CHECK_OK;
	if (rc != 0)
		return copy_fail(c, rc, why);
	return 0;
}

/* Where two valid headers describe different tables (GPT_DIFF_*; 0: the same, each naming the other). */
static unsigned int table_diffs(const struct gpt_header *p, const struct gpt_header *b)
{
	unsigned int d = 0;

	if (memcmp(p->disk_guid, b->disk_guid, GPT_GUID_BYTES) != 0)
		d |= GPT_DIFF_DISK_GUID;
	if (p->first_usable != b->first_usable || p->last_usable != b->last_usable)
		d |= GPT_DIFF_USABLE_RANGE;
	if (p->num_entries != b->num_entries)
		d |= GPT_DIFF_ENTRY_COUNT;
	if (p->entry_size != b->entry_size)
		d |= GPT_DIFF_ENTRY_SIZE;
	if (p->entries_crc != b->entries_crc)
		d |= GPT_DIFF_ENTRIES_CRC;
	if (p->alternate_lba != b->my_lba || b->alternate_lba != p->my_lba)
		d |= GPT_DIFF_ALTERNATE_LBA;
	return d;
}

static struct gpt_extent array_extent(const struct gpt_header *h)
{
	return (struct gpt_extent){ h->entries_lba, h->entries_lba + h->array_lbas - 1 };
}

/* The lbas sectors just below header_lba (>= 1), as far down as LBA 0. */
static struct gpt_extent below(uint64_t header_lba, uint64_t lbas)
{
	return (struct gpt_extent){ lbas < header_lba ? header_lba - lbas : 0, header_lba - 1 };
}

/*
 * The array a header names that a less strict reader would take (enum
 * gpt_meta's *_CLAIMED): as far as the disk goes, all of the rest of it
 * where the size overflows.  Else the header's own sector.
 */
static struct gpt_extent claimed(const struct gpt_io *io, const struct gpt_copy *c)
{
	const struct gpt_header *h = &c->hdr;
	uint64_t bytes, last;

	if (c->header_ok || c->header_crc != GPT_CHECK_OK || h->my_lba != c->lba || h->entries_lba > io->last_lba ||
	    !h->num_entries || !h->entry_size)
		return (struct gpt_extent){ c->lba, c->lba };
	if (__builtin_mul_overflow((uint64_t)h->num_entries, (uint64_t)h->entry_size, &bytes) ||
	    add_overflows_u64(h->entries_lba, DIV_ROUND_UP(bytes, io->lba_bytes) - 1, &last) || last > io->last_lba)
		last = io->last_lba;
	return (struct gpt_extent){ h->entries_lba, last };
}

/*
 * Every sector a later boot could read as its table (enum gpt_meta).  A
 * valid header's array is where it says, and stays there: no partition may
 * cover the header.  Where a header is not valid, its array is put where a
 * repaired copy would be (§5.3.2: the primary's from LBA 2, a backup's just
 * below its header), as large as the other copy's, at least 16 KiB where
 * nothing else says.
 */
static void find_meta(const struct gpt_io *io, struct gpt_disk *d, const struct gpt_copy *end)
{
	const struct gpt_copy *p = &d->primary, *b = &d->backup;
	uint64_t min_lbas = DIV_ROUND_UP(GPT_ARRAY_MIN_BYTES, io->lba_bytes);
	uint64_t below_lbas = p->header_ok ? p->hdr.array_lbas : min_lbas;
	struct gpt_extent *m = d->meta;

	m[GPT_META_LBA0] = (struct gpt_extent){ 0, 0 };
	m[GPT_META_PRIMARY_HEADER] = (struct gpt_extent){ GPT_PRIMARY_LBA, GPT_PRIMARY_LBA };
	if (p->header_ok) {
		m[GPT_META_PRIMARY_ARRAY] = array_extent(&p->hdr);
	} else {
		uint64_t lbas = MAX(min_lbas, b->header_ok ? (uint64_t)b->hdr.array_lbas : 0);
		uint64_t last = lbas - 1 > io->last_lba - 2 ? io->last_lba : 2 + lbas - 1;
		m[GPT_META_PRIMARY_ARRAY] = (struct gpt_extent){ 2, last };
	}
	m[GPT_META_BACKUP_HEADER] = (struct gpt_extent){ b->lba, b->lba };
	m[GPT_META_BACKUP_ARRAY] = b->header_ok ? array_extent(&b->hdr) : below(b->lba, below_lbas);
	m[GPT_META_END_HEADER] = (struct gpt_extent){ end->lba, end->lba };
	m[GPT_META_END_ARRAY] = end->header_ok ? array_extent(&end->hdr) : below(end->lba, below_lbas);
	m[GPT_META_PRIMARY_CLAIMED] = claimed(io, p);
	m[GPT_META_BACKUP_CLAIMED] = claimed(io, b);
	m[GPT_META_END_CLAIMED] = claimed(io, end);
}

static enum gpt_copies compare_copies(const struct gpt_disk *d)
{
	const struct gpt_copy *p = &d->primary, *b = &d->backup;

	if (p->header_ok && b->header_ok)
		return p->rc == 0 && b->rc == 0 && d->differs == 0 ? GPT_COPIES_AGREE : GPT_COPIES_DISAGREE;
	if (p->header_ok)
		return GPT_COPIES_PRIMARY_ONLY;
	return b->header_ok ? GPT_COPIES_BACKUP_ONLY : GPT_COPIES_NONE;
}

int gpt_read_disk(const struct gpt_io *io, struct gpt_partition *parts, unsigned int max,
		  struct gpt_disk *d)
{
	memset(d, 0, sizeof(*d));
	if (io == NULL || io->read == NULL || io->scratch == NULL || !lba_bytes_ok(io->lba_bytes) ||
	    io->scratch_bytes < io->lba_bytes || (max != 0 && parts == NULL))
		return CR_EINVAL;
	if (io->last_lba < 2) {
		/* No room for two headers: there is no GPT, and nothing is read. */
		copy_fail(&d->primary, CR_ENOENT, "disk-too-small");
		copy_fail(&d->backup, CR_ENOENT, "disk-too-small");
		d->backup_state = GPT_BACKUP_MISSING;
		return CR_ENOENT;
	}

	/*
	 * Every header first, so that both arrays are checked knowing every
	 * sector a table occupies.  The backup is where a valid primary header
	 * says (a disk that grew keeps it at the old end), else at the last LBA
	 * (§5.3.2); a boot whose primary is unreadable looks at the last LBA,
	 * so a header there counts too.
	 */
	struct gpt_copy end = { 0 };
	int prc = check_header(io, &d->primary, GPT_PRIMARY_LBA);
	uint64_t backup_lba = d->primary.header_ok ? d->primary.hdr.alternate_lba : io->last_lba;
	d->backup_at_end = backup_lba == io->last_lba;
	int brc = check_header(io, &d->backup, backup_lba);
	if (d->backup_at_end)
		end = d->backup;
	else
		check_header(io, &end, io->last_lba);
	find_meta(io, d, &end);

	/* The backup fills parts only when the primary cannot. */
	struct keep_out ko = { d->meta, d->refused };
	if (prc == 0)
		prc = check_array(io, &d->primary, &ko, parts, max);
	if (brc == 0) {
		struct keep_out bko = { d->meta, prc != 0 ? d->refused : NULL };
		brc = check_array(io, &d->backup, &bko, prc != 0 ? parts : NULL, prc != 0 ? max : 0);
	}

	if (d->primary.header_ok && d->backup.header_ok)
		d->differs = table_diffs(&d->primary.hdr, &d->backup.hdr);
	d->copies = compare_copies(d);
	if (brc == 0)
		d->backup_state = prc == 0 && d->differs ? GPT_BACKUP_MISMATCH : GPT_BACKUP_OK;
	else
		d->backup_state = brc == CR_ENOENT ? GPT_BACKUP_MISSING : GPT_BACKUP_BAD;

	if (prc == 0) {
		d->rule = GPT_RULE_PRIMARY;
		d->hdr = d->primary.hdr;
		d->entries = d->primary.entries;
		return 0;
	}
	if (brc == 0 && d->primary.header_ok && d->differs) {
		/* Not a copy of the table the valid primary header describes: neither is used. */
		d->rule = GPT_RULE_BACKUP_DIFFERS;
		return prc;
	}
	if (brc == 0) {
		d->rule = d->primary.header_ok ? GPT_RULE_BACKUP_SAME_TABLE : GPT_RULE_PRIMARY_HEADER_BAD;
		d->used_backup = true;
		d->hdr = d->backup.hdr;
		d->entries = d->backup.entries;
		return 0;
	}
	if (prc == CR_ENOENT)
		return brc;	/* CR_ENOENT too when neither has a signature */
	return prc;
}

/* ---------------------------------------------------------------- names and numbers */

const char *gpt_check_name(enum gpt_check c)
{
	switch (c) {
	case GPT_CHECK_OK:	return "ok";
	case GPT_CHECK_BAD:	return "bad";
	case GPT_CHECK_NONE:	return "none";
	}
	return "none";
}

const char *gpt_backup_name(enum gpt_backup_state s)
{
	switch (s) {
	case GPT_BACKUP_OK:		return "ok";
	case GPT_BACKUP_MISSING:	return "missing";
	case GPT_BACKUP_BAD:		return "bad";
	case GPT_BACKUP_MISMATCH:	return "mismatch";
	}
	return "bad";
}

const char *gpt_copies_name(enum gpt_copies c)
{
	switch (c) {
	case GPT_COPIES_AGREE:		return "agree";
	case GPT_COPIES_DISAGREE:	return "disagree";
	case GPT_COPIES_PRIMARY_ONLY:	return "primary-only";
	case GPT_COPIES_BACKUP_ONLY:	return "backup-only";
	case GPT_COPIES_NONE:		return "none";
	}
	return "none";
}

const char *gpt_rule_name(enum gpt_rule r)
{
	switch (r) {
	case GPT_RULE_PRIMARY:			return "primary-valid";
	case GPT_RULE_BACKUP_SAME_TABLE:	return "backup-same-table";
	case GPT_RULE_BACKUP_DIFFERS:		return "backup-differs-from-primary-header";
	case GPT_RULE_PRIMARY_HEADER_BAD:	return "primary-header-invalid";
	case GPT_RULE_NONE:			return "none";
	}
	return "none";
}

const char *gpt_meta_name(enum gpt_meta m)
{
	static const char *const names[GPT_META_COUNT] = {
		"lba0", "primary-header", "primary-array", "backup-header", "backup-array",
		"end-header", "end-array", "primary-claimed-array", "backup-claimed-array", "end-claimed-array",
	};

	return (unsigned int)m < GPT_META_COUNT ? names[m] : "none";
}

void gpt_diff_format(unsigned int differs, char *out, size_t out_bytes)
{
	static const char *const names[GPT_DIFF_BITS] = {
		"disk-guid", "usable-range", "entry-count", "entry-size", "entries-crc", "alternate-lba",
	};
	size_t n = 0;

	for (unsigned int i = 0; i < GPT_DIFF_BITS; i++) {
		if (!(differs & (1u << i)))
			continue;
		for (const char *c = n ? "," : ""; *c && n + 1 < out_bytes; c++)
			out[n++] = *c;
		for (const char *c = names[i]; *c && n + 1 < out_bytes; c++)
			out[n++] = *c;
	}
	if (n == 0)
		for (const char *c = "none"; *c && n + 1 < out_bytes; c++)
			out[n++] = *c;
	out[n] = '\0';
}

/* Byte order of the text form: Data1..Data3 little-endian, Data4 as stored (Appendix A). */
static const uint8_t guid_text_order[GPT_GUID_BYTES] = {
	3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
};

/* Text positions after which a dash follows, counted in bytes. */
static bool dash_after(unsigned int k)
{
	return k == 3 || k == 5 || k == 7 || k == 9;
}

void gpt_guid_format(const uint8_t guid[GPT_GUID_BYTES], char out[GPT_GUID_STR_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int n = 0;

	for (unsigned k = 0; k < GPT_GUID_BYTES; k++) {
		uint8_t b = guid[guid_text_order[k]];
		out[n++] = hex[b >> 4];
		out[n++] = hex[b & 0xf];
		if (dash_after(k))
			out[n++] = '-';
	}
	out[n] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gpt_guid_parse(const char *text, uint8_t guid[GPT_GUID_BYTES])
{
	uint8_t g[GPT_GUID_BYTES];
	unsigned int n = 0;

	for (unsigned k = 0; k < GPT_GUID_BYTES; k++) {
		int hi = hex_digit(text[n]);
		int lo = hi < 0 ? -1 : hex_digit(text[n + 1]);	/* never past a NUL */
		if (lo < 0)
			return CR_EINVAL;
		g[guid_text_order[k]] = (uint8_t)(hi << 4 | lo);
		n += 2;
		if (dash_after(k) && text[n++] != '-')
			return CR_EINVAL;
	}
	if (text[n] != '\0')
		return CR_EINVAL;
	memcpy(guid, g, sizeof(g));
	return 0;
}

uint64_t gpt_partition_blocks(const struct gpt_partition *p)
{
	return p->last_lba - p->first_lba + 1;
}

int gpt_partition_map(const struct gpt_partition *p, uint64_t rel_lba, uint64_t count,
		      uint64_t *abs_lba)
{
	if (p->first_lba > p->last_lba || count == 0)
		return CR_ERANGE;
	uint64_t span = p->last_lba - p->first_lba;	/* sectors - 1: no overflow */
	if (rel_lba > span || count - 1 > span - rel_lba)
		return CR_ERANGE;
	*abs_lba = p->first_lba + rel_lba;
	return 0;
}
