/*
 * tests/host/test_broker_model.c - the broker and the bounce backend (their
 * real sources) against an NVMe device model that completes late, twice,
 * out of order, with stale command ids, and writes more than it was asked,
 * with the lane's invariants (kernel/nvme/broker.h) checked after every
 * step by the rig (tests/host/model/broker_rig.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "include/abi/block.h"
#include "kernel/nvme/audit.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "kernel/nvme/poll.h"
#include "tests/host/model/broker_rig.h"
#include "tests/host/model/kshim.h"

#define UNUSED __attribute__((unused))

static struct rig R;

/* The kernel's entries into the broker hold the controller's lock (locking.h L8); so do the tests'. */
static int space_register(struct nvme_space *sp)
{
	nvme_ctrl_lock(R.c);
	int id = nvme_space_register(R.c, sp);
	nvme_ctrl_unlock(R.c);
	return id;
}

static void space_unregister(int id)
{
	nvme_ctrl_lock(R.c);
	nvme_space_unregister(R.c, (uint32_t)id);
	nvme_ctrl_unlock(R.c);
}

static void submit_pending(void)
{
	nvme_ctrl_lock(R.c);
	broker_submit_pending(R.c);
	nvme_ctrl_unlock(R.c);
}

static bool resume(void)
{
	nvme_ctrl_lock(R.c);
	bool left = broker_resume(R.c);
	nvme_ctrl_unlock(R.c);
	return left;
}


static int setup(void **state UNUSED)
{
	assert_int_equal(rig_init(&R, 2048, 5, 512, 4096), 0);	/* MDTS 5: 128 KiB */
	assert_string_equal(R.failed, "");
	return 0;
}

static int teardown(void **state UNUSED)
{
	uint64_t before = 0;

	(void)before;
	kshim_budget_entries = 0;
	kshim_others_runnable = false;
	kshim_irq_owns_bkl = false;
	kshim_bkl = true;
	nvme_poll_set_mode(NVME_POLL_ADAPTIVE);
	rig_fini(&R);
	return 0;
}

#define assert_clean() do { \
		if (R.failed[0]) \
			fail_msg("%s", R.failed); \
	} while (0)

/* Run the device until nothing is left in flight on qid, reaping as the provider would. */
static void settle(uint16_t qid)
{
	for (int i = 0; i < 200 && (rig_outstanding(&R, qid) || model_inflight(&R.m)); i++) {
		rig_step(&R, 0);
		rig_reap(&R, qid);
		submit_pending();
	}
	assert_clean();
}

/* ------------------------------------------------------------ bind: geometry from the manager */

static void test_bind_learns_geometry_itself(void **state UNUSED)
{
	assert_int_equal(R.c->nc_nns, 1);
	assert_int_equal(R.c->nc_ns[0].nsid, 1);
	assert_int_equal(R.c->nc_ns[0].lba_bytes, 512);
	assert_int_equal(R.c->nc_ns[0].nsze, 4096);
	/* MDTS 5 on 4 KiB pages is 128 KiB; half the 256 KiB staging pool is the same. */
	assert_int_equal(R.c->nc_max_transfer, 128u << 10);
	assert_true(kshim_logged("source=manager-issued"));
	assert_int_equal(R.c->nc_max_qid, 16);
}

static void test_reads_of_every_shape(void **state UNUSED)
{
	static const uint32_t sizes[] = { 1, 7, 8, 9, 16, 17, 100, 255, 256 };

	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		rig_read(&R, 1, 3 * i, sizes[i]);
	assert_true(rig_ring(&R, 1) >= 0);
	settle(1);
	assert_int_equal(rig_outstanding(&R, 1), 0);
	assert_int_equal(R.errors, 0);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
	/* How the data moved, counted as it moved: all of it one way or the other. */
	uint64_t bytes = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bytes += sizes[i] * 512ull;
	struct dma_domain *d = &R.c->nc_dma;
	assert_int_equal(rig_in_place ? d->dd_in_place_bytes : d->dd_bytes_in, bytes);
	assert_int_equal(rig_in_place ? d->dd_bytes_in : d->dd_in_place_bytes, 0);
}

/* ------------------------------------------------------------ a misbehaving device */

static void test_late_completions(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	R.m.quirks = MQ_HOLD;
	for (int i = 0; i < 20; i++)
		rig_read(&R, 1, (uint64_t)i * 16, 16);
	rig_ring(&R, 1);
	for (int i = 0; i < 10; i++) {
		rig_step(&R, 0);	/* fetched, held: every page must stay granted */
		assert_int_equal(rig_reap(&R, 1), 0);
	}
	assert_clean();
	assert_true(dma_live_pages(&R.c->nc_dma) >= 20);
	model_release_held(&R.m);
	settle(1);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
}

static void test_duplicate_completions_are_dropped(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	R.m.quirks = MQ_DUPLICATE;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 8; i++)
			rig_read(&R, 1, (uint64_t)i, 1 + i);
		rig_ring(&R, 1);
		settle(1);
	}
	assert_int_equal(R.stale_seen, 0);
	assert_true(R.c->nc_unmatched >= 40);
	assert_true(kshim_logged("device completion for no live command"));
}

