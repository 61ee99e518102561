/*
 * kernel/nvme/supervise.c - start, watch and restart providers (see
 * supervise.h for what holds: S1-S4).
 *
 * A generation's life: spawn (pool, process, capabilities, the sessions'
 * provider ends) -> running -> it ends.  Asked to stop: stopped.  Else:
 * backoff -> CC.EN=0 -> wait for CSTS.RDY=0 from the tick -> audit the
 * dead pool, tear the broker down, identify afresh, record each session's
 * restart head -> spawn the next generation and wake the clients.
 */
#include "kernel/nvme/supervise.h"

#include "kernel/core/sched.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/cap/console.h"
#include "kernel/core/clock.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/user_images.h"
#include "kernel/dma/dma_pool.h"
#include "kernel/nvme/audit.h"
#include "kernel/nvme/manager.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/pci_reg.h"

#define container_of(p, type, member) ((type *)((char *)(p) - __builtin_offsetof(type, member)))

static const char reason_hang[] = "hang";

static const char *dev_name(const struct nvme_unit *u, char *buf, size_t n)
{
	if (u->u_sv.sv_nsessions)
		return u->u_sv.sv_sessions[0]->bs_dev.bd_name;
	fmt_snprintf(buf, n, "nvme%u", u->u_index);
	return buf;
}

static bool grant(struct proc *p, struct kobj *ko, uint32_t rights)
{
	return proc_grant(p, ko, rights) >= 0;
}

static void provider_exited(struct proc_outcome *o);

/*
 * Each provider on a CPU of its own where there are CPUs enough
 * (round-robin), its controller's interrupts steered there; a restarted
 * generation goes where its predecessor ran, its interrupts already there.
 */
static void place(struct nvme_unit *u)
{
	if (u->u_cpu >= 0) {
		sched_place_on(u->u_proc, (unsigned)u->u_cpu, SCHED_ROLE_PROVIDER);
		return;
	}
	u->u_cpu = (int)sched_place(u->u_proc, SCHED_ROLE_PROVIDER, -1);
	nvme_irq_steer(u->u_ctrl, (unsigned)u->u_cpu);
}

/* A process for the unit's current generation: its pool, its capabilities, every session's provider end. */
static bool spawn(struct nvme_unit *u)
{
	struct nvme_ctrl *c = u->u_ctrl;
	const struct user_image *img = user_image_find("nvme");
	char name[16];

	struct dma_pool *pool = dma_pool_create(CAP_TYPE_DMA_POOL, u->u_pool_bytes, SUPERVISE_POOL_MIN_BYTES,
						c->nc_dma.dd_limits.dl_max_addr, c->nc_lane);
	if (pool)
		pool->dp_iova_base = c->nc_dma.dd_pool_iova;	/* where the direct lane maps it (0 otherwise) */
	fmt_snprintf(name, sizeof(name), "nvme%u", u->u_index);
	u->u_proc = img && pool ? proc_create(name, img, &u->u_job, sizeof(u->u_job)) : NULL;
	bool ok = u->u_proc != NULL;
	ok = ok && grant(u->u_proc, &console_object, CAP_RIGHT_WRITE) &&
	     grant(u->u_proc, &c->nc_obj, CAP_RIGHT_READ | CAP_RIGHT_WRITE) &&
	     grant(u->u_proc, &pool->dp_obj, CAP_RIGHT_MAP) && grant(u->u_proc, &u->u_inbox->n_obj, CAP_RIGHT_WAIT);
	for (unsigned int i = 0; ok && i < c->nc_nvectors; i++) {
		irq_object_bind(c->nc_irq_obj[i], u->u_inbox, NVME_INBOX_IRQ);
		ok = grant(u->u_proc, &c->nc_irq_obj[i]->io_obj, CAP_RIGHT_WAIT);
	}
	for (unsigned int i = 0; ok && i < u->u_sv.sv_nsessions; i++)
		ok = grant(u->u_proc, &u->u_sv.sv_sessions[i]->bs_provider_obj, CAP_RIGHT_ALL);
	if (pool)
		kobj_put(&pool->dp_obj);	/* the provider holds it now (or nobody) */
	if (!ok) {
		kerror("nvme: error cannot start the provider of nvme%u bdf=%s generation=%u", u->u_index, c->nc_bdf,
		       u->u_sv.sv_generation);
		if (u->u_proc)
			proc_abandon(u->u_proc);
		u->u_proc = NULL;
		return false;
	}
	u->u_out = (struct proc_outcome){ 0 };
	u->u_proc->p_outcome = &u->u_out;
	u->u_proc->p_supervised = !u->u_worker;
	if (!u->u_worker)
		u->u_out.po_on_exit = provider_exited;
	c->nc_provider_pid = u->u_proc->p_pid;
	place(u);
	u->u_sv.sv_calls_seen = c->nc_provider_calls;
	u->u_sv.sv_idle_since_ns = 0;
	return true;
}

