/*
 * tests/host/model/broker_rig.c - the broker against the NVMe model, with
 * the lane's invariants checked after every step (see broker_rig.h).
 */
#include "tests/host/model/broker_rig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/nvme/audit.h"
#include "lib/bits.h"
#include "tests/host/model/kshim.h"

struct rig *rig_current;
bool rig_in_place;

static void fail(struct rig *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->failed, sizeof(r->failed), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- the register shim */

static void deliver_interrupts(struct rig *r)
{
	while (r->m.irq_pending) {
		unsigned iv = (unsigned)__builtin_ctz(r->m.irq_pending);
		r->m.irq_pending &= ~(1u << iv);
		if (iv < r->c->nc_nvectors)
			broker_irq(&r->c->nc_vec[iv], 0);
	}
}

void (*rig_mmio_hook)(bool enter);

uint32_t nvme_read32(struct nvme_ctrl *c, uint32_t off)
{
	struct rig *r = rig_current;

	(void)c;
	if (r->auto_device && off == NVME_CSTS) {
		model_fetch(&r->m);
		model_run(&r->m, 0);
		deliver_interrupts(r);
	}
	if (rig_mmio_hook)
		rig_mmio_hook(true);
	uint32_t v = model_read32(&r->m, off);
	if (rig_mmio_hook)
		rig_mmio_hook(false);
	return v;
}

void nvme_write32(struct nvme_ctrl *c, uint32_t off, uint32_t v)
{
	(void)c;
	if (rig_mmio_hook)
		rig_mmio_hook(true);
	model_write32(&rig_current->m, off, v);
	if (rig_mmio_hook)
		rig_mmio_hook(false);
}

uint64_t nvme_read64(struct nvme_ctrl *c, uint32_t off)
{
	return nvme_read32(c, off) | (uint64_t)nvme_read32(c, off + 4) << 32;
}

void nvme_write64(struct nvme_ctrl *c, uint32_t off, uint64_t v)
{
	nvme_write32(c, off, (uint32_t)v);
	nvme_write32(c, off + 4, (uint32_t)(v >> 32));
}

bool nvme_wait_ready(struct nvme_ctrl *c, bool want, const char *why)
{
	(void)why;
	for (int i = 0; i < 100; i++) {
		if (!!(nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY) == want)
			return true;
	}
	return false;
}

/* No kworker on the host: a wait's pause is the device model's next step. */
void nvme_wait_pause(struct nvme_ctrl *c, uint64_t since_ns, uint32_t us)
{
	(void)c;
	(void)since_ns;
	(void)us;
}

/* ---------------------------------------------------------------- the oracle */

/* The broker's live command the device knows as (sqid, cid), or NULL. */
static struct broker_cmd *slot_for(struct nvme_ctrl *c, uint16_t sqid, uint16_t cid)
{
	if (sqid > BROKER_MAX_QID)
		return NULL;
	struct broker_sq *sq = &c->nc_sq[sqid];
	uint16_t slot = cid & ((1u << BROKER_CID_SLOT_BITS) - 1);
	if (sq->sq_state == BQ_FREE || slot >= sq->sq_nslots)
		return NULL;
	struct broker_cmd *t = &sq->sq_cmds[slot];
	return t->bc_state == BC_DEVICE && t->bc_gen == cid >> BROKER_CID_SLOT_BITS ? t : NULL;
}

static bool in_range(uint64_t addr, uint64_t len, uint64_t base, uint64_t bytes)
{
	return base && addr >= base && len <= bytes && addr - base <= bytes - len;
}

/* May the device touch [addr, addr+len) for command (sqid, cid), writing or not? */
static bool data_allowed(struct rig *r, uint64_t addr, uint64_t len, bool write, uint16_t sqid, uint16_t cid)
{
	struct nvme_ctrl *c = r->c;
	struct broker_cmd *t = slot_for(c, sqid, cid);

	if (!t)
		return false;
	if (t->bc_mgr)
		return in_range(addr, len, c->nc_mgr_buf_addr, 2 * (uint64_t)c->nc_page_size);
	/* In place: the pages are the pool's, so the pool must still be held (not released under the device). */
	if (t->bc_data.dm_mapped && t->bc_data.dm_in_place && t->bc_data.dm_pool->dp_obj.ko_refs == 0)
		return false;
	if (dma_owns(&c->nc_dma, &t->bc_data, addr, len))
		return !write || t->bc_data.dm_dir == DMA_DIR_FROM_DEVICE;
	if (dma_owns(&c->nc_dma, &t->bc_md, addr, len))
		return !write || t->bc_md.dm_dir == DMA_DIR_FROM_DEVICE;
	return !write && dma_owns(&c->nc_dma, &t->bc_list, addr, len);
}

static bool oracle(void *ctx, enum model_access kind, uint64_t addr, uint64_t len, uint16_t qid, uint16_t cid)
{
	struct rig *r = ctx;
	struct nvme_ctrl *c = r->c;

	switch (kind) {
	case MODEL_RING_SQ:
		return qid <= BROKER_MAX_QID && c->nc_sq[qid].sq_state != BQ_FREE &&
		       in_range(addr, len, c->nc_sq[qid].sq_dev_addr,
				(uint64_t)c->nc_sq[qid].sq_entries * sizeof(struct nvme_sqe));
	case MODEL_RING_CQ:
		return qid <= BROKER_MAX_QID && c->nc_cq[qid].cq_state != BQ_FREE &&
		       in_range(addr, len, c->nc_cq[qid].cq_dev_addr,
				(uint64_t)c->nc_cq[qid].cq_entries * sizeof(struct nvme_cqe));
	case MODEL_DATA_READ:
		return data_allowed(r, addr, len, false, qid, cid);
	case MODEL_DATA_WRITE:
		return data_allowed(r, addr, len, true, qid, cid);
	}
	return false;
}

/* ---------------------------------------------------------------- invariants */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t mapped_pages(const struct dma_map *m)
{
	return m->dm_mapped ? m->dm_npages : 0;
}

void rig_check(struct rig *r)
{
	struct nvme_ctrl *c = r->c;
	static uint64_t pages[MODEL_INFLIGHT * 4];
	unsigned np = 0;

	if (r->m.violations)
		fail(r, "device access refused by the oracle: %s", r->m.violation);
	/* I1: every page of every command the device holds is still that command's. */
	for (unsigned i = 0; i < MODEL_INFLIGHT; i++) {
		const struct model_cmd *mc = &r->m.cmd[i];
		if (!mc->live)
			continue;
		struct broker_cmd *t = slot_for(c, mc->sqid, mc->sqe.cid);
		if (!t) {
			fail(r, "I1: the device still holds sqid=%u cid=0x%04x but the broker let it go",
			     mc->sqid, mc->sqe.cid);
			continue;
		}
		for (uint32_t k = 0; k < mc->npages; k++) {
			if (!data_allowed(r, mc->pages[k], 1, mc->pages_write[k], mc->sqid, mc->sqe.cid))
				fail(r, "I1: page 0x%llx of sqid=%u cid=0x%04x is no longer granted to it",
				     (unsigned long long)mc->pages[k], mc->sqid, mc->sqe.cid);
			uint64_t pg = mc->pages[k] & ~(uint64_t)(MODEL_PAGE - 1), limit = c->nc_dma.dd_limits.dl_max_addr;
			if (!t->bc_mgr && limit && pg + MODEL_PAGE > limit)
				fail(r, "DMA limit: page 0x%llx of sqid=%u cid=0x%04x reaches 0x%llx or above",
				     (unsigned long long)pg, mc->sqid, mc->sqe.cid, (unsigned long long)limit);
			/* Staging and list pages are one command's each; pool pages in place may be shared by buffers. */
			if (!t->bc_mgr && c->nc_dma.dd_ops->manager_address(&c->nc_dma, pg) &&
			    np < sizeof(pages) / sizeof(pages[0]))
				pages[np++] = pg;
		}
	}
	qsort(pages, np, sizeof(pages[0]), cmp_u64);
	for (unsigned i = 1; i < np; i++) {
		if (pages[i] == pages[i - 1])
			fail(r, "I1: page 0x%llx granted to two commands the device holds", (unsigned long long)pages[i]);
	}
	/* Nothing granted that no command holds (no leak), nothing held that is not granted. */
	uint64_t want = 0;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		const struct broker_sq *sq = &c->nc_sq[q];
		for (unsigned i = 0; sq->sq_cmds && i < sq->sq_nslots; i++) {
			const struct broker_cmd *t = &sq->sq_cmds[i];
			if (t->bc_state != BC_FREE)
				want += mapped_pages(&t->bc_data) + mapped_pages(&t->bc_md) + mapped_pages(&t->bc_list);
			if (t->bc_state == BC_DONE && (t->bc_data.dm_mapped || t->bc_list.dm_mapped))
				fail(r, "I1: a completed command still holds pages sqid=%u slot=%u", q, i);
		}
	}
	if (want != dma_live_pages(&c->nc_dma))
		fail(r, "ledger: %u pages live, commands hold %llu", dma_live_pages(&c->nc_dma), (unsigned long long)want);
	/* I5: no manager physical address where the provider can read it. */
	if (c->nc_dma.dd_pool && (r->audit_every <= 1 || ++r->checks % r->audit_every == 0) &&
	    !nvme_audit_provider_memory(c))
		fail(r, "I5: a manager physical address is in the provider's pool");
}

