/*
 * tests/fuzz/fuzz_broker_sequences.c - libFuzzer over sequences of provider
 * actions against the broker (its real sources) and the NVMe model that
 * misbehaves on request (tests/host/model/).
 *
 * The input is a program: each byte picks an action (submit a read, a
 * write or any raw command, ring, reap, run the device a few steps, switch
 * the device's misbehaviours, delete and re-create a queue, forge a
 * completion, post an event, run the tick), the bytes after it its
 * arguments.  After every action the rig checks the lane's invariants: no
 * page leaves the ledger while the device may use it, no DMA outside what
 * was mapped for that command, every completion the provider sees is for a
 * command it has outstanding, no manager physical address in its pool.  At
 * the end the device is drained and torn down: nothing may stay mapped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "tests/host/model/broker_rig.h"
#include "tests/host/model/kshim.h"

#define QSIZE		32
#define BUF_BYTES	4096u
#define DATA_BASE	(256u << 10)

static struct rig R;

/* Each (qid, cid) its own buffer, so a read's data can be checked whatever completes when. */
static uint64_t buffer(uint16_t qid, uint16_t cid)
{
	return DATA_BASE + ((uint64_t)(qid - 1) * QSIZE + cid) * BUF_BYTES;
}

static void check(const char *after)
{
	rig_check(&R);
	if (R.failed[0]) {
		fprintf(stderr, "invariant broken after %s: %s\n", after, R.failed);
		abort();
	}
}

static uint16_t next_cid(uint16_t qid)
{
	struct rig_queue *q = &R.q[qid];
	uint16_t cid = q->next_cid;

	for (unsigned n = 0; n < q->entries && q->cmds[cid].live; n++)
		cid = (uint16_t)((cid + 1) % q->entries);
	return cid;
}

static bool changes_medium(uint8_t opc)
{
	return opc == NVME_CMD_WRITE || opc == NVME_CMD_WRITE_ZEROES || opc == NVME_CMD_WRITE_UNCOR;
}

/*
 * A read's data is checked against the medium when it is reaped, so only
 * reads no write could overtake are checked: a command that may change the
 * medium switches off the check of every read outstanding with it.
 */
static bool writes_outstanding(void)
{
	for (uint16_t q = 1; q <= 2; q++) {
		for (unsigned i = 0; i < R.q[q].entries; i++) {
			if (R.q[q].cmds[i].live && changes_medium(R.q[q].cmds[i].opc))
				return true;
		}
	}
	return false;
}

static void before_submit(uint8_t opc)
{
	if (!changes_medium(opc))
		return;
	for (uint16_t q = 1; q <= 2; q++) {
		for (unsigned i = 0; i < R.q[q].entries; i++)
			R.q[q].cmds[i].check_data = false;
	}
}

static void submit_rw(struct fuzz_reader *in, uint16_t qid, uint8_t opc)
{
	if (!R.q[qid].live || rig_outstanding(&R, qid) >= QSIZE - 2)
		return;
	uint16_t cid = next_cid(qid);
	uint32_t blocks = fr_u8(in) % 8 + 1;
	uint64_t lba = fr_u16(in) % 4100;	/* a few past the end */
	bool check_data = opc == NVME_CMD_READ && !writes_outstanding();
	before_submit(opc);
	rig_submit(&R, qid, (struct nvme_sqe){ .opc = opc, .nsid = 1, .prp1 = buffer(qid, cid),
		.cdw10 = (uint32_t)lba, .cdw12 = blocks - 1 }, check_data ? RIG_CHECK_DATA : 0);
}

/* Anything at all on an I/O queue, or an admin command that does not create or delete queues. */
static void submit_raw(struct fuzz_reader *in, uint16_t qid)
{
	struct nvme_sqe c;

	if (!R.q[qid].live || rig_outstanding(&R, qid) >= QSIZE - 2)
		return;
	fr_bytes(in, &c, sizeof(c));
	if (qid == 0 && (c.opc == NVME_ADMIN_CREATE_SQ || c.opc == NVME_ADMIN_CREATE_CQ ||
			 c.opc == NVME_ADMIN_DELETE_SQ || c.opc == NVME_ADMIN_DELETE_CQ))
		c.opc = NVME_ADMIN_GET_FEATURES;	/* queue lifetimes go through delete_recreate() */
	if (fr_u8(in) & 1)
		c.prp1 %= RIG_POOL_BYTES;	/* often a plausible handle */
	if (qid)
		before_submit(c.opc);
	rig_submit(&R, qid, c, 0);
}

