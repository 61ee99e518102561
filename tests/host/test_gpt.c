/*
 * tests/host/test_gpt.c - host tests for lib/gpt.c (UEFI 2.10 §5.3).
 *
 * Disk images are built in memory by a small GPT writer below (primary
 * header at LBA 1 and array at 2, backup array and header at the end, as
 * sgdisk lays them out) and read through the parser's read callback, which
 * also checks that every read stays on the disk and that LBA 0 (the
 * protective MBR) is never asked for.  One table written by sgdisk 1.0.9
 * is embedded byte for byte, so the CRCs and field offsets are checked
 * against an implementation other than ours.
 *
 * Covered: valid tables at 512 B, 4 KiB and every power of two to 64 KiB;
 * arrays spanning several sectors or ending mid-sector; a corrupt primary
 * (header CRC, entries CRC, wiped, unreadable) with a good backup; both
 * bad; backup missing, bad or describing another table; a disk that grew;
 * every header field check (signature, revision, size, CRC, reserved,
 * MyLBA, AlternateLBA, usable range, array placement, entry size and
 * count including overflow attempts); entries first > last, outside the
 * usable range, overlapping (also beyond the caller's max); names with
 * non-ASCII, quotes, controls and surrogates; 128 used entries; none used;
 * scratch too small; GUID text; the partition-relative map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/crc32.h"
#include "lib/gpt.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define T_EFI_SYSTEM	"c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define T_LINUX_DATA	"0fc63daf-8483-4772-8e79-3d69d8477de4"
#define T_LINUX_ROOT	"4f68bce3-e8cd-4db1-96e7-fbcaf984b709"	/* x86-64 root */

/* ------------------------------------------------------------ the disk and its read callback */

struct disk {
	uint32_t lba_bytes;
	uint64_t nblocks;
	uint8_t *img;
	unsigned int reads;
	bool read_lba0;
	bool fail_on;		/* fail any read that covers fail_lba */
	uint64_t fail_lba;
	int fail_rc;
};

/* Where the writer put things. */
struct layout {
	uint32_t num_entries, entry_size, array_lbas;
	uint64_t p_array, b_array, first_usable, last_usable, backup_lba;
};

static struct disk D;
static struct layout L;
static size_t scratch_override;	/* 0: exactly what the default table needs */

static uint8_t *sec(uint64_t lba)
{
	assert_true(lba < D.nblocks);
	return D.img + lba * D.lba_bytes;
}

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct disk *d = ctx;

	d->reads++;
	assert_true(count >= 1);
	assert_true(lba < d->nblocks && count <= d->nblocks - lba);
	if (lba == 0)
		d->read_lba0 = true;
	if (d->fail_on && d->fail_lba >= lba && d->fail_lba - lba < count)
		return d->fail_rc;
	memcpy(buf, d->img + lba * d->lba_bytes, (size_t)count * d->lba_bytes);
	return 0;
}

/* ------------------------------------------------------------ a GPT writer */

static void guid_from_text(const char *t, uint8_t g[16])
{
	assert_int_equal(gpt_guid_parse(t, g), 0);
}

static uint8_t *entry(uint64_t array_lba, unsigned int slot)
{
	return sec(array_lba) + (size_t)(slot - 1) * L.entry_size;
}

static void fix_header_crc(uint64_t lba)
{
	uint8_t *h = sec(lba);
	store_le32(h + 16, 0);
	/* A HeaderSize beyond the sector is under test elsewhere: CRC what is there. */
	store_le32(h + 16, crc32_update(0, h, MIN(load_le32(h + 12), D.lba_bytes)));
}

/* The entry-array CRC of the header at lba, from the array it points to. */
static void fix_array_crc(uint64_t lba)
{
	uint8_t *h = sec(lba);
	uint64_t at = load_le64(h + 72);
	size_t bytes = (size_t)load_le32(h + 80) * load_le32(h + 84);
	assert_true(at < D.nblocks && bytes <= (D.nblocks - at) * D.lba_bytes);
	store_le32(h + 88, crc32_update(0, sec(at), bytes));
}

/* Both copies' CRCs, after entries or fields were changed. */
static void seal(void)
{
	fix_array_crc(1);
	fix_header_crc(1);
	fix_array_crc(L.backup_lba);
	fix_header_crc(L.backup_lba);
}

static void write_header(uint64_t my, uint64_t alt, uint64_t array)
{
	uint8_t *h = sec(my);

	memset(h, 0, D.lba_bytes);
	memcpy(h, "EFI PART", 8);
	store_le32(h + 8, 0x00010000);
	store_le32(h + 12, 92);
	store_le64(h + 24, my);
	store_le64(h + 32, alt);
	store_le64(h + 40, L.first_usable);
	store_le64(h + 48, L.last_usable);
	guid_from_text("11223344-5566-7788-99aa-bbccddeeff00", h + 56);
	store_le64(h + 72, array);
	store_le32(h + 80, L.num_entries);
	store_le32(h + 84, L.entry_size);
}

/* A fresh disk with an empty table in sgdisk's layout. */
static void build(uint32_t lba_bytes, uint64_t nblocks, uint32_t num_entries, uint32_t entry_size)
{
	free(D.img);
	memset(&D, 0, sizeof(D));
	D.lba_bytes = lba_bytes;
	D.nblocks = nblocks;
	D.img = calloc(nblocks, lba_bytes);
	assert_non_null(D.img);
	scratch_override = 0;

	L.num_entries = num_entries;
	L.entry_size = entry_size;
	L.array_lbas = (uint32_t)DIV_ROUND_UP((uint64_t)num_entries * entry_size, lba_bytes);
	L.p_array = 2;
	L.first_usable = 2 + L.array_lbas;
	L.backup_lba = nblocks - 1;
	L.b_array = L.backup_lba - L.array_lbas;
	L.last_usable = L.b_array - 1;
	write_header(1, L.backup_lba, L.p_array);
	write_header(L.backup_lba, 1, L.b_array);
	seal();
}

/* UTF-16LE name units into both copies of a slot (n <= 36). */
static void put_name_units(unsigned int slot, const uint16_t *u, unsigned int n)
{
	uint64_t arrays[2] = { L.p_array, L.b_array };

	for (int a = 0; a < 2; a++) {
		uint8_t *e = entry(arrays[a], slot);
		memset(e + 56, 0, 72);
		for (unsigned i = 0; i < n; i++) {
			e[56 + 2 * i] = (uint8_t)u[i];
			e[57 + 2 * i] = (uint8_t)(u[i] >> 8);
		}
	}
}

/* One used entry in both copies (not sealed). */
static void put_part(unsigned int slot, uint64_t first, uint64_t last, const char *type,
		     const char *name, uint64_t attrs)
{
	uint64_t arrays[2] = { L.p_array, L.b_array };
	uint16_t units[36] = { 0 };
	unsigned int n = 0;

	for (int a = 0; a < 2; a++) {
		uint8_t *e = entry(arrays[a], slot);
		memset(e, 0, L.entry_size);
		guid_from_text(type, e);
		guid_from_text("a0000000-0000-0000-0000-000000000000", e + 16);
		store_le32(e + 16, slot);
		store_le64(e + 32, first);
		store_le64(e + 40, last);
		store_le64(e + 48, attrs);
	}
	for (; name[n] && n < 36; n++)
		units[n] = (uint8_t)name[n];
	put_name_units(slot, units, n);
}

/* The usual test table: three partitions filling most of the usable range. */
static void three_parts(void)
{
	uint64_t fu = L.first_usable, lu = L.last_usable, third = (lu - fu + 1) / 3;

	put_part(1, fu, fu + third - 1, T_EFI_SYSTEM, "EFI system", GPT_ATTR_REQUIRED);
	put_part(2, fu + third, fu + 2 * third - 1, T_LINUX_ROOT, "root", 0);
	put_part(3, fu + 2 * third, lu, T_LINUX_DATA, "data", 1ull << 60);
	seal();
}

static struct gpt_partition parts[GPT_MAX_ENTRIES];

static int read_disk_max(struct gpt_disk *gd, unsigned int max)
{
	size_t bytes = scratch_override ? scratch_override : MAX((size_t)L.array_lbas, 1) * D.lba_bytes;
	uint8_t *scratch = malloc(bytes);	/* exact size: ASan sees any overrun */
	struct gpt_io io = {
		.read = disk_read, .ctx = &D, .lba_bytes = D.lba_bytes, .last_lba = D.nblocks - 1,
		.scratch = scratch, .scratch_bytes = bytes,
	};

	assert_non_null(scratch);
	memset(parts, 0xa5, sizeof(parts));
	int rc = gpt_read_disk(&io, parts, max, gd);
	free(scratch);
	assert_false(D.read_lba0);	/* the protective MBR is never needed */
	return rc;
}

static int read_disk(struct gpt_disk *gd)
{
	return read_disk_max(gd, GPT_MAX_ENTRIES);
}

static void guid_text(const uint8_t *g, char *out)
{
	gpt_guid_format(g, out);
}

