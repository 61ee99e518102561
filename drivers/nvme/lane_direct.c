/*
 * drivers/nvme/lane_direct.c - the provider on the direct lane
 * (kernel/nvme/lane_direct.h has the manager's side).
 *
 * The controller reaches the provider's DMAPool through an IOMMU window:
 * pool offset h is device address iova_base + h; a block session's region
 * (handle space s) is at iova_base + s * DMA_DIRECT_SPACE_STRIDE
 * (include/abi/device.h); nothing else is mapped.  So, on this lane, the provider does what any NVMe driver does
 * with its own memory: its I/O rings are the device's rings, it writes
 * device addresses (IOVAs) into its I/O commands, builds PRP lists itself
 * (NVMe Base 2.0c §4.1.1, lib/nvme_prp.c) in list pages of its pool, and
 * rings those queues' doorbells by storing to the doorbell page the
 * manager mapped into its address space (§3.1.2: SQ y tail at 0x1000 + 2y * (4 << DSTRD), CQ y
 * head 4 << DSTRD later).  The rest of the driver keeps building commands
 * with pool handles; lane_direct_prepare() turns an I/O command into its
 * device form as it enters the submission queue, by opcode (the data
 * length follows from the command and the namespace's geometry).  The
 * admin queue is brokered as on the other lane (the manager's allow-lists,
 * I6): admin commands keep their pool handles and go through the kernel.
 */
#include "drivers/nvme/lane_direct.h"

#include "include/abi/block.h"
#include "lib/bits.h"
#include "lib/nvme_cq_flow.h"
#include "lib/nvme_prp.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define LIST_CHUNKS_MAX	256		/* PRP lists of commands in flight at once */
#define MAX_QID		4
#define NO_LIST		0xffff

static struct {
	bool on;
	uint64_t iova_base;		/* device address of handle space 0, offset 0 */
	volatile uint32_t *db;		/* the doorbell page */
	uint32_t page;			/* controller memory page size (CC.MPS) */
	uint64_t lists;			/* pool handle of the first list chunk */
	uint32_t chunk;			/* bytes per list chunk: the largest transfer's entries, within one page */
	uint16_t free[LIST_CHUNKS_MAX];
	uint16_t nfree, nchunks;
	uint16_t list_of[MAX_QID][NVME_IO_ENTRIES_MAX];	/* the chunk each command holds */
	bool raw_next;			/* the next command already carries device addresses */
} dl;

/*
 * A PRP list need not start on a page (NVMe Base 2.0c §4.1.1: a list
 * pointer may carry an offset), so each command in flight gets a chunk
 * just big enough for the largest transfer's entries, aligned to its size
 * so that it never crosses a page (no chained list is ever needed).
 */
static uint32_t chunk_bytes(uint32_t page, uint64_t max_transfer)
{
	uint64_t entries = max_transfer / page + 1;	/* pages - 1, with one more for an unaligned start */
	uint32_t bytes = 64;

	while (bytes < entries * 8 && bytes < page)
		bytes *= 2;
	return bytes;
}

int lane_direct_init(struct nvme_dev *d, const struct dma_pool_info *pi)
{
	uint64_t va = 0;
	int err = (int)syscall6(SYS_NVME_DOORBELL_MAP, d->d_mmio, (long)&va, 0, 0, 0, 0);

	if (err < 0) {
		nvme_error("provider: error doorbell page not mapped err=%s", cr_err_name(err));
		return err;
	}
	dl.page = d->d_info.di_page_size;
	/* The manager identified the controller at bind: the transfer limit is known already. */
	dl.chunk = chunk_bytes(dl.page, d->d_info.di_max_transfer ? d->d_info.di_max_transfer : 2u << 20);
	/* An eighth of the pool, at most LIST_CHUNKS_MAX chunks. */
	dl.nchunks = (uint16_t)MIN((uint64_t)LIST_CHUNKS_MAX, d->d_pool_bytes / 8 / dl.chunk);
	dl.lists = pool_alloc(d, (uint64_t)dl.nchunks * dl.chunk, dl.chunk);
	if (!dl.nchunks || dl.lists == UINT64_MAX) {
		nvme_error("provider: error pool too small for PRP lists");
		return CR_ENOMEM;
	}
	dl.iova_base = pi->dp_iova_base;
	dl.db = (volatile uint32_t *)va;
	for (uint16_t i = 0; i < dl.nchunks; i++)
		dl.free[i] = (uint16_t)(dl.nchunks - 1 - i);
	dl.nfree = dl.nchunks;
	memset(dl.list_of, 0xff, sizeof(dl.list_of));
	dl.on = true;
	uprintf("provider: direct lane iova_base=0x%lx pool_bytes=%lu doorbells=mapped prp_lists=%u list_bytes=%u",
		dl.iova_base, d->d_pool_bytes, dl.nchunks, dl.chunk);
	return 0;
}

