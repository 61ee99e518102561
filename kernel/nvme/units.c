/*
 * kernel/nvme/units.c - every NVMe controller on the bus, each served by a
 * provider process of its own, and the clients that use them.
 *
 * A unit is one controller's lifecycle: bind (the manager identifies it and
 * reads its partition tables), a provider holding only that controller's
 * capabilities, supervision, classification, release.  One unit's failure
 * (bind error, provider fault) is reported and does not stop the others;
 * the run status says so.  Clients get BlockDevice capabilities by policy:
 * the device the command line names (nvme.dev=, default the first
 * namespace of the first controller) gets the jobs; every other controller
 * gets a client that reads its LBA 0, so that each controller's data path
 * is shown working.  On Nitro every EBS volume is its own controller
 * (DESIGN.md §6): 28 or more of them on the large types.
 *
 * In mode=serve volumes also come and go (EBS attach-volume and
 * detach-volume, kernel/acpi/pci_hotplug.c): from the timer tick, a slot
 * that got a device is rescanned and its controller bound, served and
 * given a proof client like one found at boot; a slot whose device should
 * go, or a controller that vanished, is detached: provider stopped (killed
 * if it vanished or does not stop in DETACH_STOP_MS), its clients' pending
 * requests failed, the controller shut down, its memory freed once it is
 * quiet, then the slot ejected.  Bind and shutdown are polled work on the
 * tick (bounded by their timeouts), as a restart's IDENTIFY is.  Units
 * are never reused: NVME_MAX_UNITS bounds the attaches of one run.
 */
#include "kernel/nvme/units.h"

#include "include/abi/block_job.h"
#include "include/abi/cap.h"
#include "include/abi/nvme_provider.h"
#include "kernel/acpi/pci_hotplug.h"
#include "kernel/acpi/power_button.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/block/block_dev.h"
#include "kernel/block/gpt_scan.h"
#include "kernel/block/session.h"
#include "kernel/cap/console.h"
#include "kernel/cap/notification.h"
#include "kernel/core/clock.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "kernel/core/sched.h"
#include "kernel/core/serve.h"
#include "kernel/core/user_images.h"
#include "kernel/dma/dma_select.h"
#include "kernel/nvme/classify.h"
#include "kernel/nvme/manager.h"
#include "kernel/nvme/poll.h"
#include "kernel/nvme/supervise.h"
#include "kernel/pci/msi.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pcie_hotplug.h"
#include "lib/bits.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define NVME_MAX_UNITS		64
#define POOL_SERVE_BYTES	(1u << 20)	/* rings, identify and metadata pages */
#define POOL_OWN_IO_BYTES	(8u << 20)	/* plus its own data buffers (bench, hostile) */
#define STAGING_MAX_BYTES	(4u << 20)
#define REGION_MIN_BYTES	(256u << 10)
#define REGION_MAX_BYTES	(8u << 20)
#define DETACH_STOP_MS		5000	/* an orderly stop's grace before the provider is killed */
#define CLIENT_MAX_DEVS		((CAP_SLOTS - 2) / 2)	/* console and wake-up, then a session and a Region each */

struct nvme_client {
	struct proc *cl_proc;
	struct proc_outcome cl_out;
	struct block_job cl_job;
	struct notification *cl_wake;
	unsigned int cl_ndevs;
	struct block_dev *cl_devs[CMDLINE_MAX_BENCH_DEVS];
	char cl_name[16];
	bool cl_detached;		/* its volume was hot-removed: errors are what it was owed */
	unsigned int cl_part, cl_parts;	/* bench.clients=per-device: its share of the benchmark (0: the only client) */
};

static struct block_dev *first_device_of(const struct nvme_ctrl *c);

static struct nvme_unit units[NVME_MAX_UNITS];
static unsigned int nunits;
static struct nvme_client clients[NVME_MAX_UNITS];
static unsigned int nclients;
static unsigned int workers_alive;	/* clients and bench providers still running, and binds of hot-plugged controllers */
static bool serving;			/* mode=serve: stop only on the button or serve.seconds */
static bool serve_ended;
static uint64_t serve_deadline_ns, serve_from_ns;
static uint32_t serve_seconds;
static const struct boot_options *run_opts;	/* for units bound later (hot-plug) */
static struct dma_selection run_sel;
static bool pcie_ready;			/* native hot-plug slots found (q35 root ports) */

/* Ask every provider to finish its in-flight I/O, flush and exit. */
static void stop_providers(const char *why)
{
	for (unsigned int i = 0; i < nunits; i++) {
		supervise_stopping(&units[i]);
		if (units[i].u_inbox)
			notification_signal(units[i].u_inbox, NVME_INBOX_STOP);
	}
	(void)why;
}

static void hotplug_tick(void);

static void units_work_tick(void);
static void units_work_settle(void);

static void units_tick(void)
{
	supervise_tick(units, nunits);
	units_work_tick();
	hotplug_tick();
}

/* mode=serve: the jobs are done; stay up until the button or serve.seconds. */
static void serve_begin(void)
{
	if (serve_from_ns || serve_ended)
		return;		/* once: a hot-added volume's client ends later; nothing to wait for after the end */
	serve_from_ns = clock_ns();
	serve_deadline_ns = serve_seconds ? serve_from_ns + (uint64_t)serve_seconds * NSEC_PER_SEC : 0;
	if (serve_seconds)
		kprintf("serve: waiting power_button=%s seconds=%u", power_button_available() ? "ready" : "unavailable",
			serve_seconds);
	else
		kprintf("serve: waiting power_button=ready seconds=unlimited");
}

static void worker_done(void)
{
	if (!workers_alive || --workers_alive)
		return;
	if (serving)
		serve_begin();
	else
		stop_providers("jobs-done");
}

static void worker_exited(struct proc_outcome *o)
{
	(void)o;
	worker_done();
}

