/*
 * lib/gpt.h - the GUID Partition Table (UEFI Specification 2.10 §5.3),
 * parsed from sectors read off a namespace.
 *
 * The bytes come from a disk anyone may have written, so nothing is
 * trusted: every header field is range-checked, both CRC-32s are verified
 * before anything they cover is used, every used entry must lie inside the
 * usable range and no two may overlap.  A table that fails any check is
 * reported (a CR_* code and a short `why`), never partly used.  The parser
 * only reads: a bad primary with a good backup is reported and the backup
 * used, but nothing is repaired.  No protective MBR is needed (LBA 0 is
 * never read).
 *
 * Each copy is checked against itself and against the other: no partition
 * handed out may cover a sector any later boot could read as its table
 * (LBA 0, both headers, both arrays; see gpt_read_disk), so a client that
 * writes only inside its partition can never change which sectors another
 * partition covers.
 *
 * On-disk layout is read with load_le* at the offsets below; there are no
 * wire structs.  Built for the kernel, user space and the host.
 */
#ifndef CAPROCK_LIB_GPT_H
#define CAPROCK_LIB_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- GPT header (UEFI 2.10 §5.3.2) */
#define GPT_HDR_SIGNATURE	0	/* 8 bytes, "EFI PART" */
#define GPT_HDR_REVISION	8	/* 4 */
#define GPT_HDR_HEADER_SIZE	12	/* 4: bytes covered by the header CRC */
#define GPT_HDR_HEADER_CRC	16	/* 4: CRC-32 of HeaderSize bytes, this field zero */
#define GPT_HDR_RESERVED	20	/* 4: must be zero */
#define GPT_HDR_MY_LBA		24	/* 8: the LBA holding this header */
#define GPT_HDR_ALTERNATE_LBA	32	/* 8: the other header */
#define GPT_HDR_FIRST_USABLE	40	/* 8 */
#define GPT_HDR_LAST_USABLE	48	/* 8, inclusive */
#define GPT_HDR_DISK_GUID	56	/* 16 */
#define GPT_HDR_ENTRIES_LBA	72	/* 8: first LBA of the partition entry array */
#define GPT_HDR_NUM_ENTRIES	80	/* 4 */
#define GPT_HDR_ENTRY_SIZE	84	/* 4: 128 * 2^n */
#define GPT_HDR_ENTRIES_CRC	88	/* 4: CRC-32 of NumEntries * EntrySize bytes */
#define GPT_HDR_MIN_BYTES	92	/* the defined fields; HeaderSize may not be smaller */

#define GPT_SIGNATURE		0x5452415020494645ull	/* "EFI PART" read as a little-endian u64 */
#define GPT_REVISION_1_0	0x00010000u
#define GPT_PRIMARY_LBA		1

/* ---------------------------------------------------------------- partition entry (§5.3.3) */
#define GPT_ENT_TYPE_GUID	0	/* 16: all zero = entry unused */
#define GPT_ENT_UNIQUE_GUID	16	/* 16 */
#define GPT_ENT_FIRST_LBA	32	/* 8 */
#define GPT_ENT_LAST_LBA	40	/* 8, inclusive */
#define GPT_ENT_ATTRIBUTES	48	/* 8 */
#define GPT_ENT_NAME		56	/* 36 UTF-16LE code units */
#define GPT_ENT_MIN_BYTES	128
#define GPT_NAME_UNITS		36

/* Attribute bits (§5.3.3); bits 48..63 belong to the partition type. */
#define GPT_ATTR_REQUIRED	(1ull << 0)
#define GPT_ATTR_NO_BLOCK_IO	(1ull << 1)
#define GPT_ATTR_LEGACY_BOOT	(1ull << 2)

/* ---------------------------------------------------------------- Caprock's limits */
#define GPT_LBA_MIN_BYTES	512u
#define GPT_LBA_MAX_BYTES	65536u
#define GPT_ENTRY_MAX_BYTES	4096u		/* the spec allows any 128 * 2^n; nobody writes more */
#define GPT_MAX_ENTRIES		4096u		/* 32 times the usual 128 */
#define GPT_ARRAY_MAX_BYTES	(1u << 20)	/* NumEntries * EntrySize, before rounding to LBAs */
#define GPT_ARRAY_MIN_BYTES	16384u		/* §5.3.2: the least space reserved for an entry array */

