/*
 * lib/page_alloc.c - bitmap frame allocator (see page_alloc.h).
 */
#include "lib/page_alloc.h"

#include "include/abi/errors.h"

#include "lib/string.h"

static inline bool bit_get(const struct page_alloc *pa, uint64_t f)
{
	return (pa->pa_bitmap[f / 64] >> (f % 64)) & 1;
}

static inline void bit_set(struct page_alloc *pa, uint64_t f)
{
	pa->pa_bitmap[f / 64] |= 1ull << (f % 64);
}

static inline void bit_clear(struct page_alloc *pa, uint64_t f)
{
	pa->pa_bitmap[f / 64] &= ~(1ull << (f % 64));
}

void page_alloc_init(struct page_alloc *pa, uint64_t *bitmap, uint64_t nframes)
{
	pa->pa_bitmap = bitmap;
	pa->pa_nframes = nframes;
	pa->pa_free = 0;
	pa->pa_hint = nframes;
	memset(bitmap, 0xff, PAGE_ALLOC_BITMAP_WORDS(nframes) * sizeof(uint64_t));
}

static uint64_t clip(const struct page_alloc *pa, uint64_t first, uint64_t n)
{
	if (first >= pa->pa_nframes)
		return 0;
	return n > pa->pa_nframes - first ? pa->pa_nframes - first : n;
}

void page_alloc_mark_free(struct page_alloc *pa, uint64_t first, uint64_t n)
{
	n = clip(pa, first, n);
	for (uint64_t f = first; f < first + n; f++) {
		if (bit_get(pa, f)) {
			bit_clear(pa, f);
			pa->pa_free++;
		}
	}
	if (n && first < pa->pa_hint)
		pa->pa_hint = first;
}

void page_alloc_mark_used(struct page_alloc *pa, uint64_t first, uint64_t n)
{
	n = clip(pa, first, n);
	for (uint64_t f = first; f < first + n; f++) {
		if (!bit_get(pa, f)) {
			bit_set(pa, f);
			pa->pa_free--;
		}
	}
}

/* Lowest free frame at or after f, or nframes. Skips full words quickly. */
static uint64_t next_free(const struct page_alloc *pa, uint64_t f)
{
	while (f < pa->pa_nframes) {
		uint64_t word = pa->pa_bitmap[f / 64] | ((1ull << (f % 64)) - 1);
		if (word != ~0ull) {
			uint64_t cand = (f & ~63ull) + (uint64_t)__builtin_ctzll(~word);
			return cand < pa->pa_nframes ? cand : pa->pa_nframes;
		}
		f = (f & ~63ull) + 64;
	}
	return pa->pa_nframes;
}

int64_t page_alloc_alloc(struct page_alloc *pa, uint64_t n, uint64_t align, uint64_t limit)
{
	uint64_t end = pa->pa_nframes;

	if (n == 0 || align == 0 || (align & (align - 1)))
		return CR_EINVAL;
	if (n > pa->pa_free)
		return CR_ENOMEM;
	if (limit && limit < end)
		end = limit;

	uint64_t f = next_free(pa, pa->pa_hint);
	if (f == pa->pa_nframes)
		return CR_ENOMEM;
	/* The hint is only advanced by single-frame scans from it. */
	uint64_t lowest_free = f;
	while (f < end) {
		f = (f + align - 1) & ~(align - 1);
		if (f >= end || n > end - f)
			break;
		uint64_t run = 0;
		while (run < n && !bit_get(pa, f + run))
			run++;
		if (run == n) {
			for (uint64_t i = 0; i < n; i++)
				bit_set(pa, f + i);
			pa->pa_free -= n;
			if (f == lowest_free)
				pa->pa_hint = f + n;
			else if (lowest_free > pa->pa_hint)
				pa->pa_hint = lowest_free;
			return (int64_t)f;
		}
		f = next_free(pa, f + run + 1);
	}
	return CR_ENOMEM;
}

int page_alloc_free(struct page_alloc *pa, uint64_t first, uint64_t n)
{
	if (first >= pa->pa_nframes || n > pa->pa_nframes - first)
		return CR_ERANGE;
	for (uint64_t f = first; f < first + n; f++) {
		if (!bit_get(pa, f))
			return CR_EINVAL;
	}
	for (uint64_t f = first; f < first + n; f++)
		bit_clear(pa, f);
	pa->pa_free += n;
	if (first < pa->pa_hint)
		pa->pa_hint = first;
	return 0;
}

bool page_alloc_is_used(const struct page_alloc *pa, uint64_t frame)
{
	return frame >= pa->pa_nframes || bit_get(pa, frame);
}