/* Device address of handle h (space in bits 63:48, include/abi/block.h), or 0 if it cannot be one. */
static uint64_t device_address(const struct nvme_dev *d, uint64_t h, uint64_t len)
{
	uint64_t space = h >> NVME_HANDLE_SPACE_SHIFT, off = h & NVME_HANDLE_OFFSET_MASK, end;
	uint64_t room = space == 0 ? d->d_pool_bytes : DMA_DIRECT_SPACE_STRIDE;

	if (space >= DMA_DIRECT_SPACES || __builtin_add_overflow(off, len, &end) || end > room)
		return 0;
	return dl.iova_base + space * DMA_DIRECT_SPACE_STRIDE + off;
}

uint64_t lane_direct_iova(uint64_t handle)
{
	return dl.iova_base + handle;
}

void lane_direct_raw_next(bool raw)
{
	dl.raw_next = raw;
}

uint32_t lane_direct_cap_qd(uint32_t qd, uint64_t bytes)
{
	/* A command of more than two pages holds a list chunk while in flight. */
	if (dl.on && bytes > 2ull * dl.page && qd > dl.nchunks)
		return dl.nchunks;
	return qd;
}

bool lane_direct_can_submit(void)
{
	return !dl.on || dl.nfree > 0;
}

/* ---------------------------------------------------------------- data pointers */

struct prp_ctx {
	uint64_t first_page;		/* IOVA of the buffer's first page */
	int list;			/* list chunk taken, or -1 */
	bool too_long;			/* would need a second list */
};

static uint64_t prp_page(void *ctx, uint32_t i)
{
	const struct prp_ctx *p = ctx;
	return p->first_page + (uint64_t)i * dl.page;
}

static uint64_t *prp_list(void *ctx, uint32_t j, uint64_t *addr)
{
	struct prp_ctx *p = ctx;

	if (j != 0) {
		p->too_long = true;
		return NULL;
	}
	if (!dl.nfree)
		return NULL;
	p->list = dl.free[--dl.nfree];
	uint64_t h = dl.lists + (uint64_t)p->list * dl.chunk;
	*addr = dl.iova_base + h;
	return (uint64_t *)pool_ptr(&nvme, h);
}

/* PRP1/PRP2 (and a list) for len bytes at handle h. */
static int data_pointers(struct nvme_dev *d, struct nvme_sqe *c, uint64_t h, uint64_t len, int *list)
{
	struct nvme_prp prp;
	uint64_t iova = device_address(d, h, len);

	if (!len || !iova || iova % 4)
		return CR_ERANGE;
	/* The list chunk holds chunk / 8 entries: more pages than that never fit (the limit says so too). */
	if ((iova % dl.page + len + dl.page - 1) / dl.page - 1 > dl.chunk / 8)
		return CR_ERANGE;
	struct prp_ctx pc = { ALIGN_DOWN(iova, (uint64_t)dl.page), -1, false };
	struct nvme_prp_source src = { prp_page, prp_list, &pc };
	int err = nvme_prp_build(dl.page, (uint32_t)(iova % dl.page), len, &src, &prp);
	if (err < 0) {
		if (pc.list >= 0)
			dl.free[dl.nfree++] = (uint16_t)pc.list;
		return err == CR_ENOMEM && !pc.too_long ? CR_EAGAIN : CR_ERANGE;
	}
	c->prp1 = prp.prp1;
	c->prp2 = prp.prp2;
	*list = pc.list;
	return 0;
}