static void assert_three_parts(const struct gpt_disk *gd)
{
	char t[GPT_GUID_STR_BYTES];
	uint64_t fu = L.first_usable, lu = L.last_usable, third = (lu - fu + 1) / 3;

	assert_int_equal(gd->entries.nused, 3);
	assert_int_equal(gd->entries.nstored, 3);
	assert_int_equal(parts[0].index, 1);
	assert_int_equal(parts[0].first_lba, fu);
	assert_int_equal(parts[0].last_lba, fu + third - 1);
	guid_text(parts[0].type_guid, t);
	assert_string_equal(t, T_EFI_SYSTEM);
	assert_string_equal(parts[0].name, "EFI system");
	assert_int_equal(parts[0].attributes, GPT_ATTR_REQUIRED);
	guid_text(parts[0].unique_guid, t);
	assert_string_equal(t, "00000001-0000-0000-0000-000000000000");
	assert_int_equal(parts[1].index, 2);
	assert_int_equal(parts[1].first_lba, fu + third);
	guid_text(parts[1].type_guid, t);
	assert_string_equal(t, T_LINUX_ROOT);
	assert_string_equal(parts[1].name, "root");
	assert_int_equal(parts[2].index, 3);
	assert_int_equal(parts[2].last_lba, lu);
	assert_int_equal(parts[2].attributes, 1ull << 60);
	assert_string_equal(parts[2].name, "data");
	assert_int_equal(gpt_partition_blocks(&parts[2]), lu - (fu + 2 * third) + 1);
}

/* The header at lba, parsed again after its fields were edited (CRC fixed first). */
static int reparse(uint64_t lba, struct gpt_header *h, const char **why)
{
	fix_header_crc(lba);
	*why = NULL;
	return gpt_header_parse(sec(lba), D.lba_bytes, lba, D.nblocks - 1, h, why);
}

/* ------------------------------------------------------------ a table written by sgdisk */

/*
 * `sgdisk -U 11223344-5566-7788-99aa-bbccddeeff00 -n 1:2048:4095 -t 1:ef00
 * -c 1:"EFI system" -u 1:a0000000-...-000000000001 -n 2:4096:6143 -t 2:8300
 * -c 2:root -u 2:...02 -n 4:6144:8158 -t 4:0fc63daf-... -c 4:"data ü"
 * -u 4:...04 -A 4:set:63` on a 4 MiB image (8192 sectors of 512 B):
 * both headers and the three used entries (slot 3 is empty), as written.
 */
static const char sg_primary[] =
	"4546492050415254000001005c0000003057507e000000000100000000000000ff1f000000000000"
	"2200000000000000de1f000000000000443322116655887799aabbccddeeff000200000000000000"
	"8000000080000000ad23252b";
static const char sg_backup[] =
	"4546492050415254000001005c00000060633c0100000000ff1f0000000000000100000000000000"
	"2200000000000000de1f000000000000443322116655887799aabbccddeeff00df1f000000000000"
	"8000000080000000ad23252b";
static const char *const sg_entries[4] = {
	"28732ac11ff8d211ba4b00a0c93ec93b000000a00000000000000000000000010008000000000000"
	"ff0f00000000000000000000000000004500460049002000730079007300740065006d00",
	"af3dc60f838472478e793d69d8477de4000000a00000000000000000000000020010000000000000"
	"ff17000000000000000000000000000072006f006f007400",
	NULL,
	"af3dc60f838472478e793d69d8477de4000000a00000000000000000000000040018000000000000"
	"de1f000000000000000000000000008064006100740061002000fc00",
};

static void unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	assert_true(n / 2 <= max);
	for (size_t i = 0; i + 1 < n; i += 2) {
		char b[3] = { s[i], s[i + 1], 0 };
		out[i / 2] = (uint8_t)strtoul(b, NULL, 16);
	}
}

static void test_sgdisk_table(void **state UNUSED)
{
	struct gpt_disk gd;
	char t[GPT_GUID_STR_BYTES];

	build(512, 8192, 128, 128);
	memset(D.img, 0, (size_t)8192 * 512);
	unhex(sg_primary, sec(1), 512);
	unhex(sg_backup, sec(8191), 512);
	for (unsigned i = 0; i < 4; i++) {
		if (sg_entries[i]) {
			unhex(sg_entries[i], sec(2) + 128 * i, 128);
			unhex(sg_entries[i], sec(8159) + 128 * i, 128);
		}
	}
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_OK);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_true(gd.backup_at_end);
	assert_int_equal(gd.hdr.header_crc, 0x7e505730);
	assert_int_equal(gd.hdr.entries_crc, 0x2b2523ad);
	assert_int_equal(gd.hdr.first_usable, 34);
	assert_int_equal(gd.hdr.last_usable, 8158);
	assert_int_equal(gd.hdr.array_lbas, 32);
	guid_text(gd.hdr.disk_guid, t);
	assert_string_equal(t, "11223344-5566-7788-99aa-bbccddeeff00");
	assert_int_equal(gd.entries.nused, 3);
	assert_int_equal(parts[0].index, 1);
	assert_int_equal(parts[0].first_lba, 2048);
	assert_int_equal(parts[0].last_lba, 4095);
	guid_text(parts[0].type_guid, t);
	assert_string_equal(t, T_EFI_SYSTEM);
	guid_text(parts[0].unique_guid, t);
	assert_string_equal(t, "a0000000-0000-0000-0000-000000000001");
	assert_string_equal(parts[0].name, "EFI system");
	assert_int_equal(parts[1].index, 2);
	assert_string_equal(parts[1].name, "root");
	assert_int_equal(parts[2].index, 4);	/* the slot, not the count: nvme0n1p4 */
	assert_int_equal(parts[2].first_lba, 6144);
	assert_int_equal(parts[2].last_lba, 8158);
	guid_text(parts[2].type_guid, t);
	assert_string_equal(t, T_LINUX_DATA);
	assert_string_equal(parts[2].name, "data ?");
	assert_int_equal(parts[2].name_repaired, 1);
	assert_int_equal(parts[2].attributes, 1ull << 63);
	assert_int_equal(gd.entries.names_repaired, 1);
	/* Two header reads and two array reads, nothing else. */
	assert_int_equal(D.reads, 4);
}

/* ------------------------------------------------------------ valid tables */

static void test_valid_512(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_int_equal(gd.primary.rc, 0);
	assert_null(gd.primary.why);
	assert_int_equal(gd.backup.rc, 0);
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_OK);
	assert_int_equal(gd.backup.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.backup.entries_crc, GPT_CHECK_OK);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_true(gd.backup_at_end);
	assert_int_equal(gd.primary.lba, 1);
	assert_int_equal(gd.backup.lba, 2047);
	assert_int_equal(gd.hdr.my_lba, 1);
	assert_int_equal(gd.hdr.first_usable, 34);
	assert_int_equal(gd.hdr.last_usable, 2047 - 33);
	assert_int_equal(gd.hdr.array_bytes, 16384);
	assert_int_equal(gd.hdr.array_lbas, 32);
	assert_int_equal(gd.hdr.lba_bytes, 512);
	assert_three_parts(&gd);
	/* What the proof line needs. */
	assert_string_equal(gpt_check_name(gd.primary.header_crc), "ok");
	assert_string_equal(gpt_check_name(gd.primary.entries_crc), "ok");
	assert_string_equal(gpt_backup_name(gd.backup_state), "ok");
	/* Only max partitions are copied; parts[] beyond them is untouched. */
	assert_int_equal(read_disk_max(&gd, 2), 0);
	assert_int_equal(gd.entries.nused, 3);
	assert_int_equal(gd.entries.nstored, 2);
	assert_int_equal(parts[2].index, 0xa5a5a5a5);
	assert_int_equal(read_disk_max(&gd, 0), 0);
	assert_int_equal(gd.entries.nstored, 0);
}

static void test_valid_4k(void **state UNUSED)
{
	struct gpt_disk gd;

	build(4096, 512, 128, 128);
	three_parts();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.hdr.array_lbas, 4);
	assert_int_equal(gd.hdr.first_usable, 6);
	assert_int_equal(gd.hdr.last_usable, 511 - 5);
	assert_int_equal(gd.backup.lba, 511);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_three_parts(&gd);

	/* The same disk read as if its sectors were 512 B: LBA 1 is empty... */
	struct gpt_header h;
	const char *why = NULL;
	assert_int_equal(gpt_header_parse(D.img + 512, 512, 1, 4095, &h, &why), CR_ENOENT);
	assert_string_equal(why, "no-signature");
	/* ...and the 4 KiB header taken for a 512 B one has its array in the usable range. */
	assert_int_equal(gpt_header_parse(sec(1), 512, 1, 4095, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-array-misplaced");
}

/* Every power-of-two sector size; one entry per sector or less, array ending mid-sector. */
static void test_all_sector_sizes(void **state UNUSED)
{
	for (uint32_t lb = 512; lb <= 65536; lb <<= 1) {
		struct gpt_disk gd;

		build(lb, 40, 5, 128);	/* 640 bytes: at 512 B two sectors, the second part used */
		three_parts();
		assert_int_equal(read_disk(&gd), 0);
		assert_int_equal(gd.hdr.array_lbas, lb == 512 ? 2 : 1);
		assert_three_parts(&gd);
	}
	/* Not a power of two, too small, too large. */
	static const uint32_t bad[] = { 0, 256, 511, 1000, 4095, 131072, UINT32_MAX };
	build(512, 64, 4, 128);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct gpt_header h;
		struct gpt_disk gd;
		const char *why = NULL;
		uint8_t big[1];
		struct gpt_io io = { .read = disk_read, .ctx = &D, .lba_bytes = bad[i], .last_lba = 63,
				     .scratch = big, .scratch_bytes = sizeof(big) };
		assert_int_equal(gpt_header_parse(sec(1), bad[i], 1, 63, &h, &why), CR_EINVAL);
		assert_string_equal(why, "lba-size-unsupported");
		assert_int_equal(gpt_read_disk(&io, parts, 4, &gd), CR_EINVAL);
	}
	assert_int_equal(D.reads, 0);
}