static void test_stale_cids_are_dropped(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 32, true, 1), 0);
	R.m.quirks = MQ_STALE_CID | MQ_REORDER;
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 12; i++)
			rig_read(&R, 1, (uint64_t)(round * 12 + i), 4);
		rig_ring(&R, 1);
		/* Complete a few at a time, so that slots are reused while stale ids fly. */
		for (int k = 0; k < 40 && rig_outstanding(&R, 1); k++) {
			rig_step(&R, 3);
			rig_reap(&R, 1);
		}
		settle(1);
	}
	assert_int_equal(R.stale_seen, 0);
	assert_true(R.c->nc_unmatched > 0);
}

/*
 * A stale completion for a slot that has since been reused: the CID's
 * generation tells the old command from the new one (I2).  Queue of 4
 * entries, so the free slot comes round again at once.
 */
static void test_stale_cid_after_slot_reuse(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 4, true, 1), 0);
	for (int i = 0; i < 3; i++)
		rig_read(&R, 1, (uint64_t)i, 1);	/* A, B, C take all three slots */
	rig_ring(&R, 1);
	rig_step(&R, 1);				/* A completes */
	assert_int_equal(rig_reap(&R, 1), 1);
	R.m.quirks = MQ_STALE_CID | MQ_REORDER;
	uint16_t d = rig_read(&R, 1, 9, 1);		/* D gets A's slot */
	rig_ring(&R, 1);
	rig_step(&R, 1);				/* C completes, then a stale completion with A's CID */
	assert_clean();
	assert_true(R.q[1].cmds[d].live);		/* D is not finished by A's old id */
	assert_true(R.c->nc_unmatched >= 1);
	R.m.quirks = 0;
	settle(1);
}

/*
 * In place, the device writes past the transfer: it lands in the command's
 * own page (the rest of the buffer's last page) and nowhere else; the
 * oracle checks every byte it writes.
 */
static void overwrite_in_place(void)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	R.m.quirks = MQ_OVERWRITE;
	uint64_t h = rig_alloc(&R, 3 * 4096, 4096);	/* a page either side of the buffer's */
	memset(R.pool->dp_virt + h, 0x33, 3 * 4096);
	uint16_t cid = rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = h + 4096,
							    .cdw10 = 5 }, RIG_CHECK_DATA);
	rig_ring(&R, 1);
	settle(1);
	assert_false(R.q[1].cmds[cid].live);
	unsigned changed = 0;
	for (int i = 512; i < 4096; i++)
		changed += R.pool->dp_virt[h + 4096 + i] != 0x33;
	assert_true(changed > 0);	/* the overlong write happened, in the buffer's own page */
	for (int i = 0; i < 4096; i++) {
		assert_int_equal(R.pool->dp_virt[h + i], 0x33);
		assert_int_equal(R.pool->dp_virt[h + 8192 + i], 0x33);
	}
	assert_int_equal(R.c->nc_dma.dd_bytes_in, 0);
}

/* The device writes past the transfer: the provider gets only what it asked for, the rest is wiped. */
static void test_overwrite_stays_in_the_page(void **state UNUSED)
{
	if (rig_in_place) {
		overwrite_in_place();
		return;
	}
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	R.m.quirks = MQ_OVERWRITE;
	uint16_t cid = rig_read(&R, 1, 5, 1);
	uint64_t h = R.q[1].cmds[cid].handle;
	memset(R.pool->dp_virt + h + 512, 0x33, 512);
	rig_ring(&R, 1);
	settle(1);
	for (int i = 0; i < 512; i++)
		assert_int_equal(R.pool->dp_virt[h + 512 + i], 0x33);
	/* Every free staging page is zero again: map them all as scratch and look. */
	uint64_t staging = R.c->nc_dma.dd_staging_bytes;
	struct dma_map m = { .dm_len = (uint32_t)staging, .dm_dir = DMA_DIR_TO_DEVICE, .dm_scratch = true,
			     .dm_tag = { 99, 99, 99, DMA_DIR_TO_DEVICE } };
	assert_int_equal(dma_map(&R.c->nc_dma, &m), 0);
	static uint8_t all[256 << 10];
	dma_read(&R.c->nc_dma, &m, 0, all, (uint32_t)staging);
	for (uint64_t i = 0; i < staging; i++)
		if (all[i])
			fail_msg("staging byte %llu is 0x%02x after release", (unsigned long long)i, all[i]);
	dma_unmap(&R.c->nc_dma, &m);
}

static void test_forged_completion_matches_nothing(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	R.m.quirks = MQ_HOLD;
	uint16_t cid = rig_read(&R, 1, 0, 8);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	/* A completion for a cid the broker never issued on this SQ, and one naming another SQ. */
	model_post_forged(&R.m, 1, 1, 0x0123);
	model_post_forged(&R.m, 1, 7, 0);
	rig_step(&R, 0);
	assert_int_equal(rig_reap(&R, 1), 0);
	assert_true(R.q[1].cmds[cid].live);
	assert_int_equal(R.c->nc_unmatched, 2);
	model_release_held(&R.m);
	settle(1);
}

/*
 * The attack of the issue: completions left in the device ring, DELETE SQ,
 * the same qid created again, new commands with the same provider ids.  The
 * fence drains the ring at the delete, so an old completion can never
 * finish a new command; the rig checks every page and every completion.
 */
