/*
 * tests/host/test_nvme_broker_check.c - host tests for lib/nvme_broker_check.c:
 * the broker's validation of provider commands.
 *
 * A fake struct nvme_broker_view over a small fake state (namespaces, live
 * queues) stands in for the manager.  Every refusal reason of enum
 * nvme_broker_reason is produced with the exact status (SCT/SC) the
 * provider sees, and the last test checks none was missed; accepted plans
 * are checked field by field; the opcode and feature allow-lists are swept
 * over all 256 values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "include/abi/nvme_broker.h"
#include "lib/bits.h"
#include "include/abi/block.h"
#include "include/abi/errors.h"
#include "lib/nvme_broker_check.h"
#include "lib/nvme_reg.h"
#include "tests/common/nvme_allow_lists.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

#define POOL_BYTES	(8u << 20)
#define MAX_XFER	(128u << 10)
#define QID_LIMIT	16

/* ------------------------------------------------------------ the fake manager */

struct fake {
	struct nvme_broker_ns ns[8];
	unsigned nns;
	bool sq_live[QID_LIMIT + 1];
	bool cq_live[QID_LIMIT + 1];
	bool cq_has_sqs[QID_LIMIT + 1];
	struct nvme_broker_space space[4];	/* handle spaces 1..3 (block sessions); bytes 0 = none attached */
	unsigned callbacks;
};

static struct fake F;
static struct nvme_broker_view V;
static bool seen_reason[NBR_COUNT];

static const struct nvme_broker_ns *fake_ns(void *ctx, uint32_t nsid)
{
	struct fake *f = ctx;

	f->callbacks++;
	for (unsigned i = 0; i < f->nns; i++) {
		if (f->ns[i].nsid == nsid)
			return &f->ns[i];
	}
	return NULL;
}

/* The manager's arrays end at max_qid_limit: the checker must never ask beyond. */
static bool fake_sq_live(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;

	f->callbacks++;
	assert_true(qid <= V.max_qid_limit);
	return f->sq_live[qid];
}

static bool fake_cq_live(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;

	f->callbacks++;
	assert_true(qid <= V.max_qid_limit);
	return f->cq_live[qid];
}

static bool fake_cq_has_sqs(void *ctx, uint16_t qid)
{
	struct fake *f = ctx;

	f->callbacks++;
	assert_true(qid <= V.max_qid_limit);
	return f->cq_has_sqs[qid];
}

static bool fake_space(void *ctx, uint32_t id, struct nvme_broker_space *out)
{
	struct fake *f = ctx;

	f->callbacks++;
	if (id == 0 || id > 3)
		return false;
	*out = f->space[id];
	return true;
}

static void add_ns(uint32_t nsid, uint64_t nsze, uint32_t lba_bytes, uint16_t ms, bool extended, uint8_t pi)
{
	assert_true(F.nns < 8);
	F.ns[F.nns++] = (struct nvme_broker_ns){ nsid, nsze, lba_bytes, ms, extended, pi, false };
}

/*
 * Namespaces: 1 plain 512 B; 2 4096+8 extended with PI; 3 512+8 separate
 * with PI; 4 512+16 separate, no PI; 5 512+16 extended with PI; 6 huge;
 * 7 512+8 extended without PI.  Queues: admin pair live, CQ 1 with SQ 1,
 * CQ 2 without SQs.
 */
static int setup(void **state UNUSED)
{
	memset(&F, 0, sizeof(F));
	add_ns(1, 1u << 20, 512, 0, false, 0);
	add_ns(2, 1000, 4096, 8, true, 1);
	add_ns(3, 1000, 512, 8, false, 1);
	add_ns(4, 1000, 512, 16, false, 0);
	add_ns(5, 1000, 512, 16, true, 1);
	add_ns(6, UINT64_MAX, 512, 0, false, 0);
	add_ns(7, 1000, 512, 8, true, 0);
	F.sq_live[0] = F.cq_live[0] = true;
	F.sq_live[1] = F.cq_live[1] = true;
	F.cq_has_sqs[1] = true;
	F.cq_live[2] = true;
	/* Session 1: a 1 MiB region on namespace 1, LBAs 100..149; session 2: no region yet. */
	F.space[1] = (struct nvme_broker_space){ 1u << 20, 1, 100, 50 };
	F.space[2] = (struct nvme_broker_space){ 0, 1, 0, 1000 };
	V = (struct nvme_broker_view){
		.pool_bytes = POOL_BYTES,
		.max_transfer = MAX_XFER,
		.page_size = 4096,
		.mqes = 1024,
		.max_qid = 8,
		.max_qid_limit = QID_LIMIT,
		.nvectors = 4,
		.flush_broadcast = true,
		.ns = fake_ns,
		.space = fake_space,
		.sq_live = fake_sq_live,
		.cq_live = fake_cq_live,
		.cq_has_sqs = fake_cq_has_sqs,
		.ctx = &F,
	};
	return 0;
}

/* ------------------------------------------------------------ helpers */

static struct nvme_sqe cmd(uint8_t opc)
{
	struct nvme_sqe c;

	memset(&c, 0, sizeof(c));
	c.opc = opc;
	c.cid = 0x4242;
	return c;
}

static struct nvme_sqe rw(uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nblocks, uint64_t handle)
{
	struct nvme_sqe c = cmd(opc);

	c.nsid = nsid;
	c.cdw10 = (uint32_t)slba;
	c.cdw11 = (uint32_t)(slba >> 32);
	c.cdw12 = (nblocks - 1) & NVME_RW_NLB_MASK;
	c.prp1 = handle;
	return c;
}

static struct nvme_broker_plan expect_ok(uint16_t qid, struct nvme_sqe c)
{
	struct nvme_broker_plan p;
	struct nvme_broker_refusal why;

	memset(&why, 0x5a, sizeof(why));
	int rc = nvme_broker_check(&V, qid, &c, &p, &why);
	if (rc != 0)
		fail_msg("refused opc=0x%02x qid=%u: sct=%u sc=0x%02x reason=%s", c.opc, qid, why.sct, why.sc,
			 nvme_broker_reason_name(why.reason));
	assert_int_equal(why.reason, NBR_NONE);
	return p;
}

#define expect_refused(qid, c, sct, sc, reason) expect_refused_at(qid, c, sct, sc, reason, __LINE__)

static void expect_refused_at(uint16_t qid, struct nvme_sqe c, uint8_t sct, uint8_t sc, uint16_t reason,
			      int line)
{
	struct nvme_broker_plan p;
	struct nvme_broker_refusal why;

	int rc = nvme_broker_check(&V, qid, &c, &p, &why);
	if (rc != CR_EPERM || why.reason != reason || why.sct != sct || why.sc != sc)
		fail_msg("line %d: opc=0x%02x qid=%u: rc=%d sct=%u sc=0x%02x reason=%s, want sct=%u sc=0x%02x %s",
			 line, c.opc, qid, rc, why.sct, why.sc, nvme_broker_reason_name(why.reason), sct, sc,
			 nvme_broker_reason_name(reason));
	seen_reason[reason] = true;
}

static uint16_t reason_of(uint16_t qid, struct nvme_sqe c)
{
	struct nvme_broker_plan p;
	struct nvme_broker_refusal why;

	if (nvme_broker_check(&V, qid, &c, &p, &why) == 0)
		return NBR_NONE;
	assert_int_not_equal(why.reason, NBR_NONE);
	return why.reason;
}

#define G NVME_SCT_GENERIC
#define C NVME_SCT_COMMAND
#define INVALID_FIELD NVME_SC_INVALID_FIELD

/* ------------------------------------------------------------ header flags */