bool supervise_create(struct nvme_unit *u, const struct nvme_job *job, uint64_t pool_bytes)
{
	u->u_job = *job;
	u->u_job.j_generation = 1;
	u->u_cpu = -1;
	u->u_pool_bytes = pool_bytes;
	u->u_sv = (struct supervision){ .sv_generation = 1 };
	if (!spawn(u))
		return false;
	u->u_sv.sv_state = u->u_worker ? SV_IDLE : SV_RUNNING;
	return true;
}

void supervise_add_session(struct nvme_unit *u, struct block_session *s)
{
	/* The creation reference becomes the supervisor's: the end outlives each provider. */
	if (u->u_sv.sv_nsessions < BROKER_MAX_SPACES) {
		u->u_sv.sv_sessions[u->u_sv.sv_nsessions++] = s;
		s->bs_generation = u->u_sv.sv_generation;
		s->bs_ring->br_generation = u->u_sv.sv_generation;
	} else {
		kobj_put(&s->bs_provider_obj);
	}
}

void supervise_stopping(struct nvme_unit *u)
{
	u->u_sv.sv_stop_asked = true;
	if (u->u_sv.sv_state == SV_BACKOFF) {
		u->u_sv.sv_state = SV_STOPPED;	/* nothing reset yet: the stop's own shutdown takes the controller */
		u->u_sv.sv_recovery_cut = true;
	}
}

bool supervise_recovering(const struct nvme_unit *u)
{
	return u->u_sv.sv_state == SV_QUIESCING || u->u_sv.sv_state == SV_FLR;
}

/* The volume cannot be served: say so, and tell every client (their requests fail, nothing hangs). */
static void fail(struct nvme_unit *u, const char *why)
{
	struct supervision *sv = &u->u_sv;
	char buf[16];

	sv->sv_state = SV_FAILED;
	kerror("provider: failed dev=%s bdf=%s generation=%u restarts=%u reason=%s", dev_name(u, buf, sizeof(buf)),
	       u->u_ctrl->nc_bdf, sv->sv_generation, sv->sv_restarts, why);
	for (unsigned int i = 0; i < sv->sv_nsessions; i++) {
		struct block_session *s = sv->sv_sessions[i];
		s->bs_ring->br_flags |= BLOCK_RING_PROVIDER_GONE;
		notification_signal(s->bs_client_wake, 1);
	}
}

static void provider_exited(struct proc_outcome *o)
{
	struct nvme_unit *u = container_of(o, struct nvme_unit, u_out);
	struct supervision *sv = &u->u_sv;
	uint64_t now = clock_ns();
	char buf[16];

	u->u_proc = NULL;	/* a zombie now; the scheduler reaps it */
	bool ours = sv->sv_reason != NULL;	/* killed by the supervisor: hang, timeout, controller-fatal */
	if (sv->sv_stop_asked || (o->po_killed && !ours) || sv->sv_state != SV_RUNNING) {
		if (sv->sv_state == SV_RUNNING)
			sv->sv_state = SV_STOPPED;	/* what it was asked to do, or the run's deadline */
		return;
	}
	sv->sv_reason = ours ? sv->sv_reason : o->po_faulted ? "fault" : "exit";
	sv->sv_died_ns = now;
	kprintf("provider: died dev=%s bdf=%s generation=%u reason=%s status=%d", dev_name(u, buf, sizeof(buf)),
		u->u_ctrl->nc_bdf, sv->sv_generation, sv->sv_reason, o->po_status);
	if (now - sv->sv_window_ns > (uint64_t)SUPERVISE_WINDOW_MS * NSEC_PER_MSEC) {
		sv->sv_window_ns = now;
		sv->sv_recent = 0;
		sv->sv_backoff_ns = 0;
	}
	if (sv->sv_recent >= SUPERVISE_MAX_RESTARTS) {
		fail(u, "too-many-restarts");
		return;
	}
	sv->sv_state = SV_BACKOFF;
	sv->sv_at_ns = now + sv->sv_backoff_ns;		/* the first restart in a window: at once */
}

