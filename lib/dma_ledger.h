/*
 * lib/dma_ledger.h - the live DMA ledger: every bounce page a device may touch.
 *
 * The ledger covers one contiguous pool of equal-sized bounce pages at a
 * known device address.  A page is either free or granted to exactly one
 * command, tagged with its owner (process), queue, command id and
 * direction.  The pages of one grant are chained in order, so a command
 * holds only the chain head.  Granting is all-or-nothing, release checks
 * the tag, and the owner test is O(1) from the address: the broker asks
 * the ledger about every address it writes into a command.
 */
#ifndef CAPROCK_LIB_DMA_LEDGER_H
#define CAPROCK_LIB_DMA_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#define DMA_LEDGER_NONE 0xffffffffu

enum dma_dir {
	DMA_DIR_TO_DEVICE = 1,		/* device reads: write data, PRP lists */
	DMA_DIR_FROM_DEVICE = 2,	/* device writes: read data */
};

struct dma_tag {
	uint32_t owner;		/* pid of the process the I/O is for */
	uint16_t qid;
	uint16_t cid;		/* the command id the device sees */
	uint8_t dir;		/* enum dma_dir */
};

struct dma_ledger_entry {
	struct dma_tag e_tag;
	uint32_t e_next;	/* next page of the same grant, or DMA_LEDGER_NONE */
	uint32_t e_head;	/* first page of the grant: names the grant */
	bool e_live;
};

struct dma_ledger {
	struct dma_ledger_entry *l_entries;	/* l_npages entries */
	uint32_t *l_free;			/* stack of free page indices */
	uint32_t l_nfree;
	uint32_t l_npages;
	uint64_t l_base;			/* device address of page 0 */
	uint32_t l_page_size;
	uint64_t l_grants;			/* pages granted since init */
};

/* entries and free_stack have room for npages; every page starts free. */
void dma_ledger_init(struct dma_ledger *l, struct dma_ledger_entry *entries, uint32_t *free_stack,
		     uint32_t npages, uint64_t base, uint32_t page_size);

/* Grant n pages to tag, chained in order; returns the head index or DMA_LEDGER_NONE (nothing granted). */
uint32_t dma_ledger_grant(struct dma_ledger *l, uint32_t n, struct dma_tag tag);

/*
 * Release the chain starting at head.  Every page must be live, belong to
 * that grant and carry tag's owner, qid and cid; returns the pages
 * released, or CR_EINVAL (and releases nothing) on any mismatch.
 */
int dma_ledger_release(struct dma_ledger *l, uint32_t head, struct dma_tag tag);

/* The i-th page of the chain at head, or DMA_LEDGER_NONE. */
uint32_t dma_ledger_nth(const struct dma_ledger *l, uint32_t head, uint32_t i);

static inline uint64_t dma_ledger_addr(const struct dma_ledger *l, uint32_t idx)
{
	return l->l_base + (uint64_t)idx * l->l_page_size;
}

/* True if [addr, addr+len) lies in one live page granted to tag (owner, qid, cid). */
bool dma_ledger_covers(const struct dma_ledger *l, uint64_t addr, uint64_t len, struct dma_tag tag);
/* The same, and the page belongs to the grant whose first page is head (and has tag's direction). */
bool dma_ledger_covers_grant(const struct dma_ledger *l, uint64_t addr, uint64_t len, uint32_t head,
			     struct dma_tag tag);

static inline uint32_t dma_ledger_live(const struct dma_ledger *l) { return l->l_npages - l->l_nfree; }

#endif
