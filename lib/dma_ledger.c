/*
 * lib/dma_ledger.c - the live DMA ledger (see dma_ledger.h).
 */
#include "lib/dma_ledger.h"

#include <stddef.h>

#include "include/abi/errors.h"

void dma_ledger_init(struct dma_ledger *l, struct dma_ledger_entry *entries, uint32_t *free_stack,
		     uint32_t npages, uint64_t base, uint32_t page_size)
{
	l->l_entries = entries;
	l->l_free = free_stack;
	l->l_npages = npages;
	l->l_base = base;
	l->l_page_size = page_size;
	l->l_grants = 0;
	l->l_nfree = npages;
	for (uint32_t i = 0; i < npages; i++) {
		entries[i] = (struct dma_ledger_entry){ .e_next = DMA_LEDGER_NONE, .e_head = DMA_LEDGER_NONE };
		free_stack[i] = npages - 1 - i;	/* pop order: 0, 1, 2 ... */
	}
}

uint32_t dma_ledger_grant(struct dma_ledger *l, uint32_t n, struct dma_tag tag)
{
	if (n == 0 || n > l->l_nfree)
		return DMA_LEDGER_NONE;
	uint32_t head = DMA_LEDGER_NONE, prev = DMA_LEDGER_NONE;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx = l->l_free[--l->l_nfree];
		struct dma_ledger_entry *e = &l->l_entries[idx];
		e->e_tag = tag;
		e->e_live = true;
		e->e_next = DMA_LEDGER_NONE;
		if (prev == DMA_LEDGER_NONE)
			head = idx;
		else
			l->l_entries[prev].e_next = idx;
		e->e_head = head;
		prev = idx;
	}
	l->l_grants += n;
	return head;
}

static bool tag_matches(const struct dma_tag *a, const struct dma_tag *b)
{
	return a->owner == b->owner && a->qid == b->qid && a->cid == b->cid;
}

int dma_ledger_release(struct dma_ledger *l, uint32_t head, struct dma_tag tag)
{
	uint32_t n = 0;

	/* Check the whole chain first: a bad release must change nothing. */
	for (uint32_t i = head; i != DMA_LEDGER_NONE; i = l->l_entries[i].e_next) {
		if (i >= l->l_npages || !l->l_entries[i].e_live || l->l_entries[i].e_head != head ||
		    !tag_matches(&l->l_entries[i].e_tag, &tag) || ++n > l->l_npages)
			return CR_EINVAL;
	}
	for (uint32_t i = head; i != DMA_LEDGER_NONE;) {
		uint32_t next = l->l_entries[i].e_next;
		l->l_entries[i].e_live = false;
		l->l_entries[i].e_next = DMA_LEDGER_NONE;
		l->l_entries[i].e_head = DMA_LEDGER_NONE;
		l->l_free[l->l_nfree++] = i;
		i = next;
	}
	return (int)n;
}

uint32_t dma_ledger_nth(const struct dma_ledger *l, uint32_t head, uint32_t i)
{
	uint32_t idx = head;

	while (i-- && idx != DMA_LEDGER_NONE)
		idx = l->l_entries[idx].e_next;
	return idx;
}

/* The live entry holding [addr, addr+len) within one page, or NULL. */
static const struct dma_ledger_entry *entry_at(const struct dma_ledger *l, uint64_t addr, uint64_t len)
{
	if (addr < l->l_base || len == 0)
		return NULL;
	uint64_t off = addr - l->l_base;
	uint64_t idx = off / l->l_page_size;
	/* Compared without adding to len, which may be near 2^64 and would wrap. */
	if (idx >= l->l_npages || len > l->l_page_size - off % l->l_page_size)
		return NULL;
	return l->l_entries[idx].e_live ? &l->l_entries[idx] : NULL;
}

bool dma_ledger_covers(const struct dma_ledger *l, uint64_t addr, uint64_t len, struct dma_tag tag)
{
	const struct dma_ledger_entry *e = entry_at(l, addr, len);

	return e && tag_matches(&e->e_tag, &tag);
}

bool dma_ledger_covers_grant(const struct dma_ledger *l, uint64_t addr, uint64_t len, uint32_t head,
			     struct dma_tag tag)
{
	const struct dma_ledger_entry *e = entry_at(l, addr, len);

	return e && e->e_head == head && e->e_tag.dir == tag.dir && tag_matches(&e->e_tag, &tag);
}
