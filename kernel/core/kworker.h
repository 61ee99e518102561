/*
 * kernel/core/kworker.h - kernel work that waits on a device without
 * holding a lock while it waits (locking.h L6).
 *
 * A controller's reset and the manager's IDENTIFY after a provider died, a
 * hot-plugged controller's bind and a detached one's shutdown each wait on
 * the device for up to its own timeout: CAP.TO allows 127.5 s for CSTS.RDY,
 * a manager command gets 30 s, a shutdown 5 s.  Such work runs on a stack
 * of its own, a kworker.  Where it would wait longer than a short spin it
 * gives its controller's lock up and parks: the caller that resumed it (the
 * boot CPU's tick) returns at once, and the tick resumes it once its pause
 * is over.  Meanwhile every CPU, the boot CPU included, runs user code and
 * enters the kernel.  The same code run outside a kworker (the boot's
 * binds, before anything else runs) waits in place, as does a kworker told
 * to finish (the run's end needs the result now).
 *
 * A kworker runs under the BKL, which the CPU that resumes it holds; it is
 * resumed by one caller at a time, and a nested tick (an interrupt window
 * inside the work) finds it running and leaves it alone.  It parks only
 * holding no kspin.  What it works on is its owner's to keep from others
 * while it is parked (units.c, supervise.c: a state of the unit; manager.c:
 * the controller's nc_mgr_busy keeps the tick's looks off it).
 */
#ifndef CAPROCK_CORE_KWORKER_H
#define CAPROCK_CORE_KWORKER_H

#include <stdbool.h>
#include <stdint.h>

#define KWORKER_STACK_PAGES	8	/* the namespace walk keeps a 4 KiB list on the stack */
#define KWORKER_SPIN_US		200	/* a wait shorter than this spins in place: parking costs a tick */

enum kworker_state { KW_IDLE, KW_RUNNING, KW_PARKED };

struct kworker {
	const char *kw_what;		/* for the report line: restart, attach, detach */
	void (*kw_fn)(void *);
	void *kw_arg;
	uint64_t kw_stack;		/* physical base, KWORKER_STACK_PAGES long; 0 when idle */
	uint64_t kw_rsp;		/* its own stack while parked */
	uint64_t kw_resumer_rsp;	/* the resumer's while it runs */
	uint64_t kw_wake_ns;		/* parked until then */
	uint64_t kw_start_ns, kw_parked_ns;
	uint64_t kw_switches_meanwhile;	/* process switches while it was parked, all told */
	uint32_t kw_parks;
	uint8_t kw_state;		/* enum kworker_state */
	bool kw_finishing;		/* kworker_finish: no more parking */
};

/*
 * Run fn(arg) on a kworker of its own until it is done or parks.  True if
 * it is done.  Without memory for a stack it runs fn in place (and is done).
 */
bool kworker_run(struct kworker *w, const char *what, void (*fn)(void *), void *arg);
/* Resume w if it is parked and its pause is over.  True if it finished now. */
bool kworker_resume(struct kworker *w);
/* Run w to its end now, waiting in place from here on (never from below it: it must not be running). */
void kworker_finish(struct kworker *w);
/* Started and not done yet. */
static inline bool kworker_busy(const struct kworker *w) { return w->kw_state != KW_IDLE; }

/*
 * Inside work that waits on a device, between two looks at it: may this
 * wait, which began at since_ns, park now?  Only in a kworker not told to
 * finish, once the wait is older than KWORKER_SPIN_US, and holding no kspin
 * but those of the ranks in may_hold (which the caller gives up first).
 */
bool kworker_may_park(uint64_t since_ns, uint32_t may_hold);
/* Park for us microseconds (the tick may take longer); returns on resumption. */
void kworker_park(uint32_t us);

#endif
