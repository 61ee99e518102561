/*
 * kernel/core/pmm.h - physical memory: frames from the boot memory map.
 */
#ifndef CAPROCK_CORE_PMM_H
#define CAPROCK_CORE_PMM_H

#include <stdint.h>

#include "kernel/core/memlayout.h"

#define PMM_NO_LIMIT 0

void pmm_init(void);

/*
 * Allocate npages contiguous 4 KiB frames, the first aligned to align_pages
 * (power of two) and all below limit_phys (0: anywhere).  The frames are
 * zeroed.  Returns the physical address, or 0 when nothing fits.
 */
uint64_t pmm_alloc(uint64_t npages, uint64_t align_pages, uint64_t limit_phys);
static inline uint64_t pmm_alloc_page(void) { return pmm_alloc(1, 1, PMM_NO_LIMIT); }
void pmm_free(uint64_t phys, uint64_t npages);

/*
 * One page below 1 MiB that the memory map calls RAM, for real-mode code
 * (the AP trampoline).  Such frames are never given out by pmm_alloc; this
 * gives one out once.  0 if there is none (or on a second call).
 */
uint64_t pmm_low_page(void);

/* Free 4 KiB frames now. */
uint64_t pmm_free_pages(void);

/* Highest RAM address + 1: the direct map covers [0, this). */
uint64_t pmm_ram_end(void);

static inline void *phys_to_virt(uint64_t pa) { return (void *)(DIRECT_MAP_BASE + pa); }
uint64_t virt_to_phys(const void *va);

#endif
