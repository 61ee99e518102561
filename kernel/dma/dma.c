/*
 * kernel/dma/dma.c - what every backend shares: attaching the pool.
 */
#include "kernel/dma/dma.h"

#include <stddef.h>

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
