/*
 * kernel/nvme/nvme_ctrl.h - the manager's state for one NVMe controller.
 *
 * The manager (kernel) owns every address-bearing register and every
 * device-visible queue.  The provider drives shadow queues in its DMAPool;
 * the broker mirrors each shadow queue with a device queue in manager
 * memory and moves entries between them (broker_submit.c, broker_complete.c).
 */
#ifndef CAPROCK_NVME_NVME_CTRL_H
#define CAPROCK_NVME_NVME_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cap/interrupt.h"
#include "kernel/core/kobj.h"
#include "kernel/dma/dma.h"
#include "kernel/dma/dma_select.h"
#include "kernel/pci/msi.h"
#include "kernel/pci/pci.h"
#include "lib/nvme_broker_check.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"

#define BROKER_MAX_QID		16	/* I/O queue ids 1..16 */
#define BROKER_MAX_NS		64	/* namespaces remembered from IDENTIFY (the provider tracks 32) */
#define BROKER_MAX_TRANSFER	(2u << 20)
#define BROKER_VECTORS		4	/* admin + up to three I/O vectors */

/* One in-flight command; its index in the queue's table is the CID the device sees. */
struct broker_cmd {
	bool bc_busy;
	uint16_t bc_provider_cid;
	struct nvme_broker_plan bc_plan;
	struct dma_buffer bc_dma;	/* the data buffer */
	struct dma_buffer bc_md;	/* a separate metadata buffer (MPTR), if any */
};

struct broker_sq {
	bool sq_live;			/* created on the device and accepting commands */
	bool sq_pending;		/* CREATE or DELETE in flight */
	uint16_t sq_qid, sq_size, sq_cqid;
	/* the device's ring, in manager memory */
	uint64_t sq_phys;
	struct nvme_sqe *sq_ring;
	uint16_t sq_tail;		/* next slot we fill */
	uint16_t sq_head;		/* as the device last reported (CQE.SQHD) */
	/* the provider's shadow ring, by pool handle */
	uint64_t sq_shadow;
	uint16_t sq_shadow_head;	/* next shadow entry to take */
	uint16_t sq_shadow_tail;	/* provider's last doorbell value */
	/* command slots */
	struct broker_cmd *sq_cmds;	/* sq_size entries */
	uint16_t *sq_free;		/* stack of free slot indices */
	uint16_t sq_nfree;
};

struct broker_cq {
	bool cq_live;
	bool cq_pending;
	uint16_t cq_qid, cq_size, cq_iv;
	bool cq_ien;
	uint64_t cq_phys;
	struct nvme_cqe *cq_ring;
	uint16_t cq_head;
	uint16_t cq_phase;		/* the phase tag of new entries */
	uint64_t cq_shadow;
	uint16_t cq_shadow_tail;	/* next shadow slot we write */
	uint16_t cq_shadow_phase;
	uint16_t cq_shadow_head;	/* provider's last doorbell value */
};

struct nvme_ctrl {
	struct kobj nc_obj;		/* the DeviceMmio object */
	struct pci_dev *nc_pci;
	volatile uint8_t *nc_regs;
	uint64_t nc_reg_bytes;
	uint64_t nc_cap;
	uint32_t nc_dstrd;
	uint32_t nc_page_size;		/* CC.MPS the manager configures: CAP.MPSMIN */
	uint32_t nc_mqes;		/* CAP.MQES + 1 */
	bool nc_amazon;			/* Amazon NVMe: DMA only below 2^48 */
	struct dma_selection nc_dma_sel;
	struct dma_domain nc_dma;
	struct pci_irq_set nc_irqs;
	struct irq_object *nc_irq_obj[BROKER_VECTORS];
	struct broker_vector {
		struct nvme_ctrl *bv_ctrl;
		uint32_t bv_index;
	} nc_vec[BROKER_VECTORS];
	bool nc_intx_masked;		/* INTx held off while a shadow CQ is full (level-triggered) */
	uint32_t nc_nvectors;
	int nc_provider_pid;

	/* broker state, reset whenever the controller is */
	bool nc_enabled;		/* the manager set CC.EN */
	uint16_t nc_max_qid;		/* negotiated I/O queue ids, capped at BROKER_MAX_QID */
	uint32_t nc_max_transfer;	/* bytes per command; 0 until IDENTIFY CONTROLLER */
	struct broker_sq nc_sq[BROKER_MAX_QID + 1];
	struct broker_cq nc_cq[BROKER_MAX_QID + 1];
	struct nvme_broker_ns nc_ns[BROKER_MAX_NS];
	unsigned int nc_nns;

	/* what IDENTIFY CONTROLLER returned through the broker (kept for classification) */
	bool nc_have_id;
	struct nvme_ctrl_info nc_id;
	uint8_t nc_id_raw[NVME_IDENTIFY_BYTES];
	uint32_t nc_ns_raw_nsid;	/* lowest active NSID seen; its IDENTIFY NAMESPACE page below */
	uint8_t nc_ns_raw[NVME_IDENTIFY_BYTES];

	/* counters */
	uint64_t nc_submitted, nc_completed, nc_refused, nc_doorbells, nc_irq_count, nc_spurious_irqs;
};

/* manager.c */
uint32_t nvme_read32(struct nvme_ctrl *c, uint32_t off);
uint64_t nvme_read64(struct nvme_ctrl *c, uint32_t off);
void nvme_write32(struct nvme_ctrl *c, uint32_t off, uint32_t v);
void nvme_write64(struct nvme_ctrl *c, uint32_t off, uint64_t v);
/* Wait for CSTS.RDY == want within CAP.TO; false (with an error line) on timeout. */
bool nvme_wait_ready(struct nvme_ctrl *c, bool want, const char *why);

/* broker_queues.c */
int broker_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req);
void broker_reset_claim(struct nvme_ctrl *c);
/* Free every queue and mapping; only once the controller is disabled (RDY = 0). */
void broker_teardown(struct nvme_ctrl *c);
struct nvme_broker_view broker_view(struct nvme_ctrl *c);
int broker_queue_begin(struct nvme_ctrl *c, const struct nvme_broker_plan *p);
void broker_queue_finish(struct nvme_ctrl *c, const struct nvme_broker_plan *p, bool ok, uint32_t dw0);
const struct nvme_broker_ns *broker_ns(struct nvme_ctrl *c, uint32_t nsid);

/* broker_submit.c */
int broker_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t tail);
void broker_submit_pending(struct nvme_ctrl *c);

/* broker_complete.c */
int broker_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint16_t head);
void broker_irq(void *ctx, unsigned int cpu_vector);
/* Post a completion the broker made itself (refusals, answered aborts); false if the shadow CQ is full. */
bool broker_post(struct nvme_ctrl *c, struct broker_cq *cq, const struct nvme_cqe *e);
bool broker_shadow_cq_has_room(const struct broker_cq *cq);
void broker_signal(struct nvme_ctrl *c, struct broker_cq *cq);

#endif
