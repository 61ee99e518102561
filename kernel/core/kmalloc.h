/*
 * kernel/core/kmalloc.h - the kernel heap (lib/heap.c over pmm frames).
 */
#ifndef CAPROCK_CORE_KMALLOC_H
#define CAPROCK_CORE_KMALLOC_H

#include <stddef.h>

/* Zeroed memory, or NULL when out of memory. */
void *kmalloc(size_t size);
void kfree(void *p);
/* Objects allocated and not freed, and pages the heap holds (for leak reports). */
size_t kmalloc_live_objects(void);
size_t kmalloc_pages(void);

#endif