static void test_fused_sgl_mptr(void **state UNUSED)
{
	struct nvme_sqe c;

	for (uint8_t fuse = 1; fuse <= 3; fuse++) {
		c = rw(NVME_CMD_READ, 1, 0, 1, 0);
		c.flags = fuse;
		expect_refused(1, c, G, INVALID_FIELD, NBR_FUSED);
		c = cmd(NVME_ADMIN_KEEP_ALIVE);
		c.flags = fuse;
		expect_refused(0, c, G, INVALID_FIELD, NBR_FUSED);
	}
	for (uint8_t psdt = 1; psdt <= 3; psdt++) {
		c = rw(NVME_CMD_READ, 1, 0, 1, 0);
		c.flags = (uint8_t)(psdt << 6);
		expect_refused(1, c, G, INVALID_FIELD, NBR_SGL);
		c = cmd(NVME_ADMIN_IDENTIFY);
		c.flags = (uint8_t)(psdt << 6);
		expect_refused(0, c, G, INVALID_FIELD, NBR_SGL);
	}
	c = rw(NVME_CMD_WRITE, 1, 0, 1, 0);
	c.mptr = 0x1000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_MPTR);
	c.mptr = 1;
	expect_refused(1, c, G, INVALID_FIELD, NBR_MPTR);
	c = cmd(NVME_ADMIN_GET_FEATURES);
	c.cdw10 = NVME_FEAT_VOLATILE_WC;
	c.mptr = UINT64_MAX;
	expect_refused(0, c, G, INVALID_FIELD, NBR_MPTR);
	/* Fused is reported before SGL, SGL before MPTR. */
	c = rw(NVME_CMD_READ, 1, 0, 1, 0);
	c.flags = 0xc1;
	c.mptr = 8;
	expect_refused(1, c, G, INVALID_FIELD, NBR_FUSED);
	c.flags = 0xc0;
	expect_refused(1, c, G, INVALID_FIELD, NBR_SGL);
	/* Reserved flag bits 5:2 are not the broker's business. */
	c = rw(NVME_CMD_READ, 1, 0, 1, 0);
	c.flags = 0x3c;
	expect_ok(1, c);
}

/* ------------------------------------------------------------ opcode allow-lists */

/* A well-formed command for each allowed admin opcode. */
static struct nvme_sqe valid_admin(uint8_t opc)
{
	struct nvme_sqe c = cmd(opc);

	switch (opc) {
	case NVME_ADMIN_DELETE_SQ: c.cdw10 = 1; break;
	case NVME_ADMIN_CREATE_SQ:
		c.cdw10 = (63u << 16) | 3;
		c.cdw11 = (2u << 16) | NVME_QUEUE_PC;
		c.prp1 = 0x10000;
		break;
	case NVME_ADMIN_GET_LOG_PAGE: c.cdw10 = (127u << 16) | 0x02; c.prp1 = 0x2000; break;
	case NVME_ADMIN_DELETE_CQ: c.cdw10 = 2; break;
	case NVME_ADMIN_CREATE_CQ:
		c.cdw10 = (63u << 16) | 3;
		c.cdw11 = (1u << 16) | NVME_CQ_IEN | NVME_QUEUE_PC;
		c.prp1 = 0x20000;
		break;
	case NVME_ADMIN_IDENTIFY: c.cdw10 = NVME_CNS_CONTROLLER; c.prp1 = 0x1000; break;
	case NVME_ADMIN_ABORT: c.cdw10 = (0x1234u << 16) | 1; break;
	case NVME_ADMIN_SET_FEATURES: c.cdw10 = NVME_FEAT_NUM_QUEUES; c.cdw11 = 0x00030003; break;
	case NVME_ADMIN_GET_FEATURES: c.cdw10 = NVME_FEAT_VOLATILE_WC; break;
	default: break;
	}
	return c;
}

/* A well-formed command for each allowed I/O opcode, on namespace 1. */
static struct nvme_sqe valid_io(uint8_t opc)
{
	switch (opc) {
	case NVME_CMD_WRITE: case NVME_CMD_READ: case NVME_CMD_COMPARE:
		return rw(opc, 1, 0, 8, 0x3000);
	case NVME_CMD_WRITE_UNCOR: case NVME_CMD_WRITE_ZEROES: case NVME_CMD_VERIFY:
		return rw(opc, 1, 10, 1, 0);
	case NVME_CMD_DSM: {
		struct nvme_sqe c = cmd(opc);
		c.nsid = 1;
		c.cdw10 = 1;
		c.prp1 = 0x4000;
		return c;
	}
	default: {
		struct nvme_sqe c = cmd(opc);
		c.nsid = 1;
		return c;
	}
	}
}

static void test_admin_opcode_allow_list(void **state UNUSED)
{
	unsigned allowed = 0;

	for (unsigned opc = 0; opc < 256; opc++) {
		struct nvme_sqe c = cmd((uint8_t)opc);
		c.nsid = 1;
		if (admin_allowed(opc)) {
			allowed++;
			assert_int_not_equal(reason_of(0, c), NBR_ADMIN_OPCODE);
			expect_ok(0, valid_admin((uint8_t)opc));
		} else {
			expect_refused(0, c, G, NVME_SC_INVALID_OPCODE, NBR_ADMIN_OPCODE);
			/* Even a command that would be fine in every other way. */
			c.prp1 = 0x1000;
			expect_refused(0, c, G, NVME_SC_INVALID_OPCODE, NBR_ADMIN_OPCODE);
		}
	}
	assert_int_equal(allowed, 11);
	/* Named dangerous ones, explicitly. */
	static const uint8_t forbidden[] = { NVME_ADMIN_NS_MGMT, NVME_ADMIN_FW_COMMIT, NVME_ADMIN_FW_DOWNLOAD,
					     NVME_ADMIN_NS_ATTACH, NVME_ADMIN_DOORBELL_BUF_CFG,
					     NVME_ADMIN_FORMAT_NVM, NVME_ADMIN_SECURITY_SEND,
					     NVME_ADMIN_SECURITY_RECV, NVME_ADMIN_SANITIZE };
	for (size_t i = 0; i < sizeof(forbidden); i++)
		expect_refused(0, cmd(forbidden[i]), G, NVME_SC_INVALID_OPCODE, NBR_ADMIN_OPCODE);
}

static void test_io_opcode_allow_list(void **state UNUSED)
{
	unsigned allowed = 0;

	for (unsigned opc = 0; opc < 256; opc++) {
		struct nvme_sqe c = cmd((uint8_t)opc);
		c.nsid = 1;
		if (io_allowed(opc)) {
			allowed++;
			assert_int_not_equal(reason_of(1, c), NBR_IO_OPCODE);
			expect_ok(1, valid_io((uint8_t)opc));
			expect_ok(5, valid_io((uint8_t)opc));	/* any I/O queue */
		} else {
			expect_refused(1, c, G, NVME_SC_INVALID_OPCODE, NBR_IO_OPCODE);
			c = rw((uint8_t)opc, 1, 0, 1, 0x1000);
			expect_refused(1, c, G, NVME_SC_INVALID_OPCODE, NBR_IO_OPCODE);
		}
	}
	assert_int_equal(allowed, 8);
}

/* ------------------------------------------------------------ I/O commands */

static void test_controller_unknown(void **state UNUSED)
{
	V.max_transfer = 0;
	for (unsigned opc = 0; opc < 256; opc++) {
		if (io_allowed(opc))
			expect_refused(1, valid_io((uint8_t)opc), G, INVALID_FIELD, NBR_CONTROLLER_UNKNOWN);
	}
	/* Broadcast flush too. */
	struct nvme_sqe c = cmd(NVME_CMD_FLUSH);
	c.nsid = NVME_NSID_BROADCAST;
	expect_refused(1, c, G, INVALID_FIELD, NBR_CONTROLLER_UNKNOWN);
	/* Admin commands (how the controller becomes known) pass. */
	struct nvme_broker_plan p = expect_ok(0, valid_admin(NVME_ADMIN_IDENTIFY));
	assert_int_equal(p.len, NVME_IDENTIFY_BYTES);
}

static void test_read_write_plain(void **state UNUSED)
{
	struct nvme_broker_plan p;

	p = expect_ok(1, rw(NVME_CMD_READ, 1, 100, 8, 0x3000));
	assert_int_equal(p.kind, NBK_PLAIN);
	assert_int_equal(p.xfer, NVME_XFER_FROM_DEVICE);
	assert_int_equal(p.handle, 0x3000);
	assert_int_equal(p.len, 8 * 512);
	assert_int_equal(p.nsid, 1);

	p = expect_ok(1, rw(NVME_CMD_WRITE, 1, 100, 1, 0x4));
	assert_int_equal(p.xfer, NVME_XFER_TO_DEVICE);
	assert_int_equal(p.len, 512);
	assert_int_equal(p.handle, 4);	/* dword alignment is enough */

	p = expect_ok(1, rw(NVME_CMD_COMPARE, 1, 0, 3, 0x8000));
	assert_int_equal(p.xfer, NVME_XFER_TO_DEVICE);
	assert_int_equal(p.len, 3 * 512);

	/* Only NLB (bits 15:0) counts: FUA, PRACT and friends do not change the length here. */
	struct nvme_sqe c = rw(NVME_CMD_READ, 1, 0, 8, 0);
	c.cdw12 |= NVME_RW_FUA | NVME_RW_PRACT | (0xfu << 16);
	p = expect_ok(1, c);
	assert_int_equal(p.len, 8 * 512);
	/* 65536 blocks is NLB 0xffff. */
	V.max_transfer = UINT32_MAX;
	V.pool_bytes = 64u << 20;
	p = expect_ok(1, rw(NVME_CMD_READ, 1, 0, 65536, 0));
	assert_int_equal(p.len, 65536 * 512);
}

