/*
 * tests/host/test_multiboot2.c - host tests for lib/multiboot2.c on boot
 * information built byte by byte here: what GRUB gives under BIOS and UEFI
 * (command line, loader name, memory map, ACPI RSDP copies, framebuffer),
 * and every malformed shape the parser must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/multiboot2.h"

#define UNUSED __attribute__((unused))

/* ------------------------------------------------------------ builder */

struct mbi {
	uint8_t b[4096];
	size_t n;
};

static void put32(struct mbi *m, uint32_t v)
{
	assert_true(m->n + 4 <= sizeof(m->b));
	for (int i = 0; i < 4; i++)
		m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void put64(struct mbi *m, uint64_t v)
{
	put32(m, (uint32_t)v);
	put32(m, (uint32_t)(v >> 32));
}

static void putn(struct mbi *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	if (n)
		memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void pad8(struct mbi *m)
{
	while (m->n % 8)
		m->b[m->n++] = 0;
}

static void set32(struct mbi *m, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		m->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void mbi_begin(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	put32(m, 0);	/* total_size, set by mbi_end */
	put32(m, 0);
}

static void tag_string(struct mbi *m, uint32_t type, const char *s)
{
	size_t len = strlen(s) + 1;

	put32(m, type);
	put32(m, (uint32_t)(8 + len));
	putn(m, s, len);
	pad8(m);
}

static void tag_mmap(struct mbi *m, uint32_t entry_size, unsigned n, const uint64_t (*e)[3])
{
	put32(m, MB2_TAG_MMAP);
	put32(m, 16 + n * entry_size);
	put32(m, entry_size);
	put32(m, 0);
	for (unsigned i = 0; i < n; i++) {
		put64(m, e[i][0]);
		put64(m, e[i][1]);
		put32(m, (uint32_t)e[i][2]);
		put32(m, 0);
		for (uint32_t k = 24; k < entry_size; k++)
			m->b[m->n++] = 0xee;
	}
	pad8(m);
}

static void tag_raw(struct mbi *m, uint32_t type, const void *payload, size_t n)
{
	put32(m, type);
	put32(m, (uint32_t)(8 + n));
	putn(m, payload, n);
	pad8(m);
}

static size_t mbi_end(struct mbi *m)
{
	put32(m, MB2_TAG_END);
	put32(m, 8);
	set32(m, 0, (uint32_t)m->n);
	return m->n;
}

/* An exact-size heap copy so AddressSanitizer sees any read past the stated bytes. */
static const void *exact(const void *src, size_t n)
{
	static void *copy;

	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, src, n);
	return copy;
}

static const uint64_t bios_map[][3] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0xfee0000, MB2_MEM_AVAILABLE },
	{ 0xffe0000, 0x20000, MB2_MEM_RESERVED },
};

static uint8_t rsdp_v1[20] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };
static uint8_t rsdp_v2[36] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'O', 'E', 'M', 'I', 'D', ' ', 2 };

/* ------------------------------------------------------------ well-formed */

