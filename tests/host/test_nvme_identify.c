/*
 * tests/host/test_nvme_identify.c - host tests for lib/nvme_identify.c:
 * IDENTIFY CONTROLLER fields at their Base 2.0c §5.17.2.1 offsets, string
 * cleaning (trailing spaces/NULs, non-printable and non-ASCII bytes,
 * unterminated full-length strings), IDENTIFY NAMESPACE (NVM CS 1.0c
 * §4.1.5.1: FLBAS index with its high bits, the extended bit, LBADS bounds,
 * index beyond NLBAF, inactive namespaces, NCAP > NSZE), the active
 * namespace list and MDTS in bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

static uint8_t buf[NVME_IDENTIFY_BYTES];

static void put16(uint8_t *b, unsigned off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put_str(uint8_t *b, unsigned off, unsigned len, const char *s)
{
	size_t n = strlen(s);

	memset(b + off, ' ', len);
	memcpy(b + off, s, n < len ? n : len);
}

/* ------------------------------------------------------------ controller */

static void test_ctrl_fields_at_spec_offsets(void **state UNUSED)
{
	struct nvme_ctrl_info ci;

	memset(buf, 0, sizeof(buf));
	/* Literal spec offsets, not the header's names: the header is under test too. */
	put16(buf, 0, 0x1d0f);			/* VID */
	put16(buf, 2, 0x1d0e);			/* SSVID */
	put_str(buf, 4, 20, "vol0123456789abcdef0");	/* SN: exactly 20 */
	put_str(buf, 24, 40, "Amazon Elastic Block Store");
	put_str(buf, 64, 8, "2.0");
	buf[77] = 5;				/* MDTS */
	put16(buf, 78, 0x1234);			/* CNTLID */
	store_le32(buf + 80, 0x00010400);	/* VER 1.4.0 */
	put16(buf, 256, 0x0006);		/* OACS */
	buf[259] = 3;				/* AERL */
	buf[512] = 0x66;			/* SQES */
	buf[513] = 0x44;			/* CQES */
	store_le32(buf + 516, 128);		/* NN */
	put16(buf, 520, NVME_ONCS_WRITE_ZEROES | NVME_ONCS_DSM);
	buf[525] = 0x07;			/* VWC: present, broadcast flush */
	store_le32(buf + 536, 0x00000001);	/* SGLS */
	/* Neighbouring bytes that must not leak into fields. */
	buf[76] = 0xff;
	buf[84] = 0xff;
	buf[258] = 0xff;
	buf[514] = 0xff;
	buf[522] = 0xff;
	buf[524] = 0xff;
	buf[526] = 0xff;

	nvme_parse_identify_ctrl(buf, &ci);
	assert_int_equal(ci.vid, 0x1d0f);
	assert_int_equal(ci.ssvid, 0x1d0e);
	assert_string_equal(ci.sn, "vol0123456789abcdef0");
	assert_string_equal(ci.mn, "Amazon Elastic Block Store");
	assert_string_equal(ci.fr, "2.0");
	assert_int_equal(ci.strings_repaired, 0);
	assert_int_equal(ci.mdts, 5);
	assert_int_equal(ci.cntlid, 0x1234);
	assert_int_equal(ci.ver, 0x00010400);
	assert_int_equal(ci.oacs, 6);
	assert_int_equal(ci.aerl, 3);
	assert_int_equal(ci.sqes, 0x66);
	assert_int_equal(ci.cqes, 0x44);
	assert_int_equal(ci.nn, 128);
	assert_int_equal(ci.oncs, NVME_ONCS_WRITE_ZEROES | NVME_ONCS_DSM);
	assert_int_equal(ci.vwc, 7);
	assert_int_equal(NVME_VWC_FLUSH_BROADCAST(ci.vwc), 3);
	assert_int_equal(ci.sgls, 1);
}