/* The end of serving (SCI handler or timer tick): clients stop, providers finish. */
static void serve_end(const char *reason)
{
	if (serve_ended)
		return;
	serve_ended = true;
	kprintf("serve: end reason=%s waited_ms=%lu", reason,
		serve_from_ns ? (clock_ns() - serve_from_ns) / NSEC_PER_MSEC : 0);
	for (unsigned int i = 0; i < nclients; i++) {
		if (clients[i].cl_proc && !clients[i].cl_out.po_exited)
			proc_stop(clients[i].cl_proc, reason);	/* asked for: not an error */
	}
	stop_providers(reason);
}

/*
 * With no process left the run goes on while serving has not ended (every
 * volume may be detached and new ones attached), a detach is under way, or a
 * unit's kworker still waits on its device: finished from the tick, its waits
 * park with interrupts on (units_work_settle would wait them out with them off).
 */
static bool run_goes_on(void)
{
	if (serving && !serve_ended)
		return true;
	for (unsigned int i = 0; i < nunits; i++) {
		if (units[i].u_detaching || kworker_busy(&units[i].u_work))
			return true;
	}
	return false;
}

static void button_pressed(void *ctx)
{
	(void)ctx;
	serve_end("power-button");
}

static void serve_tick(void)
{
	if (serve_deadline_ns && clock_ns() >= serve_deadline_ns) {
		serve_deadline_ns = 0;
		serve_end("timeout");
	}
}

/* Staging pages per controller: what the memory allows among all of them, at most 4 MiB. */
static uint64_t staging_budget(unsigned int ncontrollers)
{
	uint64_t free = pmm_free_pages() * PAGE_SIZE;
	uint64_t share = free / 8 / (ncontrollers ? ncontrollers : 1);

	return MIN((uint64_t)STAGING_MAX_BYTES, ALIGN_DOWN(share, PAGE_SIZE));
}

_Static_assert(NVME_IRQ_MSIX == PCI_IRQ_ALLOW_MSIX && NVME_IRQ_MSI == PCI_IRQ_ALLOW_MSI &&
	       NVME_IRQ_INTX == PCI_IRQ_ALLOW_INTX, "nvme.irq= kinds are the PCI layer's");

static void bind_all(const struct dma_selection *sel, const struct boot_options *o)
{
	unsigned int n = 0;

	while (n < NVME_MAX_UNITS && pci_find_nvme(n))
		n++;
	if (pci_find_nvme(NVME_MAX_UNITS))
		kerror("nvme: error more than %u controllers; the rest are not bound", NVME_MAX_UNITS);
	uint64_t staging = staging_budget(n);
	for (unsigned int i = 0; i < n; i++) {
		struct nvme_unit *u = &units[nunits++];
		u->u_index = i;
		u->u_ctrl = nvme_bind(pci_find_nvme(i), sel, staging, block_scan_controller, &u->u_index, 0);
		if (u->u_ctrl) {
			u->u_ctrl->nc_fault_irq = o->fault_irq == (int)i;
			u->u_ctrl->nc_fault_ctrl = o->fault_ctrl == (int)i;
			if (u->u_ctrl->nc_fault_ctrl && u->u_ctrl->nc_lane == DMA_LANE_DIRECT) {
				/* It fires after the broker counted I/O completions: on this lane it sees none. */
				kerror("nvme: error fault.ctrl=nvme%u cannot be injected on the direct lane: the kernel counts no I/O completions there (dma.backend=bounce)",
				       i);
				u->u_ctrl->nc_fault_ctrl = false;
			}
			u->u_ctrl->nc_fault_rdy = o->fault_rdy == (int)i;
			u->u_ctrl->nc_fault_rdy_always = u->u_ctrl->nc_fault_rdy && o->fault_rdy_always;
			u->u_ctrl->nc_fault_rdy_late_ms = o->fault_rdy_late == (int)i ? o->fault_rdy_late_ms : 0;
		}
		if (!u->u_ctrl) {
			char bdf[16];
			kerror("nvme: error unit nvme%u not bound bdf=%s", i, pci_bdf(pci_find_nvme(i), bdf));
		}
	}
}

/*
 * The device the jobs address: nvme.dev=, else nvme.nsid= on the first
 * controller, else the first namespace of the first controller that has
 * one (a controller may have none attached).
 */
static struct block_dev *target_device(const struct boot_options *o)
{
	char name[CMDLINE_DEV_BYTES];
	struct nvme_unit *first = NULL;

	if (o->dev[0]) {
		struct block_dev *d = block_dev_find(o->dev);
		if (!d)
			kerror("nvme: error no such device dev=%s", o->dev);
		return d;
	}
	for (unsigned int i = 0; i < nunits && !first; i++)
		first = units[i].u_ctrl ? &units[i] : NULL;
	if (!first)
		return NULL;
	if (o->nsid) {
		fmt_snprintf(name, sizeof(name), "nvme%un%u", first->u_index, o->nsid);
		struct block_dev *d = block_dev_find(name);
		if (!d)
			kerror("nvme: error namespace nsid=%u is not active on nvme%u", o->nsid, first->u_index);
		return d;
	}
	for (unsigned int i = 0; i < nunits; i++) {
		struct block_dev *d = units[i].u_ctrl ? first_device_of(units[i].u_ctrl) : NULL;
		if (d)
			return d;
	}
	return NULL;
}

/* The first namespace of c (its whole-namespace device, not a partition). */
static struct block_dev *first_device_of(const struct nvme_ctrl *c)
{
	struct block_dev *d;

	for (unsigned int i = 0; (d = block_dev_next(&i));) {
		if (d->bd_ctrl == c && !d->bd_partition)
			return d;
	}
	return NULL;
}

static struct nvme_unit *unit_of(const struct nvme_ctrl *c)
{
	for (unsigned int i = 0; i < nunits; i++) {
		if (units[i].u_ctrl == c)
			return &units[i];
	}
	return NULL;
}

