/*
 * tests/host/test_broker_threads.c - the broker and the DMA ledger (their
 * real sources, as in test_broker_model.c) driven from several threads at
 * once, the way the SMP kernel runs them (kernel/core/locking.h): kernel
 * entries under the big kernel lock and the controller's lock after it,
 * except the provider's I/O queue doorbells, which hold the controller's
 * lock alone (L8, SYS_NVME_RING_WAIT), while the provider, a client and the
 * device run in parallel on other CPUs and touch the memory they share
 * with the kernel without any lock.
 *
 * Threads:
 *  - NCPU "CPU" threads make kernel entries under the BKL: the device's
 *    interrupts (broker_irq, which takes the controller's lock and, for an
 *    I/O queue's vector, gives the BKL up while it drains), the tick
 *    and idle loop (broker_resume), and an audit entry that also holds the
 *    device still and checks I1 and the ledger (rig_check);
 *  - the provider thread: writes commands into its shadow SQ in its pool
 *    (no lock), rings the SQ doorbell (an I/O queue's under the
 *    controller's lock alone; what that owes, signals and last holds on
 *    Regions, is settled after it under the BKL), reads its completions
 *    from its pool (no lock), checks each (I2, status, read data against
 *    the medium) and rings the CQ doorbell (as the SQ's);
 *    now and then it faults: an exception entry resets the controller and
 *    tears the broker down (broker_mark_reset, broker_teardown) while the
 *    device has commands, and the provider starts again (admin queue,
 *    SET FEATURES, CREATE CQ/SQ through the broker);
 *  - a client thread opens and closes block sessions: a Region of its own
 *    registered as handle space 1.. (nvme_space_register), into which the
 *    provider directs some reads, and dropped again (unregister and the
 *    last reference: the Region is freed) while such reads are in flight;
 *  - the device thread, without the BKL: fetches SQ entries, moves data,
 *    posts CQ entries with their phase tags and raises interrupts, as the
 *    NVMe model does, whenever it likes.
 *
 * What ThreadSanitizer checks: every access to broker, ledger, pool
 * bookkeeping and kshim state from two CPU threads is ordered by the BKL,
 * and what the provider and client share with the kernel is ordered by
 * their kernel entries.  The device is not a CPU: its DMA is ordered for
 * the kernel by x86's rules (the kernel reads device rings with volatile
 * loads after the phase tag), which the C11 model cannot express, so the
 * device thread's memory accesses are hidden from TSan (its register
 * accesses and interrupts stay visible as synchronisation); the device's
 * side is checked by content instead: the audit entry (I1: every page of
 * every command the device holds is granted to it; nothing granted that
 * no command holds), the provider's checks of every completion and read,
 * and at the end the whole rig_check including I5 (the pool scan runs only
 * at the quiescent end: the kernel's audit reads the provider's pool while
 * the provider may write it, a benign race of a debug check).
 *
 * Modelling choices to know about:
 *  - the provider reaps only the completions posted before its last
 *    entry (it learns cq_shadow_tail there), never peeking at the next
 *    slot.  The provider polls the phase tag lock-free, as the real one
 *    (drivers/nvme/queue.c) does: an acquire load paired with post_now's
 *    release store (broker_complete.c).  Before that pairing the kernel
 *    wrote the tag with a plain store and a compiler barrier, correct on x86
 *    (TSO) but a C11 data race that TSan reported at once;
 *    -DBROKER_TEST_POSTED_ONLY reads only entries posted before the last
 *    kernel entry instead;
 *  - the model's per-access oracle (which reads broker state) is off
 *    while the threads run: the audit entry checks the same invariant on a
 *    consistent snapshot instead.
 *
 * Shown to fail: -DBROKER_TEST_SKIP_CTRL_LOCK makes the second CPU
 * thread's tick entry (broker_resume) hold the BKL but not the
 * controller's lock, as a kernel path that forgot nvme_ctrl_lock would,
 * with the lock assertions that would otherwise stop it turned off.
 * `make tsan` builds that variant as $(BUILD)/tsan/xfail_broker_skip_ctrl_lock
 * and requires a data race report from it: against the provider's
 * doorbells, which hold only the controller's lock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/block.h"
#include "include/abi/errors.h"
#include "kernel/core/kobj.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/spinlock.h"
#include "lib/xorshift.h"
#include "tests/host/model/broker_rig.h"
#include "tests/host/model/kshim.h"
#include "tests/host/under_tsan.h"

#define UNUSED __attribute__((unused))


#ifdef UNDER_TSAN
/* The dynamic annotations every TSan runtime (clang's and gcc's) exports. */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
static void device_hidden(bool begin)
{
	if (begin) {
		AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
		AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
	} else {
		AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
		AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
	}
}
#define EPOCHS		4
#define COMMANDS	4000	/* provider commands per epoch */
#else
static void device_hidden(bool begin) { (void)begin; }
#define EPOCHS		4
#define COMMANDS	5000
#endif

