/*
 * kernel/core/tlb_selftest.c - selftest=tlb-shootdown (mode=boot): a
 * process on another CPU keeps writing a page the boot CPU unmaps, and
 * must fault (issue 18, requirement 5).
 *
 * The victim (user/tlbtest) is placed off the boot CPU and writes a
 * counter in a page the kernel allocated, with no system call, so nothing
 * but the TLB shootdown can stop it.  A spinner keeps the boot CPU in user
 * mode: an idle boot CPU would take the victim from its queue, and its
 * timer tick is where the test runs (sched_on_tick, under the BKL).  Once
 * the counter moves with the victim on another CPU, the tick calls
 * proc_unmap, samples the counter through the direct map, and samples it
 * again WINDOW_MS later, or later still until the victim faulted or wrote
 * (a loaded host may not run its vCPU for a while).  With the shootdown no write lands after
 * proc_unmap returned and the victim takes a page fault inside the page;
 * with fault.shootdown=skip the other CPU keeps its stale entry (QEMU's
 * TLB is flushed only by that vCPU's own INVLPG or CR3 load) and the
 * counter keeps moving: result=fail, which a negative case expects.
 */
#include "include/abi/cap.h"
#include "include/abi/tlbtest.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/cap/console.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "kernel/core/run_modes.h"
#include "kernel/core/sched.h"
#include "kernel/core/user_images.h"

#define VECTOR_PF	14
#define WINDOW_MS	100	/* the victim's CPU writes millions of times in this, when its TLB lets it */
#define START_S		20	/* for the victim to run on another CPU, and to fault or write after the unmap */
#define RUN_S		60	/* the run's deadline: nothing here may hang the boot */

enum phase { T_WAIT_RUNNING, T_WINDOW, T_DONE };

static struct {
	enum phase phase;
	struct proc *victim;
	struct proc_outcome victim_out, spinner_out;
	volatile struct tlbtest_page *page;	/* the kernel's view: the direct map */
	uint64_t va;				/* the victim's view */
	uint64_t t_begin, t_unmap, t_end;
	uint64_t before;			/* counter right after proc_unmap returned */
	uint64_t after;				/* and WINDOW_MS later */
	int cpu;				/* where the victim ran at the unmap */
	int unmap_err;
	const char *why;			/* set: the test could not get to the unmap */
} t;

static uint64_t counter(void)
{
	return __atomic_load_n(&t.page->tp_counter, __ATOMIC_ACQUIRE);
}

static void finish(void)
{
	t.phase = T_DONE;
	t.t_end = clock_ns();
	__atomic_store_n(&t.page->tp_done, 1, __ATOMIC_RELEASE);	/* the spinner exits */
	if (!t.victim_out.po_exited)
		proc_kill(t.victim, "tlb-selftest-over");	/* it never faulted: a stale TLB kept it going */
}

/* The boot CPU's tick, under the BKL: short steps, the waiting is between ticks. */
static void tlb_tick(void)
{
	uint64_t now = clock_ns();

	switch (t.phase) {
	case T_WAIT_RUNNING:
		if (t.victim_out.po_exited) {
			t.why = "victim-ended-early";
			finish();
		} else if (__atomic_load_n(&t.page->tp_started, __ATOMIC_ACQUIRE) && counter() &&
			   t.victim->p_on_cpu > 0) {
			/* In user mode on another CPU, writing through a TLB entry it has cached. */
			t.cpu = t.victim->p_on_cpu;
			t.unmap_err = proc_unmap(t.victim, t.va, PAGE_SIZE);
			t.before = counter();
			t.t_unmap = clock_ns();
			t.phase = T_WINDOW;
		} else if (now - t.t_begin > (uint64_t)START_S * NSEC_PER_SEC) {
			t.why = "victim-not-running-on-another-cpu";
			finish();
		}
		break;
	case T_WINDOW:
		if (now - t.t_unmap < (uint64_t)WINDOW_MS * NSEC_PER_MSEC)
			break;
		t.after = counter();
		/*
		 * A verdict needs the victim's CPU to have run: it faulted, or it
		 * wrote.  A host that did not run that vCPU yet gets more time.
		 */
		if (t.victim_out.po_exited || t.after != t.before) {
			finish();
		} else if (now - t.t_unmap > (uint64_t)START_S * NSEC_PER_SEC) {
			t.why = "victim-neither-faulted-nor-wrote";
			finish();
		}
		break;
	case T_DONE:
		break;
	}
}

static struct proc *spawn(const char *name, uint64_t phys, enum tlbtest_role role, struct proc_outcome *out,
			  struct tlbtest_args *args)
{
	const struct user_image *img = user_image_find("tlbtest");
	struct proc *p = img ? proc_create(name, img, args, sizeof(*args)) : NULL;