/* The provider runs I/O of its own (in-provider bench, hostile selftests) and needs data buffers. */
static bool provider_does_io(const struct nvme_ctrl *c, const struct boot_options *o, const struct block_dev *target)
{
	if (!target || target->bd_ctrl != c)
		return false;
	return (o->mode == RUN_MODE_BENCH && o->bench_path == BENCH_PATH_PROVIDER) || o->selftest;
}

static bool make_provider(struct nvme_unit *u, const struct boot_options *o, struct block_dev *target)
{
	struct nvme_ctrl *c = u->u_ctrl;
	bool own_io = provider_does_io(c, o, target);
	bool faulty = o->fault_provider == (int)u->u_index;
	struct nvme_job job = {
		.j_mode = own_io && o->mode == RUN_MODE_BENCH ? NVME_JOB_BENCH : NVME_JOB_SERVE,
		.j_nsid = own_io && target ? target->bd_nsid : 0,	/* own_io implies a target; said again for cppcheck */
		.j_bench_pattern = o->bench_pattern, .j_bench_block_bytes = o->bench_block_bytes,
		.j_bench_qd = o->bench_qd, .j_bench_seconds = o->bench_seconds,
		.j_hostile = own_io && o->selftest != SELFTEST_HOSTILE_CLIENT ? o->selftest : 0,
		.j_cloud_ebs = c->nc_amazon, .j_data_bytes = own_io ? POOL_OWN_IO_BYTES / 2 : 0,
		.j_fault = faulty ? o->fault_mode : FAULT_NONE, .j_fault_after = faulty ? o->fault_after : 0,
		.j_poll = o->nvme_poll,
	};
	u->u_worker = job.j_mode == NVME_JOB_BENCH;
	u->u_inbox = notification_create();
	if (!u->u_inbox || !supervise_create(u, &job, own_io ? POOL_OWN_IO_BYTES : POOL_SERVE_BYTES))
		return false;
	if (u->u_worker)
		u->u_out.po_on_exit = worker_exited;
	return true;
}

/* Region bytes a client's jobs on dev need: room for its largest request or its benchmark's queue. */
static uint64_t region_bytes(const struct boot_options *o, const struct block_dev *d, bool bench)
{
	uint64_t want = 2ull * d->bd_ctrl->nc_max_transfer;

	if (bench)
		want = (uint64_t)o->bench_qd * o->bench_block_bytes;
	return MIN(MAX(want, (uint64_t)REGION_MIN_BYTES), (uint64_t)REGION_MAX_BYTES);
}

/*
 * Admission: a volume is served only if its provider and client will have
 * memory, so that a small guest serves the volumes it can whole and refuses
 * the rest with a line, instead of every process failing halfway.  The
 * process cost is an estimate; the queues' is what the broker will take for
 * the largest I/O queue pair a provider may ask for, plus the admin queue
 * and the shadow maps (QUEUES_SLACK_BYTES).  The mem: line shows the
 * measured ones.  (A flat 256 KiB undercounted a 1024-entry pair by about
 * 120 KiB: admitted volumes then failed to create their queues.)
 */
#define PROC_COST_BYTES		(512u << 10)	/* image, stack, page tables, start page */
#define QUEUES_SLACK_BYTES	(64u << 10)
#define QUEUES_COST_BYTES(c)	(broker_io_pair_bytes((c), BROKER_QUEUE_MAX) + QUEUES_SLACK_BYTES)

static bool admit(const struct nvme_unit *u, const struct boot_options *o, const struct block_dev *target,
		  uint64_t *reserved)
{
	const struct nvme_ctrl *c = u->u_ctrl;
	const struct block_dev *d = target && target->bd_ctrl == c ? target : first_device_of(c);
	uint64_t provider = (provider_does_io(c, o, target) ? POOL_OWN_IO_BYTES : POOL_SERVE_BYTES) + PROC_COST_BYTES;
	uint64_t client = d ? region_bytes(o, d, o->mode == RUN_MODE_BENCH) + PROC_COST_BYTES : 0;
	uint64_t free = pmm_free_pages() * PAGE_SIZE, queues = QUEUES_COST_BYTES(c);

	if (free >= *reserved + provider + client + queues) {
		*reserved += client + queues;	/* taken later: clients start after all providers */
		return true;
	}
	kerror("nvme: error out of memory for nvme%u bdf=%s need_kib=%lu free_kib=%lu reserved_kib=%lu; not served",
	       u->u_index, c->nc_bdf, (provider + client + queues) >> 10, free >> 10, *reserved >> 10);
	return false;
}

