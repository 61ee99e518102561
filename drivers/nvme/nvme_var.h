/*
 * drivers/nvme/nvme_var.h - the provider's state: one controller, its
 * queues, its namespaces.  The provider is an ordinary NVMe driver that
 * holds only capabilities: registers through DeviceMmio, completions
 * through Interrupt, memory through a DMAPool whose addresses it never
 * learns.  On the brokered lane its data pointers are pool handles.
 */
#ifndef CAPROCK_DRIVERS_NVME_VAR_H
#define CAPROCK_DRIVERS_NVME_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/device.h"
#include "include/abi/nvme_broker.h"
#include "include/abi/nvme_provider.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"

#define NVME_ADMIN_ENTRIES	64	/* a multiple of 64: Azure's 0xb111 needs that */
#define NVME_IO_ENTRIES_MAX	1024
#define NVME_MAX_NS		256	/* namespaces the provider identifies and can use (the broker's limit) */
#define NVME_LIST_MAX		4096	/* active namespace ids read (four list pages) */
#define NVME_MAX_VECTORS	8

#define NVME_RETRIES_MAX	5	/* transient ends retried, as Linux's nvme_max_retries */

/* One outstanding command: the slot index is the command id. */
struct nvme_slot {
	bool s_busy;
	bool s_done;
	uint8_t s_retries;		/* times queue_reap sent it again after a transient end */
	struct nvme_cqe s_cqe;
	uint64_t s_submit_ns;		/* the latest sending */
	uint64_t s_tag;			/* caller's cookie (benchmarks) */
	struct nvme_sqe s_sqe;		/* as sent: what a retry sends again */
};

struct nvme_queue {
	uint16_t q_id;
	uint16_t q_size;		/* entries in both rings */
	struct nvme_sqe *q_sq;		/* shadow rings in the pool */
	struct nvme_cqe *q_cq;
	uint64_t q_sq_handle, q_cq_handle;
	uint16_t q_sq_tail;
	uint16_t q_sq_head;		/* last SQHD the completions reported */
	uint16_t q_cq_head;
	uint16_t q_cq_head_told;	/* the CQ head the kernel last heard of */
	uint16_t q_phase;
	uint16_t q_unrung;		/* entries written since the last doorbell */
	int q_irq;			/* Interrupt capability slot */
	uint32_t q_vector;
	struct nvme_slot *q_slots;	/* q_size of them, the owner's (queue_init) */
	uint16_t *q_done;		/* cids completed since the consumer last looked (q_size) */
	uint16_t q_ndone;
	uint32_t q_retries;		/* transient ends sent again, all commands */
	uint16_t q_next_cid;
	uint32_t q_outstanding;
	bool q_woke_by_interrupt;	/* the last wait ended with an interrupt */
};

struct nvme_ns {
	uint32_t n_nsid;
	struct nvme_ns_info n_info;
	uint32_t n_block_xfer;		/* bytes per block in a data buffer */
	uint32_t n_md_bytes;		/* bytes per block in a separate metadata buffer (MPTR), or 0 */
	uint32_t n_max_blocks;		/* per command: transfer limit, NLB, metadata page */
};

struct nvme_dev {
	int d_console, d_mmio, d_pool_cap, d_inbox;
	int d_irq[NVME_MAX_VECTORS];
	unsigned int d_nirq;
	struct device_info d_info;
	uint8_t *d_pool;
	uint64_t d_pool_bytes;
	uint64_t d_pool_next;		/* bump allocator over the pool */
	uint32_t d_lane;

	uint64_t d_cap;
	uint32_t d_vs;
	uint32_t d_ready_timeout_ms;	/* CAP.TO */
	uint32_t d_cmd_timeout_ms;
	bool d_never_give_up;		/* EBS: AWS raises io_timeout to its maximum */

	struct nvme_queue d_admin;
	struct nvme_queue d_io;
	uint32_t d_ioqpairs;		/* granted by SET FEATURES number of queues */

	struct nvme_ctrl_info d_id;
	uint64_t d_max_transfer;	/* bytes per command */
	uint32_t d_nn;
	struct nvme_ns d_ns[NVME_MAX_NS];
	unsigned int d_nns;

	uint64_t d_md;			/* pool handle of the one-page metadata buffer */
	uint64_t d_ranges;		/* pool handle: one DSM range per I/O command id (trim) */
	uint64_t d_data;		/* pool handle of the data area */
	uint64_t d_data_bytes;
	unsigned int d_errors;
};

/* main.c */
extern struct nvme_dev nvme;
void nvme_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* pool.c */
uint64_t pool_alloc(struct nvme_dev *d, uint64_t bytes, uint64_t align);
static inline void *pool_ptr(struct nvme_dev *d, uint64_t handle) { return d->d_pool + handle; }

