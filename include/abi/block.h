/*
 * include/abi/block.h - the BlockDevice session between a client and a
 * storage provider (Genode's Block session shape: a shared ring of
 * requests and acknowledgements, with the data in a region the client
 * owns).
 *
 * The kernel creates a session per client and device by policy.  The
 * client holds the BlockDevice end, a Region and a Notification; the
 * provider holds the BlockSession end and is woken through its inbox
 * Notification.  Both map the session's ring page; only the client maps
 * the region, and the provider names it in its NVMe commands by the
 * session's space (NVME_HANDLE_SPACE below) and an offset: it never sees
 * the region's memory, and the manager copies between the region and its
 * staging pages.  Both ends treat every index and field the other wrote as
 * untrusted.  Ring indices run freely modulo 2^32.
 */
#ifndef CAPROCK_ABI_BLOCK_H
#define CAPROCK_ABI_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define BLOCK_RING_ENTRIES	64

enum block_op {
	BLOCK_OP_READ = 1,
	BLOCK_OP_WRITE = 2,
	BLOCK_OP_FLUSH = 3,
	BLOCK_OP_WRITE_ZEROES = 4,
	BLOCK_OP_TRIM = 5,		/* only where bi_flags has BLOCK_TRIM */
};

struct block_request {
	uint64_t br_tag;		/* the client's, echoed in the ack */
	uint64_t br_lba;		/* relative to the device (partition or namespace) */
	uint64_t br_offset;		/* byte offset in the client's region */
	uint32_t br_blocks;
	uint16_t br_op;			/* enum block_op */
	uint16_t br_flags;
};
_Static_assert(sizeof(struct block_request) == 32, "block_request layout is ABI");

struct block_ack {
	uint64_t ba_tag;
	int32_t ba_status;		/* 0 or a CR_* code */
	uint16_t ba_nvme_status;	/* the device's status field when it answered, else 0 */
	uint16_t ba_rsvd;
};
_Static_assert(sizeof(struct block_ack) == 16, "block_ack layout is ABI");

struct block_ring {
	uint32_t br_submit_tail;	/* client writes: requests posted */
	uint32_t br_submit_head;	/* provider writes: requests taken */
	uint32_t br_ack_tail;		/* provider writes: acks posted */
	uint32_t br_ack_head;		/* client writes: acks taken */
	uint32_t br_flags;		/* kernel writes: BLOCK_RING_* */
	uint32_t br_generation;		/* kernel writes: the provider's incarnation (a hint; block_info says) */
	uint32_t br_submit_event;	/* provider writes: notify me when br_submit_tail passes this */
	uint32_t br_ack_event;		/* client writes: notify me when br_ack_tail passes this */
	uint32_t br_rsvd[8];
	struct block_request br_req[BLOCK_RING_ENTRIES];
	struct block_ack br_ack[BLOCK_RING_ENTRIES];
};
_Static_assert(offsetof(struct block_ring, br_submit_event) == 24, "block_ring.br_submit_event");
_Static_assert(offsetof(struct block_ring, br_ack_event) == 28, "block_ring.br_ack_event");
_Static_assert(offsetof(struct block_ring, br_req) == 64, "block_ring header is 64 bytes");
_Static_assert(sizeof(struct block_ring) <= 4096, "block_ring fits one page");

#define BLOCK_RING_CLIENT_GONE	1u	/* the client's end was released */
#define BLOCK_RING_PROVIDER_GONE 2u	/* the provider's end was released: no more acks */

/*
 * Notification suppression (virtio's EVENT_IDX).  A side about to sleep
 * writes the index it has consumed up to into its event word ("wake me
 * when the tail passes it"), then re-reads the tail; the other side, after
 * publishing a new tail, notifies (SYS_BLOCK_NOTIFY) only if the tail
 * crossed that event index since its last look.  While a side is busy it
 * leaves its event index behind, and the other side's posts cost no system
 * call.  A peer that writes nonsense there only loses or gets wake-ups of
 * its own.
 */

/*
 * Provider restart (kernel/nvme/supervise.c).  A request is the client's
 * until its ack arrives.  When a provider dies, the kernel quiets the
 * controller, starts a new provider on the same sessions and records, per
 * session, the ring position up to which the dead one had taken requests
 * (bi_restart_head): an outstanding request posted before it was lost with
 * that provider and is posted again by the client; one at or after it is
 * still in the ring for the new provider.  Acks already in the ring stay
 * valid.  The generation in the ring is only a hint to look: the client
 * reads bi_generation and bi_restart_head from the kernel (SYS_BLOCK_INFO),
 * so a provider cannot fake a restart.
 */

/* bi_flags */
#define BLOCK_WRITE_CACHE	(1u << 0)	/* a volatile write cache: FLUSH matters */
#define BLOCK_WRITE_ZEROES	(1u << 1)
#define BLOCK_TRIM		(1u << 2)
#define BLOCK_PARTITION		(1u << 3)	/* a GPT partition, not a whole namespace */

struct block_info {
	char bi_name[16];		/* "nvme0n1", "nvme0n1p2" */
	uint64_t bi_blocks;
	uint32_t bi_block_bytes;
	uint32_t bi_max_transfer;	/* bytes per request */
	uint32_t bi_nsid;
	uint32_t bi_flags;
	uint64_t bi_first_lba;		/* where the device starts in its namespace */
	uint64_t bi_region_bytes;	/* the attached region, 0 before SYS_BLOCK_ATTACH */
	uint32_t bi_space;		/* provider end: the NVMe handle space naming the region */
	uint32_t bi_block_xfer;		/* bytes a block takes in the region (block, plus inline metadata) */
	uint16_t bi_segment;
	uint8_t bi_bus, bi_dev, bi_fn;
	uint8_t bi_lane;		/* enum dma_lane (include/abi/device.h) */
	uint16_t bi_md_bytes;		/* metadata per block the provider keeps apart (MPTR), not in the region */
	uint8_t bi_rsvd[4];
	char bi_model[41];
	char bi_serial[21];
	char bi_ebs_volume_id[24];	/* "vol-0123...", when Amazon's identify data says so */
	char bi_ebs_device_name[33];
	uint32_t bi_generation;		/* the serving provider's incarnation: 1, then +1 per restart */
	uint32_t bi_restart_head;	/* ring position the last dead provider had taken up to */
};
_Static_assert(sizeof(struct block_info) == 208, "block_info layout is ABI");
_Static_assert(offsetof(struct block_info, bi_generation) == 196, "block_info.bi_generation");

struct block_map {
	uint64_t bm_ring;		/* user address of the struct block_ring page */
};
_Static_assert(sizeof(struct block_map) == 8, "block_map layout is ABI");

struct region_info {
	uint64_t ri_base;		/* user address of the mapping */
	uint64_t ri_bytes;
};
_Static_assert(sizeof(struct region_info) == 16, "region_info layout is ABI");

/*
 * NVMe data pointers on the brokered lane are handles: bits 63:48 name a
 * space (0: the provider's own DMAPool; s >= 1: block session s's region),
 * bits 47:0 the byte offset in it.
 */
#define NVME_HANDLE_SPACE_SHIFT	48
#define NVME_HANDLE_OFFSET_MASK	((1ull << NVME_HANDLE_SPACE_SHIFT) - 1)
#define NVME_HANDLE(space, off)	((uint64_t)(space) << NVME_HANDLE_SPACE_SHIFT | (off))

#endif