static void delete_recreate(uint32_t quirks, bool completions_waiting)
{
	struct nvme_cqe e;

	assert_int_equal(rig_create_pair(&R, 2, 16, false, 0), 0);	/* the provider asks for no interrupts */
	for (int i = 0; i < 10; i++)
		rig_read(&R, 2, (uint64_t)i * 8, 8);
	rig_ring(&R, 2);
	model_fetch(&R.m);
	if (completions_waiting) {
		model_run(&R.m, 6);	/* posted, but no interrupt delivered: they wait in the device ring */
		R.m.irq_pending = 0;
		assert_int_equal(model_inflight(&R.m), 4);
	}
	R.m.quirks = quirks;		/* the rest stays in the device's hands until the delete */
	rig_check(&R);
	assert_int_equal(rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_DELETE_SQ, .cdw10 = 2 }, &e), 0);
	assert_clean();
	/* Whatever the provider sees now belongs to the old queue; take it and forget the rest. */
	rig_reap(&R, 2);
	memset(R.q[2].cmds, 0, sizeof(R.q[2].cmds));
	R.q[2].sq_tail = 0;
	R.q[2].next_cid = 0;
	assert_int_equal(rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ, .prp1 = R.q[2].sq_handle,
		.cdw10 = 2 | 15u << 16, .cdw11 = NVME_QUEUE_PC | 2u << 16 }, &e), 0);
	R.m.quirks &= ~(uint32_t)MQ_HOLD;
	for (int i = 0; i < 10; i++)
		rig_read(&R, 2, 100 + (uint64_t)i, 3);
	rig_ring(&R, 2);
	settle(2);
	assert_int_equal(R.stale_seen, 0);
	assert_int_equal(R.c->nc_unmatched, 0);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
	assert_int_equal(model_inflight(&R.m), 0);
}

static void test_delete_recreate_held_dropped(void **state UNUSED) { delete_recreate(MQ_HOLD, false); }
static void test_delete_recreate_held_posted(void **state UNUSED) { delete_recreate(MQ_HOLD | MQ_DELETE_POSTS, false); }
static void test_delete_recreate_waiting(void **state UNUSED) { delete_recreate(MQ_HOLD, true); }

/* The provider's own IDENTIFY can say anything: the broker keeps what the manager learned. */
static void test_identify_is_not_snooped(void **state UNUSED)
{
	struct nvme_cqe e;

	R.m.ns[0].lba_bytes = 4096;	/* from now the device answers IDENTIFY with 4 KiB blocks */
	R.m.ns[0].nsze = 1ull << 40;
	uint64_t buf = rig_alloc(&R, 4096, 4096);
	assert_int_equal(rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY, .nsid = 1, .prp1 = buf,
		.cdw10 = NVME_CNS_NAMESPACE }, &e), 0);
	assert_int_equal(R.c->nc_ns[0].lba_bytes, 512);
	assert_int_equal(R.c->nc_ns[0].nsze, 4096);
	R.m.ns[0].lba_bytes = 512;
	R.m.ns[0].nsze = 4096;
	/* A read past the manager's end is refused whatever the provider's page says. */
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = buf, .cdw10 = 4096 }, RIG_EXPECT_REFUSAL);
	rig_ring(&R, 1);
	settle(1);
	assert_int_equal(R.refusals, 1);
}

/* A namespace-change event: the manager identifies again; I/O waits until it has. */
static void test_namespace_change_event(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	rig_submit(&R, 0, (struct nvme_sqe){ .opc = NVME_ADMIN_ASYNC_EVENT }, 0);
	rig_ring(&R, 0);
	rig_step(&R, 0);
	R.m.ns[0].data = realloc(R.m.ns[0].data, 8192 * 512);	/* the volume grew */
	assert_non_null(R.m.ns[0].data);
	R.m.ns[0].nsze = 8192;
	assert_true(model_post_aen(&R.m, 2 | 0u << 8 | 4u << 16));
	rig_step(&R, 0);	/* delivers the event; the manager's IDENTIFY goes out */
	assert_int_equal(R.c->nc_ns_refreshing, 1);
	uint16_t cid = rig_read(&R, 1, 6000, 8);	/* beyond the old end, inside the new */
	rig_ring(&R, 1);
	assert_true(R.q[1].cmds[cid].live);
	rig_step(&R, 0);	/* the manager's IDENTIFY completes */
	assert_int_equal(R.c->nc_ns_refreshing, 0);
	assert_int_equal(R.c->nc_ns[0].nsze, 8192);
	settle(1);
	rig_reap(&R, 0);
	assert_int_equal(R.refusals, 0);
	assert_int_equal(R.errors, 0);
}

/* Volume growth and shrink (issue 17): what the manager's refresh does to the sessions' windows. */
static uint64_t resized_calls, resized_old, resized_new;

static void record_resize(struct nvme_ctrl *c UNUSED, uint32_t nsid, uint64_t old, uint64_t now)
{
	assert_int_equal(nsid, 1);
	resized_calls++;
	resized_old = old;
	resized_new = now;
}

