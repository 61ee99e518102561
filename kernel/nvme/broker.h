/*
 * kernel/nvme/broker.h - the brokered lane (on the direct-remapping lane
 * only the admin queue is brokered; that lane's invariants are in
 * lane_direct.h): an untrusted provider drives shadow queues in its
 * DMAPool; the manager mirrors each with a device queue in its own memory
 * and moves commands and completions between them.
 *
 * The lane's invariants, each enforced in one place:
 *
 *  I1 Ownership of DMA pages.  A page the device may touch for a command
 *     (staging page, PRP list page, or a DMAPool/Region page mapped in
 *     place) stays granted to that command until the device has posted
 *     that command's completion, has completed the deletion of its
 *     submission queue, or has been disabled (CSTS.RDY=0): the three
 *     points after which NVMe forbids it to touch the memory.  Only then
 *     is it unmapped (broker_cmd_release): a staging page is zeroed, a
 *     pool page is left as it is (the owner's data) and the mapping's hold
 *     on its pool goes, so a Region whose client died is freed only then.
 *     Staged reads are copied back only on success and only dm_len bytes;
 *     in place, the device writes only the pages of the command's mapping
 *     (kernel/dma/bounce.c, lib/dma_inplace.h).  Staging and list pages
 *     are one command's alone; a pool page in place is shared when two of
 *     the provider's buffers share it, as they share the pool itself.
 *  I2 Completion matching.  A device completion is matched to a command by
 *     (SQID, CID) where the CID carries the slot and a per-slot generation,
 *     and the slot is only reused after its own completion was consumed;
 *     deleting an SQ drains its CQ and retires the SQ's incarnation, so no
 *     completion of an old incarnation can reach a new one.  A completion
 *     that matches no live command is dropped and counted
 *     (broker_complete.c: match_completion).
 *  I3 The manager drains every queue.  Device CQs are created with
 *     interrupts enabled on a granted vector, whatever the provider asked
 *     (with nvme.poll=always the brokered lane's I/O CQs have none, as
 *     Linux's poll queues: the provider's polls drain them, and every tick
 *     does whatever those left, kernel/nvme/poll.h), and every completion
 *     is consumed as soon as it is seen and the work budget allows (I7:
 *     the rest at the idle loop or the next tick);
 *     waiting for the provider's shadow CQ happens in the manager's done
 *     list, never in the device ring (broker_queues.c: queue_begin,
 *     broker_complete.c).
 *  I4 Geometry from the manager.  Block size, namespace size, metadata and
 *     the transfer limit the broker enforces come from IDENTIFY commands the
 *     manager issued itself into its own pages (identify.c); PRP lists are
 *     built by the manager, in pages it granted, from lengths it computed,
 *     and checked as the device will walk them before the doorbell (prp.c).
 *  I5 Registers.  DeviceMmio reads come from an allow-list without any
 *     address-bearing register (lib/nvme_reg_access.c); the only write is
 *     the reset claim.
 *  I6 Narrow pass-through.  Opcodes, identify CNS values, log pages and
 *     feature ids come from allow-lists; Set Features with SV is refused
 *     (lib/nvme_broker_check.c).
 *  I7 Bounded work, in entries and in time.  One doorbell processes at
 *     most BROKER_BUDGET shadow entries, and each loop over shadow entries
 *     or device completions takes a next one only while the interrupts-off
 *     stretch is younger than IRQSOFF_WORK_US (kernel/core/irqsoff.h; the
 *     first always goes).  The device SQ tail covers only entries taken;
 *     the rest wait in the shadow SQ or the device CQ for the next call,
 *     the idle loop or the tick (broker_resume).  A fence (SQ deletion)
 *     still drains its CQ whole (I2).  Refusal lines are rate-limited and
 *     summarised (broker_submit.c), and the console writes them out where
 *     the stretch ends (kernel/core/log_buffer.h).
 */
#ifndef CAPROCK_NVME_BROKER_H
#define CAPROCK_NVME_BROKER_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/nvme_broker.h"
#include "kernel/dma/dma.h"
#include "lib/nvme_broker_check.h"
#include "lib/nvme_reg.h"

struct nvme_ctrl;

#define BROKER_MAX_QID		16		/* I/O queue ids 1..16 */
#define BROKER_QUEUE_MAX	1024		/* device queue entries (shadow queues may be larger) */
#define BROKER_CID_SLOT_BITS	10		/* device CID = slot | generation << 10 */
#define BROKER_CID_GEN_MASK	0x3fu
#define BROKER_ADMIN_ENTRIES	64		/* device admin queue: a multiple of 64 (Azure 0xb111) */
#define BROKER_MGR_RESERVED	2		/* admin slots only the manager's own commands may take */
#define BROKER_BUDGET		256		/* shadow entries one doorbell (or one event) processes */
#define BROKER_MAX_TRANSFER	(2u << 20)