/* A client with a session, a region and a wake-up per device, and its job. */
static bool make_client(struct nvme_client *cl, unsigned int tag, const struct boot_options *o, uint32_t flags)
{
	const struct user_image *img = user_image_find("blk");
	char name[16];
	bool bench = flags & BLOCK_JOB_BENCH;

	/* Spinning for an ack only pays where the provider can run meanwhile: on another CPU. */
	if (o->nvme_poll != NVME_POLL_NEVER && smp_cpus_online() > 1)
		flags |= BLOCK_JOB_SPIN;
	if (o->soak_seconds && !bench)
		flags |= BLOCK_JOB_SOAK;	/* every client soaks its device 0 (tests/qemu/cases_soak.py) */
	cl->cl_job = (struct block_job){
		.bj_flags = flags, .bj_ndevs = cl->cl_ndevs,
		.bj_bench_pattern = o->bench_pattern, .bj_bench_block_bytes = o->bench_block_bytes,
		.bj_bench_qd = o->bench_qd, .bj_bench_seconds = o->bench_seconds, .bj_soak_seconds = o->soak_seconds,
		.bj_bench_part = (uint16_t)cl->cl_part, .bj_bench_parts = (uint16_t)cl->cl_parts,
	};
	if (flags & BLOCK_JOB_EXTENTS) {
		for (unsigned int i = 0; i < o->nreads; i++)
			cl->cl_job.bj_reads[i] = (struct nvme_job_extent){ o->reads[i].lba, 0, o->reads[i].count, 0 };
		for (unsigned int i = 0; i < o->nwrites; i++)
			cl->cl_job.bj_writes[i] = (struct nvme_job_extent){ o->writes[i].lba, o->writes[i].seed,
									   o->writes[i].count, o->writes[i].op };
		cl->cl_job.bj_nreads = o->nreads;
		cl->cl_job.bj_nwrites = o->nwrites;
	}
	fmt_snprintf(name, sizeof(name), "blk%u", tag);
	memcpy(cl->cl_name, name, sizeof(name));
	cl->cl_wake = notification_create();
	cl->cl_proc = img && cl->cl_wake ? proc_create(name, img, &cl->cl_job, sizeof(cl->cl_job)) : NULL;
	bool ok = cl->cl_proc && proc_grant(cl->cl_proc, &console_object, CAP_RIGHT_WRITE) >= 0 &&
		  proc_grant(cl->cl_proc, &cl->cl_wake->n_obj, CAP_RIGHT_WAIT) >= 0;
	for (unsigned int i = 0; ok && i < cl->cl_ndevs; i++) {
		struct block_dev *d = cl->cl_devs[i];
		struct nvme_unit *u = unit_of(d->bd_ctrl);
		struct block_session *s = u && u->u_proc ? block_session_create(d, cl->cl_wake, u->u_inbox) : NULL;
		struct dma_pool *r = s ? dma_pool_create(CAP_TYPE_REGION, region_bytes(o, d, bench), REGION_MIN_BYTES,
							 d->bd_ctrl->nc_dma.dd_limits.dl_max_addr, d->bd_ctrl->nc_lane)
				       : NULL;
		ok = s && r && proc_grant(cl->cl_proc, &s->bs_client_obj, CAP_RIGHT_ALL) >= 0 &&
		     proc_grant(cl->cl_proc, &r->dp_obj, CAP_RIGHT_MAP) >= 0 &&
		     proc_grant(u->u_proc, &s->bs_provider_obj, CAP_RIGHT_ALL) >= 0;
		if (r)
			kobj_put(&r->dp_obj);
		if (s) {	/* the client holds its end now; the supervisor keeps the provider's across restarts */
			kobj_put(&s->bs_client_obj);
			supervise_add_session(u, s);
		}
	}
	if (!ok) {
		kerror("nvme: error cannot start client %s for %s", name, cl->cl_ndevs ? cl->cl_devs[0]->bd_name : "-");
		if (cl->cl_proc)
			proc_abandon(cl->cl_proc);
		if (cl->cl_wake)
			kobj_put(&cl->cl_wake->n_obj);
		*cl = (struct nvme_client){ 0 };
		return false;
	}
	cl->cl_proc->p_outcome = &cl->cl_out;
	cl->cl_out.po_on_exit = worker_exited;
	/* On another CPU than its (first) provider where there is one: the session hop crosses CPUs. */
	const struct nvme_unit *first = cl->cl_ndevs ? unit_of(cl->cl_devs[0]->bd_ctrl) : NULL;
	sched_place(cl->cl_proc, SCHED_ROLE_CLIENT, first ? first->u_cpu : -1);
	return true;
}

/*
 * The client benchmark's devices; on several, a client process for each
 * (as fio's one job per device: each prints its share, part=i/n, and the
 * scripts add them up), or one for all with bench.clients=one.
 */
static void plan_bench_clients(const struct boot_options *o, struct block_dev *target)
{
	struct block_dev *devs[CMDLINE_MAX_BENCH_DEVS];
	unsigned int n = 0;

	if (o->bench_all_devs) {
		for (unsigned int i = 0; i < nunits && n < CMDLINE_MAX_BENCH_DEVS; i++) {
			struct block_dev *d = units[i].u_ctrl ? first_device_of(units[i].u_ctrl) : NULL;
			if (d)
				devs[n++] = d;
		}
	} else if (o->nbench_devs) {
		for (unsigned int i = 0; i < o->nbench_devs; i++) {
			struct block_dev *d = block_dev_find(o->bench_devs[i]);
			if (!d)
				kerror("nvme: error no such device dev=%s", o->bench_devs[i]);
			else
				devs[n++] = d;
		}
	} else if (target) {
		devs[n++] = target;
	}
	if (o->bench_all_devs && n == CMDLINE_MAX_BENCH_DEVS && nunits > n)
		kprintf("nvme: bench devs=%u of volumes=%u reason=limit", n, nunits);
	unsigned int namespaces = 0;
	for (unsigned int i = 0; o->bench_all_devs && i < nunits; i++)
		namespaces += units[i].u_ctrl ? units[i].u_ctrl->nc_nns : 0;
	if (o->bench_all_devs && namespaces > n)
		kprintf("nvme: bench devs=%u of namespaces=%u reason=first-namespace-per-controller (bench.devs= names others)",
			n, namespaces);
	/* A client holds its console, its wake-up, and a session and a Region per device. */
	if (o->bench_one_client && n > CLIENT_MAX_DEVS) {
		kerror("nvme: error bench.clients=one takes at most %u devices (a process has %u capability slots, a device takes two); %u asked",
		       CLIENT_MAX_DEVS, CAP_SLOTS, n);
		return;
	}
	unsigned int parts = o->bench_one_client || n < 2 ? 1 : n;
	for (unsigned int p = 0; p < parts; p++) {
		struct nvme_client *cl = &clients[nclients++];
		for (unsigned int i = 0; i < n; i++) {
			if (parts == 1 || i == p)
				cl->cl_devs[cl->cl_ndevs++] = devs[i];
		}
		cl->cl_part = parts > 1 ? p + 1 : 0;
		cl->cl_parts = parts > 1 ? parts : 0;
		if (!cl->cl_ndevs || !make_client(cl, p, o, BLOCK_JOB_BENCH))
			nclients--;
	}
}