#define NCPU		2
#define QENT		16		/* entries of each I/O queue pair */
#define NIOQ		2		/* I/O queue pairs 1 and 2, on vectors 1 and 2 */
#define AQ_ENT		32
#define NS_BLOCKS	4096
#define READ_LBAS	2048		/* reads below, writes above: reads check against a medium that holds still */
#define REGION_BYTES	(64u << 10)

static struct rig R;
static struct spinlock bkl = SPINLOCK_INIT;	/* the big kernel lock */
static struct spinlock devlock = SPINLOCK_INIT;	/* the controller's own serialisation of its registers and engine */
static uint32_t irq_lines;			/* atomic: vectors the device raised, not yet taken by a CPU */
static uint32_t stop;				/* atomic: the provider is done */
static char prov_failed[320];			/* the provider thread's first failure (read after join) */

/* ------------------------------------------------------------------ kernel entries */

static void enter(uint32_t cpu)
{
	spin_lock(&bkl, cpu);
	kshim_bkl = true;	/* bkl_held() in the kernel's code */
}

static void leave(void)
{
	kshim_bkl = false;
	spin_unlock(&bkl);
}


/* Under the BKL: the controller's lock after it (L5), for entries that touch its broker state. */
static void ctrl_enter(uint32_t cpu)
{
	enter(cpu);
	nvme_ctrl_lock(R.c);
}

static void ctrl_leave(void)
{
	nvme_ctrl_unlock(R.c);
	leave();
}

static void mmio_hook(bool entering)
{
	if (entering)
		spin_lock(&devlock, 1000);
	else
		spin_unlock(&devlock);
}

/* Client sessions: state the kernel keeps, under the BKL. */
struct session {
	struct nvme_space sp;
	int id;			/* handle space, 0: closed */
};
static struct session sessions[2];
static unsigned regions_freed;

static void region_release(struct kobj *ko)
{
	struct dma_pool *p = (struct dma_pool *)((char *)ko - offsetof(struct dma_pool, dp_obj));

	kshim_pool_destroy(p);
	regions_freed++;
}

static void session_open(struct session *s)
{
	struct dma_pool *region = kshim_pool_create(REGION_BYTES);

	region->dp_obj.ko_release = region_release;
	s->sp = (struct nvme_space){ region, 1, 0, READ_LBAS };
	nvme_ctrl_lock(R.c);
	int id = nvme_space_register(R.c, &s->sp);
	nvme_ctrl_unlock(R.c);
	if (id > 0) {
		s->id = id;
	} else {
		kobj_put(&region->dp_obj);
		s->id = 0;
	}
}

/* As kernel/block/session.c's session_free: commands still mapped hold the Region themselves. */
static void session_close(struct session *s)
{
	nvme_ctrl_lock(R.c);
	nvme_space_unregister(R.c, (uint32_t)s->id);
	nvme_ctrl_unlock(R.c);
	kobj_put(&s->sp.sp_region->dp_obj);
	s->id = 0;
}

