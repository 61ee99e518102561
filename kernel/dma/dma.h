/*
 * kernel/dma/dma.h - one DMA API, two backends (FreeBSD busdma's shape).
 *
 * A driver asks to map a buffer of its DMAPool for one command and gets the
 * device-visible description (PRP1/PRP2); it syncs before ringing the
 * doorbell and after the completion, then unmaps.  The bounce backend
 * stages every byte through ledger-tracked manager pages; a remapping
 * backend would hand out IOVAs inside the pool's window instead.  The
 * backend is chosen once per boot (dma_select.c).
 */
#ifndef CAPROCK_DMA_DMA_H
#define CAPROCK_DMA_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/dma/dma_pool.h"
#include "lib/dma_ledger.h"

struct dma_buffer {
	uint64_t db_handle;		/* pool offset of the buffer */
	uint32_t db_len;
	enum dma_dir db_dir;
	struct dma_tag db_tag;		/* owner, queue, device command id */
	uint32_t db_chain;		/* bounce: ledger chain of data pages */
	uint32_t db_list_chain;		/* bounce: ledger chain of PRP list pages */
	uint64_t db_prp1, db_prp2;	/* what the command will carry */
	bool db_mapped;
};

struct dma_domain;

struct dma_ops {
	const char *name;
	/* Reserve device-visible memory and build PRPs; CR_EAGAIN if it must wait for releases. */
	int (*map)(struct dma_domain *d, struct dma_buffer *b);
	/* Before the doorbell: make the buffer's contents visible to the device. */
	void (*sync_for_device)(struct dma_domain *d, struct dma_buffer *b);
	/* After the completion: make what the device wrote visible in the pool. */
	void (*sync_for_cpu)(struct dma_domain *d, struct dma_buffer *b);
	/* Copy len bytes at off of what the device sees (for the manager's own snooping). */
	void (*peek)(struct dma_domain *d, const struct dma_buffer *b, uint32_t off, void *dst, uint32_t len);
	void (*unmap)(struct dma_domain *d, struct dma_buffer *b);
};

/* Bounce backend state: one contiguous run of pages behind a ledger. */
struct dma_bounce {
	struct dma_ledger bb_ledger;
	uint64_t bb_phys;
	uint8_t *bb_virt;
	uint64_t bb_bytes;
	struct dma_ledger_entry *bb_entries;
	uint32_t *bb_free;
};

struct dma_domain {
	const struct dma_ops *dd_ops;
	struct dma_pool *dd_pool;	/* the provider's memory; NULL until the controller is enabled */
	uint32_t dd_page_size;		/* the controller's memory page size */
	uint64_t dd_dma_limit;		/* device addresses stay below this (0: none) */
	struct dma_bounce dd_bounce;
	uint64_t dd_maps, dd_bytes_in, dd_bytes_out;	/* counters for reports */
};

extern const struct dma_ops dma_bounce_ops;

/* Create the bounce pages: want_bytes if possible, never less than min_bytes. */
int dma_bounce_init(struct dma_domain *d, uint64_t want_bytes, uint64_t min_bytes);
/* Free them; refuses (CR_EBUSY, logged) while any page is still granted. */
int dma_bounce_destroy(struct dma_domain *d);

static inline int dma_map(struct dma_domain *d, struct dma_buffer *b) { return d->dd_ops->map(d, b); }
static inline void dma_sync_for_device(struct dma_domain *d, struct dma_buffer *b) { d->dd_ops->sync_for_device(d, b); }
static inline void dma_sync_for_cpu(struct dma_domain *d, struct dma_buffer *b) { d->dd_ops->sync_for_cpu(d, b); }
static inline void dma_unmap(struct dma_domain *d, struct dma_buffer *b) { d->dd_ops->unmap(d, b); }

/* Allocate physically contiguous, device-reachable memory the manager owns (queues). */
uint64_t dma_alloc_coherent(const struct dma_domain *d, uint64_t bytes, void **virt);
void dma_free_coherent(const struct dma_domain *d, uint64_t phys, uint64_t bytes);

#endif