static void test_ctrl_header_offsets(void **state UNUSED)
{
	assert_int_equal(NVME_IDC_VID, 0);
	assert_int_equal(NVME_IDC_SSVID, 2);
	assert_int_equal(NVME_IDC_SN, 4);
	assert_int_equal(NVME_IDC_MN, 24);
	assert_int_equal(NVME_IDC_FR, 64);
	assert_int_equal(NVME_IDC_MDTS, 77);
	assert_int_equal(NVME_IDC_CNTLID, 78);
	assert_int_equal(NVME_IDC_VER, 80);
	assert_int_equal(NVME_IDC_OACS, 256);
	assert_int_equal(NVME_IDC_AERL, 259);
	assert_int_equal(NVME_IDC_SQES, 512);
	assert_int_equal(NVME_IDC_CQES, 513);
	assert_int_equal(NVME_IDC_NN, 516);
	assert_int_equal(NVME_IDC_ONCS, 520);
	assert_int_equal(NVME_IDC_VWC, 525);
	assert_int_equal(NVME_IDC_SGLS, 536);
	assert_int_equal(NVME_IDNS_NSZE, 0);
	assert_int_equal(NVME_IDNS_NCAP, 8);
	assert_int_equal(NVME_IDNS_NUSE, 16);
	assert_int_equal(NVME_IDNS_NLBAF, 25);
	assert_int_equal(NVME_IDNS_FLBAS, 26);
	assert_int_equal(NVME_IDNS_DPS, 29);
	assert_int_equal(NVME_IDNS_LBAF, 128);
}

static void test_ctrl_all_ones(void **state UNUSED)
{
	struct nvme_ctrl_info ci;

	memset(buf, 0xff, sizeof(buf));
	nvme_parse_identify_ctrl(buf, &ci);
	assert_int_equal(ci.vid, 0xffff);
	assert_int_equal(ci.nn, 0xffffffffu);
	assert_int_equal(ci.sgls, 0xffffffffu);
	/* Every string byte non-ASCII: all replaced, lengths bounded. */
	assert_int_equal(strlen(ci.sn), 20);
	assert_int_equal(strlen(ci.mn), 40);
	assert_int_equal(strlen(ci.fr), 8);
	assert_int_equal(ci.strings_repaired, 20 + 40 + 8);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ci.sn[i], '?');
}

static void test_ctrl_all_zero(void **state UNUSED)
{
	struct nvme_ctrl_info ci;

	memset(buf, 0, sizeof(buf));
	memset(&ci, 0x77, sizeof(ci));
	nvme_parse_identify_ctrl(buf, &ci);
	/* NUL padding is trailing padding: empty strings, nothing repaired. */
	assert_string_equal(ci.sn, "");
	assert_string_equal(ci.mn, "");
	assert_string_equal(ci.fr, "");
	assert_int_equal(ci.strings_repaired, 0);
	assert_int_equal(ci.mdts, 0);
	assert_int_equal(ci.nn, 0);
}

static void test_ctrl_strings(void **state UNUSED)
{
	struct nvme_ctrl_info ci;

	memset(buf, 0, sizeof(buf));
	/* An interior NUL is repaired; trailing spaces and NULs mixed are padding. */
	memcpy(buf + 4, "SN1\0X \0 \0", 9);
	memset(buf + 13, ' ', 11);
	/* Interior spaces kept, a control byte and a high byte repaired. */
	put_str(buf, 24, 40, "QEMU NVMe Ctrl");
	buf[24 + 4] = 0x01;
	buf[24 + 9] = 0xc3;
	/* Full-length firmware with no padding at all. */
	memcpy(buf + 64, "ABCDEFGH", 8);
	buf[72] = 'X';	/* the byte after FR must not be read into it */
	nvme_parse_identify_ctrl(buf, &ci);
	assert_string_equal(ci.sn, "SN1?X");
	assert_string_equal(ci.mn, "QEMU?NVMe?Ctrl");
	assert_string_equal(ci.fr, "ABCDEFGH");
	assert_int_equal(ci.strings_repaired, 1 + 2);
	/* Only padding after a string: nothing to repair. */
	memcpy(buf + 4, "SN1 \0 \0", 7);
	nvme_parse_identify_ctrl(buf, &ci);
	assert_string_equal(ci.sn, "SN1");
	assert_int_equal(ci.strings_repaired, 2);
}

