/*
 * kernel/core/kmalloc.c - the kernel heap: lib/heap.c fed by pmm frames.
 */
#include "kernel/core/kmalloc.h"

#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "lib/heap.h"

static struct heap kheap;
static int kheap_ready;

static void *pages_alloc(size_t npages, void *ctx)
{
	(void)ctx;
	uint64_t pa = pmm_alloc(npages, 1, PMM_NO_LIMIT);
	return pa ? phys_to_virt(pa) : NULL;
}

static void pages_free(void *p, size_t npages, void *ctx)
{
	(void)ctx;
	pmm_free(virt_to_phys(p), npages);
}

void *kmalloc(size_t size)
{
	if (!kheap_ready) {
		heap_init(&kheap, pages_alloc, pages_free, NULL);
		kheap_ready = 1;
	}
	return heap_alloc(&kheap, size);
}

void kfree(void *p)
{
	size_t bad = kheap.h_bad_frees;

	heap_free(&kheap, p);
	if (kheap.h_bad_frees != bad)
		panic("kmalloc: free of %p, which the heap never handed out (or twice)", p);
}

size_t kmalloc_live_objects(void)
{
	return kheap.h_live_objects;
}

size_t kmalloc_pages(void)
{
	return kheap.h_pages;
}
