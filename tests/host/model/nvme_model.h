/*
 * tests/host/model/nvme_model.h - an NVMe controller model for the broker's
 * host tests: registers, queues, admin and NVM commands, and PRP-walking
 * DMA into "physical" memory (tests/host/model/kshim.c), with a device that
 * can misbehave on request: complete late, twice, out of order, with stale
 * command ids, or write more than it was asked.
 *
 * Every DMA the model makes is first put to an oracle (the test rig), which
 * decides whether the address may be touched for that command; a refused
 * access is recorded as a violation and not performed.  The model never
 * trusts the broker.
 */
#ifndef CAPROCK_TESTS_NVME_MODEL_H
#define CAPROCK_TESTS_NVME_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/nvme_reg.h"

#define MODEL_MAXQ		17
#define MODEL_INFLIGHT		256
#define MODEL_PAGE		4096u
#define MODEL_PAGES_PER_CMD	72	/* data and list pages one command may touch (256 KiB) */

enum model_access {
	MODEL_RING_SQ,		/* fetching a submission entry */
	MODEL_RING_CQ,		/* posting a completion entry */
	MODEL_DATA_READ,	/* the device reads memory (write data, PRP lists, DSM ranges) */
	MODEL_DATA_WRITE,	/* the device writes memory (read data, identify pages) */
};

/* Misbehaviour switches (a bit set). */
enum model_quirk {
	MQ_HOLD = 1u << 0,		/* fetch I/O commands but do not execute them until model_release_held() */
	MQ_DUPLICATE = 1u << 1,		/* post every completion twice */
	MQ_STALE_CID = 1u << 2,		/* after each completion, also post one with the previous cid of that SQ */
	MQ_REORDER = 1u << 3,		/* execute in-flight commands newest first */
	MQ_OVERWRITE = 1u << 4,		/* reads fill the whole last page, past the transfer */
	MQ_DELETE_POSTS = 1u << 5,	/* DELETE SQ posts "aborted" completions (else drops them, as QEMU does) */
	MQ_FAIL_AFTER_DATA = 1u << 6,	/* reads move their data, then complete with a media error */
};

struct model_cmd {
	bool live;
	bool executed;			/* its data moved; only the completion may still be pending */
	bool released;			/* MQ_HOLD: allowed to run */
	uint16_t status;		/* once executed */
	uint32_t dw0;
	uint16_t sqid, sqhd;
	struct nvme_sqe sqe;
	uint32_t npages;			/* pages resolved at fetch, for the invariant checks */
	uint64_t pages[MODEL_PAGES_PER_CMD];
	bool pages_write[MODEL_PAGES_PER_CMD];	/* the device writes that page */
};

struct model_sq {
	bool live;
	uint64_t base;
	uint16_t size, head, tail, cqid;
	uint16_t last_cid;
};

struct model_cq {
	bool live;
	uint64_t base;
	uint16_t size, tail, head, iv;
	uint16_t phase;
	bool ien;
};

struct model_ns {
	uint32_t nsid;
	uint64_t nsze;
	uint32_t lba_bytes;
	uint8_t *data;
};

struct nvme_model {
	uint64_t cap;
	uint32_t cc, csts, aqa;
	uint64_t asq, acq;
	uint8_t mdts;
	uint16_t max_ioqpairs;
	struct model_sq sq[MODEL_MAXQ];
	struct model_cq cq[MODEL_MAXQ];
	struct model_ns ns[4];
	unsigned nns;
	struct model_cmd cmd[MODEL_INFLIGHT];
	uint32_t quirks;
	uint32_t irq_pending;		/* vectors with a completion posted since last taken */
	/* the oracle: may the device make this access for command (sqid, cid)? */
	bool (*oracle)(void *ctx, enum model_access kind, uint64_t addr, uint64_t len, uint16_t sqid, uint16_t cid);
	void *oracle_ctx;
	unsigned violations;
	char violation[256];
	uint64_t executed, posted, dropped_full;
	uint64_t sq_doorbells, cq_doorbells;
	uint64_t dsm_outside;		/* DSM ranges the device read that lie outside their namespace */
};

void model_init(struct nvme_model *m, uint16_t mqes, uint8_t mdts);
void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lba_bytes);

uint32_t model_read32(struct nvme_model *m, uint32_t off);
void model_write32(struct nvme_model *m, uint32_t off, uint32_t v);

/* Fetch new submissions from every live SQ. */
void model_fetch(struct nvme_model *m);
/* Execute and complete up to n fetched commands (all: n = 0); returns how many. */
unsigned model_run(struct nvme_model *m, unsigned n);
/* MQ_HOLD: let held commands run at the next model_run. */
void model_release_held(struct nvme_model *m);
/* Complete one held asynchronous event request with this result. */
bool model_post_aen(struct nvme_model *m, uint32_t dw0);
/* Post a completion for (sqid, cid) that matches no command the model has. */
void model_post_forged(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid);
/* Commands fetched and not yet completed. */
unsigned model_inflight(const struct nvme_model *m);

#endif