/* ---------------------------------------------------------------- the provider */

uint64_t rig_alloc(struct rig *r, uint64_t bytes, uint64_t align)
{
	uint64_t at = ALIGN_UP(r->pool_next, align);

	if (at + bytes > r->pool->dp_bytes)
		at = ALIGN_UP(RIG_POOL_BYTES / 2, align);	/* wrap into the data half */
	r->pool_next = at + bytes;
	return at;
}

uint16_t rig_submit(struct rig *r, uint16_t qid, struct nvme_sqe cmd, unsigned flags)
{
	struct rig_queue *q = &r->q[qid];
	uint16_t cid = q->next_cid;

	while (q->cmds[cid].live)
		cid = (uint16_t)((cid + 1) % q->entries);
	q->next_cid = (uint16_t)((cid + 1) % q->entries);
	cmd.cid = cid;
	q->cmds[cid] = (struct rig_cmd){ .live = true, .opc = cmd.opc, .nsid = cmd.nsid, .handle = cmd.prp1,
					 .lba = (uint64_t)cmd.cdw11 << 32 | cmd.cdw10,
					 .blocks = (cmd.cdw12 & 0xffff) + 1,
					 .expect_refusal = flags & RIG_EXPECT_REFUSAL, .check_data = flags & RIG_CHECK_DATA };
	struct nvme_sqe *ring = (struct nvme_sqe *)(r->pool->dp_virt + q->sq_handle);
	ring[q->sq_tail] = cmd;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->entries);
	return cid;
}

