/*
 * tests/host/model/broker_rig.h - the broker and the bounce backend (their
 * real sources) wired to the NVMe model, with a provider played by the
 * test and the lane's invariants checked after every step.
 *
 * Invariants checked (kernel/nvme/broker.h):
 *  I1  every page of every command the device still holds is granted to
 *      that command (by SQID and CID), and no two such commands share one;
 *  I2  every completion the provider sees is for a command it has
 *      outstanding on that queue, with the status the device gave it;
 *  DMA every device access (rings, data, PRP lists) is to memory the
 *      broker mapped for that command or queue (the model's oracle);
 *  I5  no manager physical address in the provider's pool;
 *  pool pages the device reaches in place belong to a pool still held
 *  (not released), and no data page is at or above the domain's DMA limit.
 * A broken invariant is recorded in rig->failed (first one wins).
 */
#ifndef CAPROCK_TESTS_BROKER_RIG_H
#define CAPROCK_TESTS_BROKER_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/nvme/nvme_ctrl.h"
#include "tests/host/model/nvme_model.h"

#define RIG_POOL_BYTES	(512u << 10)
#define RIG_PID		7
#define RIG_MAXQ	BROKER_MAX_QID

struct rig_cmd {
	bool live;
	uint8_t opc;
	uint32_t nsid;
	uint64_t lba, handle;
	uint32_t blocks;
	bool expect_refusal;
	bool check_data;		/* a read whose buffer nothing else shares: compare with the medium */
};

#define RIG_EXPECT_REFUSAL	1u
#define RIG_CHECK_DATA		2u

struct rig_queue {
	bool live;
	uint16_t entries;
	uint64_t sq_handle, cq_handle;
	uint16_t sq_tail, cq_head, phase;
	uint16_t next_cid;
	struct rig_cmd cmds[BROKER_QUEUE_MAX];
};

struct rig {
	struct nvme_model m;
	struct nvme_ctrl *c;
	struct dma_pool *pool;
	struct rig_queue q[RIG_MAXQ + 1];
	uint64_t pool_next;		/* bump allocator over the pool */
	bool auto_device;		/* the model runs whenever the broker polls it */
	unsigned audit_every;		/* scan the pool for I5 every n-th check (0 or 1: every one) */
	unsigned checks;
	char failed[320];
	/* what the provider saw */
	uint64_t completions, refusals, errors, stale_seen;
};

extern struct rig *rig_current;
/*
 * Called around every register access (enter true, then false) when set:
 * the threaded test (test_broker_threads.c) serialises register accesses
 * with its device thread this way, as a real controller does its own.
 */
extern void (*rig_mmio_hook)(bool enter);
/* rig_init makes the domain with dma.bounce=when-needed (in place) if set, else always (staged). */
extern bool rig_in_place;

/* Bind (the manager's own identify), then the provider's brokered enable. */
int rig_init(struct rig *r, uint16_t mqes, uint8_t mdts, uint32_t lba_bytes, uint64_t nsze);
void rig_fini(struct rig *r);

uint64_t rig_alloc(struct rig *r, uint64_t bytes, uint64_t align);
/* Provider: put cmd in qid's shadow SQ (cid chosen here, flags RIG_*); returns the cid. */
uint16_t rig_submit(struct rig *r, uint16_t qid, struct nvme_sqe cmd, unsigned flags);
int rig_ring(struct rig *r, uint16_t qid);
/* Provider: take every shadow completion on qid, checking each (I2 and read data). */
unsigned rig_reap(struct rig *r, uint16_t qid);
/* Device: fetch, run up to n commands (0: all), deliver interrupts; then check every invariant. */
void rig_step(struct rig *r, unsigned n);
void rig_check(struct rig *r);
/* Admin helpers for the provider: create or delete an I/O queue pair on qid (runs the device). */
int rig_create_pair(struct rig *r, uint16_t qid, uint16_t entries, bool ien, uint16_t iv);
int rig_admin(struct rig *r, struct nvme_sqe cmd, struct nvme_cqe *out);
/* A read of blocks at lba into a fresh buffer on qid; returns the cid. */
uint16_t rig_read(struct rig *r, uint16_t qid, uint64_t lba, uint32_t blocks);
unsigned rig_outstanding(const struct rig *r, uint16_t qid);

#endif