	if (!p)
		return NULL;
	/* The spinner only reads tp_done. */
	args->ta_page = proc_map_shared(p, phys, PAGE_SIZE, role == TLBTEST_VICTIM);
	args->ta_role = role;
	p->p_outcome = out;
	p->p_expect_fault = role == TLBTEST_VICTIM;
	if (!args->ta_page || proc_grant(p, &console_object, CAP_RIGHT_WRITE) < 0) {
		proc_abandon(p);
		return NULL;
	}
	return p;
}

static unsigned int cpus_running(void)
{
	unsigned int n = 0;

	for (unsigned i = 0; i < smp_cpu_slots(); i++)
		n += smp_cpu_running(i);
	return n;
}

bool run_tlb_selftest(const struct boot_options *opts)
{
	static struct tlbtest_args victim_args, spinner_args;	/* copied at proc_start */
	bool skip = opts->fault_shootdown_skip;
	unsigned int ncpus = cpus_running();

	if (ncpus < 2) {
		/* Nothing can hold a stale entry with one CPU: say so rather than pretend. */
		kprintf("selftest: tlb shootdown cpus=%u result=skipped reason=one-cpu", ncpus);
		return true;
	}
	uint64_t phys = pmm_alloc_page();	/* zeroed */
	if (!phys) {
		kerror("selftest: error tlb shootdown no frame");
		return false;
	}
	t.page = phys_to_virt(phys);
	t.cpu = -1;

	struct proc *spinner = NULL;
	t.victim = spawn("tlbvictim", phys, TLBTEST_VICTIM, &t.victim_out, &victim_args);
	if (t.victim)
		spinner = spawn("tlbspin", phys, TLBTEST_SPINNER, &t.spinner_out, &spinner_args);
	if (!t.victim || !spinner || sched_on_tick(tlb_tick) < 0) {
		kerror("selftest: error tlb shootdown cannot set up");
		return false;	/* whatever was created ends with the run */
	}
	t.va = victim_args.ta_page;
	/* Placement: the victim away from the boot CPU, the spinner on it. */
	unsigned int vcpu = sched_place(t.victim, SCHED_ROLE_CLIENT, 0);
	unsigned int scpu = sched_place(spinner, SCHED_ROLE_CLIENT, (int)vcpu);
	if (vcpu == 0 || scpu != 0) {
		kerror("selftest: error tlb shootdown placement victim_cpu=%u spinner_cpu=%u", vcpu, scpu);
		return false;
	}
	/*
	 * The spinner first: until the APs take the BKL their run queues are
	 * not usable, both wait on the boot CPU's, and the boot CPU must pick
	 * the spinner so that an AP takes the victim.
	 */
	if (proc_start(spinner) < 0 || proc_start(t.victim) < 0) {
		kerror("selftest: error tlb shootdown cannot start");
		return false;
	}
	t.t_begin = clock_ns();
	t.phase = T_WAIT_RUNNING;
	sched_set_deadline(t.t_begin + (uint64_t)RUN_S * NSEC_PER_SEC);
	sched_run();
	sched_set_deadline(0);

	uint64_t writes_after = t.after - t.before;
	uint64_t cr2 = t.victim_out.po_fault_cr2;
	bool pf_in_page = t.victim_out.po_faulted && t.victim_out.po_fault_vector == VECTOR_PF &&
			  cr2 >= t.va && cr2 < t.va + PAGE_SIZE;
	/* With the IPIs withheld, or a CPU that did not answer, nothing proves the frame unreachable. */
	bool freed = !t.why && t.unmap_err == 0 && !skip;
	bool pass = !t.why && t.unmap_err == 0 && t.before > 0 && writes_after == 0 && pf_in_page &&
		    t.cpu > 0 && t.spinner_out.po_exited && t.spinner_out.po_status == 0;

	if (freed)
		pmm_free(phys, 1);
	if (t.why) {
		kprintf("selftest: tlb shootdown cpus=%u shootdown=%s result=fail reason=%s", ncpus,
			skip ? "skip" : "ipi", t.why);
	} else {
		kprintf("selftest: tlb shootdown cpus=%u cpu=%d shootdown=%s unmapped=0x%lx unmap=%d writes_before=%lu writes_after_unmap=%lu window_ms=%lu faulted=%s vector=%lu cr2=0x%lx frame=%s result=%s",
			ncpus, t.cpu, skip ? "skip" : "ipi", t.va, t.unmap_err, t.before, writes_after,
			(t.t_end - t.t_unmap) / NSEC_PER_MSEC, t.victim_out.po_faulted ? "yes" : "no",
			t.victim_out.po_fault_vector, cr2, freed ? "freed" : "leaked", pass ? "pass" : "fail");
	}
	if (!pass)
		kerror("selftest: error tlb shootdown failed");
	return pass;
}