#define GPT_GUID_BYTES		16
#define GPT_GUID_STR_BYTES	37		/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL */

/*
 * A header that passed gpt_header_parse: every field as on disk, plus the
 * size of its entry array.  Invariants (checked, so callers may rely on
 * them): 1 <= my_lba <= last_lba of the disk, alternate_lba likewise and
 * on the other side of the usable range; first_usable <= last_usable
 * <= last_lba; the entry array lies wholly between this header and the
 * usable range (primary: my_lba < array < first_usable; backup:
 * last_usable < array < my_lba); 1 <= num_entries <= GPT_MAX_ENTRIES;
 * entry_size a power of two in 128..GPT_ENTRY_MAX_BYTES.
 */
struct gpt_header {
	uint32_t revision;
	uint32_t header_size;
	uint32_t header_crc;
	uint64_t my_lba;
	uint64_t alternate_lba;
	uint64_t first_usable;
	uint64_t last_usable;		/* inclusive */
	uint8_t disk_guid[GPT_GUID_BYTES];	/* on-disk byte order */
	uint64_t entries_lba;
	uint32_t num_entries;
	uint32_t entry_size;
	uint32_t entries_crc;
	/* Derived. */
	uint32_t lba_bytes;		/* the sector size it was parsed with */
	uint32_t array_bytes;		/* num_entries * entry_size: what the entries CRC covers */
	uint32_t array_lbas;		/* sectors the array occupies (its last one may be partly used) */
};

/* One used entry.  first_lba <= last_lba, both inside the header's usable range. */
struct gpt_partition {
	unsigned int index;		/* 1-based slot in the entry array: the N of nvme0n1pN */
	uint8_t type_guid[GPT_GUID_BYTES];	/* on-disk byte order; never all zero */
	uint8_t unique_guid[GPT_GUID_BYTES];
	uint64_t first_lba;
	uint64_t last_lba;		/* inclusive */
	uint64_t attributes;
	/*
	 * The name as printable ASCII: UTF-16LE up to the first NUL (at most 36
	 * code units); anything outside 0x20..0x7e, and '"' (so the name can be
	 * quoted on a proof line), becomes '?' (a surrogate pair one '?').
	 */
	char name[GPT_NAME_UNITS + 1];
	unsigned int name_repaired;	/* characters replaced by '?' */
};

/* What gpt_entries_parse found beyond the partitions themselves. */
struct gpt_entries_info {
	unsigned int nused;		/* used entries in the array; may exceed the caller's max */
	unsigned int nrefused;		/* used entries not offered: they cover table sectors (gpt_read_disk) */
	unsigned int nstored;		/* min(nused - nrefused, max): how many out[] holds, in slot order */
	unsigned int bad_slot;		/* on CR_EPROTO: 1-based slot that failed (0: the array as a whole) */
	unsigned int other_slot;	/* for an overlap: the earlier slot it overlaps */
	unsigned int names_repaired;	/* sum of name_repaired over all used entries */
};

/*
 * Parse and check the header in `sector` (lba_bytes bytes, read from LBA
 * lba_read of a disk whose last LBA is last_lba).  Returns 0; CR_ENOENT
 * when there is no "EFI PART" signature (no GPT here, *why
 * "no-signature"); CR_EPROTO with *why naming the first failed check
 * ("header-crc-mismatch", "my-lba-mismatch", ...); CR_EINVAL for arguments
 * (lba_bytes not a power of two in 512..64 KiB, lba_read beyond the disk).
 * The entry array and its CRC are gpt_entries_parse's.
 */
int gpt_header_parse(const uint8_t *sector, uint32_t lba_bytes, uint64_t lba_read, uint64_t last_lba,
		     struct gpt_header *out, const char **why);