/* The tail of the array's last sector is not part of the array: junk there is fine. */
static void test_array_ends_mid_sector(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 64, 5, 128);
	three_parts();
	memset(sec(3) + 128, 0xee, 384);	/* after entry 5 */
	memset(sec(L.b_array + 1) + 128, 0xee, 384);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_three_parts(&gd);
	/* But entry 5 itself is covered. */
	sec(3)[127] ^= 1;
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_BAD);
	assert_true(gd.used_backup);
}

/* Entries larger than a sector: each spans several. */
static void test_big_entries(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 256, 4, 4096);
	three_parts();
	/* Bytes past 128 in an entry are reserved: carried, CRC'd, not interpreted. */
	memset(entry(L.p_array, 2) + 128, 0x5a, 4096 - 128);
	memset(entry(L.b_array, 2) + 128, 0x5a, 4096 - 128);
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.hdr.array_lbas, 32);
	assert_int_equal(gd.hdr.entry_size, 4096);
	assert_three_parts(&gd);
	entry(L.p_array, 4)[4000] = 1;	/* inside an unused entry, still covered by the CRC */
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_BAD);
	assert_true(gd.used_backup);
}

/* ------------------------------------------------------------ primary bad, backup good */

static void test_primary_header_crc_bad(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	sec(1)[40] ^= 0x01;	/* FirstUsableLBA, under the CRC */
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.primary.rc, CR_EPROTO);
	assert_string_equal(gd.primary.why, "header-crc-mismatch");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_BAD);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_NONE);
	assert_false(gd.primary.header_ok);
	assert_int_equal(gd.backup.rc, 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_true(gd.backup_at_end);	/* looked for at the last LBA */
	assert_int_equal(gd.hdr.my_lba, 2047);
	assert_int_equal(gd.hdr.entries_lba, L.b_array);
	assert_three_parts(&gd);
	assert_string_equal(gpt_check_name(gd.primary.header_crc), "bad");
	assert_string_equal(gpt_check_name(gd.primary.entries_crc), "none");

	/* The CRC itself damaged, and the bytes after HeaderSize changed (not covered). */
	build(512, 2048, 128, 128);
	three_parts();
	sec(1)[16] ^= 0x80;
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_string_equal(gd.primary.why, "header-crc-mismatch");
	sec(1)[16] ^= 0x80;
	memset(sec(1) + 92, 0x77, 420);
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
}

static void test_primary_entries_crc_bad(void **state UNUSED)
{
	struct gpt_disk gd;

	build(4096, 512, 128, 128);
	three_parts();
	entry(L.p_array, 2)[41] ^= 0x10;	/* LastLBA of partition 2 in the primary array */
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.primary.rc, CR_EPROTO);
	assert_string_equal(gd.primary.why, "entries-crc-mismatch");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_BAD);
	assert_true(gd.primary.header_ok);
	assert_int_equal(gd.primary.entries.bad_slot, 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_three_parts(&gd);	/* the backup's, undamaged */
}

static void test_primary_wiped(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	memset(sec(1), 0, 512);
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.primary.rc, CR_ENOENT);
	assert_string_equal(gd.primary.why, "no-signature");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_NONE);
	assert_three_parts(&gd);
}

static void test_primary_unreadable(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	D.fail_on = true;
	D.fail_lba = 1;
	D.fail_rc = CR_EIO;
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.primary.rc, CR_EIO);
	assert_string_equal(gd.primary.why, "header-read-failed");
	assert_three_parts(&gd);

	/* The primary array unreadable; a callback returning a positive value is an I/O error. */
	D.fail_lba = 20;
	D.fail_rc = 1;
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.primary.rc, CR_EIO);
	assert_string_equal(gd.primary.why, "entry-array-read-failed");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_NONE);

	/* Primary unreadable, no backup: the callback's own code comes back. */
	build(512, 2048, 128, 128);
	three_parts();
	D.fail_on = true;
	D.fail_lba = 1;
	D.fail_rc = CR_ETIMEDOUT;
	sec(2047)[0] = 0;	/* and no backup */
	assert_int_equal(read_disk(&gd), CR_ETIMEDOUT);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
}

/* ------------------------------------------------------------ both bad, no GPT */

static void test_both_bad(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	sec(1)[50] ^= 1;
	sec(2047)[50] ^= 1;
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_string_equal(gd.primary.why, "header-crc-mismatch");
	assert_string_equal(gd.backup.why, "header-crc-mismatch");
	assert_int_equal(gd.backup_state, GPT_BACKUP_BAD);

	/* Both entry arrays damaged. */
	build(512, 2048, 128, 128);
	three_parts();
	entry(L.p_array, 1)[60] ^= 1;
	entry(L.b_array, 1)[60] ^= 1;
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_string_equal(gd.primary.why, "entries-crc-mismatch");
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_BAD);
	assert_int_equal(gd.backup.entries_crc, GPT_CHECK_BAD);
	assert_int_equal(gd.backup_state, GPT_BACKUP_BAD);

	/* Primary has no signature, backup bad: the backup's failure is the answer. */
	memset(sec(1), 0, 512);
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_int_equal(gd.primary.rc, CR_ENOENT);
}

static void test_no_gpt(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	memset(D.img, 0, (size_t)2048 * 512);
	/* An MBR-only disk: signature 0x55aa at LBA 0, nothing at 1. */
	sec(0)[510] = 0x55;
	sec(0)[511] = 0xaa;
	assert_int_equal(read_disk(&gd), CR_ENOENT);
	assert_int_equal(gd.primary.rc, CR_ENOENT);
	assert_int_equal(gd.backup.rc, CR_ENOENT);
	assert_int_equal(gd.backup.lba, 2047);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
	assert_int_equal(D.reads, 2);
}

static void test_disk_too_small(void **state UNUSED)
{
	struct gpt_disk gd;

	for (uint64_t n = 1; n <= 2; n++) {
		build(512, 8, 4, 128);
		D.nblocks = n;	/* the image is larger; the parser is told n sectors */
		assert_int_equal(read_disk(&gd), CR_ENOENT);
		assert_int_equal(D.reads, 0);
		assert_string_equal(gd.primary.why, "disk-too-small");
		assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
	}
	/* Three sectors: a table is read but cannot fit. */
	build(512, 8, 4, 128);
	D.nblocks = 3;
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_string_equal(gd.primary.why, "usable-range-beyond-disk");
	assert_int_equal(gd.backup.lba, 2);
}

/* A table in the primary only is used, and the missing backup said. */
static void test_backup_missing_or_bad(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	memset(sec(2047), 0, 512);
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
	assert_string_equal(gpt_backup_name(gd.backup_state), "missing");
	assert_int_equal(gd.backup.rc, CR_ENOENT);
	assert_three_parts(&gd);

	build(512, 2048, 128, 128);
	three_parts();
	entry(L.b_array, 3)[33] ^= 4;
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_int_equal(gd.backup_state, GPT_BACKUP_BAD);
	assert_string_equal(gpt_backup_name(gd.backup_state), "bad");
	assert_int_equal(gd.backup.entries_crc, GPT_CHECK_BAD);
	assert_three_parts(&gd);

	/* A backup whose own entries are inconsistent (CRC made to match) is bad too. */
	build(512, 2048, 128, 128);
	three_parts();
	store_le64(entry(L.b_array, 3) + 32, L.first_usable);	/* overlaps slot 1 */
	fix_array_crc(L.backup_lba);
	fix_header_crc(L.backup_lba);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_BAD);
	assert_string_equal(gd.backup.why, "partitions-overlap");
	assert_int_equal(gd.backup.entries_crc, GPT_CHECK_OK);
	assert_three_parts(&gd);
}

