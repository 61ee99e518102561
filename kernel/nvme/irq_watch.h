/*
 * kernel/nvme/irq_watch.h - interrupts that stop arriving.
 *
 * On some cloud instance types a guest's interrupts stop being delivered
 * (an exhausted interrupt budget; Linux then waits 60 s per command and
 * logs "completion polled").  The manager watches each vector: a brokered
 * completion queue holding a posted, unconsumed entry while no interrupt
 * arrived on its vector for IRQ_LOST_AFTER_MS means the interrupts are
 * lost.  It says so once and serves that vector from the timer tick (and
 * from every CQ head doorbell, as always) until an interrupt arrives again.
 */
#ifndef CAPROCK_NVME_IRQ_WATCH_H
#define CAPROCK_NVME_IRQ_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_LOST_AFTER_MS	25	/* posted and unserved this long with no interrupt: lost */
#define IRQ_LOST_AFTER_OPENS	4	/* ... and its CPU let interrupts in this often meanwhile */

struct nvme_ctrl;

/* Per vector, in struct nvme_ctrl. */
struct irq_watch {
	uint64_t iw_irqs;		/* interrupts delivered on this vector */
	uint64_t iw_seen;		/* iw_irqs at the previous look */
	uint64_t iw_arrivals_seen;	/* irq_vector_arrivals of its CPU vector then */
	uint64_t iw_posted_ns;		/* since when a posted entry waits with no interrupt; 0: none */
	uint64_t iw_opens_at;		/* the target CPU's cpu_irq_opens then: it must have taken interrupts since */
	bool iw_polling;		/* declared lost: served from the tick */
	uint32_t iw_episodes;		/* times declared lost */
	uint64_t iw_polls;		/* ticks that served it while polling */
	uint64_t iw_polled;		/* completions those ticks found */
};

/* From the timer tick, for a controller with its queues enabled. */
void nvme_irq_watch_tick(struct nvme_ctrl *c);
/* fault.irq=: mask c's vectors at the device, behind the interrupt code's back. */
void nvme_irq_fault_mask(struct nvme_ctrl *c);
/* Once per controller at release: how the watch went (nothing if it never fired). */
void nvme_irq_watch_report(const struct nvme_ctrl *c);

#endif