/* queue.c */
/* slots and done: the owner's arrays of at least entries each (admin, I/O and test queues differ in size). */
int queue_init(struct nvme_dev *d, struct nvme_queue *q, uint16_t id, uint16_t entries, unsigned vector,
	       struct nvme_slot *slots, uint16_t *done);
int queue_submit(struct nvme_dev *d, struct nvme_queue *q, struct nvme_sqe *cmd, uint64_t tag);
/* The command id the next queue_submit will use. */
uint16_t queue_next_cid(const struct nvme_queue *q);
int queue_ring(struct nvme_dev *d, struct nvme_queue *q);
/*
 * One crossing: tell the kernel the CQ head (if it moved) and the SQ tail
 * (if entries wait), then wait on wait_slot (an Interrupt or Notification;
 * -1: do not wait) up to timeout_ns.  *woke (may be NULL) gets what the wait
 * took.  Returns the SQ entries the broker took, or a negative CR_* code.
 */
int queue_kick(struct nvme_dev *d, struct nvme_queue *q, int wait_slot, uint64_t timeout_ns, uint64_t *woke);
/* The same, also waking the client of BlockSession notify_slot (-1: none) in that crossing. */
int queue_kick_notify(struct nvme_dev *d, struct nvme_queue *q, int wait_slot, uint64_t timeout_ns, int notify_slot,
		      uint64_t *woke);
/*
 * Take what the CQ holds into q_done.  A command the device ended for a
 * passing reason (nvme_status_transient) is sent again under its command
 * id, up to NVME_RETRIES_MAX times (an EBS volume's aborted commands
 * without end: they are paced by the timeout), and not reported.
 */
unsigned queue_reap(struct nvme_dev *d, struct nvme_queue *q);
int queue_wait(struct nvme_dev *d, struct nvme_queue *q, uint16_t cid, struct nvme_cqe *out);
int queue_exec(struct nvme_dev *d, struct nvme_queue *q, struct nvme_sqe *cmd, struct nvme_cqe *out);
void queue_release(struct nvme_queue *q, uint16_t cid);

/* cmd.c */
void report_status(const char *what, uint32_t nsid, uint64_t lba, uint32_t blocks, const struct nvme_cqe *cqe);
int cmd_identify(struct nvme_dev *d, uint32_t cns, uint32_t nsid, uint64_t buf);
int cmd_identify_quiet(struct nvme_dev *d, uint32_t cns, uint32_t nsid, uint64_t buf, struct nvme_cqe *out);
int cmd_set_num_queues(struct nvme_dev *d, uint16_t want, uint32_t *granted);
int cmd_create_io_queues(struct nvme_dev *d, struct nvme_queue *q);
void cmd_rw(struct nvme_sqe *c, uint8_t opc, const struct nvme_ns *ns, uint64_t lba, uint32_t blocks,
	    uint64_t buf, uint64_t md);
int cmd_flush(struct nvme_dev *d, uint32_t nsid);

/* ctrl.c */
int ctrl_start(struct nvme_dev *d);
int ctrl_identify(struct nvme_dev *d, uint32_t wanted_nsid);
const struct nvme_ns *ctrl_ns(struct nvme_dev *d, uint32_t nsid);


/* serve.c: block sessions until the kernel says stop */
struct start_info;
int serve_run(struct nvme_dev *d, const struct start_info *si, const struct nvme_job *job);

/* bench.c, hostile.c */
int bench_run(struct nvme_dev *d, const struct nvme_ns *ns, const struct nvme_job *job);
int hostile_run(struct nvme_dev *d);
/* Carve the hostile test's extra queue pair out of the pool before the data area takes the rest. */
int hostile_prepare(struct nvme_dev *d);
__attribute__((noreturn)) int hostile_hang(struct nvme_dev *d);
/* hostile_irq.c: selftest=hostile-irq, the device aimed at the interrupt window (direct lane). */
int hostile_irq_run(struct nvme_dev *d);

/* sys.c: the capability invocations this driver uses */
int sys_mmio_read32(struct nvme_dev *d, uint32_t off, uint32_t *v);
int sys_mmio_read64(struct nvme_dev *d, uint32_t off, uint64_t *v);
int sys_mmio_write32(struct nvme_dev *d, uint32_t off, uint32_t v);
int sys_nvme_enable(struct nvme_dev *d, const struct nvme_enable_req *req);
int sys_nvme_doorbell(struct nvme_dev *d, uint16_t qid, uint32_t kind, uint16_t value);
int sys_irq_wait(int irq, uint64_t timeout_ns, struct irq_wait_result *out);
int sys_nvme_ring_wait(struct nvme_dev *d, struct nvme_ring_wait *rw);
int sys_device_info(struct nvme_dev *d, struct device_info *out);
int sys_dma_pool_map(int pool, struct dma_pool_info *out);

#endif