static void test_backup_mismatch(void **state UNUSED)
{
	struct gpt_disk gd;

	/* Each way a valid backup can describe a different table. */
	for (int k = 0; k < 6; k++) {
		uint8_t *b;

		build(512, 2048, 128, 128);
		/* Away from the edges, so a narrower usable range still holds them. */
		put_part(1, 100, 199, T_EFI_SYSTEM, "a", 0);
		put_part(2, 200, 299, T_LINUX_DATA, "b", 0);
		put_part(3, 1000, 1999, T_LINUX_DATA, "c", 0);
		seal();
		b = sec(L.backup_lba);
		switch (k) {
		case 0: b[56] ^= 1; break;					/* disk GUID */
		case 1: store_le64(b + 40, L.first_usable + 1); break;		/* FirstUsableLBA */
		case 2: store_le64(b + 48, L.last_usable - 1); break;		/* LastUsableLBA */
		case 3: store_le32(b + 80, 64); break;				/* NumberOfPartitionEntries */
		case 4: store_le64(b + 32, 2); break;				/* AlternateLBA not the primary */
		case 5: entry(L.b_array, 3)[56] = 'D'; break;			/* entries: a name */
		}
		fix_array_crc(L.backup_lba);
		fix_header_crc(L.backup_lba);
		assert_int_equal(read_disk(&gd), 0);
		assert_int_equal(gd.backup.rc, 0);
		assert_int_equal(gd.backup_state, GPT_BACKUP_MISMATCH);
		assert_string_equal(gpt_backup_name(gd.backup_state), "mismatch");
		assert_false(gd.used_backup);
		assert_int_equal(gd.hdr.my_lba, 1);
	}
	/* A different entry size with the same array bytes is a different table too. */
	build(512, 2048, 128, 128);
	three_parts();
	store_le32(sec(L.backup_lba) + 80, 64);
	store_le32(sec(L.backup_lba) + 84, 256);
	fix_header_crc(L.backup_lba);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISMATCH);
}

/* A volume that grew (EBS resize): the backup stays at the old end. */
static void test_disk_grew(void **state UNUSED)
{
	struct gpt_disk gd;
	uint8_t *bigger;

	build(512, 2048, 128, 128);
	three_parts();
	bigger = calloc(4096, 512);
	assert_non_null(bigger);
	memcpy(bigger, D.img, (size_t)2048 * 512);
	free(D.img);
	D.img = bigger;
	D.nblocks = 4096;
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_false(gd.backup_at_end);
	assert_int_equal(gd.backup.lba, 2047);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_three_parts(&gd);

	/* With the primary bad the backup is looked for at the new end, and not found. */
	sec(1)[60] ^= 1;
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_true(gd.backup_at_end);
	assert_int_equal(gd.backup.lba, 4095);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
}

/* A disk that shrank under its table: every LBA beyond the end is refused. */
static void test_disk_shrank(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	D.nblocks = 2000;
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_string_equal(gd.primary.why, "usable-range-beyond-disk");
	assert_int_equal(gd.backup.lba, 1999);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
}

/* ------------------------------------------------------------ metadata no partition may cover (issue 15 §2) */

/* Is any partition handed out (parts[0..nstored)) covering a sector of first..last? */
static bool offered_covers(const struct gpt_disk *gd, uint64_t first, uint64_t last)
{
	for (unsigned i = 0; i < gd->entries.nstored; i++)
		if (parts[i].first_lba <= last && first <= parts[i].last_lba)
			return true;
	return false;
}

/*
 * The disk: the primary header is valid but its array fails its
 * CRC; the backup, valid on its own, says FirstUsableLBA=2 and puts p1 at
 * LBA 2, over the primary array.  A client of p1 could rewrite that array,
 * and the next boot would read it.  The backup describes another table than
 * the valid primary header does (§5.3.2: the usable ranges must be equal),
 * so it is not used, and nothing is offered.
 */
static void test_backup_covering_primary_array_refused(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	store_le64(sec(L.backup_lba) + 40, 2);
	store_le64(entry(L.b_array, 1) + 32, 2);
	fix_array_crc(L.backup_lba);
	fix_header_crc(L.backup_lba);
	entry(L.p_array, 2)[60] ^= 1;	/* a name byte: the primary array's CRC fails */
	int rc = read_disk(&gd);
	assert_false(rc == 0 && offered_covers(&gd, 1, L.first_usable - 1));
	assert_int_equal(rc, CR_EPROTO);
	assert_true(gd.primary.header_ok);
	assert_string_equal(gd.primary.why, "entries-crc-mismatch");
	assert_int_equal(gd.backup.rc, 0);	/* valid on its own */
	assert_int_equal(gd.rule, GPT_RULE_BACKUP_DIFFERS);
	assert_string_equal(gpt_rule_name(gd.rule), "backup-differs-from-primary-header");
	assert_int_equal(gd.copies, GPT_COPIES_DISAGREE);
	assert_int_equal(gd.differs, GPT_DIFF_USABLE_RANGE | GPT_DIFF_ENTRIES_CRC);
	char text[96];
	gpt_diff_format(gd.differs, text, sizeof(text));
	assert_string_equal(text, "usable-range,entries-crc");
	assert_int_equal(gd.meta[GPT_META_PRIMARY_ARRAY].first, 2);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_ARRAY].last, 33);

	/* The same disk with the backup's usable range left alone is the primary's table. */
	build(512, 2048, 128, 128);
	three_parts();
	entry(L.p_array, 2)[60] ^= 1;
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.rule, GPT_RULE_BACKUP_SAME_TABLE);
	assert_int_equal(gd.copies, GPT_COPIES_DISAGREE);
	assert_int_equal(gd.differs, 0);
	assert_three_parts(&gd);

	/* Each other field a stand-in backup must share with the valid primary header. */
	for (int k = 0; k < 5; k++) {
		build(512, 2048, 128, 128);
		put_part(1, 100, 199, T_EFI_SYSTEM, "a", 0);
		put_part(2, 1000, 1999, T_LINUX_DATA, "b", 0);
		seal();
		uint8_t *b = sec(L.backup_lba);
		switch (k) {
		case 0: b[56] ^= 1; break;				/* disk GUID */
		case 1: store_le64(b + 48, L.last_usable - 1); break;	/* LastUsableLBA */
		case 2: store_le32(b + 80, 64); break;			/* NumberOfPartitionEntries */
		case 3: store_le64(b + 32, 2); break;			/* AlternateLBA not the primary */
		case 4: put_part(3, 300, 399, T_LINUX_DATA, "c", 0); break;	/* another table */
		}
		fix_array_crc(L.backup_lba);
		fix_header_crc(L.backup_lba);
		entry(L.p_array, 1)[60] ^= 1;
		assert_int_equal(read_disk(&gd), CR_EPROTO);
		assert_int_equal(gd.backup.rc, 0);
		assert_int_equal(gd.rule, GPT_RULE_BACKUP_DIFFERS);
		assert_true(gd.differs != 0);
	}
}

/*
 * The primary header itself is bad, so the backup governs; it may say
 * FirstUsableLBA=2, but LBA 1 and the 16 KiB from LBA 2 are where the
 * primary would be (§5.3.2), and a partition there is not offered.
 */
static void test_backup_partition_over_primary_refused(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	store_le64(sec(L.backup_lba) + 40, 2);
	store_le64(entry(L.b_array, 1) + 32, 20);
	fix_array_crc(L.backup_lba);
	fix_header_crc(L.backup_lba);
	sec(1)[60] ^= 1;	/* the primary's header CRC fails */
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_false(offered_covers(&gd, 0, 33));
	assert_int_equal(gd.entries.nused, 3);
	assert_int_equal(gd.entries.nstored, 2);
	assert_int_equal(parts[0].index, 2);
	assert_int_equal(parts[1].index, 3);
	assert_int_equal(gd.rule, GPT_RULE_PRIMARY_HEADER_BAD);
	assert_string_equal(gpt_rule_name(gd.rule), "primary-header-invalid");
	assert_int_equal(gd.copies, GPT_COPIES_BACKUP_ONLY);
	assert_int_equal(gd.entries.nrefused, 1);
	assert_int_equal(gd.refused[0].part.index, 1);
	assert_int_equal(gd.refused[0].part.first_lba, 20);
	assert_string_equal(gd.refused[0].part.name, "EFI system");
	assert_int_equal(gd.refused[0].covers, GPT_META_PRIMARY_ARRAY);
	assert_string_equal(gpt_meta_name(gd.refused[0].covers), "primary-array");

	/* A backup with a one-sector array: the primary's would still be 16 KiB (32 sectors). */
	build(512, 2048, 4, 128);
	three_parts();
	memset(sec(1), 0, 512);
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_false(offered_covers(&gd, 0, 33));
	assert_int_equal(gd.entries.nstored, 2);
	assert_int_equal(parts[0].index, 2);
	assert_int_equal(gd.refused[0].part.first_lba, 3);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_ARRAY].last, 33);

	/* With the primary valid, its own one-sector array is all that is kept out. */
	build(512, 2048, 4, 128);
	three_parts();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.entries.nstored, 3);
	assert_int_equal(gd.entries.nrefused, 0);
	assert_int_equal(gd.rule, GPT_RULE_PRIMARY);
	assert_int_equal(gd.copies, GPT_COPIES_AGREE);
}