static void test_read_write_metadata(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c;

	/* ns 2: 4096 + 8 extended with PI: metadata moves unless PRACT strips the 8-byte PI. */
	p = expect_ok(1, rw(NVME_CMD_WRITE, 2, 0, 2, 0));
	assert_int_equal(p.len, 2 * 4104);
	c = rw(NVME_CMD_WRITE, 2, 0, 2, 0);
	c.cdw12 |= NVME_RW_PRACT;
	p = expect_ok(1, c);
	assert_int_equal(p.len, 2 * 4096);
	c.opc = NVME_CMD_READ;
	p = expect_ok(1, c);
	assert_int_equal(p.len, 2 * 4096);
	assert_int_equal(p.xfer, NVME_XFER_FROM_DEVICE);

	/* ns 3: 8-byte PI in a separate buffer: only PRACT (nothing moves) is brokered. */
	expect_refused(1, rw(NVME_CMD_READ, 3, 0, 4, 0), G, INVALID_FIELD, NBR_SEPARATE_METADATA);
	expect_refused(1, rw(NVME_CMD_WRITE, 3, 0, 4, 0), G, INVALID_FIELD, NBR_SEPARATE_METADATA);
	expect_refused(1, rw(NVME_CMD_COMPARE, 3, 0, 4, 0), G, INVALID_FIELD, NBR_SEPARATE_METADATA);
	c = rw(NVME_CMD_READ, 3, 0, 4, 0);
	c.cdw12 |= NVME_RW_PRACT;
	p = expect_ok(1, c);
	assert_int_equal(p.len, 4 * 512);

	/* ns 4: 16 bytes separate, no PI: never. */
	expect_refused(1, rw(NVME_CMD_READ, 4, 0, 1, 0), G, INVALID_FIELD, NBR_SEPARATE_METADATA);
	c = rw(NVME_CMD_WRITE, 4, 0, 1, 0);
	c.cdw12 |= NVME_RW_PRACT;
	expect_refused(1, c, G, INVALID_FIELD, NBR_SEPARATE_METADATA);
	/* ...but commands without data on it are fine. */
	expect_ok(1, rw(NVME_CMD_WRITE_ZEROES, 4, 0, 1, 0));
	expect_ok(1, rw(NVME_CMD_VERIFY, 4, 0, 1, 0));

	/* ns 5: 16 bytes extended with PI: PRACT strips nothing (only 8-byte metadata is pure PI). */
	c = rw(NVME_CMD_READ, 5, 0, 3, 0);
	p = expect_ok(1, c);
	assert_int_equal(p.len, 3 * 528);
	c.cdw12 |= NVME_RW_PRACT;
	p = expect_ok(1, c);
	assert_int_equal(p.len, 3 * 528);

	/* ns 7: 8 bytes extended, no PI: PRACT means nothing, metadata moves. */
	c = rw(NVME_CMD_WRITE, 7, 0, 2, 0);
	c.cdw12 |= NVME_RW_PRACT;
	p = expect_ok(1, c);
	assert_int_equal(p.len, 2 * 520);

	/* The length limit applies to the bytes that move, metadata included. */
	V.max_transfer = 4 * 4104;
	expect_ok(1, rw(NVME_CMD_READ, 2, 0, 4, 0));
	expect_refused(1, rw(NVME_CMD_READ, 2, 0, 5, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	V.max_transfer = 4 * 4096;
	expect_refused(1, rw(NVME_CMD_READ, 2, 0, 4, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	c = rw(NVME_CMD_READ, 2, 0, 4, 0);
	c.cdw12 |= NVME_RW_PRACT;
	expect_ok(1, c);
}

static void test_block_xfer(void **state UNUSED)
{
	struct nvme_broker_ns ns = { 1, 100, 512, 0, false, 0, false };

	assert_int_equal(nvme_broker_block_xfer(&ns, false), 512);
	assert_int_equal(nvme_broker_block_xfer(&ns, true), 512);
	ns.ms = 8;
	ns.extended = true;
	assert_int_equal(nvme_broker_block_xfer(&ns, false), 520);
	assert_int_equal(nvme_broker_block_xfer(&ns, true), 520);	/* no PI: PRACT moot */
	ns.pi_type = 1;
	assert_int_equal(nvme_broker_block_xfer(&ns, false), 520);
	assert_int_equal(nvme_broker_block_xfer(&ns, true), 512);
	ns.pi_type = 3;
	assert_int_equal(nvme_broker_block_xfer(&ns, true), 512);
	ns.ms = 64;
	assert_int_equal(nvme_broker_block_xfer(&ns, true), 576);
	ns.extended = false;
	assert_int_equal(nvme_broker_block_xfer(&ns, false), 512);	/* separate: not in the data */
	ns.lba_bytes = 65536;
	ns.extended = true;
	assert_int_equal(nvme_broker_block_xfer(&ns, false), 65600);
}

/*
 * Blocks per command: the transfer limit and NLB; a page of separate
 * metadata; and inline metadata kept within the data segments QEMU's model
 * can hand its backend (909 blocks of 520 bytes worked there, 910 failed).
 */
static void test_max_blocks(void **state UNUSED)
{
	struct nvme_broker_ns ns = { 1, 100, 512, 0, false, 0, false };

	assert_int_equal(nvme_broker_max_blocks(&ns, 128 * 1024, 4096), 256);
	assert_int_equal(nvme_broker_max_blocks(&ns, 1ull << 30, 4096), 65536);	/* NLB is 16 bits */
	assert_int_equal(nvme_broker_max_blocks(&ns, 511, 4096), 0);			/* not one block */
	ns.ms = 8;
	assert_int_equal(nvme_broker_max_blocks(&ns, 1u << 20, 4096), 512);		/* a page of metadata */
	ns.ms = 16;
	assert_int_equal(nvme_broker_max_blocks(&ns, 1u << 20, 4096), 256);
	assert_int_equal(nvme_broker_max_blocks(&ns, 64 * 1024, 4096), 128);		/* the transfer is less */
	ns.ms = 8;
	ns.extended = true;
	uint32_t n = nvme_broker_max_blocks(&ns, 1u << 20, 4096);
	assert_true(n >= 900 && n <= 909);
	/* n pieces plus one per page boundary stay within the limit */
	assert_true(n + (uint64_t)n * 520 / 4096 + 1 <= NVME_EXT_DATA_SEGMENTS_MAX);
	assert_int_equal(nvme_broker_max_blocks(&ns, 64 * 520, 4096), 64);
	ns.pi_type = 1;
	assert_int_equal(nvme_broker_max_blocks(&ns, 1u << 20, 4096), n);		/* PRACT clear: metadata moves */
	ns.lba_bytes = 4096;
	ns.ms = 64;
	n = nvme_broker_max_blocks(&ns, 8u << 20, 4096);
	assert_true(n >= 480);
	assert_true(n + (uint64_t)n * 4160 / 4096 + 1 <= NVME_EXT_DATA_SEGMENTS_MAX);
}

static void test_lba_range(void **state UNUSED)
{
	static const uint8_t ops[] = { NVME_CMD_READ, NVME_CMD_WRITE, NVME_CMD_COMPARE, NVME_CMD_WRITE_ZEROES,
				       NVME_CMD_VERIFY, NVME_CMD_WRITE_UNCOR };

	for (size_t i = 0; i < sizeof(ops); i++) {
		uint8_t o = ops[i];
		bool data = o == NVME_CMD_READ || o == NVME_CMD_WRITE || o == NVME_CMD_COMPARE;
		uint64_t h = data ? 0x1000 : 0;
		uint64_t nsze = 1u << 20;
		/* Exactly to the end: fine.  One past: refused. */
		expect_ok(1, rw(o, 1, nsze - 8, 8, h));
		expect_ok(1, rw(o, 1, nsze - 1, 1, h));
		expect_refused(1, rw(o, 1, nsze - 7, 8, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		expect_refused(1, rw(o, 1, nsze, 1, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		/* The high dword of SLBA counts. */
		expect_refused(1, rw(o, 1, 1ull << 32, 1, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		/* SLBA + NLB wrapping 64 bits. */
		expect_refused(1, rw(o, 1, UINT64_MAX, 1, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		expect_refused(1, rw(o, 6, UINT64_MAX, 1, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		expect_refused(1, rw(o, 6, UINT64_MAX - 100, 200, h), G, NVME_SC_LBA_RANGE, NBR_LBA_RANGE);
		/* The last block of a 2^64-1 block namespace. */
		expect_ok(1, rw(o, 6, UINT64_MAX - 1, 1, h));
	}
}

static void test_no_data_commands(void **state UNUSED)
{
	static const uint8_t ops[] = { NVME_CMD_WRITE_ZEROES, NVME_CMD_VERIFY, NVME_CMD_WRITE_UNCOR };
	struct nvme_broker_plan p;

	for (size_t i = 0; i < sizeof(ops); i++) {
		/* No length limit: nothing moves. */
		p = expect_ok(1, rw(ops[i], 1, 0, 65536, 0));
		assert_int_equal(p.kind, NBK_PLAIN);
		assert_int_equal(p.xfer, NVME_XFER_NONE);
		assert_int_equal(p.len, 0);
		assert_int_equal(p.nsid, 1);
		struct nvme_sqe c = rw(ops[i], 1, 0, 1, 0x1000);
		expect_refused(1, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
		c.prp1 = 0;
		c.prp2 = 0x1000;
		expect_refused(1, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
		/* Namespace checked. */
		expect_refused(1, rw(ops[i], 99, 0, 1, 0), G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
	}
}

static void test_flush(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c = cmd(NVME_CMD_FLUSH);

	c.nsid = 1;
	p = expect_ok(1, c);
	assert_int_equal(p.kind, NBK_PLAIN);
	assert_int_equal(p.xfer, NVME_XFER_NONE);
	assert_int_equal(p.nsid, 1);
	c.prp1 = 0x1000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
	c.prp1 = 0;
	c.prp2 = 8;
	expect_refused(1, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);

	/* Broadcast: allowed when the controller says it accepts it. */
	c = cmd(NVME_CMD_FLUSH);
	c.nsid = NVME_NSID_BROADCAST;
	V.flush_broadcast = true;
	F.callbacks = 0;
	p = expect_ok(1, c);
	assert_int_equal(p.nsid, NVME_NSID_BROADCAST);
	assert_int_equal(F.callbacks, 0);	/* no namespace lookup */
	c.prp1 = 0x1000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
	c.prp1 = 0;
	V.flush_broadcast = false;
	expect_refused(1, c, G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
	/* Unknown and zero namespace. */
	c.nsid = 0;
	expect_refused(1, c, G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
	c.nsid = 8;
	expect_refused(1, c, G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
}

static void test_namespace(void **state UNUSED)
{
	static const uint32_t bad[] = { 0, 8, 99, 0x10000, 0xfffffffe, NVME_NSID_BROADCAST };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (unsigned opc = 0; opc < 256; opc++) {
			if (!io_allowed(opc) || opc == NVME_CMD_FLUSH)
				continue;
			struct nvme_sqe c = valid_io((uint8_t)opc);
			c.nsid = bad[i];
			expect_refused(1, c, G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
		}
	}
}

static void test_transfer_size_and_handles(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c;

	/* Exactly max_transfer is fine, one block more is not. */
	p = expect_ok(1, rw(NVME_CMD_READ, 1, 0, MAX_XFER / 512, 0));
	assert_int_equal(p.len, MAX_XFER);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, MAX_XFER / 512 + 1, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	expect_refused(1, rw(NVME_CMD_WRITE, 1, 0, 65536, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	V.max_transfer = 4096;
	expect_ok(1, rw(NVME_CMD_WRITE, 1, 0, 8, 0));
	expect_refused(1, rw(NVME_CMD_WRITE, 1, 0, 9, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	V.max_transfer = MAX_XFER;

	/* Handles: dword aligned, inside the pool, no wrap. */
	for (uint64_t mis = 1; mis < 4; mis++)
		expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, 0x1000 + mis), G, INVALID_FIELD, NBR_HANDLE);
	expect_ok(1, rw(NVME_CMD_READ, 1, 0, 8, POOL_BYTES - 4096));
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 8, POOL_BYTES - 4092), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, POOL_BYTES), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, 1ull << 40), G, INVALID_FIELD, NBR_HANDLE);
	/* Handles whose end overflows uint64. */
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, UINT64_MAX - 3), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 8, UINT64_MAX & ~0xfffull), G, INVALID_FIELD, NBR_HANDLE);
	/* Offsets are 48 bits: the bits above name a space (include/abi/block.h). */
	V.pool_bytes = UINT64_MAX;
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 8, UINT64_MAX & ~0xfffull), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 8, UINT64_MAX - 4096 - 3), G, INVALID_FIELD, NBR_HANDLE);
	p = expect_ok(1, rw(NVME_CMD_READ, 1, 0, 8, NVME_HANDLE_OFFSET_MASK - 4096 - 3));
	assert_int_equal(p.space, 0);
	V.pool_bytes = POOL_BYTES;
	/* An empty pool holds nothing. */
	V.pool_bytes = 0;
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, 0), G, INVALID_FIELD, NBR_HANDLE);
	V.pool_bytes = POOL_BYTES;

	/* PRP2 must stay 0 (the manager builds lists); reported before the length. */
	c = rw(NVME_CMD_READ, 1, 0, 8, 0x1000);
	c.prp2 = 0x2000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_PRP2);
	c = rw(NVME_CMD_READ, 1, 0, 65536, 0x1000);
	c.prp2 = 1;
	expect_refused(1, c, G, INVALID_FIELD, NBR_PRP2);
}

static struct nvme_sqe log_page(uint64_t numd, uint64_t handle);

/*
 * A block session's region: inside its namespace and LBA window only, and
 * only for data that moves (never identify, log, DSM ranges or queues).
 */
static void test_session_spaces(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c;

	p = expect_ok(1, rw(NVME_CMD_READ, 1, 100, 50, NVME_HANDLE(1, 0)));
	assert_int_equal(p.space, 1);
	assert_int_equal(p.handle, 0);
	p = expect_ok(1, rw(NVME_CMD_WRITE, 1, 149, 1, NVME_HANDLE(1, (1u << 20) - 512)));
	assert_int_equal(p.handle, (1u << 20) - 512);
	/* Outside the window, on either side or across an edge; another namespace. */
	expect_refused(1, rw(NVME_CMD_READ, 1, 99, 1, NVME_HANDLE(1, 0)), G, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 99, 2, NVME_HANDLE(1, 0)), G, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 149, 2, NVME_HANDLE(1, 0)), G, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 150, 1, NVME_HANDLE(1, 0)), G, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	expect_refused(1, rw(NVME_CMD_READ, 6, 100, 1, NVME_HANDLE(1, 0)), G, NVME_SC_LBA_RANGE, NBR_SESSION_SCOPE);
	/* Outside the region; a space with no region; spaces that do not exist. */
	expect_refused(1, rw(NVME_CMD_READ, 1, 100, 2, NVME_HANDLE(1, (1u << 20) - 512)), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 100, 1, NVME_HANDLE(1, 1u << 20)), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, NVME_HANDLE(2, 0)), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, NVME_HANDLE(4, 0)), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(1, rw(NVME_CMD_READ, 1, 0, 1, NVME_HANDLE(0xffff, 0)), G, INVALID_FIELD, NBR_HANDLE);
	V.space = NULL;
	expect_refused(1, rw(NVME_CMD_READ, 1, 100, 1, NVME_HANDLE(1, 0)), G, INVALID_FIELD, NBR_HANDLE);
	V.space = fake_space;
	/* Only data that moves may name a session: identify, log pages and DSM ranges may not. */
	c = valid_admin(NVME_ADMIN_IDENTIFY);
	c.prp1 = NVME_HANDLE(1, 0);
	expect_refused(0, c, G, INVALID_FIELD, NBR_HANDLE);
	c = log_page(1, NVME_HANDLE(1, 0));
	expect_refused(0, c, G, INVALID_FIELD, NBR_HANDLE);
	c = cmd(NVME_CMD_DSM);
	c.nsid = 1;
	c.prp1 = NVME_HANDLE(1, 0);
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);
	/* The provider's own pool still reaches the whole namespace. */
	p = expect_ok(1, rw(NVME_CMD_READ, 1, 0, 1, 0));
	assert_int_equal(p.space, 0);
}

static void put_range(uint8_t *r, uint32_t i, uint32_t attr, uint32_t nlb, uint64_t slba)
{
	store_le32(r + 16 * i, attr);
	store_le32(r + 16 * i + 4, nlb);
	store_le64(r + 16 * i + 8, slba);
}

static void test_dsm(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c = cmd(NVME_CMD_DSM);

	c.nsid = 1;
	c.prp1 = 0x4000;
	c.cdw11 = 1u << 2;	/* AD: deallocate */
	for (uint32_t nr = 0; nr < 256; nr++) {
		c.cdw10 = nr | 0xabcd00u;	/* bits above 7:0 are not the range count */
		p = expect_ok(1, c);
		assert_int_equal(p.kind, NBK_DSM);
		assert_int_equal(p.xfer, NVME_XFER_TO_DEVICE);
		assert_int_equal(p.handle, 0x4000);
		assert_int_equal(p.len, (nr + 1) * NVME_DSM_RANGE_BYTES);
		assert_int_equal(p.nsid, 1);
	}
	c.cdw10 = 255;
	c.prp1 = 0x4002;
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);
	c.prp1 = POOL_BYTES - 4095;
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);
	c.prp1 = POOL_BYTES - 4096;
	expect_ok(1, c);
	c.prp2 = 0x1000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_PRP2);
	c.prp2 = 0;
	V.max_transfer = 2048;
	expect_refused(1, c, G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	V.max_transfer = MAX_XFER;
	c.nsid = 42;
	expect_refused(1, c, G, NVME_SC_INVALID_NS, NBR_NAMESPACE);
}

static void test_dsm_ranges(void **state UNUSED)
{
	static uint8_t r[NVME_DSM_MAX_RANGES * NVME_DSM_RANGE_BYTES];
	const struct nvme_broker_ns ns = { 1, 1000, 512, 0, false, 0, false };

	memset(r, 0, sizeof(r));
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 0), 0);
	put_range(r, 0, 0, 10, 0);
	put_range(r, 1, 0xffffffffu, 1, 999);	/* context attributes are not checked */
	put_range(r, 2, 0, 1000, 0);		/* the whole namespace */
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 3), 0);
	/* One block past the end. */
	put_range(r, 2, 0, 1001, 0);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 3), CR_ERANGE);
	seen_reason[NBR_DSM_RANGE] = true;	/* the manager refuses with NBR_DSM_RANGE on -1 */
	seen_reason[NBR_NO_MEMORY] = true;	/* the manager's own; test_broker_model exercises it */
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 2), 0);	/* the bad one not counted */
	put_range(r, 2, 0, 1, 1000);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 3), CR_ERANGE);
	/* Wrapping 64 bits. */
	put_range(r, 2, 0, 2, UINT64_MAX);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 3), CR_ERANGE);
	put_range(r, 2, 0, 0xffffffffu, UINT64_MAX - 5);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 3), CR_ERANGE);
	/* 256 ranges, only the last bad. */
	for (uint32_t i = 0; i < 256; i++)
		put_range(r, i, 0, 3, i * 3);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 256), 0);
	put_range(r, 255, 0, 3, 998);
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 256), CR_ERANGE);
	/* The fields are little-endian at bytes 4..7 (NLB) and 8..15 (SLBA). */
	memset(r, 0, 16);
	r[4] = 0xe8;
	r[5] = 0x03;	/* NLB 1000 */
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 1), 0);
	r[8] = 1;	/* SLBA 1 */
	assert_int_equal(nvme_broker_check_dsm(&ns, r, 1), CR_ERANGE);
	/* Unaligned source buffer. */
	memmove(r + 1, r, 16);
	assert_int_equal(nvme_broker_check_dsm(&ns, r + 1, 1), CR_ERANGE);
}