static void test_grub_bios_shape(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	struct mb2_mmap_entry e;
	const char *why = NULL;

	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "mode=serve nvme.read=0:8");
	tag_string(&m, MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u2");
	static const uint32_t meminfo[2] = { 639, 261120 };
	tag_raw(&m, MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	tag_mmap(&m, 24, 5, bios_map);
	tag_raw(&m, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	size_t n = mbi_end(&m);

	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_null(why);
	assert_int_equal(info.total_size, n);
	assert_int_equal(info.ntags, 5);
	assert_string_equal(info.cmdline, "mode=serve nvme.read=0:8");
	assert_string_equal(info.loader_name, "GRUB 2.06-13+deb12u2");
	assert_int_equal(info.mmap_count, 5);
	assert_int_equal(info.mmap_entry_size, 24);
	mb2_mmap_entry(&info, 3, &e);
	assert_int_equal(e.base, 0x100000);
	assert_int_equal(e.length, 0xfee0000);
	assert_int_equal(e.type, MB2_MEM_AVAILABLE);
	mb2_mmap_entry(&info, 1, &e);
	assert_int_equal(e.type, MB2_MEM_RESERVED);
	assert_non_null(info.rsdp);
	assert_false(info.rsdp_is_new);
	assert_int_equal(info.rsdp_len, 20);
	assert_memory_equal(info.rsdp, rsdp_v1, 20);
	assert_false(info.efi_boot_services);
	assert_false(info.framebuffer);
}

static void test_grub_uefi_shape_prefers_new_rsdp(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	const char *why = NULL;

	/* GRUB on UEFI: both RSDP copies (new after old), EFI tags, a framebuffer. */
	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "");
	tag_raw(&m, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	tag_raw(&m, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	static const uint8_t fb[24] = { 0 };
	tag_raw(&m, MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	static const uint64_t efi_st = 0x7fe00000;
	tag_raw(&m, 12, &efi_st, sizeof(efi_st));
	tag_mmap(&m, 24, 2, bios_map);
	static const uint8_t efi_mmap[8 + 48] = { 48, 0, 0, 0, 1 };
	tag_raw(&m, MB2_TAG_EFI_MMAP, efi_mmap, sizeof(efi_mmap));
	size_t n = mbi_end(&m);

	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_string_equal(info.cmdline, "");
	assert_null(info.loader_name);
	assert_true(info.rsdp_is_new);
	assert_int_equal(info.rsdp_len, 36);
	assert_memory_equal(info.rsdp, rsdp_v2, 36);
	assert_true(info.framebuffer);
	assert_int_equal(info.mmap_count, 2);
}

static void test_new_rsdp_before_old_also_wins(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	const char *why = NULL;

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	tag_raw(&m, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	size_t n = mbi_end(&m);
	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_true(info.rsdp_is_new);
}

static void test_larger_mmap_entries(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	struct mb2_mmap_entry e;
	const char *why = NULL;

	/* A future entry version with 32-byte entries: the extra bytes are skipped. */
	mbi_begin(&m);
	tag_mmap(&m, 32, 5, bios_map);
	size_t n = mbi_end(&m);
	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_int_equal(info.mmap_count, 5);
	mb2_mmap_entry(&info, 4, &e);
	assert_int_equal(e.base, 0xffe0000);
	assert_int_equal(e.type, MB2_MEM_RESERVED);
}

static void test_minimal_and_efi_bs(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	const char *why = NULL;

	mbi_begin(&m);
	size_t n = mbi_end(&m);
	assert_int_equal(n, 16);
	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_null(info.cmdline);
	assert_null(info.mmap);
	assert_null(info.rsdp);
	assert_int_equal(info.ntags, 0);

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_EFI_BS, NULL, 0);
	n = mbi_end(&m);
	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_true(info.efi_boot_services);
}

static void test_bytes_after_end_tag_ignored(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	const char *why = NULL;

	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "a=b");
	mbi_end(&m);
	/* total_size says 16 bytes more than the end tag; they are not tags. */
	memset(m.b + m.n, 0xff, 16);
	set32(&m, 0, (uint32_t)m.n + 16);
	assert_int_equal(mb2_parse(exact(m.b, m.n + 16), m.n + 16, &info, &why), 0);
	assert_string_equal(info.cmdline, "a=b");
}

/* ------------------------------------------------------------ malformed */

static void expect_fail(const struct mbi *m, size_t avail, const char *reason)
{
	struct mb2_info info;
	const char *why = NULL;

	assert_int_equal(mb2_parse(exact(m->b, avail), avail, &info, &why), CR_EPROTO);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_truncated(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	size_t n = mbi_end(&m);
	expect_fail(&m, 7, "mb2-truncated");
	expect_fail(&m, 0, "mb2-truncated");
	/* total_size claims more than the caller can read. */
	expect_fail(&m, n - 1, "mb2-total-size-exceeds-mapping");
	set32(&m, 0, 0xffffffffu);
	expect_fail(&m, n, "mb2-total-size-exceeds-mapping");
	set32(&m, 0, 8);
	expect_fail(&m, n, "mb2-total-size-too-small");
	set32(&m, 0, 0);
	expect_fail(&m, n, "mb2-total-size-too-small");
}

static void test_no_end_tag(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "x=1");
	set32(&m, 0, (uint32_t)m.n);
	expect_fail(&m, m.n, "mb2-no-end-tag");

	/* total_size cuts the end tag in half. */
	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "x=1");
	size_t n = mbi_end(&m);
	set32(&m, 0, (uint32_t)n - 4);
	expect_fail(&m, n, "mb2-no-end-tag");
}

static void test_bad_end_tag_size(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	put32(&m, MB2_TAG_END);
	put32(&m, 16);
	put64(&m, 0);
	set32(&m, 0, (uint32_t)m.n);
	expect_fail(&m, m.n, "mb2-end-tag-bad-size");
}

static void test_tag_sizes(void **state UNUSED)
{
	static struct mbi m;

	/* A tag smaller than its own header would loop forever if trusted. */
	mbi_begin(&m);
	put32(&m, MB2_TAG_CMDLINE);
	put32(&m, 0);
	size_t n = mbi_end(&m);
	expect_fail(&m, n, "mb2-tag-too-small");
	set32(&m, 12, 7);
	expect_fail(&m, n, "mb2-tag-too-small");

	/* A tag running past total_size. */
	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "abc");
	n = mbi_end(&m);
	set32(&m, 12, 0x1000);
	expect_fail(&m, n, "mb2-tag-overruns-info");
	set32(&m, 12, 0xffffffffu);
	expect_fail(&m, n, "mb2-tag-overruns-info");
}

static void test_unterminated_strings(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_CMDLINE, "mode=boot", 9);	/* no NUL inside the tag */
	size_t n = mbi_end(&m);
	expect_fail(&m, n, "mb2-cmdline-unterminated");

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_LOADER_NAME, "GRUB", 4);
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-loader-name-unterminated");

	/* An empty string tag (size 8): nothing to hold a NUL. */
	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_CMDLINE, NULL, 0);
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-cmdline-unterminated");
}