/*
 * A primary header with a good CRC at LBA 1 that a stricter check refuses
 * (its 256-entry array runs past FirstUsableLBA): readers that check only
 * the CRCs and MyLBA would still use it, so its array stays out of the
 * partitions served from the backup (the probe's BUG 1: p1's client could
 * rewrite LBAs 34-65 and have such a reader see a new table).
 */
static void test_claimed_array_of_a_refused_header_kept_out(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	store_le32(sec(1) + 80, 256);	/* NumberOfPartitionEntries: LBAs 2-65 */
	fix_header_crc(1);
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_string_equal(gd.primary.why, "entry-array-misplaced");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_CLAIMED].first, 2);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_CLAIMED].last, 65);
	assert_false(offered_covers(&gd, 2, 65));
	assert_int_equal(gd.entries.nrefused, 1);
	assert_int_equal(gd.refused[0].part.index, 1);
	assert_int_equal(gd.refused[0].covers, GPT_META_PRIMARY_CLAIMED);
	assert_string_equal(gpt_meta_name(gd.refused[0].covers), "primary-claimed-array");

	/* An array size that overflows: the rest of the disk from its start is kept out. */
	build(512, 2048, 128, 128);
	three_parts();
	store_le32(sec(1) + 80, 0xffffffffu);
	store_le32(sec(1) + 84, 0x80000000u);
	fix_header_crc(1);
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_CLAIMED].last, 2047);
	assert_int_equal(gd.entries.nstored, 0);

	/* A header whose CRC fails claims nothing beyond its own sector. */
	build(512, 2048, 128, 128);
	three_parts();
	store_le32(sec(1) + 80, 256);
	assert_int_equal(read_disk(&gd), 0);
	assert_string_equal(gd.primary.why, "header-crc-mismatch");
	assert_int_equal(gd.meta[GPT_META_PRIMARY_CLAIMED].first, 1);
	assert_int_equal(gd.meta[GPT_META_PRIMARY_CLAIMED].last, 1);
	assert_int_equal(gd.entries.nstored, 3);
}

/* A valid primary whose usable range reaches over a valid backup's array. */
static void test_primary_partition_over_backup_array_refused(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	store_le64(sec(1) + 48, L.backup_lba - 1);
	put_part(1, 100, 199, T_EFI_SYSTEM, "a", 0);
	put_part(2, 1000, L.backup_lba - 1, T_LINUX_DATA, "b", 0);
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_true(gd.backup.header_ok);	/* its own p2 is outside its range: the copy is bad */
	assert_false(offered_covers(&gd, L.b_array, L.backup_lba));
	assert_int_equal(gd.entries.nused, 2);
	assert_int_equal(gd.entries.nstored, 1);
	assert_int_equal(parts[0].index, 1);
	assert_int_equal(gd.refused[0].part.index, 2);
	assert_int_equal(gd.refused[0].covers, GPT_META_BACKUP_ARRAY);
	assert_int_equal(gd.copies, GPT_COPIES_DISAGREE);

	/* The same with the backup header missing: where its array would be is kept clear. */
	memset(sec(L.backup_lba), 0, 512);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_MISSING);
	assert_false(offered_covers(&gd, L.b_array, L.backup_lba));
	assert_int_equal(gd.entries.nstored, 1);
	assert_int_equal(gd.copies, GPT_COPIES_PRIMARY_ONLY);
	assert_int_equal(gd.meta[GPT_META_BACKUP_ARRAY].first, L.b_array);
}

/*
 * A disk that grew: the backup stays at the primary's AlternateLBA, but a
 * boot whose primary is unreadable looks at the new last LBA.  A valid
 * header found there keeps its array out of every partition too.
 */
static void test_header_at_new_end_kept_clear(void **state UNUSED)
{
	struct gpt_disk gd;
	uint8_t *bigger;

	build(512, 2048, 128, 128);
	three_parts();
	bigger = calloc(4096, 512);
	assert_non_null(bigger);
	memcpy(bigger, D.img, (size_t)2048 * 512);
	free(D.img);
	D.img = bigger;
	D.nblocks = 4096;
	/* Another table's header at LBA 4095, its array at 1000 (inside p2 of the primary). */
	memcpy(sec(4095), sec(L.backup_lba), 512);
	store_le64(sec(4095) + 24, 4095);
	store_le64(sec(4095) + 48, 999);
	store_le64(sec(4095) + 72, 1000);
	fix_array_crc(4095);
	fix_header_crc(4095);
	assert_int_equal(read_disk(&gd), 0);
	assert_false(gd.used_backup);
	assert_int_equal(gd.backup.lba, 2047);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_false(offered_covers(&gd, 1000, 1031));
	assert_int_equal(gd.entries.nused, 3);
	assert_int_equal(gd.entries.nstored, 2);
	assert_int_equal(parts[0].index, 1);
	assert_int_equal(parts[1].index, 3);
	assert_int_equal(gd.refused[0].part.index, 2);
	assert_int_equal(gd.refused[0].covers, GPT_META_END_ARRAY);
	assert_int_equal(D.reads, 5);	/* two headers, the one at the end, two arrays */

	/* No header at the end: 32 sectors below it are kept clear all the same. */
	memset(sec(4095), 0, 512);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.entries.nstored, 3);
	assert_int_equal(gd.meta[GPT_META_END_ARRAY].first, 4095 - 32);
}

/* More refusals than are kept: all counted, the first GPT_REFUSED_MAX described. */
static void test_many_refused(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	for (unsigned int i = 0; i < 10; i++)
		put_part(i + 1, 2 + i, 2 + i, T_LINUX_DATA, "x", 0);
	put_part(11, 100, 199, T_LINUX_DATA, "ok", 0);
	store_le64(sec(L.backup_lba) + 40, 2);
	seal();
	sec(1)[60] ^= 1;
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.entries.nused, 11);
	assert_int_equal(gd.entries.nrefused, 10);
	assert_int_equal(gd.entries.nstored, 1);
	assert_int_equal(parts[0].index, 11);
	assert_int_equal(gd.refused[GPT_REFUSED_MAX - 1].part.index, GPT_REFUSED_MAX);
	/* With max 0 nothing is stored, refusals still counted. */
	assert_int_equal(read_disk_max(&gd, 0), 0);
	assert_int_equal(gd.entries.nrefused, 10);
	assert_int_equal(gd.entries.nstored, 0);
}

/* ------------------------------------------------------------ header fields */

static void test_header_signature_revision_reserved(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 64, 4, 128);
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_null(why);
	assert_int_equal(h.revision, 0x00010000);
	assert_int_equal(h.header_size, 92);

	sec(1)[7] = 'S';	/* "EFI PARS" */
	assert_int_equal(reparse(1, &h, &why), CR_ENOENT);
	assert_string_equal(why, "no-signature");
	sec(1)[7] = 'T';

	store_le32(sec(1) + 8, 0x00010001);	/* 1.1: same layout */
	assert_int_equal(reparse(1, &h, &why), 0);
	store_le32(sec(1) + 8, 0x00020000);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "revision-unsupported");
	store_le32(sec(1) + 8, 0);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "revision-unsupported");
	store_le32(sec(1) + 8, 0x00010000);

	store_le32(sec(1) + 20, 1);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-reserved-nonzero");
}