static void test_copy_ascii(void **state UNUSED)
{
	char dst[64];
	uint8_t src[40];

	/* Trailing spaces and NULs dropped. */
	memcpy(src, "abc   ", 6);
	assert_int_equal(nvme_copy_ascii(dst, src, 6), 0);
	assert_string_equal(dst, "abc");
	memcpy(src, "abc\0\0\0", 6);
	assert_int_equal(nvme_copy_ascii(dst, src, 6), 0);
	assert_string_equal(dst, "abc");
	memcpy(src, "abc \0 \0", 7);
	assert_int_equal(nvme_copy_ascii(dst, src, 7), 0);
	assert_string_equal(dst, "abc");
	/* Leading spaces are kept (the spec pads at the end only). */
	memcpy(src, "  ab", 4);
	assert_int_equal(nvme_copy_ascii(dst, src, 4), 0);
	assert_string_equal(dst, "  ab");
	/* All padding. */
	memset(src, ' ', 20);
	memset(dst, 'x', sizeof(dst));
	assert_int_equal(nvme_copy_ascii(dst, src, 20), 0);
	assert_string_equal(dst, "");
	/* Zero length. */
	dst[0] = 'x';
	assert_int_equal(nvme_copy_ascii(dst, src, 0), 0);
	assert_string_equal(dst, "");
	/* Every byte value: printable ASCII kept, the rest replaced and counted. */
	for (unsigned v = 0; v < 256; v++) {
		src[0] = (uint8_t)v;
		src[1] = 'z';
		assert_int_equal(nvme_copy_ascii(dst, src, 2), (v >= 0x20 && v <= 0x7e) ? 0 : 1);
		if (v >= 0x20 && v <= 0x7e)
			assert_int_equal((unsigned char)dst[0], v);
		else
			assert_int_equal(dst[0], '?');
		assert_int_equal(dst[1], 'z');
		assert_int_equal(dst[2], '\0');
	}
	/* Full length with no padding: terminated at srclen, no byte more. */
	memset(dst, 'x', sizeof(dst));
	memcpy(src, "0123456789012345678901234567890123456789", 40);
	assert_int_equal(nvme_copy_ascii(dst, src, 40), 0);
	assert_int_equal(strlen(dst), 40);
	assert_int_equal(dst[41], 'x');
	/* A trailing non-printable byte is not padding. */
	memcpy(src, "ab\x7f", 3);
	assert_int_equal(nvme_copy_ascii(dst, src, 3), 1);
	assert_string_equal(dst, "ab?");
	memcpy(src, "ab\t", 3);
	assert_int_equal(nvme_copy_ascii(dst, src, 3), 1);
	assert_string_equal(dst, "ab?");
}

/* ------------------------------------------------------------ namespace */

static void ns_image(uint64_t nsze, uint64_t ncap, uint8_t nlbaf, uint8_t flbas)
{
	memset(buf, 0, sizeof(buf));
	store_le64(buf + 0, nsze);
	store_le64(buf + 8, ncap);
	store_le64(buf + 16, ncap / 2);
	buf[25] = nlbaf;
	buf[26] = flbas;
}

static void lbaf(unsigned i, uint16_t ms, uint8_t lbads, uint8_t rp)
{
	store_le32(buf + 128 + 4 * i, (uint32_t)ms | (uint32_t)lbads << 16 | (uint32_t)(rp & 3) << 24);
}

static void test_ns_basic(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why = NULL;

	ns_image(0x200000, 0x200000, 1, 0);
	lbaf(0, 0, 9, 0);
	lbaf(1, 0, 12, 0);
	buf[29] = 0x01;		/* DPS: type 1 */
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.nsze, 0x200000);
	assert_int_equal(ni.ncap, 0x200000);
	assert_int_equal(ni.nuse, 0x100000);
	assert_int_equal(ni.nlbaf, 1);
	assert_int_equal(ni.lbaf_index, 0);
	assert_int_equal(ni.lba_bytes, 512);
	assert_int_equal(ni.ms, 0);
	assert_false(ni.extended);
	assert_int_equal(ni.dps, 1);
	/* The second format, 4 KiB with 8 bytes of metadata, extended. */
	buf[26] = 1 | NVME_FLBAS_EXTENDED;
	lbaf(1, 8, 12, 2);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.lbaf_index, 1);
	assert_int_equal(ni.lba_bytes, 4096);
	assert_int_equal(ni.ms, 8);
	assert_true(ni.extended);
	/* 64-bit sizes are read whole. */
	ns_image(0x0123456789abcdefull, 0x0123456789abcdefull, 0, 0);
	lbaf(0, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.nsze, 0x0123456789abcdefull);
}

static void test_ns_flbas_high_bits(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why = NULL;

	/* 64 formats (NLBAF 63); index = FLBAS bits 3:0 | bits 6:5 << 4. */
	ns_image(1000, 1000, 63, 0);
	for (unsigned i = 0; i < 64; i++)
		lbaf(i, (uint16_t)i, (uint8_t)(9 + i % 8), 0);
	for (unsigned idx = 0; idx < 64; idx++) {
		for (unsigned ext = 0; ext < 2; ext++) {
			uint8_t flbas = (uint8_t)((idx & 0xf) | ((idx >> 4) << 5) | (ext ? NVME_FLBAS_EXTENDED : 0));
			buf[26] = flbas;
			assert_int_equal(NVME_FLBAS_INDEX(flbas), idx);
			assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
			assert_int_equal(ni.lbaf_index, idx);
			assert_int_equal(ni.ms, idx);
			assert_int_equal(ni.lba_bytes, 1u << (9 + idx % 8));
			assert_int_equal(ni.extended, ext);
		}
	}
	/* Bit 7 is reserved and does not change the index. */
	buf[26] = 0x80 | 0x21;	/* index 0x11 */
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.lbaf_index, 0x11);
	assert_false(ni.extended);
}

