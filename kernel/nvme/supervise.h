/*
 * kernel/nvme/supervise.h - a provider per controller, kept alive.
 *
 * The supervisor starts each controller's provider and watches it.  A
 * provider that faults, exits when it was not asked to, or holds work
 * without progress (the hang watchdog) is replaced: the controller is
 * proven quiet first (CC.EN=0 and CSTS.RDY=0 within CAP.TO), the dead
 * provider's memory audited and every queue, slot and staging page of its
 * generation freed, the manager identifies the controller afresh, and a
 * new provider (the next generation) gets the same sessions.  Restarts
 * back off (at once, then doubling up to a cap); too many in a window and
 * the volume is declared failed, its clients told (PROVIDER_GONE).
 *
 * The invariants of survival, next to I1-I7 (broker.h) and D1-D6
 * (lane_direct.h):
 *
 *  S1 Requests are owned outside the provider.  A client's request stays
 *     the client's (lib/block_replay.c) until its ack; a provider acks a
 *     write only after the device completed it, a flush only after the
 *     flush completed.  After a restart a client posts again exactly the
 *     requests the dead provider had taken without an ack (the ring
 *     position it had taken up to is the kernel's record, bi_restart_head),
 *     each at most BLOCK_REPLAY_MAX times, then fails it with CR_EIO.  An
 *     acknowledged request is never posted again.
 *  S2 No page the device could target is reused until the controller is
 *     proven quiet: nothing of the dead generation is freed before
 *     CSTS.RDY reads 0 after CC.EN=0.  If RDY never drops within CAP.TO,
 *     the function is reset (FLR, where it has it) and RDY read again;
 *     if that fails too, bus mastering is turned off and the controller's
 *     memory is kept (quarantined, reported), never freed; the volume is
 *     failed.
 *  S3 A new provider starts from a controller reset and a fresh manager
 *     IDENTIFY; it inherits no queue, no CID and no page of its
 *     predecessor (broker_teardown runs between generations, the pool is
 *     new, the doorbell page is mapped again).
 *  S4 One controller's recovery never stalls another's I/O: every wait of
 *     a restart is a state advanced from the timer tick (the backoff,
 *     RDY=0, the FLR), and the fresh IDENTIFY (enable, RDY=1, the manager's
 *     commands, disable) runs in a kworker that parks through any wait
 *     longer than KWORKER_SPIN_US holding no lock (kernel/core/kworker.h,
 *     the unit's u_work); the tick resumes it and, once it is done, starts
 *     the generation.
 *
 * Concurrency: under the big kernel lock (kernel/core/locking.h); the exit
 * callback and the boot CPU's tick are the only entry points, and neither
 * sleeps.  The release audit may open interrupt
 * windows (kernel/core/irqsoff.c), and the IDENTIFY's kworker parks, so a
 * restart in progress is a state of its own (SV_RESTARTING) that a nested
 * tick leaves alone but for resuming the kworker, and the controller is
 * marked nc_mgr_busy for the manager's tick.  A detach waits for it
 * (units.c); at the run's end it is finished in place and starts nothing.
 */
#ifndef CAPROCK_NVME_SUPERVISE_H
#define CAPROCK_NVME_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/nvme_provider.h"
#include "kernel/block/session.h"
#include "kernel/cap/notification.h"
#include "kernel/core/kworker.h"
#include "kernel/core/proc.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "kernel/pci/flr.h"

#define SUPERVISE_MAX_RESTARTS	4		/* in SUPERVISE_WINDOW_MS: more, and the volume has failed */
#define SUPERVISE_WINDOW_MS	60000
#define SUPERVISE_BACKOFF_MS	100		/* the second restart waits this long, then doubling */
#define SUPERVISE_BACKOFF_CAP_MS 3200
#define SUPERVISE_HANG_MS	3000		/* work waiting, no provider call this long: hung */
#define SUPERVISE_POOL_MIN_BYTES (512u << 10)	/* a pool smaller than this cannot hold rings and identify pages */

enum supervise_state {
	SV_IDLE,		/* no provider (bench worker, or not started) */
	SV_RUNNING,
	SV_BACKOFF,		/* dead; waiting before the reset */
	SV_QUIESCING,		/* CC.EN=0 written; waiting for CSTS.RDY=0 */
	SV_FLR,			/* RDY never dropped: a Function Level Reset is under way */
	SV_RESTARTING,		/* quiet; the next generation is being made (the audit may open interrupt windows,
				 * the fresh IDENTIFY may park its kworker) */
	SV_STOPPED,		/* ended when asked to */
	SV_FAILED,		/* declared failed; clients told */
};

