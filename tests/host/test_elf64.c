/*
 * tests/host/test_elf64.c - host tests for lib/elf64.c: ELF64 executable
 * validation, on images built in memory from the C library's <elf.h>
 * structures (an independent statement of the file format).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/elf64.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* The user range the kernel allows: 4 MiB up to the 128 TiB canonical limit. */
#define VA_LO	0x400000ull
#define VA_HI	0x800000000000ull

#define IMAGE_SIZE 0x4000
#define MAX_PH 10

/*
 * A minimal static executable: the ELF header, program headers right after
 * it, text at file offset 0x1000 (R+X, 0x400000) and data at 0x2000 (R+W,
 * 0x401000, with bss making memsz larger than filesz).
 */
static struct {
	union {
		uint8_t bytes[IMAGE_SIZE];
		Elf64_Ehdr eh;
	};
} img;

static Elf64_Phdr *ph(unsigned i)
{
	return (Elf64_Phdr *)(img.bytes + img.eh.e_phoff) + i;
}

static void build_valid(void)
{
	memset(&img, 0, sizeof(img));
	Elf64_Ehdr *eh = &img.eh;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x400010;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;

	*ph(0) = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
		.p_vaddr = 0x400000, .p_paddr = 0x400000, .p_filesz = 0x100, .p_memsz = 0x100,
		.p_align = 0x1000,
	};
	*ph(1) = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
		.p_vaddr = 0x401000, .p_paddr = 0x401000, .p_filesz = 0x20, .p_memsz = 0x3000,
		.p_align = 0x1000,
	};
	/* Some recognisable code and data bytes. */
	memset(img.bytes + 0x1000, 0x90, 0x100);
	memset(img.bytes + 0x2000, 0x5a, 0x20);
}

static int parse(struct elf_image *out, const char **why)
{
	*why = NULL;
	return elf64_parse(img.bytes, sizeof(img.bytes), VA_LO, VA_HI, out, why);
}

static void assert_rejected(const char *want_why)
{
	struct elf_image out;
	const char *why;

	assert_int_equal(parse(&out, &why), CR_EPROTO);
	assert_non_null(why);
	assert_string_equal(why, want_why);
}

/* ------------------------------------------------------------ valid */

static void test_valid_image(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.entry, 0x400010);
	assert_int_equal(out.nsegments, 2);
	assert_int_equal(out.segments[0].vaddr, 0x400000);
	assert_int_equal(out.segments[0].memsz, 0x100);
	assert_int_equal(out.segments[0].offset, 0x1000);
	assert_int_equal(out.segments[0].filesz, 0x100);
	assert_int_equal(out.segments[0].flags, ELF_SEG_R | ELF_SEG_X);
	assert_int_equal(out.segments[1].vaddr, 0x401000);
	assert_int_equal(out.segments[1].memsz, 0x3000);
	assert_int_equal(out.segments[1].offset, 0x2000);
	assert_int_equal(out.segments[1].filesz, 0x20);
	assert_int_equal(out.segments[1].flags, ELF_SEG_R | ELF_SEG_W);
}

static void test_seg_flags_match_pf(void **state UNUSED)
{
	/* The header's ELF_SEG_* are the gABI PF_* values. */
	assert_int_equal(ELF_SEG_R, PF_R);
	assert_int_equal(ELF_SEG_W, PF_W);
	assert_int_equal(ELF_SEG_X, PF_X);
}

static void test_non_load_segments_ignored(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	img.eh.e_phnum = 4;
	/* A note and a GNU_STACK with nonsense offsets: neither is loaded. */
	*ph(2) = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0xffffffffff, .p_filesz = 0x10000,
			       .p_memsz = 0x10000, .p_vaddr = 0 };
	*ph(3) = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, 2);
}

static void test_empty_load_segment_ignored(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	img.eh.e_phnum = 3;
	*ph(2) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0x400000 };
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, 2);
}