int rig_ring(struct rig *r, uint16_t qid)
{
	nvme_ctrl_lock(r->c);
	int taken = broker_sq_doorbell(r->c, qid, r->q[qid].sq_tail);
	nvme_ctrl_unlock(r->c);
	return taken;
}

unsigned rig_outstanding(const struct rig *r, uint16_t qid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->q[qid].entries; i++)
		n += r->q[qid].cmds[i].live;
	return n;
}

static void check_read_data(struct rig *r, uint16_t qid, const struct rig_cmd *rc)
{
	const struct model_ns *ns = NULL;

	for (unsigned i = 0; i < r->m.nns; i++) {
		if (r->m.ns[i].nsid == rc->nsid)
			ns = &r->m.ns[i];
	}
	if (!ns)
		return;
	uint64_t len = (uint64_t)rc->blocks * ns->lba_bytes;
	if (memcmp(r->pool->dp_virt + rc->handle, ns->data + rc->lba * ns->lba_bytes, len))
		fail(r, "read data mismatch qid=%u lba=%llu blocks=%u", qid, (unsigned long long)rc->lba, rc->blocks);
}

unsigned rig_reap(struct rig *r, uint16_t qid)
{
	struct rig_queue *q = &r->q[qid];
	const struct nvme_cqe *ring = (const struct nvme_cqe *)(r->pool->dp_virt + q->cq_handle);
	unsigned n = 0;

	for (;;) {
		struct nvme_cqe e = ring[q->cq_head];
		if ((e.status & NVME_CQE_PHASE) != q->phase)
			break;
		q->cq_head = (uint16_t)((q->cq_head + 1) % q->entries);
		if (q->cq_head == 0)
			q->phase ^= 1;
		n++;
		r->completions++;
		if (e.cid >= q->entries || !q->cmds[e.cid].live || e.sqid != qid) {
			/* A completion the provider has nothing outstanding for: the broker must never post one. */
			fail(r, "I2: completion for nothing outstanding qid=%u sqid=%u cid=%u", qid, e.sqid, e.cid);
			r->stale_seen++;
			continue;
		}
		struct rig_cmd *rc = &q->cmds[e.cid];
		bool refused = (e.dw0 & 0xffff0000u) == NVME_BROKER_REFUSED && NVME_STATUS_DNR(e.status);
		bool ok = !NVME_STATUS_SCT(e.status) && !NVME_STATUS_SC(e.status);
		if (refused)
			r->refusals++;
		else if (!ok)
			r->errors++;
		if (rc->expect_refusal && !refused)
			fail(r, "expected a refusal qid=%u cid=%u opc=0x%02x status=0x%04x", qid, e.cid, rc->opc, e.status);
		if (ok && rc->opc == NVME_CMD_READ && qid != 0 && rc->check_data)
			check_read_data(r, qid, rc);
		rc->live = false;
	}
	if (n) {
		nvme_ctrl_lock(r->c);
		broker_cq_doorbell(r->c, qid, q->cq_head);
		nvme_ctrl_unlock(r->c);
	}
	return n;
}