/*
 * Check the entry array of a parsed header (array: the array_lbas sectors
 * read from h->entries_lba; array_bytes >= h->array_bytes) and copy up to
 * max used entries into out[], in slot order.  Returns 0; CR_EPROTO with
 * *why ("entries-crc-mismatch", "partition-first-after-last",
 * "partition-outside-usable-range", "partitions-overlap") and the slots in
 * info; CR_EINVAL when array_bytes is short or h is not a parsed header.
 * Every used entry is checked, including those beyond max.
 */
int gpt_entries_parse(const struct gpt_header *h, const uint8_t *array, size_t array_bytes,
		      struct gpt_partition *out, unsigned int max, struct gpt_entries_info *info,
		      const char **why);

/* ---------------------------------------------------------------- a whole disk */

/*
 * How the parser reaches the disk.  read() fills buf with count sectors
 * (count * lba_bytes bytes) starting at lba and returns 0 or a negative
 * CR_* code; it may block and may split the transfer as the device needs.
 * Only LBAs 1..last_lba are asked for, never more than fit in scratch.
 * scratch holds one sector while a header is checked and then a whole
 * entry array, rounded up to sectors: 16 KiB for the usual 128 entries of
 * 128 bytes (at sectors up to 16 KiB).  An array that does not fit is
 * CR_ENOMEM with gpt_copy.scratch_needed, so a caller may retry larger.
 */
struct gpt_io {
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	void *ctx;
	uint32_t lba_bytes;
	uint64_t last_lba;		/* the namespace's size in sectors, minus one */
	uint8_t *scratch;
	size_t scratch_bytes;
};

enum gpt_check {
	GPT_CHECK_NONE = 0,		/* not reached: no signature, unreadable, or the header failed first */
	GPT_CHECK_OK,
	GPT_CHECK_BAD,
};

enum gpt_backup_state {
	GPT_BACKUP_OK = 0,		/* valid; and when the primary is valid too, describes the same table */
	GPT_BACKUP_MISSING,		/* no GPT signature where the backup should be */
	GPT_BACKUP_BAD,			/* a signature, but the header, its array or its CRCs are bad, or unreadable */
	GPT_BACKUP_MISMATCH,		/* valid on its own, but disagrees with the valid primary */
};

/* One copy of the table (header + entry array) as found on disk. */
struct gpt_copy {
	uint64_t lba;			/* where its header was looked for */
	int rc;				/* 0: header, both CRCs and every entry check passed */
	const char *why;		/* the first failed check; NULL when rc == 0 */
	enum gpt_check header_crc;
	enum gpt_check entries_crc;
	bool header_ok;			/* hdr passed gpt_header_parse */
	struct gpt_header hdr;
	struct gpt_entries_info entries;
	size_t scratch_needed;		/* on CR_ENOMEM: the scratch bytes its array needs */
};

/*
 * How the two copies compare, and the rule that chose the table in use
 * (the copies= and rule= of the `block: gpt` line).
 */
enum gpt_copies {
	GPT_COPIES_NONE = 0,		/* neither header is valid */
	GPT_COPIES_AGREE,		/* both copies valid and describing the same table */
	GPT_COPIES_DISAGREE,		/* both headers valid, but the tables differ or one array is bad */
	GPT_COPIES_PRIMARY_ONLY,	/* only the primary header is valid */
	GPT_COPIES_BACKUP_ONLY,		/* only the backup header is valid */
};

enum gpt_rule {
	GPT_RULE_NONE = 0,		/* "none": no copy is valid */
	GPT_RULE_PRIMARY,		/* "primary-valid": a valid primary governs (§5.3.2) */
	GPT_RULE_BACKUP_SAME_TABLE,	/* "backup-same-table": the primary header is valid, its array
					 * not, and the backup describes the table that header does */
	GPT_RULE_BACKUP_DIFFERS,	/* "backup-differs-from-primary-header": as above, but the backup
					 * describes another table (§5.3.2: a backup's usable range, size
					 * and entries are the primary's); nothing is offered */
	GPT_RULE_PRIMARY_HEADER_BAD,	/* "primary-header-invalid": the backup governs, and where the
					 * primary would be is kept out of its partitions */
};