static void test_bss_only_segment(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	img.eh.e_phnum = 3;
	*ph(2) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0,
			       .p_vaddr = 0x500000, .p_filesz = 0, .p_memsz = 0x10000 };
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, 3);
	assert_int_equal(out.segments[2].filesz, 0);
	assert_int_equal(out.segments[2].memsz, 0x10000);
}

static void test_adjacent_pages_allowed(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	ph(0)->p_memsz = 0x1000;	/* text fills its page exactly; data starts the next */
	ph(0)->p_filesz = 0x1000;
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, 2);
}

static void test_segment_at_range_edges(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	ph(1)->p_vaddr = VA_HI - ph(1)->p_memsz;	/* ends exactly at va_hi */
	assert_int_equal(parse(&out, &why), 0);
	assert_true(out.segments[1].vaddr + out.segments[1].memsz == VA_HI);
}

static void test_segment_ending_at_file_end(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	ph(1)->p_offset = IMAGE_SIZE - 0x20;
	assert_int_equal(parse(&out, &why), 0);
}

static void test_max_segments(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	img.eh.e_phnum = ELF_MAX_SEGMENTS;
	for (unsigned i = 2; i < ELF_MAX_SEGMENTS; i++)
		*ph(i) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0x3000,
				       .p_vaddr = 0x600000 + i * 0x1000, .p_filesz = 0x10, .p_memsz = 0x10 };
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, ELF_MAX_SEGMENTS);
	assert_int_equal(out.segments[ELF_MAX_SEGMENTS - 1].vaddr,
			 0x600000 + (ELF_MAX_SEGMENTS - 1) * 0x1000);
}

static void test_too_many_segments(void **state UNUSED)
{
	build_valid();
	img.eh.e_phnum = ELF_MAX_SEGMENTS + 1;
	for (unsigned i = 2; i < ELF_MAX_SEGMENTS + 1; i++)
		*ph(i) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0x3000,
				       .p_vaddr = 0x600000 + i * 0x1000, .p_filesz = 0x10, .p_memsz = 0x10 };
	assert_rejected("elf-too-many-segments");
}

static void test_entry_in_second_executable_segment(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	build_valid();
	ph(1)->p_flags = PF_R | PF_X;
	img.eh.e_entry = 0x402fff;	/* last byte of the second segment */
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.entry, 0x402fff);
}

/* ------------------------------------------------------------ header rejections */

static void test_truncated_header(void **state UNUSED)
{
	struct elf_image out;
	const char *why = NULL;

	build_valid();
	assert_int_equal(elf64_parse(img.bytes, sizeof(Elf64_Ehdr) - 1, VA_LO, VA_HI, &out, &why),
			 CR_EPROTO);
	assert_string_equal(why, "elf-truncated");
	assert_int_equal(elf64_parse(img.bytes, 0, VA_LO, VA_HI, &out, &why), CR_EPROTO);
	assert_string_equal(why, "elf-truncated");
}

static void test_bad_magic(void **state UNUSED)
{
	for (int i = 0; i < SELFMAG; i++) {
		build_valid();
		img.bytes[i] ^= 0x20;
		assert_rejected("elf-bad-magic");
	}
}

static void test_32bit_class(void **state UNUSED)
{
	build_valid();
	img.eh.e_ident[EI_CLASS] = ELFCLASS32;
	assert_rejected("elf-not-64-bit-little-endian");
	img.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
	assert_rejected("elf-not-64-bit-little-endian");
}

static void test_big_endian(void **state UNUSED)
{
	build_valid();
	img.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	assert_rejected("elf-not-64-bit-little-endian");
}

static void test_wrong_machine(void **state UNUSED)
{
	build_valid();
	img.eh.e_machine = EM_AARCH64;
	assert_rejected("elf-not-x86_64-executable");
	img.eh.e_machine = EM_386;
	assert_rejected("elf-not-x86_64-executable");
}

