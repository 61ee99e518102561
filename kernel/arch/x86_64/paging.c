/*
 * kernel/arch/x86_64/paging.c - kernel page tables, device and user mappings.
 *
 * Intel SDM Vol. 3A §4.5 (4-level paging).  Attribute choices: RAM is
 * write-back through the direct map; device registers are PCD|PWT (UC with
 * the power-on PAT), never reachable through a cacheable alias.
 */
#include "kernel/arch/x86_64/paging.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/pmm.h"
#include "lib/bits.h"

#define LARGE_PAGE	0x200000ull
#define BOOT_REACHABLE	0x40000000ull
#define PML4_INDEX(va)	(((va) >> 39) & 511)

extern char __kernel_phys_start[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];

static uint64_t kernel_root;
static bool nx_ok;
static bool early = true;	/* page-table pages must come from the boot-mapped first GiB */
static uint64_t mmio_next = MMIO_WINDOW_BASE;

uint64_t paging_kernel_root(void) { return kernel_root; }

static uint64_t *table(uint64_t pa) { return phys_to_virt(pa & PTE_ADDR_MASK); }

static uint64_t alloc_table(void)
{
	return pmm_alloc(1, 1, early ? BOOT_REACHABLE : PMM_NO_LIMIT);
}

/* The entry at level (3 = PML4 .. 0 = PT) for va, creating tables above it. */
static uint64_t *walk(uint64_t root, uint64_t va, int level, bool create)
{
	uint64_t *t = table(root);
	uint64_t inter = PTE_P | PTE_W | (va < USER_SPACE_END ? PTE_U : 0);

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = alloc_table();
			if (!pa)
				return NULL;
			*e = pa | inter;
		} else if (*e & PTE_PS) {
			return NULL;	/* a large page already covers va */
		}
		t = table(*e);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
	uint64_t end = va + ALIGN_UP(len, PAGE_SIZE);

	if (!nx_ok)
		flags &= ~PTE_NX;
	flags |= PTE_P;
	while (va < end) {
		bool large = !(flags & PTE_U) && IS_ALIGNED(va, LARGE_PAGE) &&
			     IS_ALIGNED(pa, LARGE_PAGE) && end - va >= LARGE_PAGE;
		uint64_t *e = walk(root, va, large ? 1 : 0, true);
		if (!e)
			return CR_ENOMEM;
		*e = pa | flags | (large ? PTE_PS : 0);
		invlpg(va);
		uint64_t step = large ? LARGE_PAGE : PAGE_SIZE;
		va += step;
		pa += step;
	}
	return 0;
}

int paging_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags)
{
	uint64_t *t = table(root);

	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];
		if (!(e & PTE_P))
			return CR_ENOENT;
		if (l == 0 || (e & PTE_PS)) {
			uint64_t span = 1ull << (12 + 9 * l);
			*pa = (e & PTE_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
			*flags = e & ~PTE_ADDR_MASK;
			return 0;
		}
		t = table(e);
	}
	return CR_ENOENT;
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
	if (paging_map(kernel_root, va, pa, len, flags) < 0)
		panic("paging: out of memory mapping va=0x%lx", va);
}

static void map_image_part(const char *start, const char *end, uint64_t flags)
{
	uint64_t va = (uint64_t)start;

	map_or_panic(va, va - KERNEL_IMAGE_BASE, (uint64_t)(end - start), flags | PTE_G);
}

void paging_init(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	nx_ok = (d >> 20) & 1;
	write_cr4(read_cr4() | (1u << 7));	/* CR4.PGE: keep global kernel entries across CR3 loads */

	kernel_root = alloc_table();
	if (!kernel_root)
		panic("paging: no page for the kernel root");

	/*
	 * Pre-create every kernel-half PDPT the kernel will ever use, so process
	 * roots can copy slots 256..511 once and still see later mappings.
	 */
	uint64_t *root = table(kernel_root);
	uint64_t ram_end = pmm_ram_end();
	for (uint64_t va = DIRECT_MAP_BASE; va < DIRECT_MAP_BASE + ram_end; va += 1ull << 39)
		walk(kernel_root, va, 2, true);
	walk(kernel_root, MMIO_WINDOW_BASE, 2, true);
	walk(kernel_root, KERNEL_IMAGE_BASE, 2, true);
	if (!root[PML4_INDEX(KERNEL_IMAGE_BASE)] || !root[PML4_INDEX(MMIO_WINDOW_BASE)])
		panic("paging: out of memory for kernel PDPTs");

	/* Direct map: every RAM region, write-back, never executable. */
	for (unsigned i = 0; i < boot_info.nmemmap; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (r->type != BOOT_MEM_RAM || r->addr >= ram_end)
			continue;
		uint64_t start = ALIGN_DOWN(r->addr, PAGE_SIZE);
		uint64_t end = MIN(ALIGN_UP(r->addr + r->size, PAGE_SIZE), ram_end);
		map_or_panic(DIRECT_MAP_BASE + start, start, end - start, PTE_W | PTE_NX | PTE_G);
	}

	/* The kernel image, once, with per-section permissions. */
	map_image_part((const char *)KERNEL_IMAGE_BASE + (uint64_t)__kernel_phys_start, __text_start,
		       PTE_W | PTE_NX);	/* .boot: boot stack and tables, still in use */
	map_image_part(__text_start, __text_end, 0);
	map_image_part(__rodata_start, __rodata_end, PTE_NX);
	map_image_part(__data_start, __data_end, PTE_W | PTE_NX);

	write_cr3(kernel_root);
	early = false;
}