struct cpu_stats {
	uint64_t irqs, ticks, audits;
	uint64_t drains_without_bkl;	/* broker_irq gave the BKL up (bkl_give_up) */
};
static struct cpu_stats cpu_stats[NCPU + 1];

/*
 * An interrupt that serves I/O completions gives the BKL up for the drain and takes it back to
 * pay what it owes (broker_irq, locking.h L8): the kernel's bkl_release and bkl_acquire, on the
 * lock these threads share.
 */
static __thread uint32_t entry_cpu;

static void bkl_give_up(void)
{
	cpu_stats[entry_cpu].drains_without_bkl++;
	spin_unlock(&bkl);
}

static void bkl_take_back(void)
{
	spin_lock(&bkl, entry_cpu);
}

static void *cpu_thread(void *arg)
{
	uint32_t cpu = (uint32_t)(uintptr_t)arg;
	uint64_t rng = (0x9e3779b9u ^ (cpu * 7919u + 1)) | 1;
	bool locked = true;

	kshim_bkl = false;
	entry_cpu = cpu;
#ifdef BROKER_TEST_SKIP_CTRL_LOCK
	locked = cpu != 1;	/* this CPU's tick path forgot the controller's lock */
	kshim_lock_asserts = false;
#endif
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint32_t dice = (uint32_t)xorshift64(&rng) % 100;
		uint32_t lines = __atomic_exchange_n(&irq_lines, 0, __ATOMIC_ACQ_REL);
		if (lines) {
			enter(cpu);
			kshim_irq_owns_bkl = true;	/* the entry took it: I/O vectors drain without it */
			for (unsigned iv = 0; iv < BROKER_VECTORS; iv++) {
				if (lines & (1u << iv))
					broker_irq(&R.c->nc_vec[iv], 32 + iv);
			}
			kshim_irq_owns_bkl = false;
			cpu_stats[cpu].irqs++;
			leave();
		} else if (dice < 20) {
			enter(cpu);
			if (locked)
				nvme_ctrl_lock(R.c);
			if (R.c->nc_enabled)
				broker_resume(R.c);	/* the tick and the idle loop */
			if (locked)
				nvme_ctrl_unlock(R.c);
			cpu_stats[cpu].ticks++;
			leave();
		} else if (dice < 23) {
			ctrl_enter(cpu);
			spin_lock(&devlock, cpu);	/* the device holds still: a consistent snapshot */
			rig_check(&R);
			spin_unlock(&devlock);
			cpu_stats[cpu].audits++;
			ctrl_leave();
		} else {
			sched_yield();
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ the device */

static uint64_t device_steps;

static void *device_thread(void *arg UNUSED)
{
	uint64_t rng = (0x2545f491u) | 1;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint32_t dice = (uint32_t)xorshift64(&rng);
		spin_lock(&devlock, 2000);
		device_hidden(true);
		R.m.quirks = dice & 1 ? MQ_REORDER : 0;
		model_fetch(&R.m);
		model_run(&R.m, 1 + (dice >> 8) % 6);
		uint32_t raised = R.m.irq_pending;
		R.m.irq_pending = 0;
		device_steps++;
		device_hidden(false);
		spin_unlock(&devlock);
		if (raised)
			__atomic_fetch_or(&irq_lines, raised, __ATOMIC_RELEASE);
		if ((dice >> 4) % 4 == 0)
			sched_yield();
	}
	return NULL;
}

/* ------------------------------------------------------------------ the client */

static uint64_t client_ops;

static void *client_thread(void *arg UNUSED)
{
	uint64_t rng = (0x1234567u) | 1;

	kshim_bkl = false;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		struct session *s = &sessions[(uint32_t)xorshift64(&rng) % 2];
		enter(NCPU);
		if (s->id)
			session_close(s);
		else
			session_open(s);
		client_ops++;
		leave();
		for (int i = 0; i < 20; i++)
			sched_yield();
	}
	return NULL;
}