/* Where two valid headers differ (gpt_disk.differs; gpt_diff_format names them). */
#define GPT_DIFF_DISK_GUID	(1u << 0)
#define GPT_DIFF_USABLE_RANGE	(1u << 1)
#define GPT_DIFF_ENTRY_COUNT	(1u << 2)
#define GPT_DIFF_ENTRY_SIZE	(1u << 3)
#define GPT_DIFF_ENTRIES_CRC	(1u << 4)
#define GPT_DIFF_ALTERNATE_LBA	(1u << 5)	/* they do not name each other */
#define GPT_DIFF_BITS		6

/* The table sectors no partition offered may cover (gpt_disk.meta). */
enum gpt_meta {
	GPT_META_LBA0 = 0,
	GPT_META_PRIMARY_HEADER,	/* LBA 1 */
	GPT_META_PRIMARY_ARRAY,		/* the valid primary header's array, else LBA 2 on, as large as
					 * the backup's array and at least GPT_ARRAY_MIN_BYTES */
	GPT_META_BACKUP_HEADER,		/* where the backup was looked for */
	GPT_META_BACKUP_ARRAY,		/* the valid backup header's array, else just below it, as large
					 * as the primary's (GPT_ARRAY_MIN_BYTES when that is unknown) */
	GPT_META_END_HEADER,		/* the last LBA, where a boot without a primary looks */
	GPT_META_END_ARRAY,		/* the array of a valid header there, else just below it */
	/*
	 * The array a header names that has a good CRC at the right LBA but
	 * failed a stricter check: readers that check only those (EDK2, Linux)
	 * would use it.  Else just that header's sector.
	 */
	GPT_META_PRIMARY_CLAIMED,
	GPT_META_BACKUP_CLAIMED,
	GPT_META_END_CLAIMED,
	GPT_META_COUNT,
};

struct gpt_extent {
	uint64_t first, last;		/* inclusive */
};

/* A used entry of the table in use that is not offered, and what it covers. */
struct gpt_refusal {
	struct gpt_partition part;
	enum gpt_meta covers;		/* the first table region it overlaps */
};

#define GPT_REFUSED_MAX		8	/* refusals kept for proof lines; all are counted */

struct gpt_disk {
	enum gpt_rule rule;
	enum gpt_copies copies;
	unsigned int differs;		/* GPT_DIFF_* when both headers are valid, else 0 */
	struct gpt_extent meta[GPT_META_COUNT];
	struct gpt_refusal refused[GPT_REFUSED_MAX];	/* the first of entries.nrefused */
	bool used_backup;		/* the table in use is the backup's (the primary is bad) */
	struct gpt_header hdr;		/* the header in use */
	struct gpt_entries_info entries; /* of the table in use: nused, nstored, names_repaired */
	struct gpt_copy primary;
	struct gpt_copy backup;
	enum gpt_backup_state backup_state;
	bool backup_at_end;		/* the backup header is at last_lba (false after a disk grew) */
};

/*
 * Find and check the GPT of a disk (§5.3.2, "GPT validity"): the primary
 * header at LBA 1 and its array; the backup at the primary's AlternateLBA
 * when the primary header is valid, else at last_lba; each copy's header
 * CRC, entry-array CRC and entries.  When the primary's AlternateLBA is not
 * the last LBA (a disk that grew), the header at the last LBA is read too,
 * since a boot without a valid primary would look there.
 *
 * Which copy governs (d->rule): a valid primary; else, when the primary
 * header is valid but its array is not (bad CRC, bad entry, unreadable), a
 * valid backup only if it describes the same table as that header (disk
 * GUID, usable range, entry count, size and CRC, each naming the other),
 * otherwise nothing; else, when the primary header is invalid, a valid
 * backup.  When both are valid the backup must describe the same table, else
 * backup_state is GPT_BACKUP_MISMATCH.
 *
 * Whatever governs, a used entry covering any sector of d->meta (LBA 0,
 * both headers, both arrays, the end header and its array, each where a
 * later boot would find it) is not offered: it is counted in
 * d->entries.nrefused and the first GPT_REFUSED_MAX are in d->refused.  Up
 * to max of the other partitions go to parts[] (d->entries.nstored).
 *
 * Returns 0 with a usable table; CR_ENOENT when neither location holds a
 * GPT signature (an unpartitioned disk); otherwise the primary's failure
 * (or the backup's, when the primary has no signature): CR_EPROTO for a
 * bad table, the read callback's code for a failed read, CR_ENOMEM when an
 * entry array does not fit in scratch.  CR_EINVAL for bad arguments.  d is
 * filled in every case; parts[] only means something on success.
 */
