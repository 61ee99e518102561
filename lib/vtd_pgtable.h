/*
 * lib/vtd_pgtable.h - second-level page tables for one VT-d domain
 * (VT-d 3.3 §3.6 second-level translation, §9.8 entry format).
 *
 * 3, 4 or 5 levels of 512 eight-byte entries; 4 KiB leaves only (a
 * domain maps a pool and a few manager pages, so large pages buy
 * nothing).  Every entry is R/W (or R only) plus an address: no snoop,
 * no memory type, nothing the legacy-mode walk treats as reserved.
 *
 * The code is pure: memory comes from env->alloc (zeroed 4 KiB pages, a
 * kernel pointer and a physical address), and every entry written is
 * passed to env->flush so that a kernel can make it visible to a walker
 * that does not snoop the CPU's caches (ECAP.C = 0: clflush).  A new
 * table page is zeroed and flushed before the entry that points at it is
 * written, so a walker never follows a pointer into stale memory.
 */
#ifndef CAPROCK_LIB_VTD_PGTABLE_H
#define CAPROCK_LIB_VTD_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_pt_env {
	/* A zeroed 4 KiB page: its pointer, and its physical address in *phys; NULL when out of memory. */
	void *(*alloc)(void *ctx, uint64_t *phys);
	void (*free)(void *ctx, void *page, uint64_t phys);
	/* The pointer to the table page at phys (one that alloc returned). */
	void *(*table)(void *ctx, uint64_t phys);
	/* len bytes at p were written: make them visible to the hardware walker. */
	void (*flush)(void *ctx, const void *p, size_t len);
	void *ctx;
};

struct vtd_pt {
	unsigned levels;
	uint64_t root_phys;		/* the context entry's second-level page-table pointer */
	uint64_t *root;
	uint64_t limit;			/* IOVAs are below 2^(12 + 9 * levels) */
	uint64_t mapped;		/* leaf entries present */
	uint32_t tables;		/* table pages allocated, root included */
};

#define VTD_PERM_R	1u
#define VTD_PERM_W	2u

int vtd_pt_init(struct vtd_pt *pt, const struct vtd_pt_env *env, unsigned levels);

/*
 * Map [iova, iova + len) to [pa, pa + len) with perm (VTD_PERM_*), 4 KiB
 * pages.  All or nothing: CR_EEXIST (nothing changed) if any page is
 * already mapped, CR_EINVAL for misaligned or empty arguments or no
 * permission, CR_ERANGE beyond the table's reach, CR_ENOMEM when a table
 * page could not be had (tables allocated so far stay, empty).
 */
int vtd_pt_map(struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t pa, uint64_t len,
	       unsigned perm);

/* Clear whatever is mapped in [iova, iova + len); returns the number of pages that were. */
uint64_t vtd_pt_unmap(struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t len);

/* Walk as the hardware does: 0 with *pa and *perm, or CR_ENOENT. */
int vtd_pt_lookup(const struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t *pa,
		  unsigned *perm);

/* Free every table page (only once no context entry points at the root any more). */
void vtd_pt_destroy(struct vtd_pt *pt, const struct vtd_pt_env *env);

/* For the release audit: is phys one of this table's own pages? */
bool vtd_pt_owns_table(const struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t phys);

#endif
