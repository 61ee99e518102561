/*
 * kernel/dma/dma.h - one DMA interface, several backends (FreeBSD busdma's
 * shape, Genode's platform-driver domains).
 *
 * A DMA *domain* is what one device may reach.  A driver maps a range of a
 * process's DMAPool (or asks for manager-written scratch pages, such as
 * PRP lists) for one command and gets device addresses page by page; it
 * syncs before the doorbell and after the completion, then unmaps.  How a
 * device address comes about is the backend's business: the bounce backend
 * (bounce.c) hands the device the pool's own pages where it can reach them
 * (held by the mapping) and stages the rest through ledger-tracked manager
 * pages; a remapping backend hands out IOVAs.  The backend is chosen once per boot
 * (dma_select.c) and fixed per domain through its ops table; nothing
 * outside kernel/dma/ sees a backend's state.
 */
#ifndef CAPROCK_DMA_DMA_H
#define CAPROCK_DMA_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/dma/dma_pool.h"
#include "lib/dma_ledger.h"

/* What a device can address: set per domain from the device's quirks. */
struct dma_limits {
	uint64_t dl_max_addr;		/* device addresses stay below this (0: no limit) */
	uint32_t dl_page_size;		/* the device's memory page (NVMe CC.MPS), a power of two >= 4096 */
};

/* One mapping, for one command.  Filled by the caller, then by map(). */
struct dma_map {
	struct dma_pool *dm_pool;	/* the pool or region behind it (NULL: scratch); held while mapped */
	uint64_t dm_handle;		/* offset of the buffer in dm_pool */
	uint32_t dm_len;		/* bytes; for scratch mappings a multiple of the page size */
	uint8_t dm_dir;			/* enum dma_dir: who reads the pages */
	bool dm_scratch;		/* manager-written pages with no pool behind them */
	bool dm_stage;			/* the manager checks what the device will read: never in place */
	bool dm_mapped;
	bool dm_in_place;		/* set by map(): the device reaches the pool's own pages */
	struct dma_tag dm_tag;		/* owner, queue, device command id */
	uint32_t dm_npages;		/* set by map() */
	uint32_t dm_offset;		/* set by map(): where the buffer starts in its first page */
	uint32_t dm_cookie;		/* backend's (bounce: ledger chain head) */
};

/* A walk over a mapping's pages, in order. */
struct dma_cursor {
	const struct dma_map *dc_map;
	uint32_t dc_index;		/* next page */
	uint32_t dc_state;		/* backend's */
};

struct dma_page {
	uint64_t dp_addr;		/* device address of the page */
	void *dp_virt;			/* kernel view of what the device sees (scratch and bounce pages) */
};

struct dma_domain;

struct dma_ops {
	const char *name;
	/* Give the device addresses for m; CR_EAGAIN when it must wait for unmaps. */
	int (*map)(struct dma_domain *d, struct dma_map *m);
	/* The next page of the walk; false after the last. */
	bool (*next_page)(struct dma_domain *d, struct dma_cursor *c, struct dma_page *out);
	/* True if [addr, addr + len) is one page (or part of one) of m and nothing else. */
	bool (*owns)(struct dma_domain *d, const struct dma_map *m, uint64_t addr, uint64_t len);
	/* Before the doorbell: the device sees what the pool holds. */
	void (*sync_for_device)(struct dma_domain *d, struct dma_map *m);
	/* After a successful completion: the pool holds what the device wrote. */
	void (*sync_for_cpu)(struct dma_domain *d, struct dma_map *m);
	/* Copy len bytes at off of what the device saw, for the manager's own checks. */
	void (*read)(struct dma_domain *d, const struct dma_map *m, uint32_t off, void *dst, uint32_t len);
	/* Only once the device can no longer touch m (its completion, its queue's deletion, or reset). */
	void (*unmap)(struct dma_domain *d, struct dma_map *m);
	/* Make the pool's pages nameable by mappings (the remapping lane maps them for the device). */
	int (*attach_pool)(struct dma_domain *d, struct dma_pool *pool);
	void (*detach_pool)(struct dma_domain *d);
	/*
	 * Remapping backends: make another pool (a block session's region)
	 * reachable at dd_pool_iova + space * DMA_DIRECT_SPACE_STRIDE, or no
	 * longer (unmapped and invalidated when this returns).  The bounce
	 * backend has nothing to do: its device never sees pools.
	 */
	int (*map_space)(struct dma_domain *d, uint32_t space, struct dma_pool *pool);
	void (*unmap_space)(struct dma_domain *d, uint32_t space);
	/*
	 * Manager-owned, physically contiguous memory the device may reach
	 * (queue rings, identify pages): below the domain's limit, aligned to
	 * the device page, zeroed.  Returns the device address and the kernel
	 * view, or 0.
	 */
	uint64_t (*alloc_coherent)(struct dma_domain *d, uint64_t bytes, void **virt);
	/* Optional: memory the device may only read (a submission ring); NULL: alloc_coherent. */
	uint64_t (*alloc_coherent_device_reads)(struct dma_domain *d, uint64_t bytes, void **virt);
	void (*free_coherent)(struct dma_domain *d, uint64_t addr, void *virt, uint64_t bytes);
	/* True if addr lies in memory the backend itself owns for the device (the release audit). */
	bool (*manager_address)(const struct dma_domain *d, uint64_t addr);
	/* Pages the device may still use: 0 before a domain may be destroyed. */
	uint32_t (*live_pages)(const struct dma_domain *d);
	/* Idempotent; refuses (CR_EBUSY, logged) while pages are live. */
	int (*destroy)(struct dma_domain *d);
};