static void namespace_becomes(uint64_t nsze)
{
	rig_submit(&R, 0, (struct nvme_sqe){ .opc = NVME_ADMIN_ASYNC_EVENT }, 0);
	rig_ring(&R, 0);
	rig_step(&R, 0);
	R.m.ns[0].data = realloc(R.m.ns[0].data, nsze * 512);
	assert_non_null(R.m.ns[0].data);
	R.m.ns[0].nsze = nsze;
	assert_true(model_post_aen(&R.m, 2 | 0u << 8 | 4u << 16));	/* Namespace Attribute Changed */
	rig_step(&R, 0);	/* the event; the manager's IDENTIFY goes out */
	rig_step(&R, 0);	/* it completes */
	assert_int_equal(R.c->nc_ns_refreshing, 0);
	assert_int_equal(R.c->nc_ns[0].nsze, nsze);
}

/*
 * A window over the whole namespace follows it (clients see the new size);
 * a partition's window stays; one that no longer fits is refused whole
 * (blocks 0: every command out of range), not cut short.
 */
static void test_namespace_resize_moves_windows(void **state UNUSED)
{
	struct nvme_space whole = { NULL, 1, 0, 4096 }, part = { NULL, 1, 2048, 2048 };
	int w = space_register(&whole), p = space_register(&part);

	assert_true(w > 0 && p > 0);
	resized_calls = 0;
	R.c->nc_ns_resized = record_resize;
	namespace_becomes(8192);
	assert_int_equal(whole.sp_blocks, 8192);
	assert_int_equal(part.sp_blocks, 2048);
	assert_int_equal(resized_calls, 1);
	assert_int_equal(resized_old, 4096);
	assert_int_equal(resized_new, 8192);
	namespace_becomes(3000);
	assert_int_equal(whole.sp_blocks, 3000);
	assert_int_equal(part.sp_blocks, 0);		/* 2048 + 2048 > 3000 */
	assert_int_equal(resized_calls, 2);
	namespace_becomes(3000);			/* an event with no change: nothing moves */
	assert_int_equal(resized_calls, 2);
	space_unregister(w);
	space_unregister(p);
	R.c->nc_ns_resized = NULL;
}

/* One doorbell over a queue full of refused commands: a budget per call, all answered in the end. */
static void test_refusal_flood_is_bounded(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 1024, true, 1), 0);
	for (int i = 0; i < 1000; i++)
		rig_submit(&R, 1, (struct nvme_sqe){ .opc = 0x81, .nsid = 1 }, RIG_EXPECT_REFUSAL);
	assert_int_equal(rig_ring(&R, 1), BROKER_BUDGET);
	assert_true(R.c->nc_backlog);
	for (int i = 0; i < 20 && rig_outstanding(&R, 1); i++) {
		rig_reap(&R, 1);
		if (R.c->nc_backlog)
			submit_pending();	/* what the timer tick does */
	}
	assert_int_equal(R.refusals, 1000);
	assert_true(kshim_nlines < 100);	/* refusal lines were rate-limited */
	assert_clean();
}

/* The same flood when the clock runs out first: fewer entries per call, still every one answered. */
static void test_refusal_flood_is_bounded_in_time(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 1024, true, 1), 0);
	for (int i = 0; i < 1000; i++)
		rig_submit(&R, 1, (struct nvme_sqe){ .opc = 0x81, .nsid = 1 }, RIG_EXPECT_REFUSAL);
	kshim_budget_entries = 10;
	assert_int_equal(rig_ring(&R, 1), 10);
	assert_true(R.c->nc_backlog);
	unsigned passes = 0;
	while (resume() && passes < 200)	/* what the idle loop and the tick do */
		passes++;
	kshim_budget_entries = 0;
	assert_false(R.c->nc_backlog);
	assert_true(passes >= 98);	/* ten at a time: the budget held on every pass */
	rig_reap(&R, 1);
	assert_int_equal(R.refusals, 1000);
	assert_clean();
}

/*
 * Reads when the clock runs out: the device sees only the entries taken
 * (its SQ tail covers nothing else), the interrupt consumes a budget of
 * completions and leaves the rest in the device ring, and the resumption
 * finishes both; no command is lost, every read has its data.
 */
static void test_reads_bounded_in_time(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	uint64_t before = R.completions;
	for (int i = 0; i < 40; i++)
		rig_read(&R, 1, (uint64_t)i * 8, 8);
	kshim_budget_entries = 4;
	uint64_t doorbells = R.m.sq_doorbells;
	assert_int_equal(rig_ring(&R, 1), 4);
	assert_int_equal(R.m.sq_doorbells, doorbells + 1);
	assert_int_equal(R.m.sq[1].tail, R.c->nc_sq[1].sq_tail);
	assert_true(R.c->nc_backlog);
	for (int i = 0; i < 3; i++)
		resume();	/* three more passes: 16 in the device */
	model_fetch(&R.m);
	assert_int_equal(model_inflight(&R.m), 16);
	rig_step(&R, 0);	/* the device completes all 16; the interrupt consumes 4 */
	assert_int_equal(model_inflight(&R.m), 0);
	assert_true(R.c->nc_drain_backlog);
	for (int i = 0; i < 400 && (rig_outstanding(&R, 1) || model_inflight(&R.m)); i++) {
		resume();
		rig_step(&R, 0);
		rig_reap(&R, 1);
	}
	kshim_budget_entries = 0;
	assert_int_equal(rig_outstanding(&R, 1), 0);
	assert_false(R.c->nc_backlog);
	assert_false(R.c->nc_drain_backlog);
	assert_int_equal(R.completions - before, 40);
	assert_int_equal(R.errors, 0);
	assert_clean();
}

