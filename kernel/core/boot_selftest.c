/*
 * kernel/core/boot_selftest.c - mode=boot: prove ring 3 and fault isolation.
 *
 * "hello" reports its CPL and exits 0.  "privtest" reports its CPL and
 * then executes HLT, which ring 3 may not: the #GP must kill it, with a
 * report, while the kernel carries on to the final line.
 */
#include "kernel/cap/console.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "kernel/core/run_modes.h"
#include "kernel/core/sched.h"
#include "kernel/core/user_images.h"
#include "include/abi/cap.h"

#define VECTOR_GP 13

static struct proc *spawn(const char *name, struct proc_outcome *out, bool expect_fault)
{
	const struct user_image *img = user_image_find(name);
	struct proc *p = img ? proc_create(name, img, NULL, 0) : NULL;

	if (!p)
		return NULL;
	p->p_outcome = out;
	p->p_expect_fault = expect_fault;
	if (proc_grant(p, &console_object, CAP_RIGHT_WRITE) < 0 || proc_start(p) < 0) {
		kerror("selftest: error cannot start %s", name);
		return NULL;
	}
	return p;
}

bool run_boot_selftest(const struct boot_options *opts)
{
	struct proc_outcome hello = { 0 }, priv = { 0 };

	if (opts->selftest == SELFTEST_TLB_SHOOTDOWN)
		return run_tlb_selftest(opts);
	if (opts->selftest == SELFTEST_LOCK_ORDER)
		return run_lock_order_selftest();
	if (opts->selftest == SELFTEST_LAZY_ROOT)
		return run_lazy_root_selftest();
	bool started = spawn("hello", &hello, false) && spawn("privtest", &priv, true);
	sched_run();

	bool ok = started && hello.po_exited && !hello.po_faulted && hello.po_status == 0 &&
		  priv.po_exited && priv.po_faulted && priv.po_fault_vector == VECTOR_GP;
	kprintf("selftest: ring3 hello_status=%d privtest_faulted=%s privtest_vector=%lu kernel_survived=yes result=%s",
		hello.po_status, priv.po_faulted ? "yes" : "no", priv.po_fault_vector, ok ? "pass" : "fail");
	if (!ok)
		kerror("selftest: error ring-3 self-test failed");
	return ok;
}