enum broker_queue_state {
	BQ_FREE,		/* nothing allocated */
	BQ_CREATING,		/* CREATE sent; the device has not answered */
	BQ_LIVE,
	BQ_DELETING,		/* DELETE sent: takes no new commands */
};

enum broker_cmd_state {
	BC_FREE,
	BC_DEVICE,		/* in the device's hands: its pages are granted (I1) */
	BC_DONE,		/* completion consumed; waiting in the CQ's done list for shadow room */
};

/* A command the manager issues itself (identify, shutdown flush): not the provider's. */
struct nvme_mgr_cmd {
	struct nvme_sqe mc_sqe;		/* data pointers name manager memory */
	bool mc_done;
	struct nvme_cqe mc_cqe;
	/* Called from the completion path; may be NULL when someone polls mc_done. */
	void (*mc_callback)(struct nvme_ctrl *c, struct nvme_mgr_cmd *m);
	void *mc_ctx;
};

/* One in-flight command; its slot index and generation make the CID the device sees. */
struct broker_cmd {
	uint8_t bc_state;		/* enum broker_cmd_state */
	uint8_t bc_gen;			/* generation in the device CID; advances on every reuse */
	bool bc_ok;			/* completed successfully */
	uint16_t bc_provider_cid;
	uint16_t bc_next_free;		/* free FIFO link */
	uint16_t bc_ring_slot;		/* its entry in the device SQ */
	uint8_t bc_opc;			/* its opcode, for the timeout lines */
	uint64_t bc_since_ns;		/* when the device got it (kernel/nvme/timeouts.c) */
	uint32_t bc_next_done;		/* done list link: (sqid << 16 | slot), or BROKER_NONE */
	struct nvme_mgr_cmd *bc_mgr;	/* the manager's own command, or NULL for the provider's */
	struct nvme_broker_plan bc_plan;
	struct dma_map bc_data;		/* the data buffer */
	struct dma_map bc_md;		/* a separate metadata buffer (MPTR), if any */
	struct dma_map bc_list;		/* PRP list pages, if any */
	struct nvme_cqe bc_cqe;		/* BC_DONE: what the provider will see */
};

#define BROKER_NONE 0xffffffffu

struct broker_sq {
	uint8_t sq_state;		/* enum broker_queue_state */
	uint16_t sq_qid, sq_cqid;
	uint32_t sq_incarnation;	/* which creation of this qid this is (I2) */
	/* the device's ring, in manager memory */
	uint16_t sq_entries;
	uint64_t sq_dev_addr;
	struct nvme_sqe *sq_ring;
	uint16_t sq_tail;		/* next device slot we fill */
	/* the provider's shadow ring (sq_shadow_entries 0: a manager-only queue) */
	uint16_t sq_shadow_entries;
	uint64_t sq_shadow;		/* pool handle */
	uint16_t sq_shadow_head;	/* next shadow entry to take */
	uint16_t sq_shadow_tail;	/* the provider's last doorbell value */
	/* command slots: sq_entries - 1 of them, reused in FIFO order */
	struct broker_cmd *sq_cmds;
	uint16_t sq_nslots;
	uint16_t sq_free_head, sq_free_tail, sq_nfree;
	uint16_t sq_reserved;		/* slots kept for manager commands */
	bool sq_direct;			/* direct lane: the provider's own ring, rung through its doorbell page */
};

struct broker_cq {
	uint8_t cq_state;
	uint16_t cq_qid;
	uint16_t cq_iv;			/* the vector the device signals (enabled unless cq_polled: I3) */
	bool cq_ien;			/* the provider asked to be signalled */
	bool cq_polled;			/* created without interrupts (nc_io_cqs_polled): polls and the tick drain it */
	uint16_t cq_entries;
	uint64_t cq_dev_addr;
	struct nvme_cqe *cq_ring;
	uint16_t cq_head;
	uint16_t cq_phase;		/* phase tag of new device entries */
	uint16_t cq_unrung;		/* entries consumed since the last CQ head doorbell */
	uint16_t cq_shadow_entries;
	uint64_t cq_shadow;
	uint16_t cq_shadow_tail;	/* next shadow slot we write */
	uint16_t cq_shadow_phase;
	uint16_t cq_shadow_head;	/* the provider's last doorbell value */
	uint32_t cq_done_head, cq_done_tail;	/* completions waiting for shadow room, oldest first */
	bool cq_direct;			/* direct lane: the provider's own ring; the device posts there */
};

