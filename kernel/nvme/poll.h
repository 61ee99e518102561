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
 * In always mode the provider polls while it has commands out (waits of
 * 0 ns), so its I/O completion queues are created without interrupts
 * (IEN=0), as Linux's poll queues are: the device signals nothing for a
 * completion the poll consumes anyway.  Whatever the polls leave (the
 * provider sleeps, hangs or died) the tick drains (I3: the manager drains
 * every queue), counted as tick_drains at release, and the lost-interrupt
 * watch does not expect interrupts from those queues.  A wait on such a
 * queue with commands out does not sleep (only the tick, every 4 ms, would
 * end the sleep): the spin is the wait, then the call gives way to other
 * runnable processes and returns to be asked again (the caller loops, as
 * on a timeout); a call that does not wait takes what the device posted
 * (nvme_poll_look), and so does a wait that does not spin because others
 * are runnable on this CPU (else only the tick would, 4 ms later).  The
 * admin queue keeps its interrupt.
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
	uint64_t pw_wait_ns;		/* how long the wait may sleep: the caller's, or 0 on a polled queue */
	uint16_t pw_qid;
	bool pw_measure;		/* completions were outstanding: the wait's length teaches the tuner */
	bool pw_hit;			/* polling found one */
	bool pw_gives_way;		/* the call does not sleep: yield to whoever else is runnable here */
};

/*
 * Called before a wait on qid's completions that would block for up to
 * timeout_ns (already_pending: the wait will return at once anyway).
 */
void nvme_poll_before_wait(struct nvme_ctrl *c, uint16_t qid, uint64_t timeout_ns, bool already_pending,
			   struct nvme_poll_wait *pw);
/*
 * A call that does not wait (doorbells only) on a queue without interrupts:
 * what the device posted is taken now, as an interrupt would have.
 */
void nvme_poll_look(struct nvme_ctrl *c, uint16_t qid);
/* After the wait; completion: it ended because of a completion (the vector's signal). */
void nvme_poll_after_wait(struct nvme_ctrl *c, const struct nvme_poll_wait *pw, bool completion);
/* Under nc_lock, from the tick: drain the completion queues without interrupts (cq_polled). */
void nvme_poll_tick(struct nvme_ctrl *c);

#endif