static void plan_clients(const struct boot_options *o, struct block_dev *target)
{
	if (o->mode == RUN_MODE_BENCH) {
		if (o->bench_path == BENCH_PATH_CLIENT)
			plan_bench_clients(o, target);
		return;
	}
	for (unsigned int i = 0; i < nunits; i++) {
		struct nvme_unit *u = &units[i];
		if (!u->u_proc)
			continue;
		bool has_target = target && target->bd_ctrl == u->u_ctrl;
		struct block_dev *d = has_target ? target : first_device_of(u->u_ctrl);
		if (!d)
			continue;
		struct nvme_client *cl = &clients[nclients++];
		cl->cl_devs[cl->cl_ndevs++] = d;
		uint32_t flags = BLOCK_JOB_PROOF;
		if (has_target)
			flags |= BLOCK_JOB_EXTENTS | (o->selftest == SELFTEST_HOSTILE_CLIENT ? BLOCK_JOB_HOSTILE : 0);
		if (!make_client(cl, u->u_index, o, flags))
			nclients--;
	}
}

static uint64_t run_timeout_s(const struct boot_options *o)
{
	if (o->run_timeout_s)
		return o->run_timeout_s;
	return o->mode == RUN_MODE_BENCH ? (uint64_t)o->bench_seconds + 300 : 600;
}

static bool ended_well(const struct proc_outcome *out, const char *what, const char *name, bool detached)
{
	if (out->po_exited && !out->po_faulted && !out->po_killed && out->po_status == 0)
		return true;
	if (serving && out->po_killed && serve_ended)
		return true;	/* what the button (or serve.seconds) asked for: stop now */
	if (out->po_exited && detached)
		return true;	/* its volume went away under it: errors were its due */
	kerror("nvme: error %s %s ended status=%d faulted=%s killed=%s", what, name, out->po_status,
	       out->po_faulted ? "yes" : "no", out->po_killed ? "yes" : "no");
	return false;
}

static uint64_t free_kib(void)
{
	return pmm_free_pages() * (PAGE_SIZE / 1024);
}

/* What the volumes cost, measured as free memory before and after each step (the issue 11 figure). */
struct mem_marks {
	uint64_t before, bound, providers, clients;
	size_t heap_objects;
};

static uint64_t per(uint64_t total, unsigned int n)
{
	return n ? total / n : 0;
}

static void report_memory(const struct mem_marks *m)
{
	unsigned int bound = 0, served = 0;

	for (unsigned int i = 0; i < nunits; i++) {
		bound += units[i].u_ctrl != NULL;
		served += units[i].u_proc != NULL;
	}
	uint64_t bind = m->before - m->bound, providers = m->bound - m->providers, cl = m->providers - m->clients;
	kprintf("mem: volumes=%u bound=%u served=%u clients=%u free_kib_before=%lu bind_kib=%lu providers_kib=%lu "
		"clients_kib=%lu per_volume_kib=%lu bind_per_volume_kib=%lu provider_per_volume_kib=%lu "
		"client_per_volume_kib=%lu free_kib=%lu",
		nunits, bound, served, nclients, m->before, bind, providers, cl,
		per(bind, bound) + per(providers, served) + per(cl, nclients), per(bind, bound), per(providers, served),
		per(cl, nclients), m->clients);
}