/* A reset with commands in the device's hands: nothing is freed before RDY=0, everything after. */
static void test_reset_mid_flight(void **state UNUSED)
{
	uint64_t staging_pages = kshim_pmm_pages_live();

	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	R.m.quirks = MQ_HOLD;
	for (int i = 0; i < 30; i++)
		rig_read(&R, 1, (uint64_t)i * 4, 4);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	assert_true(dma_live_pages(&R.c->nc_dma) > 0);
	nvme_write32(R.c, NVME_CC, 0);	/* the provider's reset claim */
	nvme_ctrl_lock(R.c);
	broker_mark_reset(R.c);
	rig_check(&R);
	broker_teardown(R.c);
	nvme_ctrl_unlock(R.c);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
	assert_clean();
	(void)staging_pages;
}

static void test_ien0_cq_is_drained_by_the_manager(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 3, 16, false, 2), 0);
	for (int i = 0; i < 8; i++)
		rig_read(&R, 3, (uint64_t)i, 1);
	rig_ring(&R, 3);
	rig_step(&R, 0);
	/* Drained into the shadow CQ at once, though the provider asked for no interrupts. */
	assert_int_equal(rig_reap(&R, 3), 8);
	assert_int_equal(kshim_irq_signals(2), 0);
	assert_clean();
}

/*
 * nvme.poll=always: the device CQ is created without interrupts whatever the
 * provider asked, so a completion raises nothing; it reaches the provider
 * only when the manager looks (a poll, or the tick: broker_service_vector).
 */
static void test_polled_cq_has_no_interrupt(void **state UNUSED)
{
	R.c->nc_io_cqs_polled = true;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	assert_true(R.c->nc_cq[1].cq_polled);
	assert_false(R.m.cq[1].ien);
	assert_true(R.m.cq[0].ien);	/* the admin queue keeps its interrupt */
	uint64_t signals = kshim_irq_signals(1);
	for (int i = 0; i < 8; i++)
		rig_read(&R, 1, (uint64_t)i, 1);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	assert_int_equal(rig_reap(&R, 1), 0);		/* posted on the device, nothing signalled */
	assert_int_equal(kshim_irq_signals(1), signals);
	nvme_ctrl_lock(R.c);
	assert_true(broker_cq_peek(&R.c->nc_cq[1]));
	assert_int_equal(broker_service_vector(R.c, R.c->nc_cq[1].cq_iv), 8);
	nvme_ctrl_unlock(R.c);
	assert_int_equal(kshim_irq_signals(1), signals + 1);	/* the provider is told, as by the interrupt */
	assert_int_equal(rig_reap(&R, 1), 8);
	assert_clean();
}

/*
 * nvme.poll=always: a wait on a queue without interrupts, with a command out, never sleeps (only
 * the tick, every 4 ms, would end the sleep): the spin is the wait; without a completion the call
 * returns at once and gives way to whoever else is runnable, and the next spin takes it.
 */
static void test_polled_wait_spins_instead_of_sleeping(void **state UNUSED)
{
	const uint64_t second = 1000000000ull;
	struct nvme_poll_wait pw;

	nvme_poll_set_mode(NVME_POLL_ALWAYS);
	R.c->nc_io_cqs_polled = true;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	nvme_poll_before_wait(R.c, 1, second, false, &pw);
	assert_int_equal(pw.pw_wait_ns, second);	/* nothing out: new requests, not the device, end the wait */
	assert_false(pw.pw_gives_way);
	rig_read(&R, 1, 0, 1);
	rig_ring(&R, 1);
	unsigned yields = kshim_yields;
	nvme_poll_before_wait(R.c, 1, second, false, &pw);
	assert_false(pw.pw_hit);			/* the device has not run */
	assert_int_equal(pw.pw_wait_ns, 0);
	kshim_others_runnable = true;
	nvme_poll_after_wait(R.c, &pw, false);
	assert_int_equal(kshim_yields, yields + 1);
	kshim_others_runnable = false;
	rig_step(&R, 0);
	nvme_poll_before_wait(R.c, 1, second, false, &pw);
	assert_true(pw.pw_hit);
	assert_int_equal(rig_reap(&R, 1), 1);
	assert_clean();
}

/*
 * With others runnable on this CPU the wait does not spin, but what the device posted is taken all
 * the same: on a queue without interrupts nothing else would take it before the tick (4 ms).
 */
static void test_polled_queue_looked_at_when_others_run(void **state UNUSED)
{
	struct nvme_poll_wait pw;

	nvme_poll_set_mode(NVME_POLL_ALWAYS);
	R.c->nc_io_cqs_polled = true;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t signals = kshim_irq_signals(1);
	for (int i = 0; i < 3; i++)
		rig_read(&R, 1, (uint64_t)i, 1);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	kshim_others_runnable = true;
	nvme_poll_before_wait(R.c, 1, 0, false, &pw);
	assert_true(pw.pw_hit);
	assert_int_equal(kshim_irq_signals(1), signals + 1);
	assert_int_equal(rig_reap(&R, 1), 3);
	assert_clean();
}

