/*
 * lib/nvme_broker_check.h - the broker's validation of provider commands.
 *
 * The "decode" half of a brokered submission: given a copy of one shadow
 * submission queue entry and a read-only view of what the manager knows,
 * either refuse it (status + reason) or produce a plan saying what the
 * command transfers and which queue state it will change.  Nothing here
 * has side effects, so it is tested and fuzzed on the host; kernel/nvme
 * performs the plan.
 */
#ifndef CAPROCK_LIB_NVME_BROKER_CHECK_H
#define CAPROCK_LIB_NVME_BROKER_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/nvme_broker.h"
#include "lib/nvme_reg.h"

/* A namespace as the broker learned it from IDENTIFY NAMESPACE. */
struct nvme_broker_ns {
	uint32_t nsid;
	uint64_t nsze;			/* logical blocks */
	uint32_t lba_bytes;
	uint16_t ms;			/* metadata bytes per block */
	bool extended;			/* metadata inline after each block */
	uint8_t pi_type;		/* DPS bits 2:0; 0 = no protection information */
	bool shared;			/* NMIC: the same namespace may stand behind another controller */
};

/* A handle space other than the provider's pool: a block session's region and device window. */
struct nvme_broker_space {
	uint64_t bytes;			/* the region; 0 while none is attached */
	uint32_t nsid;
	uint64_t first_lba;		/* the device's window in the namespace */
	uint64_t blocks;
};

struct nvme_broker_view {
	uint64_t pool_bytes;		/* handles must fall in [0, pool_bytes) */
	uint32_t max_transfer;		/* bytes per command; 0 before IDENTIFY CONTROLLER */
	uint32_t page_size;		/* controller memory page: a metadata buffer fits in one */
	uint32_t mqes;			/* CAP.MQES + 1: largest queue */
	uint16_t max_qid;		/* highest I/O queue id the broker allows now (0: none negotiated) */
	uint16_t max_qid_limit;		/* highest I/O queue id the broker can ever hold */
	uint16_t nvectors;		/* interrupt vectors granted */
	bool flush_broadcast;		/* the controller accepts FLUSH with NSID 0xffffffff */
	bool vendor_log_pages;		/* Amazon: the EBS statistics log page may be read */
	const struct nvme_broker_ns *(*ns)(void *ctx, uint32_t nsid);
	/* Handle space id >= 1 (include/abi/block.h), or false if there is none; may be NULL. */
	bool (*space)(void *ctx, uint32_t id, struct nvme_broker_space *out);
	bool (*sq_live)(void *ctx, uint16_t qid);
	bool (*cq_live)(void *ctx, uint16_t qid);
	bool (*cq_has_sqs)(void *ctx, uint16_t qid);
	void *ctx;
};

enum nvme_broker_kind {
	NBK_PLAIN,			/* forwarded as-is once its data pointer is translated */
	NBK_IDENTIFY,			/* the manager snoops the returned data */
	NBK_SET_NUM_QUEUES,		/* the manager records the granted queue count */
	NBK_CREATE_CQ,
	NBK_CREATE_SQ,
	NBK_DELETE_SQ,
	NBK_DELETE_CQ,
	NBK_ABORT,			/* the target command id is translated */
	NBK_DSM,			/* ranges are checked after they are copied in */
	NBK_ASYNC_EVENT,		/* the manager reads the event it reports */
};

enum nvme_xfer {
	NVME_XFER_NONE,
	NVME_XFER_TO_DEVICE,
	NVME_XFER_FROM_DEVICE,
};

struct nvme_broker_plan {
	enum nvme_broker_kind kind;
	enum nvme_xfer xfer;
	uint32_t space;			/* the handle space of the data buffer (0: the provider's pool) */
	uint64_t handle;		/* offset of the data buffer (or queue ring) in that space */
	uint32_t len;			/* bytes of data or ring */
	uint32_t nsid;
	uint16_t qid;			/* create/delete: the queue; abort: the SQ */
	uint16_t qsize;			/* create: entries */
	uint16_t cqid;			/* create SQ: its completion queue */
	uint16_t iv;			/* create CQ: interrupt vector */
	bool ien;
	uint16_t abort_cid;		/* abort: the provider's command id */
	uint16_t nsqr, ncqr;		/* set number of queues: requested, 0-based */
	uint8_t cns;			/* identify: what is being identified */
	uint64_t md_handle;		/* separate metadata buffer (MPTR as a handle), if md_len */
	uint32_t md_len;
};

struct nvme_broker_refusal {
	uint8_t sct, sc;		/* the status the provider will see */
	uint16_t reason;		/* enum nvme_broker_reason */
};

/* Check cmd for submission queue qid.  Returns 0 and fills *plan, or CR_EPERM and fills *why. */
int nvme_broker_check(const struct nvme_broker_view *v, uint16_t qid, const struct nvme_sqe *cmd,
		      struct nvme_broker_plan *plan, struct nvme_broker_refusal *why);

/* Check dataset-management ranges (copied in) against the namespace; CR_ERANGE on any bad range. */
int nvme_broker_check_dsm(const struct nvme_broker_ns *ns, const uint8_t *ranges, uint32_t nranges);

/* Bytes a READ/WRITE/COMPARE moves per block on ns, given the command's PRACT bit. */
uint32_t nvme_broker_block_xfer(const struct nvme_broker_ns *ns, bool pract);
/* Metadata bytes per block that travel in a separate (MPTR) buffer; 0 if none. */
uint32_t nvme_broker_block_md(const struct nvme_broker_ns *ns, bool pract);

/*
 * Blocks one READ or WRITE of ns may carry (PRACT clear), at most
 * max_transfer bytes on pages of page_size: NLB's 16 bits; with separate
 * metadata, what one page of it holds (the broker bounces MPTR through a
 * single page); with metadata inline, few enough that the data stays in
 * NVME_EXT_DATA_SEGMENTS_MAX pieces (QEMU's model hands the device
 * backend each block's data as a segment of its own, one more wherever a
 * page ends, and the host's preadv takes 1024 at most: beyond it the
 * command fails as a media error).  0: not even one block fits.
 */
#define NVME_EXT_DATA_SEGMENTS_MAX	1022
uint32_t nvme_broker_max_blocks(const struct nvme_broker_ns *ns, uint64_t max_transfer, uint32_t page_size);

#endif