/* Before the next generation: what each session's ring says the dead one had taken. */
static uint32_t record_restart(struct nvme_unit *u, uint32_t gen)
{
	uint32_t lost = 0;

	for (unsigned int i = 0; i < u->u_sv.sv_nsessions; i++) {
		struct block_session *s = u->u_sv.sv_sessions[i];
		struct block_ring *r = s->bs_ring;
		/* The dead provider wrote these: believe them only within the ring's bounds. */
		uint32_t tail = r->br_submit_tail, head = r->br_submit_head;
		if (tail - head > BLOCK_RING_ENTRIES)
			r->br_submit_head = head = tail;	/* scribbled: everything posted was "taken" */
		if (r->br_ack_tail - r->br_ack_head > BLOCK_RING_ENTRIES)
			r->br_ack_tail = r->br_ack_head;	/* scribbled acks are not acks */
		/*
		 * Taken, never acknowledged, since the last restart: those before its
		 * head were that generation's to post again (counted then), not this one's.
		 */
		uint32_t from = r->br_ack_tail;
		if (s->bs_restart_head - from <= head - from)
			from = s->bs_restart_head;
		if (head - from <= BLOCK_RING_ENTRIES)
			lost += head - from;
		s->bs_restart_head = head;
		s->bs_generation = gen;
		s->bs_provider_pid = 0;			/* the new provider maps the ring again */
		__asm__ volatile("" : : : "memory");
		r->br_generation = gen;			/* the hint, after the record it points to */
	}
	return lost;
}

static void restart_identified(struct nvme_unit *u, bool serve);

static void restart_identify(void *arg)
{
	struct nvme_unit *u = arg;

	u->u_work_err = nvme_reidentify(u->u_ctrl);	/* S3: a fresh IDENTIFY */
}

/* The controller is quiet (RDY=0): free the dead generation, identify afresh, start the next one. */
static void restart_now(struct nvme_unit *u)
{
	struct nvme_ctrl *c = u->u_ctrl;

	nvme_ctrl_lock(c);
	nvme_audit_provider_memory(c);		/* the dead provider's pool, as at any release */
	broker_teardown(c);			/* S2: only now, RDY=0 */
	kfree(c->nc_shadow_sq_map);
	kfree(c->nc_device_data_map);
	c->nc_shadow_sq_map = c->nc_device_data_map = NULL;
	c->nc_doorbell_pid = 0;
	c->nc_reset_wanted = NULL;
	c->nc_to_state = (struct nvme_timeout_state){ 0 };
	c->nc_abort_cmd = (struct nvme_mgr_cmd){ 0 };
	if (u->u_sv.sv_stop_asked) {
		/* Asked to stop meanwhile (a detach, the run's end): quiet, and no next generation. */
		nvme_ctrl_unlock(c);
		u->u_sv.sv_state = SV_STOPPED;
		u->u_sv.sv_recovery_cut = true;
		return;
	}
	pci_set_command_bits(c->nc_pci, PCI_COMMAND_MASTER, 0);	/* a reset starts from a controller that may DMA */
	c->nc_mgr_busy = true;
	nvme_ctrl_unlock(c);
	/* S4: the IDENTIFY's waits park; the tick resumes it (units.c) and comes back here when done. */
	u->u_work_done = restart_identified;
	if (kworker_run(&u->u_work, "restart-identify", restart_identify, u))
		restart_identified(u, true);
}

/*
 * The fresh IDENTIFY is done: the next generation, with the same sessions;
 * none if the unit was asked to stop meanwhile or the run is ending.
 */