/* ------------------------------------------------------------------ the provider */

#define PROVIDER_CPU	(NCPU + 1)

static uint64_t prng = XORSHIFT64_SEED;
static uint64_t prov_completions, prov_refusals, prov_faults, prov_region_reads, prov_checked_reads;

static void pfail(const char *fmt, ...)
{
	va_list ap;

	if (prov_failed[0])
		return;
	va_start(ap, fmt);
	vsnprintf(prov_failed, sizeof(prov_failed), fmt, ap);
	va_end(ap);
}

static uint64_t ring_at(uint16_t qid, bool cq)
{
	return (uint64_t)(2 * qid + cq) * 4096;	/* rings in the first pages of the pool */
}

static uint64_t buffer_of(uint16_t qid, uint16_t cid)
{
	return RIG_POOL_BYTES / 2 + ((uint64_t)(qid - 1) * QENT + cid) * 4096;
}

/* An entry that tells the provider how far its shadow CQ is posted (what waiting for its notification gives). */
static bool cq_posted(uint16_t qid, uint16_t *tail)
{
	bool live;

	ctrl_enter(PROVIDER_CPU);
	live = R.c->nc_enabled && R.c->nc_cq[qid].cq_state == BQ_LIVE;
	*tail = R.c->nc_cq[qid].cq_shadow_tail;
	ctrl_leave();
	return live;
}

static bool live_session(int *space)
{
	enter(PROVIDER_CPU);
	struct session *s = &sessions[(uint32_t)xorshift64(&prng) % 2];
	*space = s->id;
	leave();
	return *space != 0;
}

static void check_read(const struct rig_cmd *rc)
{
	const struct model_ns *ns = &R.m.ns[0];

	if (memcmp(R.pool->dp_virt + rc->handle, ns->data + rc->lba * ns->lba_bytes, (size_t)rc->blocks * 512))
		pfail("read data mismatch lba=%llu blocks=%u", (unsigned long long)rc->lba, rc->blocks);
	prov_checked_reads++;
}

/*
 * A doorbell, as SYS_NVME_RING_WAIT rings it (kernel/cap/device_mmio.c):
 * an I/O queue's under the controller's lock alone, then, if that owed
 * anything, the BKL to settle it; the admin queue's under both.
 */
static void doorbell(uint16_t qid, bool sq, uint16_t value)
{
	bool without_bkl = qid != 0;

	if (!without_bkl)
		enter(PROVIDER_CPU);
	nvme_ctrl_lock(R.c);
	if (sq)
		broker_sq_doorbell(R.c, qid, value);
	else
		broker_cq_doorbell(R.c, qid, value);
	bool owed = nvme_ctrl_unlock(R.c);
	if (!without_bkl) {
		leave();
	} else if (owed) {
		enter(PROVIDER_CPU);
		nvme_ctrl_settle(R.c);
		leave();
	}
}

