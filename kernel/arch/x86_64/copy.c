/*
 * kernel/arch/x86_64/copy.c - dma_copy and dma_zero (kernel/dma/dma_copy.h):
 * the variant chosen at boot.
 *
 * dma.copy=auto times every variant (copy_variants.h) on a 64 KiB copy and
 * clear, page-aligned and misaligned, and takes the fastest of each; the
 * line says what each did, so the choice is visible and can be forced
 * (dma.copy=<name>) to compare.  Until then, the 8-byte loop.
 */
#include "kernel/dma/dma_copy.h"

#include "kernel/arch/x86_64/copy_variants.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "lib/bits.h"

#define CAL_BYTES	(64u << 10)
#define CAL_ROUNDS	9	/* best of: the first also translates the code under TCG */

static const struct copy_variant *copier = &copy_variants[COPY_WORDS];
static const struct copy_variant *zeroer = &copy_variants[COPY_WORDS];

void dma_copy(void *dst, const void *src, size_t n)
{
	copier->cv_copy(dst, src, n);
}

void dma_zero(void *dst, size_t n)
{
	zeroer->cv_zero(dst, n);
}

/* Best of CAL_ROUNDS, in ns: one aligned and one misaligned pass (bounce pages are aligned, pools may not be). */
static uint64_t time_copy(const struct copy_variant *v, uint8_t *dst, const uint8_t *src)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < CAL_ROUNDS; r++) {
		uint64_t t0 = clock_ns();
		v->cv_copy(dst, src, CAL_BYTES);
		v->cv_copy(dst + 8, src + 3, CAL_BYTES - 64);
		best = MIN(best, clock_ns() - t0);
	}
	return best ? best : 1;
}

static uint64_t time_zero(const struct copy_variant *v, uint8_t *dst)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < CAL_ROUNDS; r++) {
		uint64_t t0 = clock_ns();
		v->cv_zero(dst, CAL_BYTES);
		v->cv_zero(dst + 8, CAL_BYTES - 64);
		best = MIN(best, clock_ns() - t0);
	}
	return best ? best : 1;
}

static uint64_t mb_per_s(uint64_t ns)
{
	return (2ull * CAL_BYTES - 64) * 1000 / ns;	/* bytes per ns * 1000 = MB/s */
}

void dma_copy_choose(enum dma_copy_choice choice)
{
	if (choice != DMA_COPY_AUTO) {
		copier = zeroer = &copy_variants[choice - DMA_COPY_WORDS];
		kprintf("dma: copy variant=%s zero variant=%s chosen=forced", copier->cv_name, zeroer->cv_name);
		return;
	}
	uint64_t pages = 2 * CAL_BYTES / PAGE_SIZE + 1;
	uint64_t pa = pmm_alloc(pages, 1, PMM_NO_LIMIT);
	if (!pa || !clock_ns()) {
		kprintf("dma: copy variant=%s zero variant=%s chosen=default reason=%s", copier->cv_name,
			zeroer->cv_name, pa ? "no-clock" : "no-memory");
		if (pa)
			pmm_free(pa, pages);
		return;
	}
	uint8_t *src = phys_to_virt(pa), *dst = src + CAL_BYTES + PAGE_SIZE / 2;
	uint64_t copy_ns[COPY_NVARIANTS], zero_ns[COPY_NVARIANTS];
	unsigned best_copy = COPY_WORDS, best_zero = COPY_WORDS;

	for (unsigned v = 0; v < COPY_NVARIANTS; v++) {
		copy_ns[v] = time_copy(&copy_variants[v], dst - PAGE_SIZE / 2, src);
		zero_ns[v] = time_zero(&copy_variants[v], dst - PAGE_SIZE / 2);
		if (copy_ns[v] < copy_ns[best_copy])
			best_copy = v;
		if (zero_ns[v] < zero_ns[best_zero])
			best_zero = v;
	}
	pmm_free(pa, pages);
	copier = &copy_variants[best_copy];
	zeroer = &copy_variants[best_zero];
	kprintf("dma: copy calibration bytes=%u words_mb_s=%lu unrolled_mb_s=%lu rep_movsq_mb_s=%lu "
		"rep_movsb_mb_s=%lu sse_mb_s=%lu", CAL_BYTES, mb_per_s(copy_ns[COPY_WORDS]),
		mb_per_s(copy_ns[COPY_UNROLLED]), mb_per_s(copy_ns[COPY_REP_MOVSQ]), mb_per_s(copy_ns[COPY_REP_MOVSB]),
		mb_per_s(copy_ns[COPY_SSE]));
	kprintf("dma: zero calibration bytes=%u words_mb_s=%lu unrolled_mb_s=%lu rep_stosq_mb_s=%lu "
		"rep_stosb_mb_s=%lu sse_mb_s=%lu", CAL_BYTES, mb_per_s(zero_ns[COPY_WORDS]),
		mb_per_s(zero_ns[COPY_UNROLLED]), mb_per_s(zero_ns[COPY_REP_MOVSQ]), mb_per_s(zero_ns[COPY_REP_MOVSB]),
		mb_per_s(zero_ns[COPY_SSE]));
	kprintf("dma: copy variant=%s zero variant=%s chosen=fastest-measured", copier->cv_name, zeroer->cv_name);
}