struct supervision {
	enum supervise_state sv_state;
	uint32_t sv_generation;		/* of the provider running or last run */
	const char *sv_reason;		/* why the last one ended: fault, exit, hang */
	uint32_t sv_restarts;		/* successful restarts, all told */
	uint32_t sv_recent;		/* restarts in the current window */
	uint64_t sv_window_ns;		/* when the window began */
	uint64_t sv_backoff_ns;
	uint64_t sv_at_ns;		/* when the current state's wait ends */
	uint64_t sv_died_ns;
	uint64_t sv_calls_seen;		/* the provider's kernel calls at the last look (hang watchdog) */
	uint64_t sv_idle_since_ns;	/* work waiting with no call since then; 0: none */
	bool sv_stop_asked;
	bool sv_recovery_cut;		/* a dead generation's restart not made: the stop came first */
	bool sv_flr_tried;		/* this quiesce already reset the function */
	struct pci_saved_config sv_saved;	/* the function's header, for after the FLR */
	struct block_session *sv_sessions[BROKER_MAX_SPACES];	/* each holds a reference on its provider end */
	unsigned int sv_nsessions;
};

/* One controller's serving process and what supervises it. */
struct nvme_unit {
	unsigned int u_index;		/* the 0 of nvme0 */
	struct nvme_ctrl *u_ctrl;	/* NULL: not bound */
	struct notification *u_inbox;	/* outlives providers: sessions signal it */
	struct proc *u_proc;		/* the current generation, NULL when none runs */
	struct proc_outcome u_out;
	struct nvme_job u_job;
	bool u_worker;			/* runs a job of its own (in-provider bench): not restarted */
	uint64_t u_pool_bytes;
	struct supervision u_sv;
	int u_cpu;			/* where its providers run (sched_place), with its interrupts; -1: not placed */
	/*
	 * The unit's kworker (the waits on the device park), one piece of work
	 * at a time: a restart's IDENTIFY (supervise.c), a hot-plugged
	 * controller's bind, a detached one's shutdown (units.c).  units.c
	 * resumes it from the tick and finishes it in place when the run is
	 * over; u_work_done follows it (serve: false once the run is ending).
	 */
	struct kworker u_work;
	void (*u_work_done)(struct nvme_unit *u, bool serve);
	int u_work_err;			/* the restart's IDENTIFY */
	struct pci_dev *u_attach_pci;	/* being bound (hot-plug): its slot is taken */
	struct nvme_ctrl *u_bound;	/* what the bind returned */
	const char *u_detach_asked;	/* a detach or a removal while it was being bound */
	bool u_detach_freed;		/* what the detach's nvme_detach returned */
	uint32_t u_detach_failed;	/* requests its clients fail */
	char u_detach_devs[96];		/* its block devices, for the line */
	/* Hot-removal (kernel/nvme/units.c): the provider is stopping, then the controller goes. */
	bool u_detaching;
	bool u_detached;		/* done: u_ctrl is NULL, the slot ejected */
	const char *u_detach_why;	/* eject-request | vanished */
	uint64_t u_detach_from_ns, u_detach_deadline_ns;
};

/* Start generation 1 of u's provider (created, granted, not yet started). */
bool supervise_create(struct nvme_unit *u, const struct nvme_job *job, uint64_t pool_bytes);
/* A session of u's controller: the supervisor keeps its provider end across generations. */
void supervise_add_session(struct nvme_unit *u, struct block_session *s);
/*
 * The run is ending or the unit detaching: providers that exit now are not
 * restarted.  A dead one waiting out its back-off is stopped at once (its
 * controller left to whoever asked); a reset or FLR under way is seen
 * through, but no next generation follows it.
 */
void supervise_stopping(struct nvme_unit *u);
/* A reset or FLR of a dead generation is under way: the controller is the supervisor's until it ends. */
bool supervise_recovering(const struct nvme_unit *u);
/* The tick: restarts in progress, the hang watchdog. */
void supervise_tick(struct nvme_unit *units, unsigned int n);
/* At the end: drop the session references; true if the provider ended well (failed: false). */
bool supervise_finish(struct nvme_unit *u);

#endif