/* A queue with its interrupt keeps the caller's wait: the interrupt ends it. */
static void test_interrupt_wait_sleeps_as_asked(void **state UNUSED)
{
	const uint64_t second = 1000000000ull;
	struct nvme_poll_wait pw;

	nvme_poll_set_mode(NVME_POLL_ALWAYS);
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	assert_false(R.c->nc_cq[1].cq_polled);
	rig_read(&R, 1, 0, 1);
	rig_ring(&R, 1);
	nvme_poll_before_wait(R.c, 1, second, false, &pw);
	assert_false(pw.pw_hit);
	assert_int_equal(pw.pw_wait_ns, second);
	assert_false(pw.pw_gives_way);
	rig_step(&R, 0);
	assert_int_equal(rig_reap(&R, 1), 1);
	assert_clean();
}

/*
 * An interrupt whose entry took the BKL serves I/O completions without it (locking.h L8) and signals
 * the provider once it has the BKL back; the admin queue's vector keeps the BKL throughout (its
 * completions call the manager back), and so does an entry nested in a holder's window.
 */
static void test_io_interrupt_served_without_bkl(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	assert_int_not_equal(R.c->nc_cq[1].cq_iv, R.c->nc_cq[0].cq_iv);
	uint64_t signals = kshim_irq_signals(1);
	unsigned releases = kshim_bkl_releases;
	for (int i = 0; i < 4; i++)
		rig_read(&R, 1, (uint64_t)i, 1);
	rig_ring(&R, 1);
	kshim_irq_owns_bkl = true;
	rig_step(&R, 0);
	kshim_irq_owns_bkl = false;
	assert_int_equal(kshim_bkl_releases, releases + 1);	/* given up for the drain */
	assert_true(kshim_bkl);					/* and taken back */
	assert_int_equal(R.c->nc_signals_owed, 0);
	assert_int_equal(kshim_irq_signals(1), signals + 1);	/* paid with it back, once */
	assert_int_equal(rig_reap(&R, 1), 4);

	/* The admin queue's vector: queue creation completes on it, under the BKL. */
	releases = kshim_bkl_releases;
	kshim_irq_owns_bkl = true;
	assert_int_equal(rig_create_pair(&R, 2, 16, true, 2), 0);
	kshim_irq_owns_bkl = false;
	assert_int_equal(kshim_bkl_releases, releases);

	/* Nested in a window of a section that holds the BKL: kept. */
	rig_read(&R, 1, 9, 1);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	assert_int_equal(kshim_bkl_releases, releases);
	assert_int_equal(kshim_irq_signals(1), signals + 2);
	assert_int_equal(rig_reap(&R, 1), 1);
	assert_clean();
}

/* Without interrupts the CQ head may wait even on pin interrupts: nothing is re-asserted. */
static void test_polled_cq_head_doorbell_deferred_without_msix(void **state UNUSED)
{
	R.c->nc_irqs.pi_kind = IRQ_KIND_INTX;
	R.c->nc_io_cqs_polled = true;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t cq_before = R.m.cq_doorbells;
	for (int i = 0; i < 10; i++) {
		rig_read(&R, 1, (uint64_t)i, 1);
		rig_ring(&R, 1);
		rig_step(&R, 0);
		nvme_ctrl_lock(R.c);
		broker_service_vector(R.c, 1);
		nvme_ctrl_unlock(R.c);
		assert_int_equal(rig_reap(&R, 1), 1);
	}
	assert_true(R.m.cq_doorbells - cq_before < 10);
	assert_int_equal(R.m.dropped_full, 0);
	assert_clean();
}

/* No kernel memory for a device queue: refused with its own reason, nothing leaked, and the same
 * command succeeds once memory is back. */
static void test_create_queue_without_memory(void **state UNUSED)
{
	uint64_t live = kshim_pmm_pages_live();
	struct nvme_cqe e = { 0 };
	uint64_t ring = rig_alloc(&R, 64 * 16, 4096);

	kshim_pmm_fail = true;
	int err = rig_admin(&R, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_CQ, .prp1 = ring,
		.cdw10 = 1 | 63u << 16, .cdw11 = NVME_QUEUE_PC | NVME_CQ_IEN | 1u << 16 }, &e);
	kshim_pmm_fail = false;
	assert_int_equal(err, CR_EIO);
	assert_int_equal(NVME_STATUS_SC(e.status), NVME_SC_INTERNAL);
	assert_int_equal(e.dw0, NVME_BROKER_REFUSED | NBR_NO_MEMORY);
	assert_true(kshim_logged("reason=kernel-out-of-memory"));
	assert_int_equal(kshim_pmm_pages_live(), live);
	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	rig_read(&R, 1, 0, 8);
	rig_ring(&R, 1);
	settle(1);
}

/* With MSI-X the CQ head doorbell waits (until half the queue is consumed or the device needs the
 * room): far fewer device events, and the device never finds its CQ full. */
static void test_cq_head_doorbell_deferred(void **state UNUSED)
{
	R.c->nc_irqs.pi_kind = IRQ_KIND_MSIX;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t cq_before = R.m.cq_doorbells;
	unsigned done = 0;
	for (int wave = 0; wave < 40; wave++) {
		/* qd1, and 7 (just under half: the head waits) before a full queue */
		unsigned n = wave < 10 ? 1 : (wave % 2 ? 15 : 7);
		/* Held, then completed all at once: the device posts as many as its CQ has room for. */
		R.m.quirks = MQ_HOLD;
		for (unsigned i = 0; i < n; i++)
			rig_read(&R, 1, (uint64_t)(wave * 16 + i), 1);
		rig_ring(&R, 1);
		rig_step(&R, 0);
		model_release_held(&R.m);
		R.m.quirks = 0;
		settle(1);
		done += n;
	}
	assert_int_equal(R.m.dropped_full, 0);
	uint64_t cq_doorbells = R.m.cq_doorbells - cq_before;
	assert_true(cq_doorbells > 0);
	assert_true(cq_doorbells * 4 < done);
	assert_clean();
}