static void test_header_size(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 64, 4, 128);
	static const uint32_t bad[] = { 0, 91, 513, 4096, 0x80000000u, UINT32_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		store_le32(sec(1) + 12, bad[i]);
		assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
		assert_string_equal(why, "header-size-out-of-range");
	}
	/* The whole sector under the CRC: the bytes after 92 count then. */
	store_le32(sec(1) + 12, 512);
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_int_equal(h.header_size, 512);
	sec(1)[511] = 1;
	assert_int_equal(gpt_header_parse(sec(1), 512, 1, 63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-crc-mismatch");

	/* 4 KiB sectors allow a larger header. */
	build(4096, 64, 4, 128);
	store_le32(sec(1) + 12, 4096);
	assert_int_equal(reparse(1, &h, &why), 0);
	store_le32(sec(1) + 12, 4097);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-size-out-of-range");
}

static void test_header_my_lba(void **state UNUSED)
{
	struct gpt_header h;
	struct gpt_disk gd;
	const char *why;

	build(512, 64, 4, 128);
	three_parts();
	store_le64(sec(1) + 24, 2);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "my-lba-mismatch");
	/* The backup's header copied to LBA 1 says MyLBA 63. */
	memcpy(sec(1), sec(63), 512);
	assert_int_equal(gpt_header_parse(sec(1), 512, 1, 63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "my-lba-mismatch");
	assert_int_equal(read_disk(&gd), 0);
	assert_true(gd.used_backup);
	assert_string_equal(gd.primary.why, "my-lba-mismatch");
	assert_int_equal(gd.primary.header_crc, GPT_CHECK_OK);
	/* Read from beyond the disk, or at LBA 0. */
	assert_int_equal(gpt_header_parse(sec(63), 512, 64, 63, &h, &why), CR_EINVAL);
	assert_string_equal(why, "lba-beyond-disk");
	build(512, 64, 4, 128);
	memcpy(sec(0), sec(1), 512);
	store_le64(sec(0) + 24, 0);
	fix_header_crc(0);
	assert_int_equal(gpt_header_parse(sec(0), 512, 0, 63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-at-lba0");
}

static void test_header_alternate_lba(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 64, 4, 128);
	/* Primary: the alternate must be on the disk and after the usable range. */
	const uint64_t bad_p[] = { 0, 1, 2, L.first_usable, L.last_usable, 64, UINT64_MAX };
	const char *const why_p[] = { "alternate-lba-out-of-range", "alternate-lba-misplaced",
		"alternate-lba-misplaced", "alternate-lba-misplaced", "alternate-lba-misplaced",
		"alternate-lba-out-of-range", "alternate-lba-out-of-range" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_p); i++) {
		store_le64(sec(1) + 32, bad_p[i]);
		assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
		assert_string_equal(why, why_p[i]);
	}
	store_le64(sec(1) + 32, L.last_usable + 1);	/* odd but legal: right after the usable range */
	assert_int_equal(reparse(1, &h, &why), 0);
	/* Backup: before the usable range. */
	store_le64(sec(63) + 32, L.first_usable);
	assert_int_equal(reparse(63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "alternate-lba-misplaced");
	store_le64(sec(63) + 32, 63);
	assert_int_equal(reparse(63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "alternate-lba-misplaced");
	store_le64(sec(63) + 32, 1);
	assert_int_equal(reparse(63, &h, &why), 0);
}

static void test_header_usable_range(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 64, 4, 128);
	uint64_t fu = L.first_usable, lu = L.last_usable;

	store_le64(sec(1) + 40, lu + 1);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "usable-range-inverted");
	store_le64(sec(1) + 40, fu);
	store_le64(sec(1) + 48, 64);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "usable-range-beyond-disk");
	store_le64(sec(1) + 48, UINT64_MAX);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "usable-range-beyond-disk");
	/* The usable range covering a header, or LBA 0. */
	store_le64(sec(1) + 40, 1);
	store_le64(sec(1) + 48, lu);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-inside-usable-range");
	store_le64(sec(1) + 40, 0);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-inside-usable-range");
	store_le64(sec(1) + 40, fu);
	store_le64(sec(63) + 48, 63);
	assert_int_equal(reparse(63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "header-inside-usable-range");
	/* One usable sector is a range. */
	store_le64(sec(1) + 48, fu);
	assert_int_equal(reparse(1, &h, &why), 0);
}