/* ------------------------------------------------------------ identify, log pages, features */

static void test_identify(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c;

	/* What a storage provider reads: namespaces, the controller, lists, descriptors (I6). */
	static const uint8_t allowed[] = { 0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08 };
	unsigned nallowed = 0;
	for (unsigned cns = 0; cns < 256; cns++) {
		bool listed = false;
		for (size_t i = 0; i < sizeof(allowed); i++)
			listed |= allowed[i] == cns;
		c = cmd(NVME_ADMIN_IDENTIFY);
		c.nsid = 3;
		c.cdw10 = cns | (0x55u << 16);	/* CNTID in 31:16 is passed through */
		c.prp1 = 0x1000;
		if (!listed) {
			expect_refused(0, c, G, INVALID_FIELD, NBR_CNS);
			continue;
		}
		nallowed++;
		p = expect_ok(0, c);
		assert_int_equal(p.kind, NBK_IDENTIFY);
		assert_int_equal(p.cns, cns);
		assert_int_equal(p.nsid, 3);
		assert_int_equal(p.xfer, NVME_XFER_FROM_DEVICE);
		assert_int_equal(p.handle, 0x1000);
		assert_int_equal(p.len, NVME_IDENTIFY_BYTES);
	}
	assert_int_equal(nallowed, sizeof(allowed));
	c = valid_admin(NVME_ADMIN_IDENTIFY);
	c.cdw10 = NVME_CNS_ACTIVE_NS_LIST;
	assert_int_equal(expect_ok(0, c).cns, NVME_CNS_ACTIVE_NS_LIST);
	/* Before and after the controller is known. */
	V.max_transfer = 0;
	expect_ok(0, c);
	V.max_transfer = 2048;	/* below one identify page: refused */
	expect_refused(0, c, G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	V.max_transfer = MAX_XFER;
	/* Handle checks. */
	c.prp1 = 0x1002;
	expect_refused(0, c, G, INVALID_FIELD, NBR_HANDLE);
	c.prp1 = POOL_BYTES - 4096;
	expect_ok(0, c);
	c.prp1 = POOL_BYTES - 4092;
	expect_refused(0, c, G, INVALID_FIELD, NBR_HANDLE);
	c.prp1 = UINT64_MAX - 4095;
	expect_refused(0, c, G, INVALID_FIELD, NBR_HANDLE);
	c.prp1 = 0x1000;
	c.prp2 = 0x2000;
	expect_refused(0, c, G, INVALID_FIELD, NBR_PRP2);
}

static struct nvme_sqe log_page(uint64_t numd, uint64_t handle)
{
	struct nvme_sqe c = cmd(NVME_ADMIN_GET_LOG_PAGE);
	uint64_t z = numd - 1;	/* 0-based, NUMDL in CDW10 31:16, NUMDU in CDW11 15:0 */

	c.cdw10 = (uint32_t)((z & 0xffff) << 16) | 0x02;
	c.cdw11 = (uint32_t)((z >> 16) & 0xffff);
	c.prp1 = handle;
	return c;
}

static void test_get_log_page(void **state UNUSED)
{
	struct nvme_broker_plan p;

	p = expect_ok(0, log_page(128, 0x2000));
	assert_int_equal(p.kind, NBK_PLAIN);
	assert_int_equal(p.xfer, NVME_XFER_FROM_DEVICE);
	assert_int_equal(p.len, 512);
	assert_int_equal(p.handle, 0x2000);
	p = expect_ok(0, log_page(1, 0x2000));
	assert_int_equal(p.len, 4);

	/* Before IDENTIFY CONTROLLER: at most one identify-sized page. */
	V.max_transfer = 0;
	p = expect_ok(0, log_page(1024, 0));
	assert_int_equal(p.len, 4096);
	expect_refused(0, log_page(1025, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	expect_refused(0, log_page(0x10000, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);	/* NUMDU = 0 */
	expect_refused(0, log_page(0x10001, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);	/* NUMDU = 1 */
	expect_refused(0, log_page(1ull << 32, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);

	/* After: up to max_transfer, the upper dword count included. */
	V.max_transfer = MAX_XFER;
	p = expect_ok(0, log_page(MAX_XFER / 4, 0));
	assert_int_equal(p.len, MAX_XFER);
	expect_refused(0, log_page(MAX_XFER / 4 + 1, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	/* NUMDU = 1: 256 KiB + 4 bytes, above 128 KiB. */
	expect_refused(0, log_page(0x10001, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
}

/* Log pages: what a storage provider reads; Amazon's EBS statistics only on Amazon (I6). */
static void test_get_log_page_allow_list(void **state UNUSED)
{
	unsigned allowed = 0;

	for (unsigned lid = 0; lid < 256; lid++) {
		struct nvme_sqe c = log_page(1, 0);
		c.cdw10 = (c.cdw10 & ~0xffu) | lid;
		bool listed = lid >= 1 && lid <= 5;
		V.vendor_log_pages = false;
		if (listed) {
			expect_ok(0, c);
			allowed++;
		} else {
			expect_refused(0, c, G, INVALID_FIELD, NBR_LOG_PAGE);
		}
		V.vendor_log_pages = true;
		if (listed || lid == 0xd0)
			expect_ok(0, c);
		else
			expect_refused(0, c, G, INVALID_FIELD, NBR_LOG_PAGE);
	}
	V.vendor_log_pages = false;
	assert_int_equal(allowed, 5);
}

static void test_get_log_page_numdu(void **state UNUSED)
{
	struct nvme_broker_plan p;

	V.max_transfer = 1u << 20;
	p = expect_ok(0, log_page(0x10001, 0));	/* NUMDU 1, NUMDL 0: 65537 dwords */
	assert_int_equal(p.len, 0x10001 * 4);
	expect_refused(0, log_page((1u << 18) + 1, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	/* The largest NUMD (2^32 dwords = 16 GiB) never fits. */
	V.max_transfer = UINT32_MAX;
	V.pool_bytes = UINT64_MAX;
	expect_refused(0, log_page(1ull << 32, 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	expect_refused(0, log_page((1ull << 30), 0), G, INVALID_FIELD, NBR_TRANSFER_SIZE);
	p = expect_ok(0, log_page((1ull << 30) - 1, 0));
	assert_int_equal(p.len, 0xfffffffcu);
	V.pool_bytes = POOL_BYTES;
	expect_refused(0, log_page(1024, POOL_BYTES - 4092), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(0, log_page(1, 2), G, INVALID_FIELD, NBR_HANDLE);
	struct nvme_sqe c = log_page(1, 0);
	c.prp2 = 4096;
	expect_refused(0, c, G, INVALID_FIELD, NBR_PRP2);
}

static bool feature_listed(unsigned fid)
{
	switch (fid) {
	case NVME_FEAT_ARBITRATION: case NVME_FEAT_POWER_MGMT: case NVME_FEAT_TEMP_THRESHOLD:
	case NVME_FEAT_ERROR_RECOVERY: case NVME_FEAT_VOLATILE_WC: case NVME_FEAT_NUM_QUEUES:
	case NVME_FEAT_IRQ_COALESCE: case NVME_FEAT_IRQ_CONFIG: case NVME_FEAT_WRITE_ATOMICITY:
	case NVME_FEAT_ASYNC_EVENT:
		return true;
	}
	return false;
}

static void test_features_allow_list(void **state UNUSED)
{
	static const uint8_t ops[] = { NVME_ADMIN_GET_FEATURES, NVME_ADMIN_SET_FEATURES };
	unsigned listed = 0;

	for (size_t o = 0; o < 2; o++) {
		for (unsigned fid = 0; fid < 256; fid++) {
			struct nvme_sqe c = cmd(ops[o]);
			c.cdw10 = fid;
			if (feature_listed(fid)) {
				listed += o == 0;
				struct nvme_broker_plan p = expect_ok(0, c);
				assert_int_equal(p.xfer, NVME_XFER_NONE);
				/* SEL (get) is fine; SV (set) would outlive the provider (I6). */
				c.cdw10 = fid | (ops[o] == NVME_ADMIN_GET_FEATURES ? 3u << 8 : 1u << 31);
				if (ops[o] == NVME_ADMIN_GET_FEATURES)
					expect_ok(0, c);
				else
					expect_refused(0, c, G, INVALID_FIELD, NBR_FEATURE_SAVE);
				c.cdw10 = fid;
				/* None of the listed features carries data. */
				c.prp1 = 0x1000;
				expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
			} else {
				expect_refused(0, c, G, INVALID_FIELD, NBR_FEATURE);
				c.cdw10 = fid | 0xffffff00u;
				expect_refused(0, c, G, INVALID_FIELD, NBR_FEATURE);
			}
		}
	}
	assert_int_equal(listed, 10);
	/* Host memory buffer (0x0d) and timestamp (0x0e) would move data: refused. */
	struct nvme_sqe c = cmd(NVME_ADMIN_SET_FEATURES);
	c.cdw10 = 0x0d;
	expect_refused(0, c, G, INVALID_FIELD, NBR_FEATURE);
	c.cdw10 = 0x0e;
	expect_refused(0, c, G, INVALID_FIELD, NBR_FEATURE);
}

static void test_set_num_queues(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c = cmd(NVME_ADMIN_SET_FEATURES);

	c.cdw10 = NVME_FEAT_NUM_QUEUES;
	c.cdw11 = (5u << 16) | 3;
	p = expect_ok(0, c);
	assert_int_equal(p.kind, NBK_SET_NUM_QUEUES);
	assert_int_equal(p.nsqr, 3);
	assert_int_equal(p.ncqr, 5);
	assert_int_equal(p.xfer, NVME_XFER_NONE);
	c.cdw11 = 0xfffe0000u | 0xfffe;	/* the largest legal request */
	p = expect_ok(0, c);
	assert_int_equal(p.nsqr, 0xfffe);
	assert_int_equal(p.ncqr, 0xfffe);
	/* 0xffff (65536 queues) is invalid per spec. */
	c.cdw11 = 0x0000ffffu;
	expect_refused(0, c, G, INVALID_FIELD, NBR_QUEUE_ID);
	c.cdw11 = 0xffff0000u;
	expect_refused(0, c, G, INVALID_FIELD, NBR_QUEUE_ID);
	c.cdw11 = 0xffffffffu;
	expect_refused(0, c, G, INVALID_FIELD, NBR_QUEUE_ID);
	/* With a data pointer. */
	c.cdw11 = 0;
	c.prp1 = 0x1000;
	expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
	/* GET FEATURES of the same id is plain, whatever CDW11 says. */
	c = cmd(NVME_ADMIN_GET_FEATURES);
	c.cdw10 = NVME_FEAT_NUM_QUEUES;
	c.cdw11 = 0xffffffffu;
	p = expect_ok(0, c);
	assert_int_equal(p.kind, NBK_PLAIN);
}

/* ------------------------------------------------------------ queue creation */

static struct nvme_sqe create_cq(uint16_t qid, uint32_t entries, uint32_t flags, uint16_t iv, uint64_t h)
{
	struct nvme_sqe c = cmd(NVME_ADMIN_CREATE_CQ);

	c.cdw10 = ((entries - 1) << 16) | qid;
	c.cdw11 = ((uint32_t)iv << 16) | flags;
	c.prp1 = h;
	return c;
}

static struct nvme_sqe create_sq(uint16_t qid, uint32_t entries, uint32_t flags, uint16_t cqid, uint64_t h)
{
	struct nvme_sqe c = cmd(NVME_ADMIN_CREATE_SQ);

	c.cdw10 = ((entries - 1) << 16) | qid;
	c.cdw11 = ((uint32_t)cqid << 16) | flags;
	c.prp1 = h;
	return c;
}

#define PC NVME_QUEUE_PC
#define IEN NVME_CQ_IEN

static void test_create_cq(void **state UNUSED)
{
	struct nvme_broker_plan p;

	p = expect_ok(0, create_cq(3, 64, PC | IEN, 2, 0x20000));
	assert_int_equal(p.kind, NBK_CREATE_CQ);
	assert_int_equal(p.qid, 3);
	assert_int_equal(p.qsize, 64);
	assert_int_equal(p.iv, 2);
	assert_true(p.ien);
	assert_int_equal(p.handle, 0x20000);
	assert_int_equal(p.len, 64 * 16);
	assert_int_equal(p.xfer, NVME_XFER_NONE);

	/* Queue ids: 0, above max_qid, already live. */
	expect_refused(0, create_cq(0, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_ok(0, create_cq(8, 64, PC, 0, 0));	/* max_qid */
	expect_refused(0, create_cq(9, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_cq(QID_LIMIT + 1, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_cq(0xffff, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_cq(1, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_cq(2, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);

	/* Sizes: 1 entry, mqes, mqes + 1. */
	expect_refused(0, create_cq(3, 1, PC, 0, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	p = expect_ok(0, create_cq(3, 2, PC, 0, 0));
	assert_int_equal(p.qsize, 2);
	p = expect_ok(0, create_cq(3, 1024, PC, 0, 0));
	assert_int_equal(p.qsize, 1024);
	assert_int_equal(p.len, 1024 * 16);
	expect_refused(0, create_cq(3, 1025, PC, 0, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	expect_refused(0, create_cq(3, 65536, PC, 0, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);

	/* Not physically contiguous. */
	expect_refused(0, create_cq(3, 64, IEN, 0, 0), G, INVALID_FIELD, NBR_QUEUE_FLAGS);
	expect_refused(0, create_cq(3, 64, 0, 0, 0), G, INVALID_FIELD, NBR_QUEUE_FLAGS);

	/* Vectors: checked whatever IEN says, since the device queue always interrupts (I3). */
	expect_ok(0, create_cq(3, 64, PC | IEN, 3, 0));
	expect_refused(0, create_cq(3, 64, PC | IEN, 4, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	expect_refused(0, create_cq(3, 64, PC | IEN, 0xffff, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	expect_refused(0, create_cq(3, 64, PC, 0xffff, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	expect_refused(0, create_cq(3, 64, PC, 4, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	p = expect_ok(0, create_cq(3, 64, PC, 3, 0));
	assert_false(p.ien);
	assert_int_equal(p.iv, 3);
	V.nvectors = 0;
	expect_refused(0, create_cq(3, 64, PC | IEN, 0, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	expect_refused(0, create_cq(3, 64, PC, 0, 0), C, NVME_SC_INVALID_VECTOR, NBR_VECTOR);
	V.nvectors = 4;

	/* The shadow ring: 16-byte aligned, inside the pool, no wrap, PRP2 clear. */
	for (uint64_t mis = 1; mis < 16; mis++)
		expect_refused(0, create_cq(3, 64, PC, 0, 0x20000 + mis), G, INVALID_FIELD, NBR_HANDLE);
	expect_ok(0, create_cq(3, 64, PC, 0, 0x10));
	expect_ok(0, create_cq(3, 64, PC, 0, POOL_BYTES - 64 * 16));
	expect_refused(0, create_cq(3, 64, PC, 0, POOL_BYTES - 64 * 16 + 16), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(0, create_cq(3, 64, PC, 0, POOL_BYTES), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(0, create_cq(3, 64, PC, 0, UINT64_MAX & ~15ull), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(0, create_cq(3, 64, PC, 0, (UINT64_MAX & ~15ull) - 512), G, INVALID_FIELD, NBR_HANDLE);
	struct nvme_sqe c = create_cq(3, 64, PC, 0, 0x20000);
	c.prp2 = 0x1000;
	expect_refused(0, c, G, INVALID_FIELD, NBR_PRP2);
	/* The ring is not data: max_transfer does not limit it. */
	V.max_transfer = 4096;
	p = expect_ok(0, create_cq(3, 1024, PC, 0, 0));
	assert_int_equal(p.len, 16384);
	V.max_transfer = 0;
	expect_ok(0, create_cq(3, 1024, PC, 0, 0));
}

static void test_create_sq(void **state UNUSED)
{
	struct nvme_broker_plan p;

	p = expect_ok(0, create_sq(3, 64, PC | (2u << 1), 2, 0x40000));	/* QPRIO bits pass */
	assert_int_equal(p.kind, NBK_CREATE_SQ);
	assert_int_equal(p.qid, 3);
	assert_int_equal(p.qsize, 64);
	assert_int_equal(p.cqid, 2);
	assert_int_equal(p.handle, 0x40000);
	assert_int_equal(p.len, 64 * 64);
	assert_int_equal(p.xfer, NVME_XFER_NONE);
	/* Several SQs may share one CQ. */
	expect_ok(0, create_sq(3, 64, PC, 1, 0));

	expect_refused(0, create_sq(0, 64, PC, 2, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_sq(1, 64, PC, 2, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);	/* live */
	expect_refused(0, create_sq(9, 64, PC, 2, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_sq(0xffff, 64, PC, 2, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	/* The completion queue: 0 (admin), not live, beyond the limit. */
	expect_refused(0, create_sq(3, 64, PC, 0, 0), C, NVME_SC_CQ_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_sq(3, 64, PC, 3, 0), C, NVME_SC_CQ_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_sq(3, 64, PC, QID_LIMIT + 1, 0), C, NVME_SC_CQ_INVALID, NBR_QUEUE_ID);
	expect_refused(0, create_sq(3, 64, PC, 0xffff, 0), C, NVME_SC_CQ_INVALID, NBR_QUEUE_ID);

	expect_refused(0, create_sq(3, 1, PC, 2, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	expect_ok(0, create_sq(3, 1024, PC, 2, 0));
	expect_refused(0, create_sq(3, 1025, PC, 2, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	expect_refused(0, create_sq(3, 64, 0, 2, 0), G, INVALID_FIELD, NBR_QUEUE_FLAGS);

	/* 64-byte aligned ring inside the pool. */
	for (uint64_t mis = 4; mis < 64; mis += 4)
		expect_refused(0, create_sq(3, 64, PC, 2, 0x40000 + mis), G, INVALID_FIELD, NBR_HANDLE);
	expect_ok(0, create_sq(3, 64, PC, 2, POOL_BYTES - 64 * 64));
	expect_refused(0, create_sq(3, 64, PC, 2, POOL_BYTES - 64 * 64 + 64), G, INVALID_FIELD, NBR_HANDLE);
	expect_refused(0, create_sq(3, 64, PC, 2, UINT64_MAX & ~63ull), G, INVALID_FIELD, NBR_HANDLE);
	struct nvme_sqe c = create_sq(3, 64, PC, 2, 0);
	c.prp2 = 64;
	expect_refused(0, c, G, INVALID_FIELD, NBR_PRP2);
}

static void test_create_not_negotiated(void **state UNUSED)
{
	V.max_qid = 0;
	expect_refused(0, create_cq(1, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUES_NOT_NEGOTIATED);
	expect_refused(0, create_sq(1, 64, PC, 1, 0), C, NVME_SC_QID_INVALID, NBR_QUEUES_NOT_NEGOTIATED);
	expect_refused(0, create_cq(0, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUES_NOT_NEGOTIATED);
	V.max_qid = 1;
	F.cq_live[1] = false;
	F.sq_live[1] = false;
	expect_ok(0, create_cq(1, 64, PC, 0, 0));
	expect_refused(0, create_cq(2, 64, PC, 0, 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
}

/* With CAP.MQES = 0xffff a 65536-entry queue would be legal but does not fit the plan's 16 bits. */
static void test_create_largest_queue(void **state UNUSED)
{
	struct nvme_broker_plan p;

	V.mqes = 65536;
	V.pool_bytes = UINT64_MAX;
	p = expect_ok(0, create_cq(3, 65535, PC, 0, 0));
	assert_int_equal(p.qsize, 65535);
	assert_int_equal(p.len, 65535 * 16);
	p = expect_ok(0, create_sq(3, 65535, PC, 2, 0));
	assert_int_equal(p.qsize, 65535);
	assert_int_equal(p.len, 65535u * 64);
	expect_refused(0, create_cq(3, 65536, PC, 0, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
	expect_refused(0, create_sq(3, 65536, PC, 2, 0), C, NVME_SC_QUEUE_SIZE, NBR_QUEUE_SIZE);
}

/* ------------------------------------------------------------ delete, abort, others */

static struct nvme_sqe del(uint8_t opc, uint16_t qid)
{
	struct nvme_sqe c = cmd(opc);

	c.cdw10 = qid;
	return c;
}

static void test_delete(void **state UNUSED)
{
	struct nvme_broker_plan p;

	p = expect_ok(0, del(NVME_ADMIN_DELETE_SQ, 1));
	assert_int_equal(p.kind, NBK_DELETE_SQ);
	assert_int_equal(p.qid, 1);
	assert_int_equal(p.xfer, NVME_XFER_NONE);
	p = expect_ok(0, del(NVME_ADMIN_DELETE_CQ, 2));
	assert_int_equal(p.kind, NBK_DELETE_CQ);
	assert_int_equal(p.qid, 2);

	static const uint8_t ops[] = { NVME_ADMIN_DELETE_SQ, NVME_ADMIN_DELETE_CQ };
	for (size_t i = 0; i < 2; i++) {
		expect_refused(0, del(ops[i], 0), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);	/* admin */
		expect_refused(0, del(ops[i], 3), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);	/* not live */
		expect_refused(0, del(ops[i], QID_LIMIT + 1), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
		expect_refused(0, del(ops[i], 0xffff), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	}
	expect_refused(0, del(NVME_ADMIN_DELETE_SQ, 2), C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);	/* only a CQ */
	/* A CQ that still has SQs: Invalid Queue Deletion. */
	expect_refused(0, del(NVME_ADMIN_DELETE_CQ, 1), C, 0x0c, NBR_QUEUE_IN_USE);
	F.cq_has_sqs[1] = false;
	expect_ok(0, del(NVME_ADMIN_DELETE_CQ, 1));
	/* The upper half of CDW10 is reserved, not part of the id. */
	p = expect_ok(0, del(NVME_ADMIN_DELETE_SQ, 1));
	struct nvme_sqe c = del(NVME_ADMIN_DELETE_SQ, 1);
	c.cdw10 |= 0xabcd0000u;
	p = expect_ok(0, c);
	assert_int_equal(p.qid, 1);
	c.prp1 = 0x1000;
	expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
	c = del(NVME_ADMIN_DELETE_CQ, 2);
	c.prp2 = 0x1000;
	expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
}

static void test_abort(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_sqe c = cmd(NVME_ADMIN_ABORT);

	/* The admin queue may be named (to abort an admin command). */
	c.cdw10 = (0xbeefu << 16) | 0;
	p = expect_ok(0, c);
	assert_int_equal(p.kind, NBK_ABORT);
	assert_int_equal(p.qid, 0);
	assert_int_equal(p.abort_cid, 0xbeef);
	c.cdw10 = (7u << 16) | 1;
	p = expect_ok(0, c);
	assert_int_equal(p.qid, 1);
	assert_int_equal(p.abort_cid, 7);
	c.cdw10 = 3;
	expect_refused(0, c, C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	c.cdw10 = QID_LIMIT + 1;
	expect_refused(0, c, C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	c.cdw10 = 0xffff;
	expect_refused(0, c, C, NVME_SC_QID_INVALID, NBR_QUEUE_ID);
	c.cdw10 = 1;
	c.prp1 = 4;
	expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
}

static void test_async_event_keep_alive(void **state UNUSED)
{
	static const uint8_t ops[] = { NVME_ADMIN_ASYNC_EVENT, NVME_ADMIN_KEEP_ALIVE };

	for (size_t i = 0; i < 2; i++) {
		struct nvme_broker_plan p = expect_ok(0, cmd(ops[i]));
		assert_int_equal(p.kind, i == 0 ? NBK_ASYNC_EVENT : NBK_PLAIN);
		assert_int_equal(p.xfer, NVME_XFER_NONE);
		struct nvme_sqe c = cmd(ops[i]);
		c.prp1 = 0x1000;
		expect_refused(0, c, G, INVALID_FIELD, NBR_NO_DATA_EXPECTED);
	}
}

/* A refusal leaves the plan in its neutral state, never half of an earlier plan. */
static void test_plan_reset(void **state UNUSED)
{
	struct nvme_broker_plan p;
	struct nvme_broker_refusal why;
	struct nvme_sqe c = rw(NVME_CMD_READ, 1, 0, 8, 0x3000);

	assert_int_equal(nvme_broker_check(&V, 1, &c, &p, &why), 0);
	assert_int_equal(p.len, 4096);
	c.flags = 1;
	assert_int_equal(nvme_broker_check(&V, 1, &c, &p, &why), CR_EPERM);
	assert_int_equal(p.kind, NBK_PLAIN);
	assert_int_equal(p.xfer, NVME_XFER_NONE);
	assert_int_equal(p.len, 0);
	assert_int_equal(p.handle, 0);
	/* And an accepted command after a refusal carries no stale reason. */
	c.flags = 0;
	assert_int_equal(nvme_broker_check(&V, 1, &c, &p, &why), 0);
	assert_int_equal(why.reason, NBR_NONE);
}

static void test_reason_names(void **state UNUSED)
{
	for (uint32_t r = 0; r < NBR_COUNT; r++) {
		const char *n = nvme_broker_reason_name(r);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		assert_null(strchr(n, ' '));	/* one token in a log line */
		for (uint32_t q = 0; q < r; q++)
			assert_string_not_equal(n, nvme_broker_reason_name(q));
	}
	assert_string_equal(nvme_broker_reason_name(NBR_COUNT), "unknown");
	assert_string_equal(nvme_broker_reason_name(0xffff), "unknown");
	assert_string_equal(nvme_broker_reason_name(UINT32_MAX), "unknown");
	assert_int_equal(NVME_BROKER_REASON(NVME_BROKER_REFUSED | NBR_DSM_RANGE), NBR_DSM_RANGE);
}

/* Runs last: every refusal reason was produced by some test above. */
static void test_every_reason_covered(void **state UNUSED)
{
	for (uint32_t r = 1; r < NBR_COUNT; r++) {
		if (!seen_reason[r])
			fail_msg("refusal reason %s never exercised", nvme_broker_reason_name(r));
	}
}

/* Separate metadata travels in one MPTR buffer (a pool handle) of at most one page. */
static void test_separate_metadata_buffer(void **state UNUSED)
{
	struct nvme_sqe c = rw(NVME_CMD_READ, 4, 0, 4, 0x10000);
	struct nvme_broker_plan p;

	c.mptr = 0x3000;
	p = expect_ok(1, c);
	assert_int_equal(p.md_handle, 0x3000);
	assert_int_equal(p.md_len, 4 * 16);
	assert_int_equal(p.len, 4 * 512);
	assert_int_equal(p.xfer, NVME_XFER_FROM_DEVICE);

	c = rw(NVME_CMD_WRITE, 4, 0, 256, 0x10000);	/* 256 * 16 = one page exactly */
	c.mptr = 0x3000;
	p = expect_ok(1, c);
	assert_int_equal(p.md_len, 4096);
	c = rw(NVME_CMD_WRITE, 4, 0, 257, 0x10000);
	c.mptr = 0x3000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_TRANSFER_SIZE);

	c = rw(NVME_CMD_READ, 4, 0, 4, 0x10000);
	c.mptr = 0x3002;				/* MPTR is dword aligned */
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);
	c.mptr = POOL_BYTES - 32;			/* 64 bytes would run past the pool */
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);
	c.mptr = UINT64_MAX - 3;			/* wraps */
	expect_refused(1, c, G, INVALID_FIELD, NBR_HANDLE);

	/* PRACT with 8-byte PI: the controller inserts and strips it, nothing travels. */
	c = rw(NVME_CMD_READ, 3, 0, 4, 0x10000);
	c.cdw12 |= NVME_RW_PRACT;
	p = expect_ok(1, c);
	assert_int_equal(p.md_len, 0);
	c.mptr = 0x3000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_MPTR);

	/* Commands that move no metadata may not carry MPTR, even on such a namespace. */
	c = rw(NVME_CMD_WRITE_ZEROES, 4, 0, 4, 0);
	c.mptr = 0x3000;
	expect_refused(1, c, G, INVALID_FIELD, NBR_MPTR);
	assert_int_equal(nvme_broker_block_md(&F.ns[3], false), 16);
	assert_int_equal(nvme_broker_block_md(&F.ns[4], false), 0);	/* extended: inline */
	assert_int_equal(nvme_broker_block_md(&F.ns[2], true), 0);	/* PI stripped */
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fused_sgl_mptr),
		T(test_admin_opcode_allow_list),
		T(test_io_opcode_allow_list),
		T(test_controller_unknown),
		T(test_read_write_plain),
		T(test_read_write_metadata),
		T(test_separate_metadata_buffer),
		T(test_block_xfer),
		T(test_max_blocks),
		T(test_lba_range),
		T(test_no_data_commands),
		T(test_flush),
		T(test_namespace),
		T(test_transfer_size_and_handles),
		T(test_dsm),
		T(test_dsm_ranges),
		T(test_identify),
		T(test_get_log_page),
		T(test_get_log_page_numdu),
		T(test_get_log_page_allow_list),
		T(test_session_spaces),
		T(test_features_allow_list),
		T(test_set_num_queues),
		T(test_create_cq),
		T(test_create_sq),
		T(test_create_not_negotiated),
		T(test_create_largest_queue),
		T(test_delete),
		T(test_abort),
		T(test_async_event_keep_alive),
		T(test_plan_reset),
		T(test_reason_names),
		T(test_every_reason_covered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