volatile void *mmio_map(uint64_t pa, uint64_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	uint64_t base = pa - off, size = ALIGN_UP(len + off, PAGE_SIZE);
	uint64_t align = size >= LARGE_PAGE && IS_ALIGNED(base, LARGE_PAGE) ? LARGE_PAGE : PAGE_SIZE;
	uint64_t va = ALIGN_UP(mmio_next, align);

	if (len == 0 || va + size > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE || va + size < va)
		return NULL;
	if (paging_map(kernel_root, va, base, size, PTE_W | PTE_UNCACHED | PTE_NX | PTE_G) < 0)
		return NULL;
	mmio_next = va + size;
	return (volatile void *)(va + off);
}

/*
 * Remove a mapping mmio_map made: later accesses fault instead of reaching
 * the device.  The window's addresses are not handed out again.
 */
void mmio_unmap(volatile void *p, uint64_t len)
{
	uint64_t va = ALIGN_DOWN((uint64_t)(uintptr_t)p, PAGE_SIZE);
	uint64_t end = ALIGN_UP((uint64_t)(uintptr_t)p + len, PAGE_SIZE);

	while (va < end) {
		uint64_t *e = walk(kernel_root, va, 1, false);
		uint64_t step = PAGE_SIZE;
		if (e && (*e & PTE_PS)) {
			*e = 0;
			step = LARGE_PAGE;
		} else if ((e = walk(kernel_root, va, 0, false)) != NULL) {
			*e = 0;
		}
		invlpg(va);
		va += step;
	}
	/* Other CPUs may have cached it too (tlb.h); the window is never reused, so no answer is awaited twice. */
	(void)tlb_shootdown(0, ALIGN_DOWN((uint64_t)(uintptr_t)p, PAGE_SIZE),
			    end - ALIGN_DOWN((uint64_t)(uintptr_t)p, PAGE_SIZE));
}

int paging_unmap(uint64_t root, uint64_t va, uint64_t len)
{
	uint64_t end = va + ALIGN_UP(len, PAGE_SIZE);
	bool any = false;

	for (; va < end; va += PAGE_SIZE) {
		uint64_t *e = walk(root, va, 0, false);
		if (!e || !(*e & PTE_P))
			continue;
		KASSERT(!(*e & PTE_OWNED));	/* only shared mappings: their frames are their objects' */
		*e = 0;
		any = true;
	}
	return any ? 0 : CR_ENOENT;
}

const void *firmware_map(uint64_t pa, uint64_t len)
{
	if (pa + len >= pa && pa + len <= pmm_ram_end()) {
		uint64_t flags;
		uint64_t got;
		/* Inside the direct map only if both ends are mapped RAM. */
		if (paging_lookup(kernel_root, DIRECT_MAP_BASE + pa, &got, &flags) == 0 &&
		    (len == 0 || paging_lookup(kernel_root, DIRECT_MAP_BASE + pa + len - 1, &got, &flags) == 0))
			return phys_to_virt(pa);
	}
	uint64_t off = pa & (PAGE_SIZE - 1);
	uint64_t size = ALIGN_UP(len + off, PAGE_SIZE);
	uint64_t va = mmio_next;
	if (len == 0 || va + size > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE)
		return NULL;
	/* Firmware tables in reserved or ACPI memory: write-back, read-only. */
	if (paging_map(kernel_root, va, pa - off, size, PTE_NX | PTE_G) < 0)
		return NULL;
	mmio_next = va + size;
	return (const void *)(va + off);
}

uint64_t paging_new_user_root(void)
{
	uint64_t root = pmm_alloc_page();

	if (!root)
		return 0;
	uint64_t *dst = table(root), *src = table(kernel_root);
	for (int i = KERNEL_PML4_FIRST; i < 512; i++)
		dst[i] = src[i];
	return root;
}

static void free_level(uint64_t table_pa, int level)
{
	uint64_t *t = table(table_pa);

	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		if (level > 0)
			free_level(e, level - 1);
		else if (e & PTE_OWNED)
			pmm_free(e & PTE_ADDR_MASK, 1);
	}
	pmm_free(table_pa & PTE_ADDR_MASK, 1);
}

void paging_free_user_root(uint64_t root)
{
	uint64_t *t = table(root);

	for (int i = 0; i < KERNEL_PML4_FIRST; i++) {
		if (t[i] & PTE_P)
			free_level(t[i], 2);
	}
	pmm_free(root, 1);
}

void paging_switch(uint64_t root)
{
	struct percpu *me = this_cpu();

	/* Under TCG every CR3 load empties the whole software TLB: skip the ones that change nothing. */
	if (read_cr3() != root) {
		write_cr3(root);
		__atomic_store_n(&me->cpu_cr3_loads, me->cpu_cr3_loads + 1, __ATOMIC_RELAXED);	/* own line: no lock prefix */
	} else {
		__atomic_store_n(&me->cpu_cr3_kept, me->cpu_cr3_kept + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&me->cpu_root, root, __ATOMIC_RELEASE);
}

/* A sum of counters other CPUs go on bumping: each read whole (aligned 64-bit), the sum a moment's. */
void paging_switch_stats(uint64_t *loads, uint64_t *kept)
{
	*loads = *kept = 0;
	for (unsigned i = 0; i < CPU_MAX; i++) {
		*loads += __atomic_load_n(&percpu_blocks[i].cpu_cr3_loads, __ATOMIC_RELAXED);
		*kept += __atomic_load_n(&percpu_blocks[i].cpu_cr3_kept, __ATOMIC_RELAXED);
	}
}
