/*
 * kernel/arch/x86_64/copy_variants.h - the ways x86_64 can copy and clear
 * memory, for the bounce lane to choose among by measurement at boot
 * (kernel/arch/x86_64/copy.c), as Linux chooses its RAID xor routine.
 *
 * Which is fastest depends on the machine: "rep movsb" wins on hardware
 * with ERMS/FSRM, while under QEMU's TCG it is emulated one byte per step
 * and wide moves win.  Every variant is correct for any length and
 * alignment (tests/host/test_copy_variants.c) and uses no FPU state it
 * does not save, so it may run in the kernel on a process's behalf.
 */
#ifndef CAPROCK_ARCH_X86_64_COPY_VARIANTS_H
#define CAPROCK_ARCH_X86_64_COPY_VARIANTS_H

#include <stddef.h>

struct copy_variant {
	const char *cv_name;
	void (*cv_copy)(void *dst, const void *src, size_t n);
	void (*cv_zero)(void *dst, size_t n);
};

enum {
	COPY_WORDS,		/* 8 bytes per step (lib/string.c's memcpy/memset) */
	COPY_UNROLLED,		/* 64 bytes per step in eight 8-byte moves */
	COPY_REP_MOVSQ,		/* rep movsq / rep stosq, then the tail */
	COPY_REP_MOVSB,		/* rep movsb / rep stosb (ERMS) */
	COPY_SSE,		/* 64 bytes per step in four unaligned 16-byte moves */
	COPY_NVARIANTS
};

extern const struct copy_variant copy_variants[COPY_NVARIANTS];

/* The assembly ones (copy_sse.S): they save and restore the XMM registers they use. */
void copy_sse(void *dst, const void *src, size_t n);
void zero_sse(void *dst, size_t n);

#endif