static void restart_identified(struct nvme_unit *u, bool serve)
{
	struct nvme_ctrl *c = u->u_ctrl;
	struct supervision *sv = &u->u_sv;
	char buf[16];

	c->nc_mgr_busy = false;
	if (u->u_work_err < 0) {
		fail(u, "identify-failed");
		return;
	}
	if (!serve || sv->sv_stop_asked) {
		sv->sv_state = SV_STOPPED;
		sv->sv_recovery_cut = true;
		return;
	}
	uint32_t gen = sv->sv_generation + 1;
	uint32_t lost = record_restart(u, gen);
	sv->sv_generation = gen;
	u->u_job.j_generation = gen;
	if (u->u_job.j_fault != FAULT_ALWAYS)
		u->u_job.j_fault = FAULT_NONE;	/* a restarted generation does not fault again */
	if (!spawn(u) || proc_start(u->u_proc) < 0) {
		fail(u, "cannot-start");
		return;
	}
	sv->sv_state = SV_RUNNING;
	sv->sv_flr_tried = false;
	sv->sv_restarts++;
	sv->sv_recent++;
	sv->sv_backoff_ns = sv->sv_backoff_ns ? sv->sv_backoff_ns * 2 : (uint64_t)SUPERVISE_BACKOFF_MS * NSEC_PER_MSEC;
	if (sv->sv_backoff_ns > (uint64_t)SUPERVISE_BACKOFF_CAP_MS * NSEC_PER_MSEC)
		sv->sv_backoff_ns = (uint64_t)SUPERVISE_BACKOFF_CAP_MS * NSEC_PER_MSEC;
	klog_recovery();
	kprintf("provider: restarted dev=%s generation=%u replayed=%u failed=0 reason=%s pid=%d bdf=%s restart_ms=%lu",
		dev_name(u, buf, sizeof(buf)), gen, lost, sv->sv_reason, u->u_proc->p_pid, c->nc_bdf,
		(clock_ns() - sv->sv_died_ns) / NSEC_PER_MSEC);
	sv->sv_reason = NULL;
	for (unsigned int i = 0; i < sv->sv_nsessions; i++)
		notification_signal(sv->sv_sessions[i]->bs_client_wake, 1);
}

/* S2: CC.EN=0 was written; RDY must drop within CAP.TO, or nothing is freed. */
static void quiesce_step(struct nvme_unit *u, uint64_t now)
{
	struct nvme_ctrl *c = u->u_ctrl;
	uint32_t csts = nvme_read32(c, NVME_CSTS);

	if (csts == 0xffffffffu) {
		fail(u, "controller-vanished");		/* its memory stays allocated: it may come back */
		return;
	}
	if (!(csts & NVME_CSTS_RDY) && !c->nc_fault_rdy) {
		u->u_sv.sv_state = SV_RESTARTING;
		restart_now(u);
		return;
	}
	if (now < u->u_sv.sv_at_ns)
		return;
	if (!u->u_sv.sv_flr_tried && pci_flr_capable(c->nc_pci)) {
		/* The reset of last resort short of giving the memory up: the function's own. */
		kprintf("nvme: controller did not stop bdf=%s csts=0x%x%s action=function-level-reset", c->nc_bdf,
			c->nc_fault_rdy ? csts | NVME_CSTS_RDY : csts, c->nc_fault_rdy ? " (fault.rdy)" : "");
		u->u_sv.sv_flr_tried = true;
		pci_save_config(c->nc_pci, &u->u_sv.sv_saved);
		pci_flr_initiate(c->nc_pci);
		c->nc_fault_rdy = c->nc_fault_rdy_always;	/* what fault.rdy simulates ends with the reset (unless :always) */
		u->u_sv.sv_state = SV_FLR;
		u->u_sv.sv_at_ns = now + (uint64_t)PCI_FLR_WAIT_MS * NSEC_PER_MSEC;
		return;
	}
	/* Not quiet: no DMA from it again, and its pages stay out of the allocator. */
	pci_set_command_bits(c->nc_pci, 0, PCI_COMMAND_MASTER);
	kerror("nvme: error controller did not stop bdf=%s csts=0x%x; bus mastering off, its memory quarantined",
	       c->nc_bdf, csts);
	fail(u, "controller-would-not-stop");
}

/* PCI_FLR_WAIT_MS after the FLR: the function's configuration back, then is it quiet now? */
static void flr_step(struct nvme_unit *u, uint64_t now)
{
	struct nvme_ctrl *c = u->u_ctrl;

	if (now < u->u_sv.sv_at_ns)
		return;
	pci_restore_config(c->nc_pci, &u->u_sv.sv_saved);
	pci_irq_restore(c->nc_pci, &c->nc_irqs);
	uint32_t csts = nvme_read32(c, NVME_CSTS) | (c->nc_fault_rdy ? NVME_CSTS_RDY : 0);
	kprintf("nvme: function level reset bdf=%s csts=0x%x result=%s", c->nc_bdf, csts,
		csts != 0xffffffffu && !(csts & NVME_CSTS_RDY) ? "quiet" : "not-quiet");
	if (csts == 0xffffffffu || (csts & NVME_CSTS_RDY)) {
		pci_set_command_bits(c->nc_pci, 0, PCI_COMMAND_MASTER);
		kerror("nvme: error controller did not stop bdf=%s csts=0x%x after a function level reset; bus mastering off, its memory quarantined",
		       c->nc_bdf, csts);
		fail(u, "controller-would-not-stop");
		return;
	}
	u->u_sv.sv_state = SV_RESTARTING;
	restart_now(u);
}

