/*
 * kernel/core/lazy_root_selftest.c - selftest=lazy-root (mode=boot): the
 * root an idle CPU kept loaded (locking.h L7) is let go on that CPU before
 * its pages are freed.
 *
 * The sleeper (user/tlbtest, role sleeper) is placed off the boot CPU and
 * naps there, so that CPU idles with the sleeper's root still in CR3.  The
 * boot CPU's tick then makes the boot CPU the sleeper's home and tells it
 * to exit: it wakes, exits and is reaped on the boot CPU while the other
 * CPU still holds its root.  tlb_retire_root must ask that CPU (an IPI)
 * and see it load the kernel's root before the root's pages go back to
 * the allocator.  With fault.retire=skip nobody asks: the CPU keeps the
 * dead root (its pages are then kept, never freed) and the result is fail.
 */
#include "include/abi/cap.h"
#include "include/abi/tlbtest.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/cap/console.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "kernel/core/run_modes.h"
#include "kernel/core/sched.h"
#include "kernel/core/user_images.h"

#define START_S	20	/* for the sleeper to nap on another CPU (a loaded host may not run that vCPU for a while) */
#define RUN_S	60	/* the run's deadline: nothing here may hang the boot */

enum phase { L_WAIT_IDLE, L_WAIT_EXIT, L_DONE };

static struct {
	enum phase phase;	/* the tick's: L_WAIT_EXIT once the sleeper was told to exit */
	struct proc *sleeper;
	struct proc_outcome out;
	volatile struct tlbtest_page *page;	/* the kernel's view: the direct map */
	uint64_t root;				/* the sleeper's, as the other CPU held it */
	int cpu;				/* that CPU */
	int reaped_on;				/* where the sleeper ran last, and was reaped */
	uint64_t retire_ipis_before;
	uint64_t t_begin;
	const char *why;			/* set: the test could not get to the retire */
} t;

static uint64_t retire_ipis(void)
{
	struct tlb_stats s;

	tlb_stats(&s);
	return s.ts_retire_ipis;
}

static uint64_t root_of(int cpu)
{
	return __atomic_load_n(&percpu_blocks[cpu].cpu_root, __ATOMIC_ACQUIRE);
}

/* The sleeper naps on another CPU, and that CPU idles with its root loaded. */
static bool idle_with_root(void)
{
	const struct proc *p = t.sleeper;
	int cpu = p->p_last_cpu;

	return __atomic_load_n(&t.page->tp_counter, __ATOMIC_ACQUIRE) && p->p_state == PROC_BLOCKED && cpu > 0 &&
	       percpu_blocks[cpu].cpu_idle && !percpu_blocks[cpu].cpu_current && root_of(cpu) == p->p_root;
}

/* The boot CPU's tick, under the BKL. */
static void lazy_tick(void)
{
	switch (t.phase) {
	case L_WAIT_IDLE:
		if (t.out.po_exited) {
			t.why = "sleeper-ended-early";
			t.phase = L_DONE;
		} else if (idle_with_root()) {
			t.cpu = t.sleeper->p_last_cpu;
			t.root = t.sleeper->p_root;
			t.retire_ipis_before = retire_ipis();
			sched_unplace(t.sleeper);
			sched_place_on(t.sleeper, 0, SCHED_ROLE_CLIENT);	/* wakes, exits and is reaped here */
			__atomic_store_n(&t.page->tp_done, 1, __ATOMIC_RELEASE);
			t.phase = L_WAIT_EXIT;
		} else if (clock_ns() - t.t_begin > (uint64_t)START_S * NSEC_PER_SEC) {
			t.why = "sleeper-not-idle-on-another-cpu";
			t.phase = L_DONE;
		}
		break;
	case L_WAIT_EXIT:	/* the run ends when the sleeper is reaped */
	case L_DONE:
		break;
	}
}

bool run_lazy_root_selftest(void)
{
	static struct tlbtest_args args;	/* copied at proc_start */
	unsigned int ncpus = smp_cpus_online();

	if (ncpus < 2) {
		kprintf("selftest: lazy root cpus=%u result=skipped reason=one-cpu", ncpus);
		return true;
	}
	uint64_t phys = pmm_alloc_page();	/* zeroed */
	const struct user_image *img = user_image_find("tlbtest");
	if (!phys || !img || !(t.sleeper = proc_create("sleeper", img, &args, sizeof(args)))) {
		kerror("selftest: error lazy root cannot set up");
		return false;
	}
	t.page = phys_to_virt(phys);
	t.cpu = t.reaped_on = -1;
	args.ta_page = proc_map_shared(t.sleeper, phys, PAGE_SIZE, true);
	args.ta_role = TLBTEST_SLEEPER;
	t.sleeper->p_outcome = &t.out;
	if (!args.ta_page || proc_grant(t.sleeper, &console_object, CAP_RIGHT_WRITE) < 0 ||
	    sched_place(t.sleeper, SCHED_ROLE_CLIENT, 0) == 0 || sched_on_tick(lazy_tick) < 0 ||
	    proc_start(t.sleeper) < 0) {
		kerror("selftest: error lazy root cannot start the sleeper");
		return false;	/* whatever was created ends with the run */
	}
	t.t_begin = clock_ns();
	sched_set_deadline(t.t_begin + (uint64_t)RUN_S * NSEC_PER_SEC);
	sched_run();
	sched_set_deadline(0);

	/* A process is reaped where it ran last; its slot stays as it was (no process is created). */
	if (t.phase == L_WAIT_EXIT && t.out.po_exited)
		t.reaped_on = t.sleeper->p_last_cpu;
	uint64_t asked = retire_ipis() - t.retire_ipis_before;
	bool let_go = t.cpu > 0 && root_of(t.cpu) != t.root;
	bool pass = !t.why && t.out.po_exited && !t.out.po_faulted && t.out.po_status == 0 && t.reaped_on == 0 &&
		    asked >= 1 && let_go;

	pmm_free(phys, 1);	/* the sleeper, its only other user, is gone */
	if (t.why) {
		kprintf("selftest: lazy root cpus=%u result=fail reason=%s", ncpus, t.why);
	} else {
		kprintf("selftest: lazy root cpus=%u held_on=cpu%d root=0x%lx reaped_on=cpu%d retire_ipis=%lu cpu%d_root_after=%s sleeper_status=%d result=%s",
			ncpus, t.cpu, t.root, t.reaped_on, asked, t.cpu, let_go ? "kernel" : "dead-process",
			t.out.po_status, pass ? "pass" : "fail");
	}
	if (!pass)
		kerror("selftest: error lazy root failed");
	return pass;
}
