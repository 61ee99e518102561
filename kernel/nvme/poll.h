/*
 * kernel/nvme/poll.h - completion polling in SYS_NVME_RING_WAIT (nvme.poll=).
 *
 * Before the provider sleeps waiting for its queue's completions, the
 * manager looks at the device's completion queue itself for a while: a
 * completion found there is consumed as the interrupt would have consumed
 * it (broker_service_vector), and the wait returns at once, without the
 * idle halt, the interrupt's entry and the wake-up in its way.  The while
 * is learned (lib/poll_tune.h) in adaptive mode and the whole work budget
 * in always mode; either way the poll stops as soon as another process is
 * runnable on this CPU (sched_others_runnable) and never outlasts the
 * kernel's work budget for the stretch (IRQSOFF_WORK_US: interrupts are
 * off meanwhile).  Direct-lane I/O queues are the provider's own: not
 * polled here.
 *
 * In always mode a provider that polls without sleeping (waits of 0 ns)
 * has its I/O queue's MSI-X vector masked meanwhile, as Linux's poll
 * queues have no interrupt: the device keeps the message pending instead
 * of paying an interrupt per completion the poll has already consumed.
 * The vector is unmasked before the provider sleeps (a pending message is
 * delivered then), and by the tick once the provider stops calling (it
 * died, hangs or is descheduled); meanwhile the tick also drains the
 * vector's queues itself (I3: the manager drains every queue) and the
 * lost-interrupt watch leaves the vector alone.
 */
#ifndef CAPROCK_NVME_POLL_H
#define CAPROCK_NVME_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/nvme/nvme_ctrl.h"
#include "lib/cmdline.h"

void nvme_poll_set_mode(enum nvme_poll_choice mode);
enum nvme_poll_choice nvme_poll_mode(void);

struct nvme_poll_wait {
	uint64_t pw_start_ns;
	uint16_t pw_qid;
	bool pw_measure;		/* completions were outstanding: the wait's length teaches the tuner */
	bool pw_hit;			/* polling found one */
	bool pw_nonblocking;		/* a wait of 0 ns: the provider polls in user space */
};

/*
 * Called before a wait on qid's completions that would block for up to
 * timeout_ns (already_pending: the wait will return at once anyway).
 */
void nvme_poll_before_wait(struct nvme_ctrl *c, uint16_t qid, uint64_t timeout_ns, bool already_pending,
			   struct nvme_poll_wait *pw);
/* After the wait; completion: it ended because of a completion (the vector's signal). */
void nvme_poll_after_wait(struct nvme_ctrl *c, const struct nvme_poll_wait *pw, bool completion);
/* Under nc_lock: unmask every vector masked for polling. */
void nvme_poll_unmask(struct nvme_ctrl *c);
/* Under nc_lock, from the tick: drain masked vectors' queues; unmask them if the provider stopped calling. */
void nvme_poll_tick(struct nvme_ctrl *c);

#endif