/* Pin interrupts (and MSI) need the head at once: one CQ doorbell per drain. */
static void test_cq_head_doorbell_prompt_without_msix(void **state UNUSED)
{
	R.c->nc_irqs.pi_kind = IRQ_KIND_INTX;
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t cq_before = R.m.cq_doorbells;
	for (int i = 0; i < 10; i++) {
		rig_read(&R, 1, (uint64_t)i, 1);
		rig_ring(&R, 1);
		settle(1);
	}
	assert_int_equal(R.m.cq_doorbells - cq_before, 10);
	assert_clean();
}

/* ------------------------------------------------------------ in place (dma.bounce=when-needed) */

/*
 * A read that moved its data and then failed: staged, nothing is copied
 * back; in place the device wrote the pool itself, so the release audit
 * must count those pages as device data.  The medium holds words that look
 * like the pool's own physical pages (what the audit hunts for).
 */
static void test_failed_read_is_device_data(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t *medium = (uint64_t *)(R.m.ns[0].data + 40 * 512);
	for (unsigned i = 0; i < 8 * 512 / 8; i++)
		medium[i] = R.pool->dp_phys + (uint64_t)(i % 64) * 4096;
	uint64_t h = rig_alloc(&R, 8 * 512, 4096);
	memset(R.pool->dp_virt + h, 0, 8 * 512);
	R.m.quirks = MQ_FAIL_AFTER_DATA;
	rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = h, .cdw10 = 40, .cdw12 = 7 }, 0);
	rig_ring(&R, 1);
	settle(1);
	assert_int_equal(R.errors, 1);
	if (rig_in_place)
		assert_memory_equal(R.pool->dp_virt + h, medium, 8 * 512);	/* it did land there */
	else
		for (unsigned i = 0; i < 8 * 512; i++)
			assert_int_equal(R.pool->dp_virt[h + i], 0);	/* not copied back */
	assert_true(nvme_audit_provider_memory(R.c));
}

/*
 * Dataset-management ranges are checked in what the device will read: the
 * provider rewriting its buffer after the doorbell must not reach the
 * device, so DSM data is staged even when everything else goes in place.
 */
static void test_dsm_ranges_cannot_change_after_the_check(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	uint64_t h = rig_alloc(&R, 4096, 4096);
	uint8_t *range = R.pool->dp_virt + h;
	uint32_t nlb = 8;
	uint64_t slba = 100;
	memset(range, 0, 16);
	memcpy(range + 4, &nlb, 4);
	memcpy(range + 8, &slba, 8);
	rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_DSM, .nsid = 1, .prp1 = h, .cdw10 = 0, .cdw11 = 4 }, 0);
	rig_ring(&R, 1);		/* checked and handed to the device */
	slba = 1ull << 40;		/* then rewritten, before the device reads it */
	memcpy(range + 8, &slba, 8);
	settle(1);
	assert_int_equal(R.m.dsm_outside, 0);
	assert_int_equal(R.errors, 0);
	assert_int_equal(R.refusals, 0);
}

/* In place, PRPs name the pool's own pages (PRP lists stay manager pages), and no byte is copied. */
static void test_in_place_prps_name_the_pool(void **state UNUSED)
{
	struct dma_pool *p = R.pool;

	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	R.m.quirks = MQ_HOLD;
	for (int i = 0; i < 6; i++)
		rig_read(&R, 1, (uint64_t)i * 64, 1 + 40 * i);	/* 1 block .. 201 blocks: lists from 3 pages on */
	rig_ring(&R, 1);
	rig_step(&R, 0);
	unsigned seen = 0;
	for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
		const struct model_cmd *mc = &R.m.cmd[i];
		if (!mc->live || !mc->sqid)
			continue;
		seen++;
		assert_true(mc->sqe.prp1 >= p->dp_phys && mc->sqe.prp1 < p->dp_phys + p->dp_bytes);
		for (uint32_t k = 0; k < mc->npages; k++) {
			bool pool = mc->pages[k] >= p->dp_phys && mc->pages[k] < p->dp_phys + p->dp_bytes;
			bool mgr = R.c->nc_dma.dd_ops->manager_address(&R.c->nc_dma, mc->pages[k]);
			assert_true(pool != mgr);
			assert_true(pool == mc->pages_write[k]);	/* the device writes only pool pages: data */
		}
	}
	assert_int_equal(seen, 6);
	assert_clean();
	model_release_held(&R.m);
	settle(1);
	assert_int_equal(R.c->nc_dma.dd_bytes_in, 0);
	assert_true(R.c->nc_dma.dd_in_place_bytes > 0);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
}

/*
 * Pages at or above the device's DMA limit are staged (Amazon: 2^48), the
 * rest go in place: here the limit cuts the pool in two.  The rig fails
 * any pool page the device is given at or above the limit.
 */
