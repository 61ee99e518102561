/*
 * kernel/iommu/vtd/pgtable.c - lib/vtd_pgtable.h's memory and cache
 * callbacks: table pages from the page allocator (zeroed, reached through
 * the direct map), each write flushed for a unit that does not snoop.
 */
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"

static void *pt_alloc(void *ctx, uint64_t *phys)
{
	(void)ctx;
	uint64_t pa = pmm_alloc_page();	/* zeroed */

	if (!pa)
		return NULL;
	*phys = pa;
	return phys_to_virt(pa);
}

static void pt_free(void *ctx, void *page, uint64_t phys)
{
	(void)ctx;
	(void)page;
	pmm_free(phys, 1);
}

static void *pt_table(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

static void pt_flush(void *ctx, const void *p, size_t len)
{
	vtd_flush_cpu(ctx, p, len);
}

const struct vtd_pt_env *vtd_pt_env(const struct vtd_unit *u)
{
	static struct vtd_pt_env env[VTD_MAX_UNITS];
	struct vtd_pt_env *e = &env[u->u_index];

	*e = (struct vtd_pt_env){ pt_alloc, pt_free, pt_table, pt_flush, (void *)u };
	return e;
}