bool nvme_run(const struct boot_options *o)
{
	struct dma_selection sel = dma_select(o);
	struct mem_marks marks = { .before = free_kib(), .heap_objects = kmalloc_live_objects() };
	bool pass = true;

	serving = o->mode == RUN_MODE_SERVE;
	run_opts = o;
	run_sel = sel;
	if (!sel.ds_ok)
		return false;
	nvme_set_irq_kinds(o->nvme_irq_kinds);
	nvme_set_timeout_ms(o->nvme_timeout_ms);
	nvme_poll_set_mode(o->nvme_poll);
	bind_all(&sel, o);
	dma_select_finish();	/* the selection line, if no controller got as far as verifying */
	marks.bound = free_kib();
	if (nunits == 0) {
		if (serving) {
			kprintf("serve: no nvme controller; serving the power button only");
			return serve_wait(o->serve_seconds) != SERVE_END_UNAVAILABLE;
		}
		kerror("nvme: error no controller found (class 0x01/0x08/0x02)");
		return false;
	}
	struct block_dev *target = target_device(o);
	if ((o->dev[0] || o->nsid) && !target)
		pass = false;
	else if (!target && !serving) {
		kerror("nvme: error no active namespace on any controller: nothing for the run's jobs to read");
		pass = false;
	}
	uint64_t reserved = 0;
	for (unsigned int i = 0; i < nunits; i++) {
		if (!units[i].u_ctrl || !admit(&units[i], o, target, &reserved) || !make_provider(&units[i], o, target))
			pass = false;
	}
	marks.providers = free_kib();
	plan_clients(o, target);
	marks.clients = free_kib();
	report_memory(&marks);
	for (unsigned int i = 0; i < nunits; i++)
		workers_alive += units[i].u_worker;
	workers_alive += nclients;

	for (unsigned int i = 0; i < nunits; i++) {
		if (units[i].u_proc && proc_start(units[i].u_proc) < 0)
			pass = false;
	}
	for (unsigned int i = 0; i < nclients; i++) {
		if (proc_start(clients[i].cl_proc) < 0)
			pass = false;
	}
	sched_on_tick(units_tick);
	if (serving) {
		serve_seconds = o->serve_seconds;
		if (!power_button_available() && !o->serve_seconds) {
			kerror("serve: error no power button and no serve.seconds: nothing would ever end the run");
			serve_end("unavailable");
			pass = false;
		}
		power_button_set_notify(button_pressed, NULL);
		(void)pci_hotplug_init();	/* volumes attached and detached while serving */
		pcie_ready = pcie_hotplug_init() == 0;
		sched_on_tick(serve_tick);
		if (!workers_alive)
			serve_begin();
		if (o->run_timeout_s)
			sched_set_deadline(clock_ns() + (uint64_t)o->run_timeout_s * NSEC_PER_SEC);
	} else {
		if (!workers_alive)
			stop_providers("nothing-to-do");
		sched_set_deadline(clock_ns() + run_timeout_s(o) * NSEC_PER_SEC);
	}
	sched_set_keep_running(run_goes_on);
	sched_run();
	sched_set_keep_running(NULL);
	sched_set_deadline(0);
	units_work_settle();

	for (unsigned int i = 0; i < nclients; i++)
		pass &= ended_well(&clients[i].cl_out, "client", clients[i].cl_name, clients[i].cl_detached);
	for (unsigned int i = 0; i < nunits; i++) {
		struct nvme_unit *u = &units[i];
		if (!u->u_ctrl)
			continue;
		if (u->u_sv.sv_generation) {
			char name[16];
			fmt_snprintf(name, sizeof(name), "nvme%u", u->u_index);
			bool cut = u->u_sv.sv_recovery_cut && u->u_sv.sv_state == SV_STOPPED;
			if (cut)	/* its death was said (provider: died); the end asked for came before its restart */
				kprintf("provider: not restarted nvme%u generation=%u reason=%s: the run was asked to end first",
					u->u_index, u->u_sv.sv_generation, u->u_sv.sv_reason ? u->u_sv.sv_reason : "exit");
			pass &= supervise_finish(u) && (cut || ended_well(&u->u_out, "provider", name, false));
		}
		nvme_classify(u->u_ctrl);
		block_dev_remove_ctrl(u->u_ctrl);
		kobj_put(&u->u_ctrl->nc_obj);	/* shuts the controller down and frees the broker */
		if (u->u_inbox)
			kobj_put(&u->u_inbox->n_obj);
	}
	for (unsigned int i = 0; i < nclients; i++) {
		if (clients[i].cl_wake)
			kobj_put(&clients[i].cl_wake->n_obj);
	}
	unsigned int bound = 0;
	for (unsigned int i = 0; i < nunits; i++) {
		pass &= units[i].u_ctrl != NULL || units[i].u_detached;
		bound += units[i].u_ctrl != NULL;
	}
	/* Kept on purpose: heap pages for reuse and page tables of the MMIO window (never reused). */
	uint64_t now = free_kib();
	size_t objects = kmalloc_live_objects();
	kprintf("mem: released volumes=%u free_kib=%lu unreturned_kib=%lu heap_kib=%lu heap_objects_left=%ld",
		bound, now, marks.before > now ? marks.before - now : 0, kmalloc_pages() * (PAGE_SIZE / 1024),
		(long)objects - (long)marks.heap_objects);
	return pass;
}

/* ------------------------------------------------------------ hot-plug */

static void attach_bind(void *arg)
{
	struct nvme_unit *u = arg;
	const struct boot_options *o = run_opts;

	u->u_bound = nvme_bind(u->u_attach_pci, &run_sel, staging_budget(nunits), block_scan_controller, &u->u_index,
			       o && o->fault_rdy_late == (int)u->u_index ? o->fault_rdy_late_ms : 0);
}

static void attach_bound(struct nvme_unit *u, bool serve);
static bool attach_serve(struct nvme_unit *u, bool serve);
static void start_detach(struct nvme_unit *u, const char *why);

/*
 * A controller found after boot: bound (in the unit's kworker: the bind
 * waits on the device), then served and proven as one found at boot would be.
 */
static void attach_one(struct pci_dev *d)
{
	char bdf[16];

	if (nunits == NVME_MAX_UNITS || nclients == NVME_MAX_UNITS) {
		kerror("nvme: error more than %u controllers; bdf=%s not bound", NVME_MAX_UNITS, pci_bdf(d, bdf));
		return;
	}
	struct nvme_unit *u = &units[nunits];
	u->u_index = nunits++;
	u->u_attach_pci = d;
	u->u_work_done = attach_bound;
	workers_alive++;	/* serving does not begin (nor the run end) before its client does */
	if (kworker_run(&u->u_work, "attach-bind", attach_bind, u))
		attach_bound(u, !serve_ended);
}

/*
 * The bind is done: serve the controller (unless the run is ending: then it
 * is only let go at the end).  The bind's count in workers_alive passes to
 * its client, or ends here.
 */
static void attach_bound(struct nvme_unit *u, bool serve)
{
	bool client = attach_serve(u, serve);
	const char *asked = u->u_detach_asked;

	u->u_detach_asked = NULL;
	if (u->u_ctrl && asked && serve) {
		/* Removed while it was being bound: it goes now, as it would have served. */
		u->u_ctrl->nc_vanished = u->u_ctrl->nc_vanished || !strcmp(asked, "vanished");
		start_detach(u, asked);
	}
	if (!client && serve)
		worker_done();
}