static void test_dma_limit_stages_what_the_device_cannot_reach(void **state UNUSED)
{
	assert_int_equal(rig_create_pair(&R, 1, 64, true, 1), 0);
	uint64_t lo = rig_alloc(&R, 8192, 4096), hi = RIG_POOL_BYTES - 16384;
	R.c->nc_dma.dd_limits.dl_max_addr = R.pool->dp_phys + RIG_POOL_BYTES / 2;
	rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = lo, .cdw10 = 8, .cdw12 = 15 },
		   RIG_CHECK_DATA);
	rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = hi, .cdw10 = 24, .cdw12 = 15 },
		   RIG_CHECK_DATA);
	rig_ring(&R, 1);
	settle(1);
	assert_int_equal(R.errors, 0);
	assert_int_equal(R.c->nc_dma.dd_in_place_bytes, 8192);
	assert_int_equal(R.c->nc_dma.dd_bytes_in, 8192);
	R.c->nc_dma.dd_limits.dl_max_addr = 1ull << 48;
}

/* A client's Region: its release (the last reference) is recorded, its memory kept for the test to look at. */
static struct {
	bool released;
	bool data_ok;		/* at release, the region held the medium's bytes where the read went */
} region_state;

static void region_release(struct kobj *ko)
{
	struct dma_pool *p = (struct dma_pool *)ko;

	region_state.released = true;
	region_state.data_ok = !memcmp(p->dp_virt + 4096, R.m.ns[0].data + 64 * 512, 16 * 512);
}

/*
 * The client goes while the device still holds a read into its Region
 * (late completion): the Region is not freed, the device writes only the
 * pages held for that command, and the Region goes with the command's
 * release.  Staged or in place, the same contract.
 */
static void test_region_outlives_its_client(void **state UNUSED)
{
	struct dma_pool *region = kshim_pool_create(64 << 10);
	region->dp_obj.ko_release = region_release;
	region_state.released = region_state.data_ok = false;
	struct nvme_space sp = { .sp_region = (struct dma_pool *)kobj_get(&region->dp_obj), .sp_nsid = 1,
				 .sp_first_lba = 0, .sp_blocks = 4096 };	/* the session's hold */
	int space = space_register(&sp);
	assert_true(space >= 1);

	assert_int_equal(rig_create_pair(&R, 1, 16, true, 1), 0);
	R.m.quirks = MQ_HOLD;
	uint16_t cid = rig_submit(&R, 1, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1,
		.prp1 = NVME_HANDLE(space, 4096), .cdw10 = 64, .cdw12 = 15 }, 0);
	rig_ring(&R, 1);
	rig_step(&R, 0);
	assert_true(R.q[1].cmds[cid].live);
	assert_true(dma_live_pages(&R.c->nc_dma) > 0);

	/* The client dies: its session ends (space gone, its hold dropped), then its own capability. */
	space_unregister(space);
	kobj_put(&region->dp_obj);
	kobj_put(&region->dp_obj);
	assert_false(region_state.released);	/* the command still holds it */
	rig_check(&R);
	assert_clean();

	model_release_held(&R.m);	/* the late completion */
	settle(1);
	assert_true(region_state.released);
	assert_true(region_state.data_ok);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
	assert_int_equal(R.errors, 0);
	kshim_pool_destroy(region);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_learns_geometry_itself),
		T(test_reads_of_every_shape),
		T(test_late_completions),
		T(test_duplicate_completions_are_dropped),
		T(test_stale_cids_are_dropped),
		T(test_stale_cid_after_slot_reuse),
		T(test_overwrite_stays_in_the_page),
		T(test_forged_completion_matches_nothing),
		T(test_delete_recreate_held_dropped),
		T(test_delete_recreate_held_posted),
		T(test_delete_recreate_waiting),
		T(test_identify_is_not_snooped),
		T(test_namespace_change_event),
		T(test_namespace_resize_moves_windows),
		T(test_refusal_flood_is_bounded),
		T(test_refusal_flood_is_bounded_in_time),
		T(test_reads_bounded_in_time),
		T(test_reset_mid_flight),
		T(test_ien0_cq_is_drained_by_the_manager),
		T(test_create_queue_without_memory),
		T(test_polled_cq_has_no_interrupt),
		T(test_polled_cq_head_doorbell_deferred_without_msix),
		T(test_polled_wait_spins_instead_of_sleeping),
		T(test_interrupt_wait_sleeps_as_asked),
		T(test_polled_queue_looked_at_when_others_run),
		T(test_io_interrupt_served_without_bkl),
		T(test_cq_head_doorbell_deferred),
		T(test_cq_head_doorbell_prompt_without_msix),
		T(test_failed_read_is_device_data),
		T(test_region_outlives_its_client),
		T(test_dsm_ranges_cannot_change_after_the_check),
	};
	const struct CMUnitTest in_place_only[] = {
		T(test_in_place_prps_name_the_pool),
		T(test_dma_limit_stages_what_the_device_cannot_reach),
	};
	int failed;

	/* Every test on both paths of the no-IOMMU lane: dma.bounce=always, then when-needed. */
	rig_in_place = false;
	failed = cmocka_run_group_tests_name("staged (dma.bounce=always)", tests, NULL, NULL);
	rig_in_place = true;
	failed += cmocka_run_group_tests_name("in place (dma.bounce=when-needed)", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("in place only", in_place_only, NULL, NULL);
	return failed;
}
