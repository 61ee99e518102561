/*
 * lib/heap.c - size-class heap (see heap.h).
 *
 * Every page starts with a header naming its class (or, for large blocks,
 * its page count), so heap_free needs only the pointer.  Small-class pages
 * are kept for reuse; large blocks go straight back to the page source.
 */
#include "lib/heap.h"

#include "include/abi/errors.h"

#include "lib/string.h"

#define HEADER_SIZE	64
#define MAGIC_SMALL	0x48454150534d4c4cull	/* "HEAPSMLL" */
#define MAGIC_LARGE	0x484541504c524745ull	/* "HEAPLRGE" */
#define MAX_OBJECTS	((HEAP_PAGE_SIZE - HEADER_SIZE) / 16)	/* of the smallest class */

struct page_header {
	uint64_t ph_magic;
	uint32_t ph_class;	/* small: class index */
	uint32_t ph_npages;	/* large: pages in the block */
	/*
	 * Small: bit i set while object i of the page is allocated.  Kept
	 * here, not in the objects, so a double free is caught whatever the
	 * object held, and only the page's real slots can be freed.
	 */
	uint64_t ph_live[(MAX_OBJECTS + 63) / 64];
};

struct heap_free_obj {
	struct heap_free_obj *next;
};

_Static_assert(sizeof(struct page_header) <= HEADER_SIZE, "heap page header fits");

static size_t class_size(unsigned c) { return (size_t)16 << c; }

static size_t objects_per_page(unsigned c) { return (HEAP_PAGE_SIZE - HEADER_SIZE) / class_size(c); }

static struct page_header *page_of(const void *p)
{
	return (struct page_header *)((uintptr_t)p & ~(uintptr_t)(HEAP_PAGE_SIZE - 1));
}

void heap_init(struct heap *h, void *(*page_alloc)(size_t, void *),
	       void (*page_free)(void *, size_t, void *), void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->h_page_alloc = page_alloc;
	h->h_page_free = page_free;
	h->h_ctx = ctx;
}

static int refill(struct heap *h, unsigned c)
{
	uint8_t *page = h->h_page_alloc(1, h->h_ctx);

	if (!page)
		return CR_ENOMEM;
	h->h_pages++;
	struct page_header *ph = (struct page_header *)page;
	ph->ph_magic = MAGIC_SMALL;
	ph->ph_class = c;
	ph->ph_npages = 1;
	memset(ph->ph_live, 0, sizeof(ph->ph_live));
	for (size_t off = HEADER_SIZE; off + class_size(c) <= HEAP_PAGE_SIZE; off += class_size(c)) {
		struct heap_free_obj *o = (struct heap_free_obj *)(page + off);
		o->next = h->h_free[c];
		h->h_free[c] = o;
	}
	return 0;
}

void *heap_alloc(struct heap *h, size_t size)
{
	if (size == 0)
		size = 1;
	if (size <= HEAP_MAX_SMALL) {
		unsigned c = 0;
		while (class_size(c) < size)
			c++;
		if (!h->h_free[c] && refill(h, c) < 0)
			return NULL;
		struct heap_free_obj *o = h->h_free[c];
		struct page_header *ph = page_of(o);
		size_t idx = ((uintptr_t)o - (uintptr_t)ph - HEADER_SIZE) / class_size(c);
		h->h_free[c] = o->next;
		ph->ph_live[idx / 64] |= 1ull << (idx % 64);
		memset(o, 0, class_size(c));
		h->h_live_objects++;
		return o;
	}
	if (size > SIZE_MAX - HEADER_SIZE - HEAP_PAGE_SIZE)
		return NULL;
	size_t npages = (size + HEADER_SIZE + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE;
	uint8_t *block = h->h_page_alloc(npages, h->h_ctx);
	if (!block)
		return NULL;
	memset(block, 0, npages * HEAP_PAGE_SIZE);
	struct page_header *ph = (struct page_header *)block;
	ph->ph_magic = MAGIC_LARGE;
	ph->ph_npages = (uint32_t)npages;
	h->h_pages += npages;
	h->h_live_objects++;
	return block + HEADER_SIZE;
}

void heap_free(struct heap *h, void *p)
{
	if (!p)
		return;
	uintptr_t addr = (uintptr_t)p;
	struct page_header *ph = page_of(p);

	if (ph->ph_magic == MAGIC_LARGE && addr - (uintptr_t)ph == HEADER_SIZE) {
		size_t npages = ph->ph_npages;
		ph->ph_magic = 0;
		h->h_pages -= npages;
		h->h_live_objects--;
		h->h_page_free(ph, npages, h->h_ctx);
		return;
	}
	if (ph->ph_magic != MAGIC_SMALL || ph->ph_class >= HEAP_NCLASSES) {
		h->h_bad_frees++;
		return;
	}
	size_t off = addr - (uintptr_t)ph, sz = class_size(ph->ph_class);
	size_t idx = (off - HEADER_SIZE) / sz;
	struct heap_free_obj *o = p;
	/* Interior pointer, the slack after the page's last object, or a double free. */
	if (off < HEADER_SIZE || (off - HEADER_SIZE) % sz != 0 || idx >= objects_per_page(ph->ph_class) ||
	    !(ph->ph_live[idx / 64] & (1ull << (idx % 64)))) {
		h->h_bad_frees++;
		return;
	}
	ph->ph_live[idx / 64] &= ~(1ull << (idx % 64));
	o->next = h->h_free[ph->ph_class];
	h->h_free[ph->ph_class] = o;
	h->h_live_objects--;
}
