/*
 * lib/elf64.c - ELF64 executable validation (see elf64.h).
 */
#include "lib/elf64.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/string.h"

#define EI_NIDENT 16
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header size");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header size");

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return CR_EPROTO;
}

int elf64_parse(const void *image, size_t len, uint64_t va_lo, uint64_t va_hi,
		struct elf_image *out, const char **why)
{
	struct elf64_ehdr eh;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(eh))
		return fail(why, "elf-truncated");
	memcpy(&eh, image, sizeof(eh));
	if (memcmp(eh.e_ident, "\x7f" "ELF", 4) != 0)
		return fail(why, "elf-bad-magic");
	if (eh.e_ident[4] != 2 || eh.e_ident[5] != 1)
		return fail(why, "elf-not-64-bit-little-endian");
	if (eh.e_type != ET_EXEC || eh.e_machine != EM_X86_64)
		return fail(why, "elf-not-x86_64-executable");
	if (eh.e_phentsize != sizeof(struct elf64_phdr) || eh.e_phnum == 0)
		return fail(why, "elf-bad-program-headers");
	if (eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr) > len - eh.e_phoff)
		return fail(why, "elf-program-headers-outside-file");

	int entry_ok = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		uint64_t end;
		memcpy(&ph, (const uint8_t *)image + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return fail(why, "elf-filesz-exceeds-memsz");
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return fail(why, "elf-segment-outside-file");
		if (add_overflows_u64(ph.p_vaddr, ph.p_memsz, &end) < 0 || ph.p_vaddr < va_lo || end > va_hi)
			return fail(why, "elf-segment-outside-user-range");
		/* Compared as page numbers: rounding an end in the top page up would wrap to 0. */
		for (unsigned k = 0; k < out->nsegments; k++) {
			const struct elf_segment *o = &out->segments[k];
			if (ph.p_vaddr / 4096 <= (o->vaddr + o->memsz - 1) / 4096 &&
			    o->vaddr / 4096 <= (end - 1) / 4096)
				return fail(why, "elf-segments-share-a-page");
		}
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return fail(why, "elf-too-many-segments");
		out->segments[out->nsegments++] = (struct elf_segment){
			ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags & 7 };
		if ((ph.p_flags & ELF_SEG_X) && eh.e_entry >= ph.p_vaddr && eh.e_entry < end)
			entry_ok = 1;
	}
	if (out->nsegments == 0)
		return fail(why, "elf-no-loadable-segments");
	if (!entry_ok)
		return fail(why, "elf-entry-not-in-executable-segment");
	out->entry = eh.e_entry;
	return 0;
}
