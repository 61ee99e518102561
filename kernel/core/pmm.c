/*
 * kernel/core/pmm.c - the kernel's frame allocator, built on lib/page_alloc.
 *
 * The bitmap itself is carved out of the first RAM region (below 1 GiB, so
 * it is reachable through the boot page tables) that is large enough.
 */
#include "kernel/core/pmm.h"

#include <stdbool.h>

#include "kernel/core/bootinfo.h"
#include "kernel/core/log.h"
#include "lib/bits.h"
#include "lib/page_alloc.h"
#include "lib/string.h"

#define LOW_RESERVED	0x100000ull	/* real-mode area, BIOS data, option ROMs */
#define LOW_PAGE_LIMIT	0x9f000ull	/* EBDA and above: firmware's, whatever the map says */
#define BOOT_REACHABLE	0x40000000ull
#define MAX_PHYS	(1ull << 52)

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct page_alloc frames;
static uint64_t total_pages;
static uint64_t ram_end;

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

void pmm_init(void)
{
	uint64_t kstart = (uint64_t)__kernel_phys_start, kend = ALIGN_UP((uint64_t)__kernel_phys_end, PAGE_SIZE);

	for (unsigned i = 0; i < boot_info.nmemmap; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (r->type == BOOT_MEM_RAM && r->addr < MAX_PHYS)
			ram_end = MAX(ram_end, MIN(r->addr + r->size, MAX_PHYS));
	}
	uint64_t nframes = ram_end / PAGE_SIZE;
	uint64_t bitmap_bytes = ALIGN_UP(PAGE_ALLOC_BITMAP_WORDS(nframes) * 8, PAGE_SIZE);

	uint64_t bitmap_phys = 0;
	for (unsigned i = 0; i < boot_info.nmemmap && !bitmap_phys; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (r->type != BOOT_MEM_RAM)
			continue;
		uint64_t start = ALIGN_UP(MAX(r->addr, LOW_RESERVED), PAGE_SIZE);
		uint64_t end = MIN(ALIGN_DOWN(r->addr + r->size, PAGE_SIZE), BOOT_REACHABLE);
		if (overlaps(start, end > start ? end - start : 0, kstart, kend - kstart) && kend > start)
			start = MAX(start, kend);
		if (end > start && end - start >= bitmap_bytes)
			bitmap_phys = start;
	}
	if (!bitmap_phys)
		panic("pmm: no RAM below 1 GiB for a %lu-byte frame bitmap", bitmap_bytes);

	page_alloc_init(&frames, phys_to_virt(bitmap_phys), nframes);
	for (unsigned i = 0; i < boot_info.nmemmap; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (r->type != BOOT_MEM_RAM)
			continue;
		uint64_t first = ALIGN_UP(r->addr, PAGE_SIZE) / PAGE_SIZE;
		uint64_t last = ALIGN_DOWN(r->addr + r->size, PAGE_SIZE) / PAGE_SIZE;
		if (last > first)
			page_alloc_mark_free(&frames, first, last - first);
	}
	page_alloc_mark_used(&frames, 0, LOW_RESERVED / PAGE_SIZE);
	page_alloc_mark_used(&frames, kstart / PAGE_SIZE, (kend - kstart) / PAGE_SIZE);
	page_alloc_mark_used(&frames, bitmap_phys / PAGE_SIZE, bitmap_bytes / PAGE_SIZE);
	total_pages = frames.pa_free;
	kprintf("mem: ram_end=0x%lx free_pages=%lu free_mib=%lu bitmap=0x%lx",
		ram_end, total_pages, total_pages / 256, bitmap_phys);
}

uint64_t pmm_alloc(uint64_t npages, uint64_t align_pages, uint64_t limit_phys)
{
	int64_t f = page_alloc_alloc(&frames, npages, align_pages, limit_phys / PAGE_SIZE);

	if (f < 0)
		return 0;
	uint64_t pa = (uint64_t)f * PAGE_SIZE;
	memset(phys_to_virt(pa), 0, npages * PAGE_SIZE);
	return pa;
}

void pmm_free(uint64_t phys, uint64_t npages)
{
	if (!IS_ALIGNED(phys, PAGE_SIZE) || page_alloc_free(&frames, phys / PAGE_SIZE, npages) < 0)
		panic("pmm: bad free phys=0x%lx pages=%lu", phys, npages);
}

/*
 * Frames below LOW_RESERVED are never handed out by pmm_alloc; this gives
 * out one of them, once, to code that must live there (the AP start-up
 * trampoline: a SIPI can only name a page below 1 MiB).  The highest page
 * the memory map calls RAM below LOW_PAGE_LIMIT wins; never page 0
 * (real-mode IVT and BIOS data) nor anything from the EBDA up.
 */
uint64_t pmm_low_page(void)
{
	static bool given;
	uint64_t best = 0;

	if (given)
		return 0;
	for (unsigned i = 0; i < boot_info.nmemmap; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (r->type != BOOT_MEM_RAM)
			continue;
		uint64_t first = ALIGN_UP(MAX(r->addr, PAGE_SIZE), PAGE_SIZE);
		uint64_t end = MIN(ALIGN_DOWN(r->addr + r->size, PAGE_SIZE), LOW_PAGE_LIMIT);
		if (end > first)
			best = MAX(best, end - PAGE_SIZE);
	}
	given = best != 0;
	return best;
}

uint64_t pmm_ram_end(void) { return ram_end; }
uint64_t pmm_free_pages(void) { return frames.pa_free; }

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= KERNEL_IMAGE_BASE)
		return v - KERNEL_IMAGE_BASE;
	if (v >= DIRECT_MAP_BASE && v < DIRECT_MAP_BASE + ram_end)
		return v - DIRECT_MAP_BASE;
	panic("virt_to_phys: %p is neither direct-mapped nor in the kernel image", va);
}
