/*
 * kernel/nvme/nvme_ctrl.h - the manager's state for one NVMe controller.
 *
 * The manager (kernel) owns every address-bearing register, every device
 * queue and the controller's geometry.  The provider drives shadow queues
 * in its DMAPool; the broker (broker.h) moves commands between them.
 */
#ifndef CAPROCK_NVME_NVME_CTRL_H
#define CAPROCK_NVME_NVME_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cap/interrupt.h"
#include "kernel/core/kobj.h"
#include "kernel/core/kspin.h"
#include "lib/ratelimit.h"
#include "kernel/dma/dma.h"
#include "kernel/nvme/broker.h"
#include "kernel/nvme/irq_watch.h"
#include "kernel/pci/msi.h"
#include "kernel/pci/pci.h"
#include "lib/nvme_broker_check.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"
#include "lib/nvme_timeout.h"
#include "lib/poll_tune.h"

#define BROKER_MAX_NS		256	/* namespaces the manager identifies and brokers */
#define BROKER_MAX_SPACES	48	/* block sessions per controller (one inbox bit each) */

/*
 * An NVMe handle space other than the provider's pool: a block session's
 * region, and the LBA window of the device it serves.  A command whose data
 * pointer names the space must stay inside both (lib/nvme_broker_check.c).
 */
struct nvme_space {
	struct dma_pool *sp_region;	/* NULL until the client lends one */
	uint32_t sp_nsid;
	uint64_t sp_first_lba;
	uint64_t sp_blocks;
};
#define BROKER_VECTORS		4	/* admin + up to three I/O vectors */

struct nvme_ctrl {
	struct kobj nc_obj;		/* the DeviceMmio object */
	/*
	 * locking.h L8: the broker state below (queues, command tables, the
	 * DMA domain's ledger, handle spaces, namespaces, counters) and the
	 * device's registers are touched only under nc_lock.  A provider's
	 * doorbell work holds it without the BKL; everything else takes it
	 * after the BKL (nvme_ctrl_lock).
	 */
	struct kspin nc_lock;
	uint32_t nc_signals_owed;	/* vectors to signal once the BKL is held (broker_signal without it) */
	struct pci_dev *nc_pci;
	char nc_bdf[16];
	volatile uint8_t *nc_regs;
	uint64_t nc_reg_bytes;
	uint64_t nc_cap;
	uint32_t nc_dstrd;
	uint32_t nc_page_size;		/* CC.MPS the manager configures: CAP.MPSMIN */
	uint32_t nc_mqes;		/* CAP.MQES + 1 */
	uint16_t nc_admin_entries;	/* the device admin queue the manager creates */
	bool nc_amazon;			/* Amazon NVMe: DMA only below 2^48 */
	const char *nc_iommu_not_driven;	/* an IOMMU the kernel leaves alone (kernel/acpi/acpi.h), named on failures */
	uint32_t nc_lane;		/* enum dma_lane */
	const char *nc_irq_isolation;	/* "verified"/"unverified" once the domain's DMA steps passed, else NULL */
	const char *nc_lane_step;	/* the verification step that failed on this controller, or NULL */
	const char *nc_lane_why;
	bool nc_lane_verified;		/* its domain passed the DMA steps at this bind */
	struct dma_domain nc_dma;
	struct pci_irq_set nc_irqs;
	unsigned int nc_irq_cpu;		/* the CPU its interrupts go to (nvme_irq_steer; 0 until then) */
	struct irq_object *nc_irq_obj[BROKER_VECTORS];
	struct broker_vector {
		struct nvme_ctrl *bv_ctrl;
		uint32_t bv_index;
	} nc_vec[BROKER_VECTORS];
	uint32_t nc_nvectors;
	struct irq_watch nc_watch[BROKER_VECTORS];	/* interrupts that stop arriving (irq_watch.c) */
	bool nc_fault_irq;		/* fault.irq=: mask the vectors at the device once enabled */
	bool nc_fault_ctrl;		/* fault.ctrl=: cut its bus mastering once it has served a few commands */
	bool nc_fault_rdy;		/* fault.rdy=: the manager reads RDY as stuck at 1 after a disable, until a function reset */
	bool nc_fault_rdy_always;	/* fault.rdy=...:always: and after it */
	uint32_t nc_fault_rdy_late_ms;	/* fault.rdy_late=: the manager reads RDY as 0 this long after it sets CC.EN */
	/* timeouts.c: commands that do not complete, and the controller's fatal status */
	struct nvme_timeout_policy nc_to_policy;
	struct nvme_timeout_state nc_to_state;
	uint16_t nc_to_qid, nc_to_cid;	/* the command nc_to_state is about */
	uint64_t nc_to_since_ns;	/* and when it was sent: a command sent again under its id is new */
	uint64_t nc_to_next_ms;		/* the next look (the walk over every slot is not for every tick) */
	struct nvme_mgr_cmd nc_abort_cmd;
	/*
	 * Manager commands given up on (broker_mgr_exec's timeout) that the device
	 * still holds: their late completions land here, not in the caller's gone
	 * stack frame, and no manager command is sent while any is out (its data
	 * may still arrive in the manager's buffers).  A reset clears them.
	 */
	struct nvme_mgr_cmd nc_mgr_abandoned;
	uint32_t nc_mgr_abandoned_count;
	/* A namespace's size changed (identify.c's refresh, after spaces.c moved the windows); may be NULL. */
	void (*nc_ns_resized)(struct nvme_ctrl *c, uint32_t nsid, uint64_t old_blocks, uint64_t new_blocks);
	bool nc_vanished;		/* timeouts.c: CSTS and the vendor id read all ones: the function is gone */
	bool nc_detached;		/* nvme_detach ran: the hardware is not touched again */
	bool nc_detach_freed;		/* ... and it proved quiet or gone: its memory went back */
	const char *nc_reset_wanted;	/* set here, acted on by the supervisor: reset and replay */
	int nc_provider_pid;
	int nc_doorbell_pid;		/* direct lane: the process the doorbell page is mapped into, or 0 */
	uint64_t nc_direct_irqs;	/* direct lane: interrupts forwarded to the provider */

