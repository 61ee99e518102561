/*
 * lib/page_alloc.h - physical page-frame allocator over a bitmap.
 *
 * One bit per 4 KiB frame from frame 0 upward; a set bit means the frame is
 * in use (or is not RAM).  The caller provides the bitmap storage, marks the
 * usable ranges free, and then allocates runs of frames with an alignment
 * and an upper address bound (for devices that DMA below a limit, such as
 * Amazon's NVMe controllers below 2^48).  Pure logic: the kernel's pmm.c
 * wraps it, host tests drive it directly.
 */
#ifndef CAPROCK_LIB_PAGE_ALLOC_H
#define CAPROCK_LIB_PAGE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct page_alloc {
	uint64_t *pa_bitmap;	/* pa_nframes bits, 1 = used */
	uint64_t pa_nframes;	/* frames covered, starting at frame 0 */
	uint64_t pa_free;	/* frames currently free */
	uint64_t pa_hint;	/* a frame at or below the lowest free one, for single-frame scans */
};

#define PAGE_ALLOC_BITMAP_WORDS(nframes) (((nframes) + 63) / 64)

/* All frames start used; the caller then frees what is RAM. */
void page_alloc_init(struct page_alloc *pa, uint64_t *bitmap, uint64_t nframes);
/* Mark [first, first + n) free or used; ranges are clipped to the bitmap. */
void page_alloc_mark_free(struct page_alloc *pa, uint64_t first, uint64_t n);
void page_alloc_mark_used(struct page_alloc *pa, uint64_t first, uint64_t n);

/*
 * Allocate n contiguous frames whose first frame is a multiple of align
 * (a power of two, in frames) and whose last frame is below limit (in
 * frames; 0 means no limit).  Returns the first frame, or CR_ENOMEM when
 * nothing fits (CR_EINVAL for a bad n or align).
 */
int64_t page_alloc_alloc(struct page_alloc *pa, uint64_t n, uint64_t align, uint64_t limit);

/* Release frames; CR_EINVAL (and nothing changes) if any was already free, CR_ERANGE if outside. */
int page_alloc_free(struct page_alloc *pa, uint64_t first, uint64_t n);

bool page_alloc_is_used(const struct page_alloc *pa, uint64_t frame);

#endif