/* Bytes of data a command moves (0: none, or just the one buffer its PRP1 names: -1). */
static int64_t data_len(struct nvme_dev *d, const struct nvme_sqe *c)
{
	switch (c->opc) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
	case NVME_CMD_COMPARE: {
		const struct nvme_ns *ns = ctrl_ns(d, c->nsid);
		return ns ? ((int64_t)(c->cdw12 & 0xffff) + 1) * ns->n_block_xfer : -1;
	}
	case NVME_CMD_DSM:
		return ((int64_t)(c->cdw10 & 0xff) + 1) * NVME_DSM_RANGE_BYTES;
	default:
		return c->prp1 ? -1 : 0;
	}
}

int lane_direct_prepare(struct nvme_dev *d, struct nvme_queue *q, uint16_t cid, struct nvme_sqe *c)
{
	int list = -1, err;

	if (q->q_id >= MAX_QID || cid >= NVME_IO_ENTRIES_MAX)
		return CR_EINVAL;
	dl.list_of[q->q_id][cid] = NO_LIST;
	if (dl.raw_next) {
		dl.raw_next = false;	/* the caller wrote device addresses on purpose (the hostile self-test) */
		return 0;
	}
	int64_t len = data_len(d, c);	/* I/O queues only: the admin queue is brokered */
	if (len < 0) {
		/* One buffer or ring at PRP1, contiguous in its space and so in IOVA space. */
		uint64_t iova = device_address(d, c->prp1, 1);
		if (!iova)
			return CR_ERANGE;
		c->prp1 = iova;
		c->prp2 = 0;
	} else if (len > 0 && (err = data_pointers(d, c, c->prp1, (uint64_t)len, &list)) < 0) {
		return err;
	}
	if (c->mptr) {
		uint64_t iova = device_address(d, c->mptr, 1);
		if (!iova) {
			if (list >= 0)
				dl.free[dl.nfree++] = (uint16_t)list;
			return CR_ERANGE;
		}
		c->mptr = iova;
	}
	if (list >= 0)
		dl.list_of[q->q_id][cid] = (uint16_t)list;
	return 0;
}

void lane_direct_release(const struct nvme_queue *q, uint16_t cid)
{
	if (!dl.on || q->q_id >= MAX_QID || cid >= NVME_IO_ENTRIES_MAX || dl.list_of[q->q_id][cid] == NO_LIST)
		return;
	dl.free[dl.nfree++] = dl.list_of[q->q_id][cid];
	dl.list_of[q->q_id][cid] = NO_LIST;
}

/* ---------------------------------------------------------------- doorbells */

static volatile uint32_t *doorbell(const struct nvme_dev *d, uint16_t qid, bool cq)
{
	uint64_t off = (cq ? nvme_cq_doorbell(qid, NVME_CAP_DSTRD(d->d_cap)) : nvme_sq_doorbell(qid, NVME_CAP_DSTRD(d->d_cap)));

	return dl.db + (off - NVME_REG_PAGE) / 4;
}

int lane_direct_ring_sq(struct nvme_dev *d, const struct nvme_queue *q)
{
	/* The entries are in the ring before the device learns the tail (x86 keeps stores in order). */
	__asm__ volatile("" : : : "memory");
	*doorbell(d, q->q_id, false) = q->q_sq_tail;
	return 0;
}

void lane_direct_ring_cq(struct nvme_dev *d, const struct nvme_queue *q)
{
	__asm__ volatile("" : : : "memory");
	*doorbell(d, q->q_id, true) = q->q_cq_head;
}

int lane_direct_kick(struct nvme_dev *d, struct nvme_queue *q, struct nvme_ring_wait *rw)
{
	int taken = 0;

	/* Before the tail: the new commands' completions need the room (MSI-X, which this lane requires). */
	if (nvme_cq_head_due(q->q_size, q->q_cq_head, q->q_cq_head_told, q->q_outstanding)) {
		lane_direct_ring_cq(d, q);
		q->q_cq_head_told = q->q_cq_head;
	}
	if (q->q_unrung) {
		lane_direct_ring_sq(d, q);
		taken = q->q_unrung;	/* the device takes every entry up to the tail */
		q->q_unrung = 0;
	}
	rw->rw_cq_head = rw->rw_sq_tail = NVME_RW_KEEP;	/* the kernel only waits */
	return taken;
}