	/* What the manager learned with its own IDENTIFY commands (identify.c, I4). */
	bool nc_have_id;
	struct nvme_ctrl_info nc_id;
	uint8_t *nc_id_raw;		/* NVME_IDENTIFY_BYTES: IDENTIFY CONTROLLER as returned */
	uint32_t nc_ns_raw_nsid;	/* lowest active NSID; its IDENTIFY NAMESPACE page below */
	uint32_t nc_ns_zero;		/* listed ids whose IDENTIFY NAMESPACE says size 0 (GCP lists many) */
	uint8_t *nc_ns_raw;
	uint32_t nc_max_transfer;	/* bytes per command the broker allows */
	struct nvme_broker_ns *nc_ns;	/* BROKER_MAX_NS entries, nc_nns used */
	unsigned int nc_nns;
	uint32_t nc_ns_refreshing;	/* a namespace refresh is under way (I/O to namespaces waits) */
	struct nvme_mgr_cmd nc_refresh_cmd;
	/* One manager page pair for the manager's own commands. */
	uint64_t nc_mgr_buf_addr;
	uint8_t *nc_mgr_buf;
	/* Bind time only: the manager's own reads (mgr_io.c). */
	uint64_t nc_mgr_io_addr, nc_mgr_io_list_addr;
	uint8_t *nc_mgr_io_buf;
	uint64_t *nc_mgr_io_list;

	/* broker state, reset whenever the controller is */
	bool nc_enabled;		/* the manager set CC.EN and the queues are usable */
	bool nc_mgr_busy;		/* a kworker resets, identifies or shuts it down: the tick's looks leave it alone (BKL) */
	uint16_t nc_max_qid;		/* negotiated I/O queue ids, capped at BROKER_MAX_QID */
	uint32_t nc_incarnations;	/* SQ creations so far (I2) */
	struct broker_sq nc_sq[BROKER_MAX_QID + 1];
	struct broker_cq nc_cq[BROKER_MAX_QID + 1];
	bool nc_backlog;		/* shadow entries left when a budget ran out */
	bool nc_drain_backlog;		/* device completions left when a budget ran out */
	struct nvme_space *nc_spaces[BROKER_MAX_SPACES + 1];	/* handle space s; [0] is the pool */
	/* every pool range the provider ever used as a shadow SQ: its own writes, skipped by the audit */
	uint8_t *nc_shadow_sq_map;	/* one bit per 64-byte pool entry */
	uint8_t *nc_device_data_map;	/* one bit per pool page that received data from the device */

	/* counters */
	uint64_t nc_submitted, nc_completed, nc_refused, nc_doorbells, nc_irq_count, nc_spurious_irqs;
	uint64_t nc_dev_sq_doorbells, nc_dev_cq_doorbells;	/* MMIO doorbell writes the device saw */
	uint64_t nc_provider_calls;	/* the provider's NVMe system calls: the hang watchdog's sign of life */
	uint64_t nc_unmatched, nc_dropped_on_delete, nc_aborted_on_delete;
	/* nvme.poll= (kernel/nvme/poll.c): the device CQ looked at before a wait */
	struct poll_tune nc_poll_tune[BROKER_MAX_QID + 1];	/* per completion queue */
	uint64_t nc_poll_hits, nc_poll_misses;
	bool nc_io_cqs_polled;		/* nvme.poll=always: I/O CQs created without interrupts (poll.h) */
	uint64_t nc_irq_drains_unlocked;	/* interrupts that drained without the BKL (broker_irq) */
	uint64_t nc_device_ns, nc_device_cmds;	/* the provider's I/O commands: doorbell to completion taken */
	uint64_t nc_poll_tick_drains;	/* completions the tick found on them: the provider was not polling */
	struct ratelimit nc_refusal_log;
};