static bool attach_serve(struct nvme_unit *u, bool serve)
{
	const struct boot_options *o = run_opts;
	char bdf[16];

	u->u_ctrl = u->u_bound;
	u->u_bound = NULL;
	if (!u->u_ctrl) {
		kerror("nvme: error unit nvme%u not bound bdf=%s", u->u_index, pci_bdf(u->u_attach_pci, bdf));
		u->u_attach_pci = NULL;
		return false;
	}
	u->u_attach_pci = NULL;
	if (!serve) {
		kprintf("nvme: unit nvme%u bound bdf=%s as the run ended; not served", u->u_index, u->u_ctrl->nc_bdf);
		return false;
	}
	uint64_t reserved = 0;
	if (!admit(u, o, NULL, &reserved) || !make_provider(u, o, NULL)) {
		kerror("nvme: error unit nvme%u bdf=%s bound but not served", u->u_index, u->u_ctrl->nc_bdf);
		return false;
	}
	/* The provider opens the sessions it was granted when it starts: the client's first, as at boot. */
	struct block_dev *dev = first_device_of(u->u_ctrl);
	struct nvme_client *cl = &clients[nclients];
	if (dev) {
		cl->cl_devs[cl->cl_ndevs++] = dev;
		if (make_client(cl, u->u_index, o, BLOCK_JOB_PROOF))
			nclients++;
		else
			cl = NULL;
	}
	if (proc_start(u->u_proc) < 0)
		kerror("nvme: error cannot start the provider of nvme%u", u->u_index);
	if (!dev || !cl)
		return false;
	if (proc_start(cl->cl_proc) < 0) {
		kerror("nvme: error cannot start client %s", cl->cl_name);
		return false;
	}
	return true;
}

/* The tick: a unit's kworker whose pause is over (left alone while it runs below a nested tick). */
static void units_work_tick(void)
{
	for (unsigned int i = 0; i < nunits; i++) {
		struct nvme_unit *u = &units[i];
		if (kworker_resume(&u->u_work))
			u->u_work_done(u, !serve_ended);
	}
}

/* The run is over: every unit's restart, bind or detach finished now, waiting in place. */
static void units_work_settle(void)
{
	for (unsigned int i = 0; i < nunits; i++) {
		struct nvme_unit *u = &units[i];
		if (kworker_busy(&u->u_work)) {
			kworker_finish(&u->u_work);
			u->u_work_done(u, false);
		}
	}
}

/* The unit bound (or being bound) in that slot. */
static struct nvme_unit *unit_at(unsigned int bus, unsigned int slot)
{
	for (unsigned int i = 0; i < nunits; i++) {
		const struct pci_dev *d = units[i].u_ctrl ? units[i].u_ctrl->nc_pci : units[i].u_attach_pci;
		if (d && d->pd_bus == bus && d->pd_dev == slot)
			return &units[i];
	}
	return NULL;
}

static void attach_slot(unsigned int bus, unsigned int slot)
{
	if (unit_at(bus, slot) || serve_ended)
		return;		/* a PCI_UP seen again (legacy PIIX keeps it), or the run is ending */
	if (bus == 0)
		kprintf("acpi: pci hotplug event slot=%u kind=attach", slot);
	if (!pci_rescan_slot((uint8_t)bus, (uint8_t)slot)) {
		kprintf("pci: hotplug bus=%u slot=%u nothing-new", bus, slot);
		return;
	}
	for (unsigned int fn = 0; fn < 8; fn++) {
		struct pci_dev *d = pci_find_bdf(0, (uint8_t)bus, (uint8_t)slot, (uint8_t)fn);
		if (d && pci_is_nvme(d->pd_class, d->pd_subclass, d->pd_prog_if))
			attach_one(d);
	}
}

static void start_detach(struct nvme_unit *u, const char *why)
{
	if (u->u_detaching || u->u_detached)
		return;		/* PCI_DOWN stays set until the eject */
	if (!u->u_ctrl) {
		if (u->u_attach_pci)
			u->u_detach_asked = why;	/* its bind is parked: taken up once it is done */
		return;
	}
	u->u_detaching = true;
	u->u_detach_why = why;
	u->u_detach_from_ns = clock_ns();
	u->u_detach_deadline_ns = u->u_detach_from_ns + (uint64_t)DETACH_STOP_MS * NSEC_PER_MSEC;
	supervise_stopping(u);
	if (u->u_ctrl->nc_vanished) {
		if (u->u_proc)		/* nothing it holds can complete: no grace */
			proc_kill(u->u_proc, "controller-vanished");
	} else if (u->u_inbox) {
		notification_signal(u->u_inbox, NVME_INBOX_STOP);	/* finish what the device has, flush, exit */
	}
}

static void detach_stop(void *arg);
static void detach_done(struct nvme_unit *u, bool serve);

/* The provider is gone: fail what it never acknowledged, let the controller go, eject. */
static void finish_detach(struct nvme_unit *u)
{
	struct nvme_ctrl *c = u->u_ctrl;
	struct supervision *sv = &u->u_sv;
	char *devs = u->u_detach_devs;
	size_t used = 0;
	uint32_t failed = 0;

	/* The release audit opens interrupt windows: a nested tick must find this unit done already. */
	u->u_detaching = false;
	u->u_detached = true;

	for (unsigned int i = 0; i < sv->sv_nsessions; i++) {
		struct block_session *s = sv->sv_sessions[i];
		struct block_ring *r = s->bs_ring;
		uint32_t posted = r->br_submit_tail - r->br_ack_tail;
		if (posted <= 2 * BLOCK_RING_ENTRIES)
			failed += posted;	/* posted, never acknowledged: the client fails them */
		r->br_flags |= BLOCK_RING_PROVIDER_GONE;
		notification_signal(s->bs_client_wake, 1);
	}
	for (unsigned int i = 0; i < nclients; i++) {
		if (clients[i].cl_ndevs && clients[i].cl_devs[0]->bd_ctrl == c)
			clients[i].cl_detached = true;
	}
	struct block_dev *d;
	for (unsigned int i = 0; (d = block_dev_next(&i));) {
		if (d->bd_ctrl == c && used + BLOCK_NAME_BYTES + 1 < sizeof(u->u_detach_devs))
			used += (size_t)fmt_snprintf(devs + used, sizeof(u->u_detach_devs) - used, "%s%s", used ? "," : "",
						     d->bd_name);
	}
	(void)supervise_finish(u);
	block_dev_remove_ctrl(c);
	u->u_detach_failed = failed;
	if (!used)
		memcpy(devs, "-", 2);
	/* Shut down and let go in the unit's kworker: the shutdown waits on the device (5 s, then CAP.TO). */
	c->nc_mgr_busy = true;
	u->u_work_done = detach_done;
	if (kworker_run(&u->u_work, "detach", detach_stop, u))
		detach_done(u, !serve_ended);
}