int gpt_read_disk(const struct gpt_io *io, struct gpt_partition *parts, unsigned int max,
		  struct gpt_disk *d);

/* ---------------------------------------------------------------- for proof lines and callers */

/*
 * The DESIGN.md §2 lines from a gpt_disk d (tests/qemu/gptimage.py's
 * expected_lines() builds the same from an image):
 *   block: gpt dev=nvme0n1 partitions=<d.entries.nused>
 *          header_crc=<gpt_check_name(d.primary.header_crc)>
 *          entries_crc=<gpt_check_name(d.primary.entries_crc)>
 *          backup=<gpt_backup_name(d.backup_state)>
 *          copies=<gpt_copies_name(d.copies)> rule=<gpt_rule_name(d.rule)>
 *          differs=<gpt_diff_format(d.differs)>
 *          offered=<d.entries.nstored> refused=<d.entries.nrefused>
 *   block: partition dev=nvme0n1p<index> first_lba=<first_lba> last_lba=<last_lba>
 *          type=<gpt_guid_format(type_guid)> name="<name>"
 * and for each of d.refused the same with
 *          offered=no reason=covers-<gpt_meta_name(covers)>
 * (kernel/block/gpt_scan.c adds source=, the copies' why, and more).
 */

/* "ok", "bad", "none": the values of header_crc= and entries_crc=. */
const char *gpt_check_name(enum gpt_check c);
/* "ok", "missing", "bad", "mismatch": the value of backup=. */
const char *gpt_backup_name(enum gpt_backup_state s);
/* "agree", "disagree", "primary-only", "backup-only", "none": the value of copies=. */
const char *gpt_copies_name(enum gpt_copies c);
/* The names in enum gpt_rule: the value of rule=. */
const char *gpt_rule_name(enum gpt_rule r);
/* "lba0", "primary-header", "primary-array", "backup-header", ...: what a refused entry covers. */
const char *gpt_meta_name(enum gpt_meta m);
/*
 * The differs= value: GPT_DIFF_* names joined by commas ("disk-guid",
 * "usable-range", "entry-count", "entry-size", "entries-crc",
 * "alternate-lba"), or "none".  Truncated to fit out (at least 1 byte).
 */
void gpt_diff_format(unsigned int differs, char *out, size_t out_bytes);

/*
 * The GUID as lowercase dashed text; the first three fields are stored
 * little-endian (Appendix A), so 28 73 2a c1 ... prints c12a7328-....
 * out has GPT_GUID_STR_BYTES bytes.
 */
void gpt_guid_format(const uint8_t guid[GPT_GUID_BYTES], char out[GPT_GUID_STR_BYTES]);
/* The reverse, upper or lower case; CR_EINVAL unless exactly 36 well-placed characters. */
int gpt_guid_parse(const char *text, uint8_t guid[GPT_GUID_BYTES]);
bool gpt_guid_is_zero(const uint8_t guid[GPT_GUID_BYTES]);

/* Sectors in the partition (last_lba - first_lba + 1; never 0). */
uint64_t gpt_partition_blocks(const struct gpt_partition *p);

/*
 * Map count sectors at partition-relative rel_lba to the disk: 0 and
 * *abs_lba, or CR_ERANGE when any sector of the request (or count 0) falls
 * outside the partition — a request that leaves the partition is refused
 * whole.
 */
int gpt_partition_map(const struct gpt_partition *p, uint64_t rel_lba, uint64_t count,
		      uint64_t *abs_lba);

#endif