static void test_ns_index_beyond_nlbaf(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why = NULL;

	ns_image(1000, 1000, 3, 4);	/* 4 formats (0..3), index 4 */
	for (unsigned i = 0; i < 64; i++)
		lbaf(i, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), CR_EPROTO);
	assert_string_equal(why, "lba-format-index-beyond-nlbaf");
	buf[26] = 3;
	why = NULL;
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_null(why);
	/* High bits push the index past a small NLBAF (16 formats). */
	ns_image(1000, 1000, 15, 0x20);	/* index 16 */
	for (unsigned i = 0; i < 64; i++)
		lbaf(i, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), CR_EPROTO);
	assert_string_equal(why, "lba-format-index-beyond-nlbaf");
	buf[25] = 16;
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.lbaf_index, 16);
	/* NLBAF itself beyond 64 formats. */
	for (unsigned nlbaf = 64; nlbaf < 256; nlbaf += 7) {
		ns_image(1000, 1000, (uint8_t)nlbaf, 0);
		lbaf(0, 0, 9, 0);
		assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), CR_EPROTO);
		assert_string_equal(why, "lba-format-index-beyond-nlbaf");
	}
}

static void test_ns_lbads_bounds(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why;

	for (unsigned lbads = 0; lbads < 256; lbads++) {
		ns_image(1000, 1000, 0, 0);
		lbaf(0, 0, (uint8_t)lbads, 0);
		why = NULL;
		int rc = nvme_parse_identify_ns(buf, &ni, &why);
		if (lbads >= 9 && lbads <= 31) {
			assert_int_equal(rc, 0);
			assert_int_equal(ni.lba_bytes, 1u << lbads);
		} else {
			assert_int_equal(rc, CR_EPROTO);
			assert_string_equal(why, "lba-data-size-out-of-range");
		}
	}
	/* RP bits and metadata size do not disturb LBADS. */
	ns_image(1000, 1000, 0, 0);
	store_le32(buf + 128, 0xff0cffffu);	/* RP 3, reserved bits set, LBADS 12, MS 0xffff */
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.lba_bytes, 4096);
	assert_int_equal(ni.ms, 0xffff);
}

static void test_ns_inactive(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why = NULL;

	memset(buf, 0, sizeof(buf));
	memset(&ni, 0x77, sizeof(ni));
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.nsze, 0);
	assert_int_equal(ni.lba_bytes, 0);
	assert_null(why);
	/* NSZE 0 with garbage elsewhere is still just inactive. */
	ns_image(0, 5000, 200, 0x7f);
	lbaf(0, 0, 3, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	assert_int_equal(ni.nsze, 0);
	assert_int_equal(ni.lba_bytes, 0);
	assert_null(why);
}

static void test_ns_ncap_above_nsze(void **state UNUSED)
{
	struct nvme_ns_info ni;
	const char *why = NULL;

	ns_image(1000, 1001, 0, 0);
	lbaf(0, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), CR_EPROTO);
	assert_string_equal(why, "capacity-exceeds-size");
	/* Thin provisioning (NCAP < NSZE) and NCAP == NSZE are fine. */
	ns_image(1000, 999, 0, 0);
	lbaf(0, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	ns_image(UINT64_MAX, UINT64_MAX, 0, 0);
	lbaf(0, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), 0);
	ns_image(1, UINT64_MAX, 0, 0);
	lbaf(0, 0, 9, 0);
	assert_int_equal(nvme_parse_identify_ns(buf, &ni, &why), CR_EPROTO);
}

/* ------------------------------------------------------------ namespace list */

static void test_ns_list(void **state UNUSED)
{
	uint32_t out[1024];

	memset(buf, 0, sizeof(buf));
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 0);
	store_le32(buf + 0, 1);
	store_le32(buf + 4, 2);
	store_le32(buf + 8, 7);
	store_le32(buf + 12, 0);
	store_le32(buf + 16, 9);	/* after the terminator: ignored */
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 3);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 7);
	/* max bounds the output. */
	out[2] = 0xdead;
	assert_int_equal(nvme_parse_ns_list(buf, out, 2), 2);
	assert_int_equal(out[2], 0xdead);
	assert_int_equal(nvme_parse_ns_list(buf, out, 0), 0);
}

