/*
 * include/abi/nvme_broker.h - the brokered NVMe lane between provider and manager.
 *
 * The provider runs an ordinary NVMe driver against *shadow* queues in its
 * DMAPool.  Where a command would carry a device address it carries a
 * handle instead: the byte offset of the buffer (or queue) in the pool, in
 * PRP1 (PRP2 and MPTR stay 0).  SYS_NVME_DOORBELL replaces the doorbell
 * write; the manager validates and translates each new entry, and posts
 * completions (with the provider's command ids) into the shadow completion
 * queue before signalling the queue's Interrupt capability.
 *
 * A command the manager refuses completes with a normal NVMe status (DNR
 * set) and DW0 = NVME_BROKER_REFUSED | reason, so the provider's ordinary
 * error path reports it; the manager also logs the refusal.
 */
#ifndef CAPROCK_ABI_NVME_BROKER_H
#define CAPROCK_ABI_NVME_BROKER_H

#include <stddef.h>
#include <stdint.h>

/* SYS_NVME_ENABLE: the brokered controller enable (manager writes AQA/ASQ/ACQ/CC). */
struct nvme_enable_req {
	uint32_t er_pool_slot;		/* DMAPool capability the handles refer to */
	uint16_t er_asq_entries;	/* admin queue sizes, 2..4096 */
	uint16_t er_acq_entries;
	uint64_t er_asq_handle;		/* shadow admin SQ (64-byte aligned) */
	uint64_t er_acq_handle;		/* shadow admin CQ (16-byte aligned) */
};
_Static_assert(sizeof(struct nvme_enable_req) == 24, "nvme_enable_req layout is ABI");
_Static_assert(offsetof(struct nvme_enable_req, er_asq_handle) == 8, "nvme_enable_req.er_asq_handle");
_Static_assert(offsetof(struct nvme_enable_req, er_acq_handle) == 16, "nvme_enable_req.er_acq_handle");

enum nvme_doorbell_kind {
	NVME_DB_SQ_TAIL = 0,		/* new shadow SQ tail: submit what lies before it */
	NVME_DB_CQ_HEAD = 1,		/* new shadow CQ head: entries before it were consumed */
};

/*
 * SYS_NVME_RING_WAIT: one crossing for what a queue's I/O loop does between
 * batches: report the CQ head, ring the SQ tail, then wait on an interrupt
 * or a notification.  Each step is optional; all arguments are checked
 * before any is performed.
 */
#define NVME_RW_KEEP		0xffffu		/* rw_sq_tail / rw_cq_head: no doorbell */
#define NVME_RW_NO_WAIT		0xffffffffu	/* rw_wait_slot: return at once */

struct nvme_ring_wait {
	uint16_t rw_qid;
	uint16_t rw_sq_tail;
	uint16_t rw_cq_head;
	uint16_t rw_notify_slot;	/* a BlockSession slot + 1: wake its client before the wait (0: none) */
	uint32_t rw_wait_slot;		/* an Interrupt or Notification capability (WAIT right) */
	uint32_t rw_taken;		/* out: SQ entries the broker took now */
	uint64_t rw_timeout_ns;		/* 0: take what is pending, never block */
	uint64_t rw_woke;		/* out: interrupts taken, or the notification's bits (cleared) */
};
_Static_assert(sizeof(struct nvme_ring_wait) == 32, "nvme_ring_wait layout is ABI");
_Static_assert(offsetof(struct nvme_ring_wait, rw_wait_slot) == 8, "nvme_ring_wait.rw_wait_slot");
_Static_assert(offsetof(struct nvme_ring_wait, rw_timeout_ns) == 16, "nvme_ring_wait.rw_timeout_ns");
_Static_assert(offsetof(struct nvme_ring_wait, rw_woke) == 24, "nvme_ring_wait.rw_woke");

#define NVME_BROKER_REFUSED	0xca900000u
#define NVME_BROKER_REASON(dw0)	((dw0) & 0xffffu)

enum nvme_broker_reason {
	NBR_NONE = 0,
	NBR_FUSED,			/* fused commands are not brokered */
	NBR_SGL,			/* only PRP data pointers (handles) */
	NBR_MPTR,			/* metadata pointers are not brokered */
	NBR_ADMIN_OPCODE,		/* admin opcode not on the allow-list */
	NBR_IO_OPCODE,			/* I/O opcode not on the allow-list */
	NBR_FEATURE,			/* feature id not on the allow-list */
	NBR_NAMESPACE,			/* namespace not identified through the broker */
	NBR_LBA_RANGE,			/* SLBA + NLB beyond the namespace */
	NBR_TRANSFER_SIZE,		/* length 0 or above the per-command limit */
	NBR_HANDLE,			/* buffer handle outside the DMA pool or misaligned */
	NBR_PRP2,			/* PRP2 must be 0: the manager builds PRP lists */
	NBR_NO_DATA_EXPECTED,		/* a data pointer on a command without data */
	NBR_QUEUE_ID,			/* queue id out of range, in use, or unknown */
	NBR_QUEUE_SIZE,			/* queue size outside 2..MQES+1 */
	NBR_QUEUE_FLAGS,		/* queues must be physically contiguous */
	NBR_VECTOR,			/* interrupt vector not granted */
	NBR_QUEUES_NOT_NEGOTIATED,	/* SET FEATURES number of queues first */
	NBR_SEPARATE_METADATA,		/* namespace keeps metadata in a separate buffer */
	NBR_CONTROLLER_UNKNOWN,		/* I/O before IDENTIFY CONTROLLER passed the broker */
	NBR_QUEUE_IN_USE,		/* completion queue still has submission queues */
	NBR_DSM_RANGE,			/* a dataset-management range outside the namespace */
	NBR_CNS,			/* identify CNS value not on the allow-list */
	NBR_LOG_PAGE,			/* log page id not on the allow-list */
	NBR_FEATURE_SAVE,		/* Set Features with SV: nothing may outlive the provider */
	NBR_SESSION_SCOPE,		/* a session's region used outside its device's namespace or LBA window */
	NBR_NO_MEMORY,			/* the kernel had no memory for what the command needs (queue tracking) */
	NBR_COUNT
};

const char *nvme_broker_reason_name(uint32_t reason);

#endif
