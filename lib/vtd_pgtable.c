/*
 * lib/vtd_pgtable.c - second-level page tables (see header).
 */
#include "lib/vtd_pgtable.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/vtd_reg.h"

static unsigned index_at(uint64_t iova, unsigned level)
{
	return (unsigned)(iova >> (VTD_PAGE_SHIFT + 9 * (level - 1))) & (VTD_PT_ENTRIES - 1);
}

static uint64_t *table_of(const struct vtd_pt_env *env, uint64_t entry)
{
	return env->table(env->ctx, entry & VTD_SL_ADDR_MASK);
}

int vtd_pt_init(struct vtd_pt *pt, const struct vtd_pt_env *env, unsigned levels)
{
	uint64_t phys = 0;

	if (levels < 3 || levels > 5)
		return CR_EINVAL;
	*pt = (struct vtd_pt){ .levels = levels, .limit = 1ull << (VTD_PAGE_SHIFT + 9 * levels) };
	pt->root = env->alloc(env->ctx, &phys);
	if (!pt->root)
		return CR_ENOMEM;
	env->flush(env->ctx, pt->root, VTD_PAGE_SIZE);
	pt->root_phys = phys;
	pt->tables = 1;
	return 0;
}

/* The leaf entry for iova, or NULL if a table on the way is missing (create: allocate it). */
static uint64_t *leaf(struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, bool create, int *err)
{
	uint64_t *t = pt->root;

	for (unsigned level = pt->levels; level > 1; level--) {
		uint64_t *e = &t[index_at(iova, level)];
		if (!(*e & (VTD_SL_R | VTD_SL_W))) {
			uint64_t phys = 0;
			uint64_t *child = create ? env->alloc(env->ctx, &phys) : NULL;
			if (!child) {
				if (create)
					*err = CR_ENOMEM;
				return NULL;
			}
			/* The zeroed child must be visible before the entry that points at it. */
			env->flush(env->ctx, child, VTD_PAGE_SIZE);
			pt->tables++;
			*e = (phys & VTD_SL_ADDR_MASK) | VTD_SL_R | VTD_SL_W;
			env->flush(env->ctx, e, sizeof(*e));
		}
		t = table_of(env, *e);
	}
	return &t[index_at(iova, 1)];
}

static bool range_ok(const struct vtd_pt *pt, uint64_t iova, uint64_t len)
{
	uint64_t end;

	return !__builtin_add_overflow(iova, len, &end) && end <= pt->limit;
}

int vtd_pt_map(struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t pa, uint64_t len,
	       unsigned perm)
{
	int err = 0;

	uint64_t pa_end;

	if (!len || !IS_ALIGNED(iova | pa | len, VTD_PAGE_SIZE) || !(perm & (VTD_PERM_R | VTD_PERM_W)) ||
	    perm & ~(VTD_PERM_R | VTD_PERM_W) || __builtin_add_overflow(pa, len - 1, &pa_end) ||
	    pa_end > (VTD_SL_ADDR_MASK | (VTD_PAGE_SIZE - 1)))
		return CR_EINVAL;
	if (!range_ok(pt, iova, len))
		return CR_ERANGE;
	/* First pass: refuse before touching anything if any page is taken. */
	for (uint64_t off = 0; off < len; off += VTD_PAGE_SIZE) {
		uint64_t *e = leaf(pt, env, iova + off, false, &err);
		if (e && (*e & (VTD_SL_R | VTD_SL_W)))
			return CR_EEXIST;
	}
	uint64_t bits = (perm & VTD_PERM_R ? VTD_SL_R : 0) | (perm & VTD_PERM_W ? VTD_SL_W : 0);
	/* Second pass: entries written in runs within one table, each run flushed once when it ends. */
	uint64_t *run = NULL;
	size_t nrun = 0;
	for (uint64_t off = 0; off < len; off += VTD_PAGE_SIZE) {
		uint64_t *e = leaf(pt, env, iova + off, true, &err);
		if (run && (!e || e != run + nrun)) {
			env->flush(env->ctx, run, nrun * sizeof(*run));
			run = NULL;
		}
		if (!e) {
			vtd_pt_unmap(pt, env, iova, off);	/* all or nothing */
			return err;
		}
		*e = ((pa + off) & VTD_SL_ADDR_MASK) | bits;
		pt->mapped++;
		if (!run) {
			run = e;
			nrun = 0;
		}
		nrun++;
	}
	if (run)
		env->flush(env->ctx, run, nrun * sizeof(*run));
	return 0;
}

uint64_t vtd_pt_unmap(struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t len)
{
	uint64_t n = 0;
	int err = 0;

	if (!IS_ALIGNED(iova | len, VTD_PAGE_SIZE) || !range_ok(pt, iova, len))
		return 0;
	for (uint64_t off = 0; off < len; off += VTD_PAGE_SIZE) {
		uint64_t *e = leaf(pt, env, iova + off, false, &err);
		if (!e || !(*e & (VTD_SL_R | VTD_SL_W)))
			continue;
		*e = 0;
		env->flush(env->ctx, e, sizeof(*e));
		pt->mapped--;
		n++;
	}
	return n;
}

int vtd_pt_lookup(const struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t iova, uint64_t *pa,
		  unsigned *perm)
{
	const uint64_t *t = pt->root;
	unsigned p = VTD_PERM_R | VTD_PERM_W;

	if (iova >= pt->limit)
		return CR_ENOENT;
	for (unsigned level = pt->levels; level >= 1; level--) {
		uint64_t e = t[index_at(iova, level)];
		/* Permissions narrow along the walk, as the hardware computes them. */
		p &= (e & VTD_SL_R ? VTD_PERM_R : 0) | (e & VTD_SL_W ? VTD_PERM_W : 0);
		if (!p)
			return CR_ENOENT;
		if (level == 1) {
			*pa = (e & VTD_SL_ADDR_MASK) | (iova & (VTD_PAGE_SIZE - 1));
			*perm = p;
			return 0;
		}
		t = table_of(env, e);
	}
	return CR_ENOENT;
}

static void free_level(const struct vtd_pt_env *env, uint64_t *t, uint64_t phys, unsigned level)
{
	if (level > 1) {
		for (unsigned i = 0; i < VTD_PT_ENTRIES; i++) {
			if (t[i] & (VTD_SL_R | VTD_SL_W))
				free_level(env, table_of(env, t[i]), t[i] & VTD_SL_ADDR_MASK, level - 1);
		}
	}
	env->free(env->ctx, t, phys);
}

void vtd_pt_destroy(struct vtd_pt *pt, const struct vtd_pt_env *env)
{
	if (pt->root)
		free_level(env, pt->root, pt->root_phys, pt->levels);
	*pt = (struct vtd_pt){ 0 };
}

static bool owns(const struct vtd_pt_env *env, const uint64_t *t, uint64_t t_phys, unsigned level, uint64_t phys)
{
	if (t_phys == (phys & VTD_SL_ADDR_MASK))
		return true;
	if (level == 1)
		return false;
	for (unsigned i = 0; i < VTD_PT_ENTRIES; i++) {
		if ((t[i] & (VTD_SL_R | VTD_SL_W)) &&
		    owns(env, table_of(env, t[i]), t[i] & VTD_SL_ADDR_MASK, level - 1, phys))
			return true;
	}
	return false;
}

bool vtd_pt_owns_table(const struct vtd_pt *pt, const struct vtd_pt_env *env, uint64_t phys)
{
	return pt->root && owns(env, pt->root, pt->root_phys, pt->levels, phys);
}
