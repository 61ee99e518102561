/*
 * kernel/arch/x86_64/paging.h - 4-level page tables.
 *
 * The kernel half (PML4 slots 256..511) is built once by paging_init and
 * shared by every address space: each process PML4 copies those slots, and
 * every later kernel mapping only changes tables below them.
 */
#ifndef CAPROCK_ARCH_PAGING_H
#define CAPROCK_ARCH_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_PS		(1ull << 7)
#define PTE_G		(1ull << 8)
#define PTE_OWNED	(1ull << 9)	/* software: the frame belongs to this mapping's address space */
#define PTE_NX		(1ull << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PTE_UNCACHED	(PTE_PCD | PTE_PWT)

void paging_init(void);
uint64_t paging_kernel_root(void);

/*
 * Map [va, va+len) to [pa, pa+len) in the tables rooted at root (physical).
 * flags are PTE_* leaf flags (PTE_P implied); 2 MiB pages are used where
 * both addresses are aligned unless PTE_U is set.  Returns 0 or CR_ENOMEM.
 */
int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags);

/* Translate va in root: 0 with *pa and *flags set, or CR_ENOENT. */
int paging_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags);

/*
 * Clear the 4 KiB leaf entries of [va, va+len) in root (shared mappings
 * only: frames are not freed).  No TLB is flushed: the caller shoots down
 * (proc_unmap).  0, or CR_ENOENT when nothing was mapped.
 */
int paging_unmap(uint64_t root, uint64_t va, uint64_t len);

/* Map device registers uncached into the MMIO window; NULL when it is full. */
volatile void *mmio_map(uint64_t pa, uint64_t len);

/* Undo mmio_map: accesses through p fault from now on. */
void mmio_unmap(volatile void *p, uint64_t len);

/* Read-only access to firmware tables anywhere in physical memory. */
const void *firmware_map(uint64_t pa, uint64_t len);

/* A fresh root sharing the kernel half; 0 on exhaustion. */
uint64_t paging_new_user_root(void);
/*
 * Free the user half of root and the root itself.  Frames mapped with
 * PTE_OWNED are released; others (shared DMA pools) belong to their objects.
 */
void paging_free_user_root(uint64_t root);

/* Load root into this CPU's CR3 (if it is not there) and note it in cpu_root. */
void paging_switch(uint64_t root);

/* paging_switch's CR3 loads, and the calls that found root loaded already (no load, no TLB flush). */
void paging_switch_stats(uint64_t *loads, uint64_t *kept);

#endif