/* broker_queues.c: queue lifetimes, slots, the enable and reset, the validator's view. */
int broker_admin_start(struct nvme_ctrl *c, uint64_t asq_shadow, uint16_t asq_entries, uint64_t acq_shadow,
		       uint16_t acq_entries);
void broker_mark_reset(struct nvme_ctrl *c);
/* A polled I/O queue pair for the manager's own commands (bind time, before any provider). */
int broker_mgr_queue_pair(struct nvme_ctrl *c, uint16_t qid, uint16_t entries, uint32_t timeout_ms);
/*
 * Kernel memory one I/O queue pair of up to want entries takes on c once
 * created (device rings and the command table, each in whole pages): what
 * admission must keep for a provider's queues (kernel/nvme/units.c).
 */
uint64_t broker_io_pair_bytes(const struct nvme_ctrl *c, uint32_t want);
/* Free every queue, slot and mapping: only once the device is disabled (RDY=0). */
void broker_teardown(struct nvme_ctrl *c);
struct nvme_broker_view broker_view(struct nvme_ctrl *c);
int broker_queue_begin(struct nvme_ctrl *c, const struct nvme_broker_plan *p, struct nvme_sqe *cmd);
void broker_queue_finish(struct nvme_ctrl *c, const struct nvme_broker_plan *p, bool ok, uint32_t dw0);
struct broker_cmd *broker_slot_take(struct broker_sq *sq, bool manager);
void broker_slot_put(struct broker_sq *sq, struct broker_cmd *t);
uint16_t broker_device_cid(const struct broker_sq *sq, const struct broker_cmd *t);
/* Unmap everything a command holds (I1: only at one of the three points). */
void broker_cmd_release(struct nvme_ctrl *c, struct broker_cmd *t);
bool broker_sq_exists(const struct broker_sq *sq);

/* broker_submit.c */
int broker_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t tail);
void broker_submit_pending(struct nvme_ctrl *c);
/* The same after `already` entries of other work in this stretch: no entry is owed then (I7). */
void broker_submit_pending_after(struct nvme_ctrl *c, unsigned already);
int broker_mgr_submit(struct nvme_ctrl *c, uint16_t qid, struct nvme_mgr_cmd *m);

/* broker_complete.c */
int broker_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t head);
void broker_irq(void *ctx, unsigned int cpu_vector);
/* Drain the CQs vector index serves, as its interrupt would (also from the tick when it is lost). */
unsigned broker_service_vector(struct nvme_ctrl *c, unsigned int index);
/* Has the device posted a completion on cq that is not consumed yet?  (Reads one entry; changes nothing.) */
bool broker_cq_peek(const struct broker_cq *cq);
/* Consume every completion the device has posted on cq (I3); returns how many. */
unsigned broker_drain(struct nvme_ctrl *c, struct broker_cq *cq);
/*
 * The same while the work budget lasts (I7), *taken counting entries of
 * this stretch's work so far (the first is owed only when it is 0); the
 * rest marks nc_drain_backlog.
 */
unsigned broker_drain_budgeted(struct nvme_ctrl *c, struct broker_cq *cq, unsigned *taken);
/* What budgets left (completions, then shadow entries), again within one; true while some is left. */
bool broker_resume(struct nvme_ctrl *c);
/* The CQ head doorbell may be deferred (MSI-X, or a CQ without interrupts); write it now. */
bool broker_cq_head_may_wait(const struct nvme_ctrl *c, const struct broker_cq *cq);
void broker_report_cq_head(struct nvme_ctrl *c, struct broker_cq *cq);
/* Post e to the shadow CQ now, or false if it has no room (or older completions wait). */
bool broker_post(struct nvme_ctrl *c, struct broker_cq *cq, const struct nvme_cqe *e);
void broker_signal(struct nvme_ctrl *c, struct broker_cq *cq);
/* Pool pages m let the device write: the release audit skips them (kernel/nvme/audit.c). */
void broker_note_device_data(struct nvme_ctrl *c, const struct dma_map *m);
/* Submit m and poll its CQ until it completes or timeout_ms passes (bind-time, no provider). */
int broker_mgr_exec(struct nvme_ctrl *c, uint16_t qid, struct nvme_mgr_cmd *m, uint32_t timeout_ms);

/* prp.c: data pointers of a provider command, built and audited by the manager (I4). */
int broker_map_data(struct nvme_ctrl *c, struct broker_sq *sq, struct broker_cmd *t, struct nvme_sqe *cmd);

#endif