struct dma_domain {
	const struct dma_ops *dd_ops;
	struct dma_limits dd_limits;
	struct dma_pool *dd_pool;	/* the provider's memory; NULL until attached */
	void *dd_priv;			/* the backend's state */
	uint64_t dd_staging_bytes;	/* bounce backend: staging pages (bounds the bytes in flight) */
	uint64_t dd_pool_iova;		/* remapping backend: device address a pool will be attached at (0: none) */
	bool dd_in_place;		/* bounce backend: pool pages the device can reach go to it in place */
	uint64_t dd_maps, dd_bytes_in, dd_bytes_out;	/* counters for reports; bytes: staged (copied) */
	uint64_t dd_in_place_bytes;	/* bytes the device moved straight to or from a pool */
	/*
	 * Last holds on pools that an unmap without the BKL could not drop
	 * (kobj.h): linked through dp_put_next, each pool at most once (only
	 * its last hold gets here), dropped under the BKL (dma_take_owed, dma_put_list).
	 */
	struct dma_pool *dd_puts_owed;
};

/* What a domain is made for. */
struct dma_domain_req {
	struct dma_limits dr_limits;
	uint64_t dr_staging_want;	/* bounce backend: staging pages wanted, and the least it may run with */
	uint64_t dr_staging_min;
	bool dr_in_place;		/* bounce backend: dma.bounce=when-needed */
	const void *dr_device;		/* remapping backends: the struct pci_dev the domain is for */
	/* Remapping backends: on failure, the verification step that failed and why (static strings). */
	const char **dr_fail_step, **dr_fail_why;
};

/* A backend: how to make a domain of its kind. */
struct dma_backend {
	const char *name;		/* "bounce-buffer", "direct-remapping" */
	int (*domain_init)(struct dma_domain *d, const struct dma_domain_req *req);
};

extern const struct dma_backend dma_bounce_backend;

static inline int dma_domain_init(struct dma_domain *d, const struct dma_backend *b, const struct dma_domain_req *req)
{
	return b->domain_init(d, req);
}
static inline int dma_domain_destroy(struct dma_domain *d) { return d->dd_ops ? d->dd_ops->destroy(d) : 0; }
/* A mapping holds its pool: memory the device may still use cannot go while it is mapped. */
static inline int dma_map(struct dma_domain *d, struct dma_map *m)
{
	int err = d->dd_ops->map(d, m);

	if (!err && m->dm_pool)
		kobj_get(&m->dm_pool->dp_obj);
	return err;
}

/* The mapping's hold on its pool goes; a last one is owed when the caller does not hold the BKL. */
void dma_put_pool(struct dma_domain *d, struct dma_pool *p);
/* Under the domain's lock: the owed holds (dma_put_pool), taken out of the domain (a list through dp_put_next). */
struct dma_pool *dma_take_owed(struct dma_domain *d);
/* Under the BKL: drop the holds of such a list. */
void dma_put_list(struct dma_pool *p);

static inline void dma_unmap(struct dma_domain *d, struct dma_map *m)
{
	if (!m->dm_mapped)
		return;
	d->dd_ops->unmap(d, m);
	if (m->dm_pool)
		dma_put_pool(d, m->dm_pool);
}
static inline void dma_sync_for_device(struct dma_domain *d, struct dma_map *m) { d->dd_ops->sync_for_device(d, m); }
static inline void dma_sync_for_cpu(struct dma_domain *d, struct dma_map *m) { d->dd_ops->sync_for_cpu(d, m); }
static inline bool dma_owns(struct dma_domain *d, const struct dma_map *m, uint64_t addr, uint64_t len)
{
	return m->dm_mapped && d->dd_ops->owns(d, m, addr, len);
}
static inline void dma_read(struct dma_domain *d, const struct dma_map *m, uint32_t off, void *dst, uint32_t len)
{
	d->dd_ops->read(d, m, off, dst, len);
}
static inline uint32_t dma_live_pages(const struct dma_domain *d) { return d->dd_ops ? d->dd_ops->live_pages(d) : 0; }

static inline void dma_cursor_start(struct dma_cursor *c, const struct dma_map *m)
{
	*c = (struct dma_cursor){ m, 0, 0 };
}
static inline bool dma_next_page(struct dma_domain *d, struct dma_cursor *c, struct dma_page *out)
{
	return d->dd_ops->next_page(d, c, out);
}

/* Attach the pool whose handles later mappings name (one pool per domain; takes a reference). */
int dma_attach_pool(struct dma_domain *d, struct dma_pool *pool);
/* Drop it; only once no mapping of it is live. */
void dma_detach_pool(struct dma_domain *d);

static inline uint64_t dma_alloc_coherent(struct dma_domain *d, uint64_t bytes, void **virt)
{
	return d->dd_ops->alloc_coherent(d, bytes, virt);
}
/* Where the backend can say so, the device may read this memory and never write it. */
static inline uint64_t dma_alloc_device_reads(struct dma_domain *d, uint64_t bytes, void **virt)
{
	if (d->dd_ops->alloc_coherent_device_reads)
		return d->dd_ops->alloc_coherent_device_reads(d, bytes, virt);
	return d->dd_ops->alloc_coherent(d, bytes, virt);
}
static inline void dma_free_coherent(struct dma_domain *d, uint64_t addr, void *virt, uint64_t bytes)
{
	if (addr)
		d->dd_ops->free_coherent(d, addr, virt, bytes);
}

#endif