/*
 * Requests posted and not acknowledged, and no call from the provider for
 * SUPERVISE_HANG_MS.  A provider waiting on a slow device still calls:
 * its ring wait returns at least once a second (drivers/nvme/serve.c), so
 * an EBS stall is not a hang; only a provider that stopped is.
 */
static void watch_progress(struct nvme_unit *u, uint64_t now)
{
	struct supervision *sv = &u->u_sv;
	uint64_t calls = u->u_ctrl->nc_provider_calls;
	uint32_t waiting = 0;
	char buf[16];

	if (calls != sv->sv_calls_seen) {
		sv->sv_calls_seen = calls;
		sv->sv_idle_since_ns = 0;
		return;
	}
	for (unsigned int i = 0; i < sv->sv_nsessions; i++) {
		const struct block_ring *r = sv->sv_sessions[i]->bs_ring;
		uint32_t posted = r->br_submit_tail - r->br_ack_tail;
		if (!(r->br_flags & BLOCK_RING_CLIENT_GONE) && posted <= 2 * BLOCK_RING_ENTRIES)
			waiting += posted;
	}
	if (!waiting) {
		sv->sv_idle_since_ns = 0;
		return;
	}
	if (!sv->sv_idle_since_ns) {
		sv->sv_idle_since_ns = now;
		return;
	}
	/*
	 * A mark later than now (seen with four CPUs under load: the tick's clock read and the mark
	 * disagree by under a millisecond) is no time idle, never 2^64 ns of it.
	 */
	if (now <= sv->sv_idle_since_ns ||
	    now - sv->sv_idle_since_ns < (uint64_t)SUPERVISE_HANG_MS * NSEC_PER_MSEC || !u->u_proc)
		return;
	kprintf("provider: hung dev=%s bdf=%s generation=%u waiting_requests=%u no_call_ms=%lu action=kill",
		dev_name(u, buf, sizeof(buf)), u->u_ctrl->nc_bdf, sv->sv_generation, waiting,
		(now - sv->sv_idle_since_ns) / NSEC_PER_MSEC);
	sv->sv_reason = reason_hang;
	sv->sv_idle_since_ns = 0;
	proc_kill(u->u_proc, "hang");
}

void supervise_tick(struct nvme_unit *units, unsigned int n)
{
	uint64_t now = clock_ns();

	for (unsigned int i = 0; i < n; i++) {
		struct nvme_unit *u = &units[i];
		if (!u->u_ctrl)
			continue;
		switch (u->u_sv.sv_state) {
		case SV_RUNNING:
			if (u->u_ctrl->nc_reset_wanted && u->u_proc && !u->u_sv.sv_reason) {
				/* timeouts.c gave up on a command, or the controller is fatal: reset and replay. */
				char buf[16];
				u->u_sv.sv_reason = u->u_ctrl->nc_reset_wanted;
				kprintf("provider: controller reset dev=%s bdf=%s generation=%u reason=%s action=kill",
					dev_name(u, buf, sizeof(buf)), u->u_ctrl->nc_bdf, u->u_sv.sv_generation,
					u->u_sv.sv_reason);
				proc_kill(u->u_proc, u->u_sv.sv_reason);
			} else if (!u->u_sv.sv_stop_asked) {
				watch_progress(u, now);
			}
			break;
		case SV_BACKOFF:
			if (now >= u->u_sv.sv_at_ns) {
				nvme_provider_reset(u->u_ctrl);	/* CC.EN=0: the queues die with it */
				u->u_sv.sv_state = SV_QUIESCING;
				u->u_sv.sv_at_ns = now + (uint64_t)(NVME_CAP_TO(u->u_ctrl->nc_cap) ? NVME_CAP_TO(u->u_ctrl->nc_cap) : 1) *
							 500 * NSEC_PER_MSEC;
			}
			break;
		case SV_QUIESCING:
			quiesce_step(u, now);
			break;
		case SV_FLR:
			flr_step(u, now);
			break;
		default:
			break;
		}
	}
}

bool supervise_finish(struct nvme_unit *u)
{
	struct supervision *sv = &u->u_sv;

	for (unsigned int i = 0; i < sv->sv_nsessions; i++)
		kobj_put(&sv->sv_sessions[i]->bs_provider_obj);
	sv->sv_nsessions = 0;
	return sv->sv_state != SV_FAILED;
}