/* Take every completion posted up to the tail learned in an entry; returns how many. */
static unsigned reap(uint16_t qid)
{
	struct rig_queue *q = &R.q[qid];
	const struct nvme_cqe *ring = (const struct nvme_cqe *)(R.pool->dp_virt + q->cq_handle);
	uint16_t tail;
	unsigned n = 0;

#ifndef BROKER_TEST_POSTED_ONLY
	(void)cq_posted;
	(void)tail;
	/* Poll the phase tag as drivers/nvme does: an acquire load, paired with post_now's release store. */
	for (;;) {
		if ((__atomic_load_n(&ring[q->cq_head].status, __ATOMIC_ACQUIRE) & NVME_CQE_PHASE) != q->phase)
			break;
#else
	if (!cq_posted(qid, &tail))
		return 0;
	while (q->cq_head != tail) {
#endif
		struct nvme_cqe e = ring[q->cq_head];
		if ((e.status & NVME_CQE_PHASE) != q->phase)
			pfail("qid=%u head=%u: a posted completion without its phase tag", qid, q->cq_head);
		q->cq_head = (uint16_t)((q->cq_head + 1) % q->entries);
		if (q->cq_head == 0)
			q->phase ^= 1;
		n++;
		if (e.cid >= q->entries || !q->cmds[e.cid].live || e.sqid != qid) {
			pfail("I2: completion for nothing outstanding qid=%u sqid=%u cid=%u", qid, e.sqid, e.cid);
			continue;
		}
		struct rig_cmd *rc = &q->cmds[e.cid];
		bool refused = (e.dw0 & 0xffff0000u) == NVME_BROKER_REFUSED && NVME_STATUS_DNR(e.status);
		bool ok = !NVME_STATUS_SCT(e.status) && !NVME_STATUS_SC(e.status);
		prov_completions++;
		prov_refusals += refused;
		if (rc->expect_refusal && !refused)
			pfail("expected a refusal qid=%u cid=%u opc=0x%02x status=0x%04x", qid, e.cid, rc->opc, e.status);
		else if (!rc->expect_refusal && !ok && !(rc->handle >> NVME_HANDLE_SPACE_SHIFT))
			pfail("command failed qid=%u cid=%u opc=0x%02x status=0x%04x dw0=0x%x", qid, e.cid, rc->opc,
			      e.status, e.dw0);
		if (ok && rc->check_data)
			check_read(rc);
		rc->live = false;
	}
	if (n)
		doorbell(qid, false, q->cq_head);
	return n;
}

static void ring_sq(uint16_t qid)
{
	doorbell(qid, true, R.q[qid].sq_tail);
}

/* Submit on the admin queue and wait (reaping) for the answer; false if it failed. */
static bool admin(struct nvme_sqe cmd)
{
	uint16_t cid = rig_submit(&R, 0, cmd, 0);

	ring_sq(0);
	for (long i = 0; R.q[0].cmds[cid].live; i++) {
		if (!reap(0))
			sched_yield();
		if (i > 2000000) {
			pfail("admin opcode 0x%02x never completed", cmd.opc);
			return false;
		}
	}
	return true;
}

/* The provider's brokered enable, as rig_init's (a fresh start after a fault). */
static bool provider_start(void)
{
	memset(R.q, 0, sizeof(R.q));
	memset(R.pool->dp_virt, 0, 4096 * (2 * NIOQ + 2));	/* its rings, in its own pool */
	struct rig_queue *aq = &R.q[0];
	*aq = (struct rig_queue){ .live = true, .entries = AQ_ENT, .phase = 1, .sq_handle = ring_at(0, false),
				   .cq_handle = ring_at(0, true) };
	ctrl_enter(PROVIDER_CPU);
	if (!R.c->nc_dma.dd_pool)
		dma_attach_pool(&R.c->nc_dma, R.pool);
	int err = broker_admin_start(R.c, aq->sq_handle, AQ_ENT, aq->cq_handle, AQ_ENT);
	ctrl_leave();
	if (err) {
		pfail("broker_admin_start: %d", err);
		return false;
	}
	if (!admin((struct nvme_sqe){ .opc = NVME_ADMIN_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES,
				      .cdw11 = 0x00030003 }))
		return false;
	for (uint16_t qid = 1; qid <= NIOQ; qid++) {
		struct rig_queue *q = &R.q[qid];
		*q = (struct rig_queue){ .entries = QENT, .phase = 1, .sq_handle = ring_at(qid, false),
					 .cq_handle = ring_at(qid, true) };
		if (!admin((struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_CQ, .prp1 = q->cq_handle,
					      .cdw10 = qid | (uint32_t)(QENT - 1) << 16,
					      .cdw11 = NVME_QUEUE_PC | NVME_CQ_IEN | (uint32_t)qid << 16 }) ||
		    !admin((struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ, .prp1 = q->sq_handle,
					      .cdw10 = qid | (uint32_t)(QENT - 1) << 16,
					      .cdw11 = NVME_QUEUE_PC | (uint32_t)qid << 16 }))
			return false;
		q->live = true;
	}
	return true;
}

/* The provider dies: the exception entry resets the controller and tears the broker down. */
static void provider_fault(void)
{
	ctrl_enter(PROVIDER_CPU);
	nvme_write32(R.c, NVME_CC, 0);
	broker_mark_reset(R.c);
	broker_teardown(R.c);
	prov_faults++;
	ctrl_leave();
}

static void submit_one(uint16_t qid)
{
	struct rig_queue *q = &R.q[qid];
	uint32_t dice = (uint32_t)xorshift64(&prng);
	uint16_t cid = q->next_cid;

	while (q->cmds[cid].live)
		cid = (uint16_t)((cid + 1) % q->entries);
	uint32_t blocks = 1 + (dice >> 8) % 8;
	uint64_t buf = buffer_of(qid, cid);
	int space;
	switch (dice % 10) {
	case 0:		/* an opcode the broker refuses */
		rig_submit(&R, qid, (struct nvme_sqe){ .opc = 0x81, .nsid = 1 }, RIG_EXPECT_REFUSAL);
		break;
	case 1:
	case 2: {	/* a write above the read area, from the provider's pool */
		uint64_t lba = READ_LBAS + (dice >> 12) % (NS_BLOCKS - READ_LBAS - 8);
		memset(R.pool->dp_virt + buf, (int)(dice >> 24), blocks * 512);
		rig_submit(&R, qid, (struct nvme_sqe){ .opc = NVME_CMD_WRITE, .nsid = 1, .prp1 = buf,
			.cdw10 = (uint32_t)lba, .cdw12 = blocks - 1 }, 0);
		break;
	}
	case 3:		/* a read into a client's Region, which may be going away */
		if (live_session(&space)) {
			uint64_t off = (uint64_t)((dice >> 12) % (REGION_BYTES / 4096 - 1)) * 4096;
			rig_submit(&R, qid, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1,
				.prp1 = (uint64_t)space << NVME_HANDLE_SPACE_SHIFT | off,
				.cdw10 = (dice >> 12) % (READ_LBAS - 8), .cdw12 = blocks - 1 }, 0);
			prov_region_reads++;
			break;
		}
		/* fall through */
	default: {	/* a read from the provider's pool, checked against the medium */
		uint64_t lba = (dice >> 12) % (READ_LBAS - 8);
		rig_submit(&R, qid, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = buf,
			.cdw10 = (uint32_t)lba, .cdw12 = blocks - 1 }, RIG_CHECK_DATA);
	}
	}
}

