/*
 * lib/heap.h - a small-object heap over whole pages (pure logic).
 *
 * Requests up to HEAP_MAX_SMALL bytes come from per-size-class pages
 * (16, 32, ... 2048 bytes), each page holding objects of one class behind a
 * 64-byte header; larger requests take whole pages.  The page source is a
 * pair of callbacks, so the kernel feeds it frames through the direct map
 * and host tests feed it aligned_alloc.  Memory is returned zeroed.
 */
#ifndef CAPROCK_LIB_HEAP_H
#define CAPROCK_LIB_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE_SIZE	4096
#define HEAP_NCLASSES	8		/* 16 << 0 .. 16 << 7 = 2048 */
#define HEAP_MAX_SMALL	2048

struct heap_free_obj;

struct heap {
	void *(*h_page_alloc)(size_t npages, void *ctx);	/* page-aligned, or NULL */
	void (*h_page_free)(void *pages, size_t npages, void *ctx);
	void *h_ctx;
	struct heap_free_obj *h_free[HEAP_NCLASSES];
	size_t h_live_objects;		/* allocated, not yet freed */
	size_t h_pages;			/* pages currently held */
	size_t h_bad_frees;		/* frees of pointers the heap never handed out */
};

void heap_init(struct heap *h, void *(*page_alloc)(size_t, void *),
	       void (*page_free)(void *, size_t, void *), void *ctx);
void *heap_alloc(struct heap *h, size_t size);
/* NULL is ignored; a pointer the heap does not recognise is counted in h_bad_frees. */
void heap_free(struct heap *h, void *p);

#endif