void rig_step(struct rig *r, unsigned n)
{
	model_fetch(&r->m);
	model_run(&r->m, n);
	deliver_interrupts(r);
	rig_check(r);
}

int rig_admin(struct rig *r, struct nvme_sqe cmd, struct nvme_cqe *out)
{
	struct rig_queue *q = &r->q[0];
	const struct nvme_cqe *ring = (const struct nvme_cqe *)(r->pool->dp_virt + q->cq_handle);
	uint16_t cid = rig_submit(r, 0, cmd, 0);

	rig_ring(r, 0);
	for (int i = 0; i < 100 && q->cmds[cid].live; i++) {
		rig_step(r, 0);
		/* Peek for ours before rig_reap consumes it. */
		for (uint16_t h = q->cq_head, ph = q->phase; (ring[h].status & NVME_CQE_PHASE) == ph;) {
			if (ring[h].cid == cid && out)
				*out = ring[h];
			h = (uint16_t)((h + 1) % q->entries);
			if (h == 0)
				ph ^= 1;
		}
		rig_reap(r, 0);
	}
	if (q->cmds[cid].live)
		return CR_ETIMEDOUT;
	return out && (NVME_STATUS_SCT(out->status) || NVME_STATUS_SC(out->status)) ? CR_EIO : 0;
}

int rig_create_pair(struct rig *r, uint16_t qid, uint16_t entries, bool ien, uint16_t iv)
{
	struct rig_queue *q = &r->q[qid];
	struct nvme_cqe e;
	int err;

	memset(q, 0, sizeof(*q));
	q->entries = entries;
	q->phase = 1;
	q->sq_handle = rig_alloc(r, (uint64_t)entries * 64, 4096);
	q->cq_handle = rig_alloc(r, (uint64_t)entries * 16, 4096);
	memset(r->pool->dp_virt + q->cq_handle, 0, (size_t)entries * 16);
	err = rig_admin(r, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_CQ, .prp1 = q->cq_handle,
		.cdw10 = qid | (uint32_t)(entries - 1) << 16,
		.cdw11 = NVME_QUEUE_PC | (ien ? NVME_CQ_IEN : 0) | (uint32_t)iv << 16 }, &e);
	if (err)
		return err;
	err = rig_admin(r, (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ, .prp1 = q->sq_handle,
		.cdw10 = qid | (uint32_t)(entries - 1) << 16, .cdw11 = NVME_QUEUE_PC | (uint32_t)qid << 16 }, &e);
	q->live = err == 0;
	return err;
}

uint16_t rig_read(struct rig *r, uint16_t qid, uint64_t lba, uint32_t blocks)
{
	uint32_t lbs = r->m.ns[0].lba_bytes;
	uint64_t buf = rig_alloc(r, (uint64_t)blocks * lbs, 512);

	return rig_submit(r, qid, (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 1, .prp1 = buf,
		.cdw10 = (uint32_t)lba, .cdw11 = (uint32_t)(lba >> 32), .cdw12 = blocks - 1 }, RIG_CHECK_DATA);
}

/* ---------------------------------------------------------------- set up and tear down */