static void detach_stop(void *arg)
{
	struct nvme_unit *u = arg;

	u->u_detach_freed = nvme_detach(u->u_ctrl);
}

/* The controller is let go: eject the slot, say so. */
static void detach_done(struct nvme_unit *u, bool serve)
{
	struct nvme_ctrl *c = u->u_ctrl;
	bool vanished = c->nc_vanished, freed = u->u_detach_freed;
	unsigned int slot = c->nc_pci->pd_dev;

	(void)serve;
	/* Only now: the device is quiet and nothing of ours is in it. */
	if (!vanished && c->nc_pci->pd_bus == 0 && pci_hotplug_available())
		pci_hotplug_eject(slot);
	else if (!vanished && c->nc_pci->pd_bus)
		(void)pcie_hotplug_power_off(c->nc_pci->pd_bus);	/* QEMU unplugs on power-off */
	pci_forget_slot(c->nc_pci->pd_bus, (uint8_t)slot);
	kprintf("nvme: detached bdf=%s devs=%s inflight_failed=%u reason=%s memory=%s ms=%lu", c->nc_bdf,
		u->u_detach_devs, u->u_detach_failed, u->u_detach_why, freed ? "freed" : "kept",
		(clock_ns() - u->u_detach_from_ns) / NSEC_PER_MSEC);
	u->u_ctrl = NULL;
	kobj_put(&c->nc_obj);	/* sessions still open keep the object (not the device) until they go */
	if (u->u_inbox) {	/* as do they the inbox: each session and interrupt holds its own reference */
		kobj_put(&u->u_inbox->n_obj);
		u->u_inbox = NULL;
	}
}

/*
 * fault.vanish=nvmeN: once the unit's client is done and its provider
 * still serves (controller enabled, admin queue live), its slot is ejected
 * (ACPI, bus 0) or powered off (a PCIe slot) without any quiesce, as a force-detach or a pulled device would: the
 * manager learns it from all-ones reads only (timeouts.c).
 */
static void fault_vanish(void)
{
	static bool fired;
	int n = run_opts ? run_opts->fault_vanish : -1;

	if (fired || n < 0 || (unsigned int)n >= nunits)
		return;
	struct nvme_unit *u = &units[n];
	if (!u->u_ctrl || !u->u_proc || u->u_detaching || (u->u_ctrl->nc_pci->pd_bus == 0 && !pci_hotplug_available()))
		return;
	for (unsigned int i = 0; i < nclients; i++) {
		if (clients[i].cl_ndevs && clients[i].cl_devs[0]->bd_ctrl == u->u_ctrl && !clients[i].cl_out.po_exited)
			return;
	}
	const struct pci_dev *d = u->u_ctrl->nc_pci;
	if (d->pd_bus && !pcie_hotplug_power_off(d->pd_bus))
		return;		/* not in a hot-plug slot: nothing to pull it with */
	fired = true;
	kprintf("nvme: fault vanish bdf=%s slot=%u (%s behind the kernel's back)", u->u_ctrl->nc_bdf, d->pd_dev,
		d->pd_bus ? "slot powered off" : "ejected");
	if (!d->pd_bus)
		pci_hotplug_eject(d->pd_dev);
}

static void hotplug_tick(void)
{
	uint32_t up = 0, down = 0;
	uint64_t now = clock_ns();

	fault_vanish();
	if (pci_hotplug_available())
		pci_hotplug_take(&up, &down);
	for (unsigned int slot = 0; slot < 32; slot++) {
		/* UP first: a device_del right after its device_add brings both bits in one take. */
		if (up & (1u << slot))
			attach_slot(0, slot);
		struct nvme_unit *u = unit_at(0, slot);
		if ((down & (1u << slot)) && u && !u->u_detaching && !u->u_detached && !u->u_detach_asked) {
			kprintf("acpi: pci hotplug event slot=%u kind=detach", slot);
			start_detach(u, "eject-request");	/* a bind under way takes it up when done */
		}
	}
	struct pcie_hp_event ev[4];
	unsigned int nev = pcie_ready ? pcie_hotplug_poll(ev, 4) : 0;
	for (unsigned int i = 0; i < nev; i++) {
		struct nvme_unit *u = unit_at(ev[i].he_bus, 0);
		if (ev[i].he_kind == PCIE_HP_ATTACH)
			attach_slot(ev[i].he_bus, 0);
		else if (u && ev[i].he_kind == PCIE_HP_DETACH)
			start_detach(u, "eject-request");
		else if (u && ev[i].he_kind == PCIE_HP_GONE && u->u_ctrl)
			u->u_ctrl->nc_vanished = true;	/* presence lost: taken below, as a vanished function */
		else if (u && ev[i].he_kind == PCIE_HP_GONE)
			u->u_detach_asked = "vanished";	/* while its bind is parked: taken up once it is done */
	}
	for (unsigned int i = 0; i < nunits; i++) {
		struct nvme_unit *u = &units[i];
		if (u->u_ctrl && u->u_ctrl->nc_vanished && !u->u_detaching && !u->u_detached)
			start_detach(u, "vanished");
		if (!u->u_detaching)
			continue;
		if (kworker_busy(&u->u_work) || supervise_recovering(u))
			continue;	/* a dead generation's reset, FLR or IDENTIFY: seen through first (no new provider) */
		if (u->u_proc) {
			if (now >= u->u_detach_deadline_ns && !u->u_proc->p_kill_reason) {
				kprintf("nvme: detach provider-not-stopped bdf=%s waited_ms=%u action=kill", u->u_ctrl->nc_bdf,
					DETACH_STOP_MS);
				proc_kill(u->u_proc, "detach");
			}
			continue;
		}
		finish_detach(u);
	}
}