static void test_ns_list_garbage(void **state UNUSED)
{
	uint32_t out[1024];

	/* Non-ascending: the list is cut where order breaks. */
	memset(buf, 0, sizeof(buf));
	store_le32(buf + 0, 5);
	store_le32(buf + 4, 3);
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 1);
	store_le32(buf + 4, 5);	/* duplicate */
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 1);
	/* The broadcast id never names a namespace. */
	store_le32(buf + 4, NVME_NSID_BROADCAST);
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 1);
	store_le32(buf + 0, NVME_NSID_BROADCAST);
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 0);
	/* 0xfffffffe is a legal id. */
	store_le32(buf + 0, 0xfffffffeu);
	store_le32(buf + 4, 0);
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 1);
	assert_int_equal(out[0], 0xfffffffeu);
	/* A full list of 1024 ids with no terminator. */
	for (uint32_t i = 0; i < 1024; i++)
		store_le32(buf + 4 * i, 2 * i + 1);
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 1024);
	assert_int_equal(out[1023], 2047);
	assert_int_equal(nvme_parse_ns_list(buf, out, 5000), 1024);	/* never past the page */
	/* All ones. */
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(nvme_parse_ns_list(buf, out, 1024), 0);
}

/* ------------------------------------------------------------ MDTS */

static void test_mdts_bytes(void **state UNUSED)
{
	/* 0: no limit. */
	for (uint32_t mps = 0; mps < 16; mps++)
		assert_int_equal(nvme_mdts_bytes(0, mps), 0);
	/* 2^MDTS minimum pages. */
	assert_int_equal(nvme_mdts_bytes(1, 0), 8192);
	assert_int_equal(nvme_mdts_bytes(5, 0), 128u << 10);
	assert_int_equal(nvme_mdts_bytes(7, 0), 512u << 10);
	assert_int_equal(nvme_mdts_bytes(9, 0), 2u << 20);
	/* MPSMIN scales the unit: 2^(12+MPSMIN). */
	assert_int_equal(nvme_mdts_bytes(5, 1), 256u << 10);
	assert_int_equal(nvme_mdts_bytes(5, 4), 2u << 20);
	assert_int_equal(nvme_mdts_bytes(1, 15), 1ull << 28);
	for (uint32_t m = 1; m < 40; m++) {
		for (uint32_t mps = 0; mps < 16; mps++) {
			if (m + 12 + mps < 63)
				assert_int_equal(nvme_mdts_bytes((uint8_t)m, mps), 1ull << (12 + mps + m));
		}
	}
	/* The largest representable and anything beyond (treated as no limit). */
	assert_int_equal(nvme_mdts_bytes(50, 0), 1ull << 62);
	assert_int_equal(nvme_mdts_bytes(51, 0), 0);
	assert_int_equal(nvme_mdts_bytes(35, 15), 1ull << 62);
	assert_int_equal(nvme_mdts_bytes(36, 15), 0);
	assert_int_equal(nvme_mdts_bytes(255, 0), 0);
	assert_int_equal(nvme_mdts_bytes(255, 15), 0);
	assert_int_equal(nvme_mdts_bytes(1, 49), 1ull << 62);
	assert_int_equal(nvme_mdts_bytes(1, 50), 0);
	/* An MPSMIN beyond its 4-bit field does not wrap into a small shift. */
	assert_int_equal(nvme_mdts_bytes(1, UINT32_MAX), 0);
	assert_int_equal(nvme_mdts_bytes(255, UINT32_MAX - 200), 0);
	assert_int_equal(nvme_mdts_bytes(5, UINT32_MAX - 14), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctrl_fields_at_spec_offsets),
		cmocka_unit_test(test_ctrl_header_offsets),
		cmocka_unit_test(test_ctrl_all_ones),
		cmocka_unit_test(test_ctrl_all_zero),
		cmocka_unit_test(test_ctrl_strings),
		cmocka_unit_test(test_copy_ascii),
		cmocka_unit_test(test_ns_basic),
		cmocka_unit_test(test_ns_flbas_high_bits),
		cmocka_unit_test(test_ns_index_beyond_nlbaf),
		cmocka_unit_test(test_ns_lbads_bounds),
		cmocka_unit_test(test_ns_inactive),
		cmocka_unit_test(test_ns_ncap_above_nsze),
		cmocka_unit_test(test_ns_list),
		cmocka_unit_test(test_ns_list_garbage),
		cmocka_unit_test(test_mdts_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
