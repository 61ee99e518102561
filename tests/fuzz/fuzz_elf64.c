/*
 * tests/fuzz/fuzz_elf64.c - libFuzzer harness for lib/elf64.c.
 *
 * The input is an ELF image (in the kernel they are built in, but the
 * parser is the gate for any image).  It is parsed for a typical user range
 * and for the whole address space; an accepted image must satisfy what
 * elf64.h promises: segments inside the file and the range, filesz <=
 * memsz, no two segments sharing a page, the entry in an executable one.
 */
#include <string.h>

#include "include/abi/errors.h"
#include "lib/elf64.h"
#include "tests/fuzz/fuzz_common.h"

static void parse(const uint8_t *img, size_t size, uint64_t lo, uint64_t hi)
{
	struct elf_image im;
	const char *why = NULL;
	int rc = elf64_parse(img, size, lo, hi, &im, &why);

	if (rc != 0) {
		CHECK(rc == CR_EPROTO);
		CHECK(why != NULL && strncmp(why, "elf-", 4) == 0);
		return;
	}
	CHECK(im.nsegments >= 1 && im.nsegments <= ELF_MAX_SEGMENTS);
	int entry_ok = 0;
	for (unsigned i = 0; i < im.nsegments; i++) {
		const struct elf_segment *s = &im.segments[i];
		uint64_t end;
		CHECK(s->memsz > 0);
		CHECK(s->filesz <= s->memsz);
		CHECK(s->offset <= size && s->filesz <= size - s->offset);
		CHECK(!__builtin_add_overflow(s->vaddr, s->memsz, &end));
		CHECK(s->vaddr >= lo && end <= hi);
		CHECK((s->flags & ~7u) == 0);
		if ((s->flags & ELF_SEG_X) && im.entry >= s->vaddr && im.entry < end)
			entry_ok = 1;
		for (unsigned k = 0; k < i; k++) {
			const struct elf_segment *o = &im.segments[k];
			uint64_t a0 = s->vaddr >> 12, a1 = (end - 1) >> 12;
			uint64_t b0 = o->vaddr >> 12, b1 = (o->vaddr + o->memsz - 1) >> 12;
			CHECK(a1 < b0 || b1 < a0);	/* no shared page */
		}
	}
	CHECK(entry_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so any read past the end is caught. */
	uint8_t *img = malloc(size ? size : 1);

	if (!img)
		return 0;
	memcpy(img, data, size);
	parse(img, size, 0x400000, 0x0000800000000000ull);
	parse(img, size, 0, UINT64_MAX);
	parse(img, size, 0x1000, 0x2000);
	free(img);
	return 0;
}