/* ctrl_lock.c: nc_lock (locking.h L8) */
void nvme_ctrl_lock(struct nvme_ctrl *c);
/*
 * Give nc_lock up.  Holding the BKL, first do what a section without it
 * owed (signals, last holds on pools); returns true when something is
 * still owed: the caller runs nvme_ctrl_settle once it holds the BKL.
 */
bool nvme_ctrl_unlock(struct nvme_ctrl *c);
void nvme_ctrl_settle(struct nvme_ctrl *c);
/*
 * What a section without the BKL owes, taken out of the controller with
 * holds of its own, for a caller that holds nothing that keeps the
 * controller alive once nc_lock is given up (an interrupt handler): the
 * controller may be released before the BKL is back, the debt is not.
 */
struct nvme_owed {
	struct irq_object *no_irq[BROKER_VECTORS];	/* to signal, each with a hold */
	unsigned int no_nirq;
	struct dma_pool *no_pools;			/* last holds to drop (dma_take_owed) */
};
void nvme_ctrl_unlock_owing(struct nvme_ctrl *c, struct nvme_owed *o);
/* Under the BKL: pay it. */
void nvme_owed_pay(struct nvme_owed *o);
static inline void nvme_ctrl_assert_locked(const struct nvme_ctrl *c) { kspin_assert_held(&c->nc_lock); }
static inline bool nvme_ctrl_locked_here(const struct nvme_ctrl *c) { return kspin_held(&c->nc_lock); }

/* regs.c (the host tests replace these with a device model) */
uint32_t nvme_read32(struct nvme_ctrl *c, uint32_t off);
uint64_t nvme_read64(struct nvme_ctrl *c, uint32_t off);
void nvme_write32(struct nvme_ctrl *c, uint32_t off, uint32_t v);
void nvme_write64(struct nvme_ctrl *c, uint32_t off, uint64_t v);
/* CC for the manager's configuration (page size CAP.MPSMIN, the NVM command set, 64/16-byte entries), EN clear. */
static inline uint32_t nvme_cc_config(const struct nvme_ctrl *c)
{
	uint32_t css = NVME_CAP_CSS(c->nc_cap) & NVME_CAP_CSS_NVM ? NVME_CC_CSS_NVM : NVME_CC_CSS_IOCS;
	uint32_t mps = (uint32_t)__builtin_ctz(c->nc_page_size) - 12;

	return css << NVME_CC_CSS_SHIFT | mps << NVME_CC_MPS_SHIFT |
	       (uint32_t)NVME_SQE_SIZE_LOG2 << NVME_CC_IOSQES_SHIFT | (uint32_t)NVME_CQE_SIZE_LOG2 << NVME_CC_IOCQES_SHIFT;
}
/* Wait for CSTS.RDY == want within CAP.TO; false (with an error line) on timeout. */
bool nvme_wait_ready(struct nvme_ctrl *c, bool want, const char *why);
/*
 * Between two looks at the device in a wait that began at since_ns, under
 * c's lock: park the kworker this runs in, giving the lock up meanwhile
 * (kworker.h), or wait us in place.
 */
void nvme_wait_pause(struct nvme_ctrl *c, uint64_t since_ns, uint32_t us);

/* lane_verify.c: the DMA steps of the IOMMU's positive verification, with this controller's own commands */
int nvme_verify_lane(struct nvme_ctrl *c);

/* spaces.c */
int nvme_space_register(struct nvme_ctrl *c, struct nvme_space *sp);
void nvme_space_unregister(struct nvme_ctrl *c, uint32_t id);
/*
 * The controller is let go while sessions may outlive it (a detach): on the
 * direct lane their regions leave the device's view first, so that its
 * domain can go; if it did not stop, each region is kept for good instead.
 */
void nvme_spaces_let_go(struct nvme_ctrl *c, bool stopped);
/* The pool a handle space names (0: the provider's pool), or NULL. */
struct dma_pool *nvme_space_pool(struct nvme_ctrl *c, uint32_t space);

/* identify.c: at bind the manager enables the controller with its own queues, learns it, then disables it. */
typedef int (*nvme_bind_scan_fn)(struct nvme_ctrl *c, void *ctx);
int nvme_identify_at_bind(struct nvme_ctrl *c, nvme_bind_scan_fn scan, void *scan_ctx);

/* mgr_io.c: the manager's own reads while it holds the controller at bind. */
int nvme_mgr_io_open(struct nvme_ctrl *c);
int nvme_mgr_read(struct nvme_ctrl *c, const struct nvme_broker_ns *ns, uint64_t lba, uint32_t count, void *out);
void nvme_mgr_io_free(struct nvme_ctrl *c);
const struct nvme_broker_ns *nvme_ns_find(const struct nvme_ctrl *c, uint32_t nsid);
/* An asynchronous event said namespaces changed: identify them again (I/O to them waits). */
void nvme_ns_refresh(struct nvme_ctrl *c);
/* nsid changed size (spaces.c): the sessions' windows follow, then nc_ns_resized is told. */
void nvme_spaces_resized(struct nvme_ctrl *c, uint32_t nsid, uint64_t old_blocks, uint64_t new_blocks);

#endif