static void test_header_array_placement(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 64, 4, 128);	/* one-sector arrays at 2 and 62, usable 3..61 */
	assert_int_equal(L.first_usable, 3);
	assert_int_equal(L.b_array, 62);
	const uint64_t bad_p[] = { 0, 1, 3, 30, 61, 62, 63, 64, UINT64_MAX, UINT64_MAX - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_p); i++) {
		store_le64(sec(1) + 72, bad_p[i]);
		assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
		assert_string_equal(why, "entry-array-misplaced");
	}
	store_le64(sec(1) + 72, 2);
	/* Grow the primary array into the usable range: 5 entries take 2 sectors. */
	store_le32(sec(1) + 80, 5);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-array-misplaced");
	store_le64(sec(1) + 40, 4);	/* make room: fine again */
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_int_equal(h.array_lbas, 2);

	const uint64_t bad_b[] = { 0, 1, 2, 61, 63, 64, UINT64_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(bad_b); i++) {
		store_le64(sec(63) + 72, bad_b[i]);
		assert_int_equal(reparse(63, &h, &why), CR_EPROTO);
		assert_string_equal(why, "entry-array-misplaced");
	}
	/* The backup array running into its own header. */
	store_le64(sec(63) + 72, 62);
	store_le32(sec(63) + 80, 5);
	assert_int_equal(reparse(63, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-array-misplaced");
}

static void test_header_entry_size_and_count(void **state UNUSED)
{
	struct gpt_header h;
	const char *why;

	build(512, 20000, 4, 128);
	static const uint32_t bad_size[] = { 0, 1, 64, 127, 129, 192, 384, 640, 8192, 0x80000000u,
					     UINT32_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(bad_size); i++) {
		store_le32(sec(1) + 84, bad_size[i]);
		assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
		assert_string_equal(why, "entry-size-invalid");
	}
	store_le32(sec(1) + 84, 256);
	store_le32(sec(1) + 80, 2);
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_int_equal(h.entry_size, 256);

	store_le32(sec(1) + 84, 128);
	store_le32(sec(1) + 80, 0);
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-count-zero");
	/* Counts whose product with the size would wrap 32 bits. */
	static const uint32_t bad_count[] = { GPT_MAX_ENTRIES + 1, 0x02000000u, 0x80000000u, UINT32_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(bad_count); i++) {
		store_le32(sec(1) + 80, bad_count[i]);
		assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
		assert_string_equal(why, "entry-count-too-large");
	}
	store_le32(sec(1) + 84, 4096);
	store_le32(sec(1) + 80, 0x00100000u);	/* 4096 * 2^20 = 2^32 */
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-count-too-large");
	store_le32(sec(1) + 80, GPT_MAX_ENTRIES);	/* 16 MiB */
	assert_int_equal(reparse(1, &h, &why), CR_EPROTO);
	assert_string_equal(why, "entry-array-too-large");
	/* The largest array: exactly GPT_ARRAY_MAX_BYTES, 2048 sectors. */
	store_le32(sec(1) + 80, GPT_ARRAY_MAX_BYTES / 4096);
	store_le64(sec(1) + 40, 2 + 2048);
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_int_equal(h.array_bytes, GPT_ARRAY_MAX_BYTES);
	assert_int_equal(h.array_lbas, 2048);
	store_le32(sec(1) + 84, 128);
	store_le32(sec(1) + 80, GPT_MAX_ENTRIES);
	assert_int_equal(reparse(1, &h, &why), 0);
	assert_int_equal(h.array_lbas, 1024);
}

/* ------------------------------------------------------------ entries */

static void test_entries_first_after_last(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	put_part(7, 500, 499, T_LINUX_DATA, "backwards", 0);
	seal();
	assert_int_equal(read_disk(&gd), CR_EPROTO);
	assert_string_equal(gd.primary.why, "partition-first-after-last");
	assert_int_equal(gd.primary.entries.bad_slot, 7);
	assert_int_equal(gd.primary.entries_crc, GPT_CHECK_OK);
	assert_int_equal(gd.backup.rc, CR_EPROTO);	/* the same array */
	assert_int_equal(gd.backup_state, GPT_BACKUP_BAD);
}

static void test_entries_out_of_range(void **state UNUSED)
{
	struct gpt_disk gd;
	struct { uint64_t first, last; int ok; } cases[] = {
		{ 33, 40, 0 },			/* starts in the primary array */
		{ 0, 40, 0 },
		{ 1, 1, 0 },
		{ 34, 34, 1 },			/* the first usable sector alone */
		{ 2014, 2014, 1 },		/* the last */
		{ 2014, 2015, 0 },		/* into the backup array */
		{ 2047, 2047, 0 },		/* the backup header */
		{ 2048, 4000, 0 },		/* off the disk */
		{ 100, UINT64_MAX, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		build(512, 2048, 128, 128);
		assert_int_equal(L.last_usable, 2014);
		put_part(5, cases[i].first, cases[i].last, T_LINUX_DATA, "x", 0);
		seal();
		int rc = read_disk(&gd);
		if (cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(gd.entries.nused, 1);
			assert_int_equal(parts[0].index, 5);
			assert_int_equal(parts[0].first_lba, cases[i].first);
			assert_int_equal(gpt_partition_blocks(&parts[0]), 1);
		} else {
			assert_int_equal(rc, CR_EPROTO);
			assert_string_equal(gd.primary.why, "partition-outside-usable-range");
			assert_int_equal(gd.primary.entries.bad_slot, 5);
		}
	}
}

static void test_entries_overlap(void **state UNUSED)
{
	struct gpt_disk gd;
	struct { uint64_t a0, a1, b0, b1; int ok; } cases[] = {
		{ 100, 199, 200, 299, 1 },	/* touching */
		{ 200, 299, 100, 199, 1 },	/* out of order is fine */
		{ 100, 199, 199, 299, 0 },	/* one shared sector */
		{ 100, 199, 150, 160, 0 },	/* inside */
		{ 150, 160, 100, 199, 0 },	/* around */
		{ 100, 199, 100, 199, 0 },	/* identical */
		{ 100, 100, 100, 100, 0 },
		{ 200, 299, 50, 200, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		build(512, 2048, 128, 128);
		put_part(2, cases[i].a0, cases[i].a1, T_LINUX_DATA, "a", 0);
		put_part(9, cases[i].b0, cases[i].b1, T_LINUX_DATA, "b", 0);
		seal();
		int rc = read_disk(&gd);
		if (cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(gd.entries.nused, 2);
		} else {
			assert_int_equal(rc, CR_EPROTO);
			assert_string_equal(gd.primary.why, "partitions-overlap");
			assert_int_equal(gd.primary.entries.bad_slot, 9);
			assert_int_equal(gd.primary.entries.other_slot, 2);
		}
	}
}

/* Unused entries (type GUID zero) are ignored whatever else they hold. */
static void test_entries_unused_ignored(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 2048, 128, 128);
	three_parts();
	put_part(10, 0, UINT64_MAX, T_LINUX_DATA, "ghost", 0);
	memset(entry(L.p_array, 10), 0, 16);
	memset(entry(L.b_array, 10), 0, 16);
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_three_parts(&gd);
}

static void test_zero_partitions(void **state UNUSED)
{
	struct gpt_disk gd;

	build(4096, 64, 128, 128);
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.entries.nused, 0);
	assert_int_equal(gd.entries.nstored, 0);
	assert_int_equal(gd.backup_state, GPT_BACKUP_OK);
	assert_int_equal(parts[0].index, 0xa5a5a5a5);
}

static void test_many_entries(void **state UNUSED)
{
	struct gpt_disk gd;

	build(512, 4096, 128, 128);
	for (unsigned s = 1; s <= 128; s++) {
		char name[37];
		snprintf(name, sizeof(name), "part-%03u-%s", s, "abcdefghijklmnopqrstuvwxyz");
		put_part(s, 100 + 20 * (uint64_t)s, 100 + 20 * (uint64_t)s + 19 - (s % 3), T_LINUX_DATA, name, s);
	}
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(gd.entries.nused, 128);
	assert_int_equal(gd.entries.nstored, 128);
	for (unsigned s = 1; s <= 128; s++) {
		char want[37];
		snprintf(want, sizeof(want), "part-%03u-%s", s, "abcdefghijklmnopqrstuvwxyz");
		assert_int_equal(parts[s - 1].index, s);
		assert_int_equal(parts[s - 1].first_lba, 100 + 20 * (uint64_t)s);
		assert_int_equal(parts[s - 1].attributes, s);
		assert_string_equal(parts[s - 1].name, want);	/* 35 characters, kept whole */
	}
	assert_int_equal(read_disk_max(&gd, 10), 0);
	assert_int_equal(gd.entries.nused, 128);
	assert_int_equal(gd.entries.nstored, 10);
	assert_int_equal(parts[9].index, 10);

	/* An overlap far beyond max is still found. */
	store_le64(entry(L.p_array, 120) + 32, 100 + 20 * 119 + 5);
	store_le64(entry(L.b_array, 120) + 32, 100 + 20 * 119 + 5);
	seal();
	assert_int_equal(read_disk_max(&gd, 10), CR_EPROTO);
	assert_string_equal(gd.primary.why, "partitions-overlap");
	assert_int_equal(gd.primary.entries.bad_slot, 120);
	assert_int_equal(gd.primary.entries.other_slot, 119);
}

/* The most entries Caprock accepts: 4096 used, and one overlapping pair at the very end. */
static void test_max_entries(void **state UNUSED)
{
	struct gpt_disk gd;

	build(4096, 4096 + 300, GPT_MAX_ENTRIES, 128);
	assert_int_equal(L.first_usable, 130);
	for (unsigned s = 1; s <= GPT_MAX_ENTRIES; s++)
		put_part(s, 130 + s, 130 + s, T_LINUX_DATA, "", 0);
	seal();
	assert_int_equal(read_disk_max(&gd, 16), 0);
	assert_int_equal(gd.entries.nused, GPT_MAX_ENTRIES);
	assert_int_equal(gd.hdr.array_lbas, 128);
	put_part(GPT_MAX_ENTRIES, 131, 131, T_LINUX_DATA, "", 0);
	seal();
	assert_int_equal(read_disk_max(&gd, 16), CR_EPROTO);
	assert_int_equal(gd.primary.entries.bad_slot, GPT_MAX_ENTRIES);
	assert_int_equal(gd.primary.entries.other_slot, 1);
}

static void test_names(void **state UNUSED)
{
	struct gpt_disk gd;
	struct { uint16_t u[36]; unsigned int n; const char *want; unsigned int repaired; } cases[] = {
		{ { 'd', 'a', 't', 'a', ' ', 0xfc }, 6, "data ?", 1 },			/* ü */
		{ { 0x65e5, 0x672c }, 2, "??", 2 },					/* CJK */
		{ { 'a', '"', 'b' }, 3, "a?b", 1 },					/* a quote would end name="..." */
		{ { 'a', '\n', 0x1b, 0x7f, 'b' }, 5, "a???b", 3 },			/* controls, DEL */
		{ { 'x', 0xd83d, 0xde00, 'y' }, 4, "x?y", 1 },				/* one emoji, a surrogate pair */
		{ { 'x', 0xde00, 0xd83d, 'y' }, 4, "x??y", 2 },				/* reversed: two strays */
		{ { 'x', 0xd800, 0xe000, 'y' }, 4, "x??y", 2 },				/* high surrogate, no low one */
		{ { 'a', 'b', 0, 'c' }, 4, "ab", 0 },					/* stops at NUL */
		{ { 0 }, 0, "", 0 },
		{ { '~', ' ', '!' }, 3, "~ !", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		build(512, 256, 8, 128);
		put_part(1, 40, 50, T_LINUX_DATA, "", 0);
		put_name_units(1, cases[i].u, cases[i].n);
		seal();
		assert_int_equal(read_disk(&gd), 0);
		assert_string_equal(parts[0].name, cases[i].want);
		assert_int_equal(parts[0].name_repaired, cases[i].repaired);
		assert_int_equal(gd.entries.names_repaired, cases[i].repaired);
	}

	/*
	 * All 36 units, no NUL: the name is 36 characters and nothing beyond
	 * the field is read (256-byte entries: printable reserved bytes follow).
	 */
	uint16_t full[36];
	for (unsigned i = 0; i < 36; i++)
		full[i] = (uint16_t)('A' + i % 26);
	build(512, 256, 8, 256);
	put_part(1, 40, 50, T_LINUX_DATA, "", 0);
	put_name_units(1, full, 36);
	memset(entry(L.p_array, 1) + 128, 'Z', 128);
	memset(entry(L.b_array, 1) + 128, 'Z', 128);
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(strlen(parts[0].name), 36);
	assert_int_equal(parts[0].name[35], 'J');
	/* A high surrogate in the last unit has no partner inside the name. */
	full[35] = 0xd800;
	put_name_units(1, full, 36);
	seal();
	assert_int_equal(read_disk(&gd), 0);
	assert_int_equal(parts[0].name[35], '?');
	assert_int_equal(parts[0].name[36], '\0');
}

/* ------------------------------------------------------------ entries_parse directly */

static void test_entries_parse_arguments(void **state UNUSED)
{
	struct gpt_header h;
	struct gpt_entries_info info;
	const char *why;

	build(512, 64, 4, 128);
	three_parts();
	assert_int_equal(gpt_header_parse(sec(1), 512, 1, 63, &h, &why), 0);
	assert_int_equal(gpt_entries_parse(&h, sec(2), 512, parts, 8, &info, &why), 0);
	assert_int_equal(info.nused, 3);
	/* Exactly array_bytes is enough; one byte less is not. */
	assert_int_equal(gpt_entries_parse(&h, sec(2), 512, NULL, 0, &info, &why), 0);
	assert_int_equal(info.nstored, 0);
	assert_int_equal(gpt_entries_parse(&h, sec(2), 511, parts, 8, &info, &why), CR_EINVAL);
	assert_string_equal(why, "entry-array-short");
	/* A header that did not come from gpt_header_parse. */
	struct gpt_header forged = h;
	forged.num_entries = 0x02000000;
	forged.array_bytes = 0;
	assert_int_equal(gpt_entries_parse(&forged, sec(2), 512, parts, 8, &info, &why), CR_EINVAL);
	assert_string_equal(why, "header-not-parsed");
	forged = h;
	forged.entry_size = 64;
	forged.array_bytes = 256;
	assert_int_equal(gpt_entries_parse(&forged, sec(2), 512, parts, 8, &info, &why), CR_EINVAL);
	/* The why pointer may be NULL. */
	assert_int_equal(gpt_entries_parse(&h, sec(2), 511, parts, 8, &info, NULL), CR_EINVAL);
}

static void test_scratch_too_small(void **state UNUSED)
{
	struct gpt_disk gd;
	uint8_t tiny[100];
	struct gpt_io io = { .read = disk_read, .ctx = &D, .lba_bytes = 512, .last_lba = 2047,
			     .scratch = tiny, .scratch_bytes = sizeof(tiny) };

	build(512, 2048, 128, 128);
	three_parts();
	assert_int_equal(gpt_read_disk(&io, parts, 8, &gd), CR_EINVAL);	/* not even a sector */
	io.scratch = NULL;
	assert_int_equal(gpt_read_disk(&io, parts, 8, &gd), CR_EINVAL);
	assert_int_equal(gpt_read_disk(NULL, parts, 8, &gd), CR_EINVAL);
	io.scratch = tiny;
	io.scratch_bytes = 1;
	assert_int_equal(gpt_read_disk(&io, NULL, 8, &gd), CR_EINVAL);
	assert_int_equal(D.reads, 0);

	scratch_override = 16 * 512;	/* half the array */
	assert_int_equal(read_disk(&gd), CR_ENOMEM);
	assert_string_equal(gd.primary.why, "entry-array-exceeds-scratch");
	assert_int_equal(gd.primary.scratch_needed, 32 * 512);
	assert_int_equal(gd.backup.rc, CR_ENOMEM);
	scratch_override = 32 * 512;
	assert_int_equal(read_disk(&gd), 0);
	assert_three_parts(&gd);
}

/* ------------------------------------------------------------ GUIDs and the map */

static void test_guid_text(void **state UNUSED)
{
	static const uint8_t esp[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
					 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
	char t[GPT_GUID_STR_BYTES];
	uint8_t g[16];

	gpt_guid_format(esp, t);
	assert_string_equal(t, T_EFI_SYSTEM);
	assert_int_equal(gpt_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", g), 0);
	assert_memory_equal(g, esp, 16);
	memset(g, 0xff, 16);
	gpt_guid_format(g, t);
	assert_string_equal(t, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	memset(g, 0, 16);
	assert_true(gpt_guid_is_zero(g));
	g[15] = 1;
	assert_false(gpt_guid_is_zero(g));

	static const char *const bad[] = {
		"", "c12a7328", "c12a7328-f81f-11d2-ba4b-00a0c93ec93",
		"c12a7328-f81f-11d2-ba4b-00a0c93ec93b0", "c12a7328f-81f-11d2-ba4b-00a0c93ec93b",
		"c12a7328-f81f-11d2-ba4b_00a0c93ec93b", "g12a7328-f81f-11d2-ba4b-00a0c93ec93b",
		"c12a7328-f81f-11d2-ba4b-00a0c93ec93 ", " c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
		"c12a7328-f81f-11d2-ba4b-00a0c93ec9-b",
	};
	memcpy(g, esp, 16);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(gpt_guid_parse(bad[i], g), CR_EINVAL);
		assert_memory_equal(g, esp, 16);	/* untouched on failure */
	}
}

static void test_partition_map(void **state UNUSED)
{
	struct gpt_partition p = { .first_lba = 2048, .last_lba = 4095 };
	uint64_t abs = 0;

	assert_int_equal(gpt_partition_blocks(&p), 2048);
	assert_int_equal(gpt_partition_map(&p, 0, 1, &abs), 0);
	assert_int_equal(abs, 2048);
	assert_int_equal(gpt_partition_map(&p, 0, 2048, &abs), 0);
	assert_int_equal(gpt_partition_map(&p, 2047, 1, &abs), 0);
	assert_int_equal(abs, 4095);
	abs = 7;
	assert_int_equal(gpt_partition_map(&p, 2047, 2, &abs), CR_ERANGE);	/* straddles the end */
	assert_int_equal(abs, 7);
	assert_int_equal(gpt_partition_map(&p, 2048, 1, &abs), CR_ERANGE);
	assert_int_equal(gpt_partition_map(&p, 0, 2049, &abs), CR_ERANGE);
	assert_int_equal(gpt_partition_map(&p, 0, 0, &abs), CR_ERANGE);
	assert_int_equal(gpt_partition_map(&p, 1, UINT64_MAX, &abs), CR_ERANGE);
	assert_int_equal(gpt_partition_map(&p, UINT64_MAX, 2, &abs), CR_ERANGE);
	assert_int_equal(gpt_partition_map(&p, UINT64_MAX - 2040, 2048, &abs), CR_ERANGE);
	/* Extremes that must not wrap. */
	struct gpt_partition q = { .first_lba = 2, .last_lba = UINT64_MAX };
	assert_int_equal(gpt_partition_map(&q, UINT64_MAX - 2, 1, &abs), 0);
	assert_int_equal(abs, UINT64_MAX);
	assert_int_equal(gpt_partition_map(&q, UINT64_MAX - 2, 2, &abs), CR_ERANGE);
	struct gpt_partition r = { .first_lba = 10, .last_lba = 9 };
	assert_int_equal(gpt_partition_map(&r, 0, 1, &abs), CR_ERANGE);
}

static void test_names_of_states(void **state UNUSED)
{
	assert_string_equal(gpt_check_name(GPT_CHECK_NONE), "none");
	assert_string_equal(gpt_check_name(GPT_CHECK_OK), "ok");
	assert_string_equal(gpt_check_name(GPT_CHECK_BAD), "bad");
	assert_string_equal(gpt_check_name((enum gpt_check)42), "none");
	assert_string_equal(gpt_backup_name(GPT_BACKUP_OK), "ok");
	assert_string_equal(gpt_backup_name(GPT_BACKUP_MISSING), "missing");
	assert_string_equal(gpt_backup_name(GPT_BACKUP_BAD), "bad");
	assert_string_equal(gpt_backup_name(GPT_BACKUP_MISMATCH), "mismatch");
	assert_string_equal(gpt_backup_name((enum gpt_backup_state)42), "bad");
	assert_string_equal(gpt_copies_name(GPT_COPIES_AGREE), "agree");
	assert_string_equal(gpt_copies_name(GPT_COPIES_DISAGREE), "disagree");
	assert_string_equal(gpt_copies_name(GPT_COPIES_PRIMARY_ONLY), "primary-only");
	assert_string_equal(gpt_copies_name(GPT_COPIES_BACKUP_ONLY), "backup-only");
	assert_string_equal(gpt_copies_name((enum gpt_copies)42), "none");
	assert_string_equal(gpt_rule_name(GPT_RULE_PRIMARY), "primary-valid");
	assert_string_equal(gpt_rule_name(GPT_RULE_BACKUP_SAME_TABLE), "backup-same-table");
	assert_string_equal(gpt_rule_name((enum gpt_rule)42), "none");
	assert_string_equal(gpt_meta_name(GPT_META_LBA0), "lba0");
	assert_string_equal(gpt_meta_name(GPT_META_END_ARRAY), "end-array");
	assert_string_equal(gpt_meta_name(GPT_META_COUNT), "none");
	char t[96], small[8];
	gpt_diff_format(0, t, sizeof(t));
	assert_string_equal(t, "none");
	gpt_diff_format((1u << GPT_DIFF_BITS) - 1, t, sizeof(t));
	assert_string_equal(t, "disk-guid,usable-range,entry-count,entry-size,entries-crc,alternate-lba");
	gpt_diff_format(GPT_DIFF_DISK_GUID | GPT_DIFF_ENTRY_SIZE, small, sizeof(small));
	assert_string_equal(small, "disk-gu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgdisk_table),
		cmocka_unit_test(test_valid_512),
		cmocka_unit_test(test_valid_4k),
		cmocka_unit_test(test_all_sector_sizes),
		cmocka_unit_test(test_array_ends_mid_sector),
		cmocka_unit_test(test_big_entries),
		cmocka_unit_test(test_primary_header_crc_bad),
		cmocka_unit_test(test_primary_entries_crc_bad),
		cmocka_unit_test(test_primary_wiped),
		cmocka_unit_test(test_primary_unreadable),
		cmocka_unit_test(test_both_bad),
		cmocka_unit_test(test_no_gpt),
		cmocka_unit_test(test_disk_too_small),
		cmocka_unit_test(test_backup_missing_or_bad),
		cmocka_unit_test(test_backup_mismatch),
		cmocka_unit_test(test_disk_grew),
		cmocka_unit_test(test_disk_shrank),
		cmocka_unit_test(test_backup_covering_primary_array_refused),
		cmocka_unit_test(test_backup_partition_over_primary_refused),
		cmocka_unit_test(test_claimed_array_of_a_refused_header_kept_out),
		cmocka_unit_test(test_primary_partition_over_backup_array_refused),
		cmocka_unit_test(test_header_at_new_end_kept_clear),
		cmocka_unit_test(test_many_refused),
		cmocka_unit_test(test_header_signature_revision_reserved),
		cmocka_unit_test(test_header_size),
		cmocka_unit_test(test_header_my_lba),
		cmocka_unit_test(test_header_alternate_lba),
		cmocka_unit_test(test_header_usable_range),
		cmocka_unit_test(test_header_array_placement),
		cmocka_unit_test(test_header_entry_size_and_count),
		cmocka_unit_test(test_entries_first_after_last),
		cmocka_unit_test(test_entries_out_of_range),
		cmocka_unit_test(test_entries_overlap),
		cmocka_unit_test(test_entries_unused_ignored),
		cmocka_unit_test(test_zero_partitions),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_entries_parse_arguments),
		cmocka_unit_test(test_scratch_too_small),
		cmocka_unit_test(test_guid_text),
		cmocka_unit_test(test_partition_map),
		cmocka_unit_test(test_names_of_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