static void test_duplicates(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "a=1");
	tag_string(&m, MB2_TAG_CMDLINE, "a=2");
	size_t n = mbi_end(&m);
	expect_fail(&m, n, "mb2-duplicate-cmdline");

	mbi_begin(&m);
	tag_mmap(&m, 24, 1, bios_map);
	tag_mmap(&m, 24, 1, bios_map);
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-duplicate-mmap");

	mbi_begin(&m);
	tag_string(&m, MB2_TAG_LOADER_NAME, "a");
	tag_string(&m, MB2_TAG_LOADER_NAME, "b");
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-duplicate-loader-name");
}

static void test_mmap_malformed(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	tag_mmap(&m, 16, 2, bios_map);	/* entries smaller than the 24 the spec defines */
	size_t n = mbi_end(&m);
	expect_fail(&m, n, "mb2-mmap-bad-entry-size");

	mbi_begin(&m);
	tag_mmap(&m, 24, 2, bios_map);
	n = mbi_end(&m);
	set32(&m, 16, 0);		/* entry_size 0 would divide by zero */
	expect_fail(&m, n, "mb2-mmap-bad-entry-size");
	set32(&m, 16, 28);		/* not a multiple of 8 */
	expect_fail(&m, n, "mb2-mmap-bad-entry-size");

	mbi_begin(&m);
	tag_mmap(&m, 24, 2, bios_map);
	n = mbi_end(&m);
	set32(&m, 12, 16 + 24 + 8);	/* a partial second entry */
	expect_fail(&m, n, "mb2-mmap-ragged");

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_MMAP, "\x18\0\0\0", 4);	/* no room for entry_version */
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-mmap-truncated");
}

static void test_rsdp_truncated(void **state UNUSED)
{
	static struct mbi m;

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_ACPI_OLD, rsdp_v1, 19);
	size_t n = mbi_end(&m);
	expect_fail(&m, n, "mb2-rsdp-truncated");

	mbi_begin(&m);
	tag_raw(&m, MB2_TAG_ACPI_NEW, rsdp_v2, 35);
	n = mbi_end(&m);
	expect_fail(&m, n, "mb2-rsdp-truncated");
}

static void test_empty_mmap_accepted(void **state UNUSED)
{
	static struct mbi m;
	struct mb2_info info;
	const char *why = NULL;

	/* Well-formed but useless: the kernel, not the parser, refuses to boot without RAM. */
	mbi_begin(&m);
	tag_mmap(&m, 24, 0, bios_map);
	size_t n = mbi_end(&m);
	assert_int_equal(mb2_parse(exact(m.b, n), n, &info, &why), 0);
	assert_non_null(info.mmap);
	assert_int_equal(info.mmap_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_bios_shape),
		cmocka_unit_test(test_grub_uefi_shape_prefers_new_rsdp),
		cmocka_unit_test(test_new_rsdp_before_old_also_wins),
		cmocka_unit_test(test_larger_mmap_entries),
		cmocka_unit_test(test_minimal_and_efi_bs),
		cmocka_unit_test(test_bytes_after_end_tag_ignored),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_no_end_tag),
		cmocka_unit_test(test_bad_end_tag_size),
		cmocka_unit_test(test_tag_sizes),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_mmap_malformed),
		cmocka_unit_test(test_rsdp_truncated),
		cmocka_unit_test(test_empty_mmap_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
