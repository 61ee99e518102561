/*
 * lib/nvme_prp.c - PRP construction (see nvme_prp.h).
 */
#include "lib/nvme_prp.h"

#include "include/abi/errors.h"

uint32_t nvme_prp_data_pages(uint32_t page_size, uint32_t first_off, uint64_t len)
{
	return (uint32_t)((first_off + len + page_size - 1) / page_size);
}

uint32_t nvme_prp_list_pages(uint32_t page_size, uint32_t data_pages)
{
	uint32_t per_page = page_size / 8;

	if (data_pages <= 2)
		return 0;
	uint32_t entries = data_pages - 1;	/* PRP1 covers the first page */
	if (entries <= per_page)
		return 1;
	/* Every page but the last gives one slot to the chain pointer. */
	return 1 + (entries - per_page + (per_page - 1) - 1) / (per_page - 1);
}

int nvme_prp_build(uint32_t page_size, uint32_t first_off, uint64_t len,
		   const struct nvme_prp_source *src, struct nvme_prp *out)
{
	/* The buffer must touch at most 2^32 - 1 pages, counting first_off. */
	if (page_size < 4096 || (page_size & (page_size - 1)) || first_off >= page_size ||
	    (first_off & 3) || len == 0 || len > (uint64_t)UINT32_MAX * page_size - first_off)
		return CR_EINVAL;

	uint32_t npages = nvme_prp_data_pages(page_size, first_off, len);
	uint32_t per_page = page_size / 8;

	out->prp1 = src->page(src->ctx, 0) + first_off;
	out->prp2 = 0;
	out->list_pages_used = 0;
	if (npages == 1)
		return 0;
	if (npages == 2) {
		out->prp2 = src->page(src->ctx, 1);
		return 0;
	}

	uint64_t addr;
	uint64_t *list = src->list_page(src->ctx, 0, &addr);
	if (!list)
		return CR_ENOMEM;
	out->prp2 = addr;
	out->list_pages_used = 1;
	uint32_t slot = 0;
	for (uint32_t i = 1; i < npages; i++) {
		/* Last slot of a full list page, with more than one entry to go: chain. */
		if (slot == per_page - 1 && npages - i > 1) {
			uint64_t *next = src->list_page(src->ctx, out->list_pages_used, &addr);
			if (!next)
				return CR_ENOMEM;
			list[slot] = addr;
			list = next;
			out->list_pages_used++;
			slot = 0;
		}
		list[slot++] = src->page(src->ctx, i);
	}
	return 0;
}
