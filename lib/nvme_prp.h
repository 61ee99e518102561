/*
 * lib/nvme_prp.h - build the PRP1/PRP2 pair and PRP lists for a buffer.
 *
 * NVMe Base 2.0c §4.1.1: PRP1 addresses the first byte (any dword-aligned
 * offset in its page); a buffer within two pages puts the second page in
 * PRP2; longer buffers put the address of a PRP list in PRP2, each list
 * page holding page_size/8 entries and, when more follow, using its last
 * entry to point at the next list page.
 */
#ifndef CAPROCK_LIB_NVME_PRP_H
#define CAPROCK_LIB_NVME_PRP_H

#include <stdint.h>

struct nvme_prp_source {
	/* Device address of the buffer's i-th memory page (page aligned). */
	uint64_t (*page)(void *ctx, uint32_t i);
	/* CPU pointer to spare list page j (page_size bytes), its device address in *addr; NULL if none. */
	uint64_t *(*list_page)(void *ctx, uint32_t j, uint64_t *addr);
	void *ctx;
};

struct nvme_prp {
	uint64_t prp1;
	uint64_t prp2;
	uint32_t list_pages_used;
};

/* Pages a buffer of len bytes at first_off touches. */
uint32_t nvme_prp_data_pages(uint32_t page_size, uint32_t first_off, uint64_t len);
/* PRP list pages needed for a buffer touching data_pages pages. */
uint32_t nvme_prp_list_pages(uint32_t page_size, uint32_t data_pages);

/*
 * Fill *out for len bytes (> 0) starting first_off (< page_size, dword
 * aligned) into the first page.  page_size is a power of two >= 4096.
 * Returns 0, CR_EINVAL for bad arguments, CR_ENOMEM when list pages run out.
 */
int nvme_prp_build(uint32_t page_size, uint32_t first_off, uint64_t len,
		   const struct nvme_prp_source *src, struct nvme_prp *out);

#endif
