/*
 * lib/elf64.h - validate an ELF64 executable and list its loadable segments.
 *
 * Only what a static x86_64 user program needs (System V gABI, ch. 4-5):
 * ET_EXEC, EM_X86_64, PT_LOAD segments inside an allowed address range.
 */
#ifndef CAPROCK_LIB_ELF64_H
#define CAPROCK_LIB_ELF64_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

#define ELF_SEG_R 4
#define ELF_SEG_W 2
#define ELF_SEG_X 1

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;	/* file bytes [offset, offset + filesz) */
	uint64_t filesz;
	uint32_t flags;		/* ELF_SEG_* */
};

struct elf_image {
	uint64_t entry;
	unsigned int nsegments;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/*
 * Parse image[0..len).  Every segment must lie in [va_lo, va_hi), the entry
 * inside an executable segment.  Returns 0 or CR_EPROTO with *why set.
 */
int elf64_parse(const void *image, size_t len, uint64_t va_lo, uint64_t va_hi,
		struct elf_image *out, const char **why);

#endif
