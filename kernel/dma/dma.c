/*
 * kernel/dma/dma.c - what every backend shares: attaching the pool.
 */
#include "kernel/dma/dma.h"

#include <stddef.h>

#include "kernel/core/locking.h"

int dma_attach_pool(struct dma_domain *d, struct dma_pool *pool)
{
	int err = d->dd_ops->attach_pool(d, pool);

	if (err)
		return err;
	kobj_get(&pool->dp_obj);
	d->dd_pool = pool;
	return 0;
}

void dma_detach_pool(struct dma_domain *d)
{
	if (!d->dd_pool)
		return;
	d->dd_ops->detach_pool(d);
	kobj_put(&d->dd_pool->dp_obj);
	d->dd_pool = NULL;
}

void dma_put_pool(struct dma_domain *d, struct dma_pool *p)
{
	if (bkl_held()) {
		kobj_put(&p->dp_obj);
		return;
	}
	if (kobj_put_unless_last(&p->dp_obj))
		return;
	/* Its last hold: the release (freeing a Region) needs the BKL (locking.h L8). */
	p->dp_put_next = d->dd_puts_owed;
	d->dd_puts_owed = p;
}

struct dma_pool *dma_take_owed(struct dma_domain *d)
{
	struct dma_pool *list = d->dd_puts_owed;

	d->dd_puts_owed = NULL;
	return list;
}

void dma_put_list(struct dma_pool *p)
{
	while (p) {
		struct dma_pool *next = p->dp_put_next;
		p->dp_put_next = NULL;
		kobj_put(&p->dp_obj);
		p = next;
	}
}