static void test_et_dyn(void **state UNUSED)
{
	build_valid();
	img.eh.e_type = ET_DYN;
	assert_rejected("elf-not-x86_64-executable");
	img.eh.e_type = ET_REL;
	assert_rejected("elf-not-x86_64-executable");
	img.eh.e_type = ET_CORE;
	assert_rejected("elf-not-x86_64-executable");
}

static void test_bad_phentsize_or_phnum(void **state UNUSED)
{
	build_valid();
	img.eh.e_phentsize = sizeof(Elf32_Phdr);
	assert_rejected("elf-bad-program-headers");
	build_valid();
	img.eh.e_phnum = 0;
	assert_rejected("elf-bad-program-headers");
}

static void test_phdrs_outside_file(void **state UNUSED)
{
	build_valid();
	img.eh.e_phoff = IMAGE_SIZE - sizeof(Elf64_Phdr);	/* room for one of two */
	assert_rejected("elf-program-headers-outside-file");
	build_valid();
	img.eh.e_phoff = IMAGE_SIZE + 8;
	assert_rejected("elf-program-headers-outside-file");
	build_valid();
	img.eh.e_phoff = UINT64_MAX - 8;	/* offset + size would wrap */
	assert_rejected("elf-program-headers-outside-file");
	build_valid();
	img.eh.e_phnum = 0xffff;
	assert_rejected("elf-program-headers-outside-file");
}

static void test_phdrs_at_file_end(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	/* Program headers moved to the very end of the file still parse. */
	build_valid();
	Elf64_Phdr saved[2];
	memcpy(saved, ph(0), sizeof(saved));
	img.eh.e_phoff = IMAGE_SIZE - sizeof(saved);
	memcpy(ph(0), saved, sizeof(saved));
	assert_int_equal(parse(&out, &why), 0);
	assert_int_equal(out.nsegments, 2);
}

/* ------------------------------------------------------------ segment rejections */

static void test_filesz_above_memsz(void **state UNUSED)
{
	build_valid();
	ph(1)->p_filesz = ph(1)->p_memsz + 1;
	assert_rejected("elf-filesz-exceeds-memsz");
}

static void test_segment_outside_file(void **state UNUSED)
{
	build_valid();
	ph(0)->p_offset = IMAGE_SIZE - 0x80;	/* 0x100 bytes do not fit */
	assert_rejected("elf-segment-outside-file");
	build_valid();
	ph(0)->p_offset = IMAGE_SIZE + 1;
	assert_rejected("elf-segment-outside-file");
	build_valid();
	ph(0)->p_offset = UINT64_MAX - 0x10;	/* offset + filesz wraps */
	assert_rejected("elf-segment-outside-file");
}

static void test_segment_below_va_range(void **state UNUSED)
{
	build_valid();
	ph(0)->p_vaddr = VA_LO - 0x1000;
	img.eh.e_entry = VA_LO - 0x1000;
	assert_rejected("elf-segment-outside-user-range");
	build_valid();
	ph(0)->p_vaddr = 0;
	assert_rejected("elf-segment-outside-user-range");
}

static void test_segment_above_va_range(void **state UNUSED)
{
	build_valid();
	ph(1)->p_vaddr = VA_HI - ph(1)->p_memsz + 1;	/* ends one byte past va_hi */
	assert_rejected("elf-segment-outside-user-range");
	build_valid();
	ph(1)->p_vaddr = 0xffff800000000000ull;		/* kernel half */
	assert_rejected("elf-segment-outside-user-range");
}

static void test_vaddr_plus_memsz_overflow(void **state UNUSED)
{
	struct elf_image out;
	const char *why;

	/* With the whole address space allowed, only the wrap check can catch it. */
	build_valid();
	ph(1)->p_vaddr = 0xfffffffffffff000ull;
	ph(1)->p_memsz = 0x2000;
	assert_int_equal(elf64_parse(img.bytes, sizeof(img.bytes), 0, UINT64_MAX, &out, &why), CR_EPROTO);
	assert_string_equal(why, "elf-segment-outside-user-range");
}