int rig_init(struct rig *r, uint16_t mqes, uint8_t mdts, uint32_t lba_bytes, uint64_t nsze)
{
	memset(r, 0, sizeof(*r));
	rig_current = r;
	kshim_reset_log();
	model_init(&r->m, mqes, mdts);
	model_add_ns(&r->m, 1, nsze, lba_bytes);
	r->m.oracle = oracle;
	r->m.oracle_ctx = r;

	struct nvme_ctrl *c = kmalloc(sizeof(*c));
	r->c = c;
	c->nc_lock = (struct kspin)KSPIN_INIT("nvme-ctrl", KSPIN_RANK_CTRL);
	memcpy(c->nc_bdf, "0000:00:04.0", 13);
	c->nc_cap = r->m.cap;
	c->nc_mqes = NVME_CAP_MQES(c->nc_cap) + 1;
	c->nc_page_size = 4096;
	c->nc_admin_entries = (uint16_t)MIN(c->nc_mqes, (uint32_t)BROKER_ADMIN_ENTRIES);
	c->nc_nvectors = 4;
	c->nc_refusal_log = (struct ratelimit)RATELIMIT_INIT(32, 4);
	for (unsigned i = 0; i < c->nc_nvectors; i++) {
		c->nc_irq_obj[i] = kshim_irq_object(i);
		c->nc_vec[i] = (struct broker_vector){ c, i };
	}
	struct dma_domain_req req = { .dr_limits = { 1ull << 48, 4096 }, .dr_staging_want = 256u << 10,
				      .dr_staging_min = 64u << 10, .dr_in_place = rig_in_place };
	if (dma_domain_init(&c->nc_dma, &dma_bounce_backend, &req) < 0)
		return CR_ENOMEM;
	void *buf = NULL;
	c->nc_id_raw = kmalloc(NVME_IDENTIFY_BYTES);
	c->nc_ns_raw = kmalloc(NVME_IDENTIFY_BYTES);
	c->nc_ns = kmalloc(BROKER_MAX_NS * sizeof(*c->nc_ns));
	c->nc_mgr_buf_addr = dma_alloc_coherent(&c->nc_dma, 2 * 4096, &buf);
	c->nc_mgr_buf = buf;

	r->auto_device = true;
	nvme_ctrl_lock(c);
	int err = nvme_identify_at_bind(c, NULL, NULL);
	nvme_ctrl_unlock(c);
	if (err)
		return err;

	/* The provider's brokered enable (nvme_provider_enable's steps). */
	r->pool = kshim_pool_create(RIG_POOL_BYTES);
	c->nc_shadow_sq_map = kmalloc(RIG_POOL_BYTES / 64 / 8);
	c->nc_device_data_map = kmalloc(RIG_POOL_BYTES / 4096 / 8);	/* as nvme_provider_enable */
	dma_attach_pool(&c->nc_dma, r->pool);
	c->nc_provider_pid = RIG_PID;
	struct rig_queue *aq = &r->q[0];
	aq->entries = 32;
	aq->phase = 1;
	aq->sq_handle = rig_alloc(r, 32 * 64, 4096);
	aq->cq_handle = rig_alloc(r, 32 * 16, 4096);
	aq->live = true;
	nvme_ctrl_lock(c);
	err = broker_admin_start(c, aq->sq_handle, 32, aq->cq_handle, 32);
	nvme_ctrl_unlock(c);
	if (err < 0)
		return err;
	struct nvme_cqe e;
	err = rig_admin(r, (struct nvme_sqe){ .opc = NVME_ADMIN_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES,
					       .cdw11 = 0x00030003 }, &e);
	r->auto_device = false;
	return err;
}

void rig_fini(struct rig *r)
{
	struct nvme_ctrl *c = r->c;

	nvme_ctrl_lock(c);
	nvme_write32(c, NVME_CC, 0);
	broker_mark_reset(c);
	broker_teardown(c);
	nvme_ctrl_unlock(c);
	dma_free_coherent(&c->nc_dma, c->nc_mgr_buf_addr, c->nc_mgr_buf, 2 * 4096);
	dma_domain_destroy(&c->nc_dma);
	kfree(c->nc_id_raw);
	kfree(c->nc_ns_raw);
	kfree(c->nc_ns);
	kfree(c->nc_shadow_sq_map);
	kfree(c->nc_device_data_map);
	kfree(c);
	kshim_pool_destroy(r->pool);
	for (unsigned i = 0; i < r->m.nns; i++)
		free(r->m.ns[i].data);
	rig_current = NULL;
}