/* DELETE SQ 2 with whatever is in flight, then CREATE it again on the same rings. */
static void delete_recreate(void)
{
	struct nvme_cqe e;

	if (!R.q[2].live)
		return;
	if (rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_DELETE_SQ, .cdw10 = 2 }, &e) != 0)
		return;
	rig_reap(&R, 2);
	/* What the provider had outstanding there is gone; a completion for it later breaks I2. */
	memset(R.q[2].cmds, 0, sizeof(R.q[2].cmds));
	R.q[2].sq_tail = 0;
	R.q[2].live = rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ, .prp1 = R.q[2].sq_handle,
		.cdw10 = 2 | (uint32_t)(QSIZE - 1) << 16, .cdw11 = NVME_QUEUE_PC | 2u << 16 }, &e) == 0;
}

/* The timer tick's broker work, under the controller's lock as the kernel takes it. */
static void tick(void)
{
	nvme_ctrl_lock(R.c);
	broker_submit_pending(R.c);
	nvme_ctrl_unlock(R.c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader in = { data, size };

	kshim_quiet = true;
	if (rig_init(&R, 2048, (uint8_t)(3 + (size % 3)), 512, 4096) != 0 ||
	    rig_create_pair(&R, 1, QSIZE, true, 1) != 0 || rig_create_pair(&R, 2, QSIZE, false, 2) != 0) {
		fprintf(stderr, "rig set-up failed: %s\n", R.failed);
		abort();
	}
	R.audit_every = 64;	/* the pool scan is the slow check: every 64th step, and at the end */
	check("set-up");
	for (unsigned steps = 0; steps < 200 && in.n > 0; steps++) {
		uint8_t op = fr_u8(&in);
		uint16_t qid = 1 + (op >> 7);
		switch (op % 14) {
		case 0: submit_rw(&in, qid, NVME_CMD_READ); break;
		case 1: submit_rw(&in, qid, NVME_CMD_WRITE); break;
		case 2: submit_raw(&in, qid); break;
		case 3: submit_raw(&in, 0); break;
		case 4: rig_ring(&R, qid); break;
		case 5: rig_ring(&R, 0); break;
		case 6: rig_reap(&R, qid); rig_reap(&R, 0); break;
		case 7: rig_step(&R, fr_u8(&in) % 8); break;
		case 8: R.m.quirks = fr_u8(&in) & 0x3f; break;
		case 9: model_release_held(&R.m); break;
		case 10: delete_recreate(); break;
		case 11: model_post_forged(&R.m, fr_u8(&in) % 3, fr_u8(&in) % 4, fr_u16(&in)); break;
		case 12: model_post_aen(&R.m, fr_u32(&in)); break;
		case 13: tick(); break;
		}
		check("an action");
	}
	/* Drain: the device finishes everything it holds, the provider takes it all. */
	R.m.quirks = 0;
	model_release_held(&R.m);
	for (int i = 0; i < 50; i++) {
		rig_step(&R, 0);
		for (uint16_t q = 0; q <= 2; q++)
			rig_reap(&R, q);
		tick();
	}
	R.audit_every = 1;
	check("draining");
	/* A reset ends whatever is still held (AERs); after it nothing may stay mapped. */
	nvme_ctrl_lock(R.c);	/* the kernel's reset and teardown hold the controller's lock (locking.h L8) */
	nvme_write32(R.c, NVME_CC, 0);
	broker_mark_reset(R.c);
	check("reset");
	broker_teardown(R.c);
	nvme_ctrl_unlock(R.c);
	if (dma_live_pages(&R.c->nc_dma) != 0) {
		fprintf(stderr, "pages still granted after teardown: %u\n", dma_live_pages(&R.c->nc_dma));
		abort();
	}
	rig_fini(&R);
	if (kshim_pmm_pages_live() != 0) {
		fprintf(stderr, "pages leaked: %llu\n", (unsigned long long)kshim_pmm_pages_live());
		abort();
	}
	return 0;
}