static void *provider_thread(void *arg UNUSED)
{
	kshim_bkl = false;
	for (unsigned epoch = 0; epoch < EPOCHS && !prov_failed[0]; epoch++) {
		if (!provider_start())
			break;
		unsigned submitted = 0;
		/* The last epoch ends quietly (everything answered); the others fault with commands in flight. */
		unsigned fault_at = epoch + 1 < EPOCHS ? COMMANDS / 2 + (uint32_t)xorshift64(&prng) % (COMMANDS / 2) : ~0u;
		for (long spins = 0; !prov_failed[0]; spins++) {
			unsigned out = 0;
			for (uint16_t qid = 1; qid <= NIOQ; qid++)
				out += rig_outstanding(&R, qid);
			if (submitted >= fault_at)
				break;
			if (submitted >= COMMANDS && !out)
				break;
			for (uint16_t qid = 1; qid <= NIOQ && submitted < COMMANDS; qid++) {
				unsigned batch = (uint32_t)xorshift64(&prng) % 6, n = 0;
				while (n < batch && rig_outstanding(&R, qid) < QENT - 1) {
					submit_one(qid);
					n++;
				}
				if (n) {
					ring_sq(qid);
					submitted += n;
				}
			}
			unsigned got = 0;
			for (uint16_t qid = 1; qid <= NIOQ; qid++)
				got += reap(qid);
			if (!got)
				sched_yield();
			if (spins > 20000000) {
				pfail("epoch %u: %u commands never completed", epoch, out);
				break;
			}
		}
		if (epoch + 1 < EPOCHS)
			provider_fault();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------------ the test */

static void test_entries_under_one_lock(void **state UNUSED)
{
	pthread_t cpu[NCPU], dev, prov, client;

	assert_int_equal(rig_init(&R, 2048, 5, 512, NS_BLOCKS), 0);
	assert_string_equal(R.failed, "");
	/* From here on the threads: the device runs by itself, the oracle is the audit entry. */
	R.m.oracle = NULL;
	R.audit_every = UINT32_MAX;
	rig_mmio_hook = mmio_hook;
	kshim_bkl_release_hook = bkl_give_up;
	kshim_bkl_acquire_hook = bkl_take_back;
	kshim_bkl = false;	/* this thread, too, takes the BKL for its entries from here on */
	/* rig_init's enable is undone: every epoch of the provider thread starts from a reset. */
	provider_fault();
	prov_faults = 0;

	for (uintptr_t i = 0; i < NCPU; i++)
		assert_int_equal(pthread_create(&cpu[i], NULL, cpu_thread, (void *)i), 0);
	assert_int_equal(pthread_create(&dev, NULL, device_thread, NULL), 0);
	assert_int_equal(pthread_create(&client, NULL, client_thread, NULL), 0);
	assert_int_equal(pthread_create(&prov, NULL, provider_thread, NULL), 0);
	assert_int_equal(pthread_join(prov, NULL), 0);
	for (unsigned i = 0; i < NCPU; i++)
		assert_int_equal(pthread_join(cpu[i], NULL), 0);
	assert_int_equal(pthread_join(dev, NULL), 0);
	assert_int_equal(pthread_join(client, NULL), 0);

	if (prov_failed[0])
		fail_msg("provider: %s", prov_failed);
	if (R.failed[0])
		fail_msg("audit: %s", R.failed);
	/* Quiescent: every invariant, the pool scan (I5) included, and nothing left granted. */
	R.audit_every = 1;
	R.m.oracle = NULL;
	rig_check(&R);
	if (R.failed[0])
		fail_msg("end: %s", R.failed);
	assert_int_equal(model_inflight(&R.m), 0);
	assert_int_equal(dma_live_pages(&R.c->nc_dma), 0);
	for (unsigned i = 0; i < 2; i++) {
		if (sessions[i].id)
			session_close(&sessions[i]);
	}
	assert_int_equal(prov_faults, EPOCHS - 1);
	assert_true(prov_checked_reads > 0);
	assert_true(prov_refusals > 0);
	uint64_t irqs = 0, audits = 0, unlocked = 0;
	for (unsigned i = 0; i < NCPU; i++) {
		irqs += cpu_stats[i].irqs;
		audits += cpu_stats[i].audits;
		unlocked += cpu_stats[i].drains_without_bkl;
	}
	assert_true(irqs > 0);
	assert_true(audits > 0);
	assert_true(unlocked > 0);	/* the I/O vectors' drains ran beside the other entries */
	fprintf(stderr, "broker_threads: %llu completions (%llu checked reads, %llu into client Regions, %llu refused), "
		"%llu faults, %llu interrupt entries (%llu drains without the BKL), %llu audits, %llu device steps, "
		"%llu session changes, %u Regions freed\n",
		(unsigned long long)prov_completions, (unsigned long long)prov_checked_reads,
		(unsigned long long)prov_region_reads, (unsigned long long)prov_refusals,
		(unsigned long long)prov_faults, (unsigned long long)irqs, (unsigned long long)unlocked,
		(unsigned long long)audits,
		(unsigned long long)device_steps, (unsigned long long)client_ops, regions_freed);
	rig_mmio_hook = NULL;
	kshim_bkl = true;
	rig_fini(&R);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_under_one_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