static void test_segments_share_a_page(void **state UNUSED)
{
	build_valid();
	ph(1)->p_vaddr = 0x400800;	/* same page as the text's first 0x100 bytes */
	assert_rejected("elf-segments-share-a-page");
	/* Sharing only the last page of an earlier segment. */
	build_valid();
	ph(0)->p_memsz = 0x1001;
	ph(0)->p_filesz = 0x100;
	assert_rejected("elf-segments-share-a-page");
	/* A later segment that starts below and overlaps an earlier one. */
	build_valid();
	ph(0)->p_vaddr = 0x500000;
	img.eh.e_entry = 0x500000;
	ph(1)->p_vaddr = 0x4ff000;
	ph(1)->p_memsz = 0x1001;
	assert_rejected("elf-segments-share-a-page");
}

static void test_identical_segments_rejected(void **state UNUSED)
{
	build_valid();
	*ph(1) = *ph(0);
	assert_rejected("elf-segments-share-a-page");
}

static void test_entry_not_in_executable_segment(void **state UNUSED)
{
	build_valid();
	img.eh.e_entry = 0x401000;	/* inside data, which is not executable */
	assert_rejected("elf-entry-not-in-executable-segment");
	build_valid();
	img.eh.e_entry = 0x400100;	/* one past the end of text */
	assert_rejected("elf-entry-not-in-executable-segment");
	build_valid();
	img.eh.e_entry = 0x3fffff;	/* just before text */
	assert_rejected("elf-entry-not-in-executable-segment");
	build_valid();
	img.eh.e_entry = 0;
	assert_rejected("elf-entry-not-in-executable-segment");
}

static void test_no_executable_segment(void **state UNUSED)
{
	build_valid();
	ph(0)->p_flags = PF_R;
	assert_rejected("elf-entry-not-in-executable-segment");
}

static void test_no_pt_load(void **state UNUSED)
{
	build_valid();
	ph(0)->p_type = PT_NOTE;
	ph(1)->p_type = PT_GNU_STACK;
	assert_rejected("elf-no-loadable-segments");
	/* PT_LOAD entries that load nothing do not count either. */
	build_valid();
	ph(0)->p_memsz = 0;
	ph(0)->p_filesz = 0;
	ph(1)->p_memsz = 0;
	ph(1)->p_filesz = 0;
	assert_rejected("elf-no-loadable-segments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_seg_flags_match_pf),
		cmocka_unit_test(test_non_load_segments_ignored),
		cmocka_unit_test(test_empty_load_segment_ignored),
		cmocka_unit_test(test_bss_only_segment),
		cmocka_unit_test(test_adjacent_pages_allowed),
		cmocka_unit_test(test_segment_at_range_edges),
		cmocka_unit_test(test_segment_ending_at_file_end),
		cmocka_unit_test(test_max_segments),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_entry_in_second_executable_segment),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_32bit_class),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_wrong_machine),
		cmocka_unit_test(test_et_dyn),
		cmocka_unit_test(test_bad_phentsize_or_phnum),
		cmocka_unit_test(test_phdrs_outside_file),
		cmocka_unit_test(test_phdrs_at_file_end),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_segment_outside_file),
		cmocka_unit_test(test_segment_below_va_range),
		cmocka_unit_test(test_segment_above_va_range),
		cmocka_unit_test(test_vaddr_plus_memsz_overflow),
		cmocka_unit_test(test_segments_share_a_page),
		cmocka_unit_test(test_identical_segments_rejected),
		cmocka_unit_test(test_entry_not_in_executable_segment),
		cmocka_unit_test(test_no_executable_segment),
		cmocka_unit_test(test_no_pt_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
