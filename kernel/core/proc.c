/*
 * kernel/core/proc.c - process creation from ELF images, exit, faults,
 * and checked copies to and from user memory.
 */
#include "kernel/core/proc.h"

#include "include/abi/errors.h"
#include "include/abi/start_info.h"
#include "kernel/arch/x86_64/asm_offsets.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/clock.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/pmm.h"
#include "kernel/core/sched.h"
#include "kernel/core/user_images.h"
#include "lib/bits.h"
#include "lib/elf64.h"
#include "lib/string.h"

static struct proc procs[PROC_MAX];
static int next_pid = 1;
static uint8_t fpu_initial[512] __attribute__((aligned(16)));
static bool fpu_initial_saved;
static unsigned int alive;	/* created, not yet zombie or abandoned */

/* A new process's first switch returns here, then to user mode: interrupts come on there. */
__attribute__((noreturn)) static void proc_first_run(void)
{
	struct trap_frame *tf = proc_current()->p_tf;

	proc_check_killed();	/* killed before it ever ran */
	log_buffer_drain();
	irqsoff_leave(IRQSOFF_FIRST_RUN, 0);
	bkl_release();		/* locking.h L1: given up on the way to user mode */
	trap_return_to_user(tf);
}

struct proc *proc_current(void) { return this_cpu()->cpu_current; }
struct proc *proc_table(unsigned int i) { return i < PROC_MAX ? &procs[i] : NULL; }
unsigned int proc_alive_count(void) { return alive; }

static int map_user_pages(uint64_t root, uint64_t va, uint64_t npages, uint64_t flags)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t pa = pmm_alloc_page();
		if (!pa)
			return CR_ENOMEM;
		if (paging_map(root, va + i * PAGE_SIZE, pa, PAGE_SIZE, flags | PTE_U | PTE_OWNED) < 0) {
			pmm_free(pa, 1);
			return CR_ENOMEM;
		}
	}
	return 0;
}

static int load_segment(uint64_t root, const uint8_t *file, const struct elf_segment *s)
{
	uint64_t first = ALIGN_DOWN(s->vaddr, PAGE_SIZE), end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
	uint64_t flags = ((s->flags & ELF_SEG_W) ? PTE_W : 0) | ((s->flags & ELF_SEG_X) ? 0 : PTE_NX);
	int err = map_user_pages(root, first, (end - first) / PAGE_SIZE, flags);

	if (err)
		return err;
	/* Frames arrive zeroed, which is the .bss; copy the file bytes page by page. */
	for (uint64_t off = 0; off < s->filesz;) {
		uint64_t va = s->vaddr + off, pa, f;
		paging_lookup(root, va, &pa, &f);
		uint64_t chunk = MIN(s->filesz - off, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		memcpy(phys_to_virt(pa), file + s->offset + off, chunk);
		off += chunk;
	}
	return 0;
}

struct proc *proc_create(const char *name, const struct user_image *img, const void *args, size_t args_len)
{
	struct elf_image elf;
	const char *why = "no-free-process-slot";
	struct proc *p = NULL;

	for (unsigned i = 0; i < PROC_MAX && !p; i++) {
		if (procs[i].p_state == PROC_FREE)
			p = &procs[i];
	}
	if (!p)
		goto fail;
	memset(p, 0, sizeof(*p));
	if (args_len > START_INFO_ARGS_MAX) {
		why = "arguments-too-large";
		goto fail;
	}
	if (elf64_parse(img->ui_start, (size_t)(img->ui_end - img->ui_start), USER_IMAGE_BASE,
			USER_POOL_BASE, &elf, &why) < 0)
		goto fail;
	why = "out-of-memory";
	p->p_root = paging_new_user_root();
	if (!p->p_root)
		goto fail;
	for (unsigned i = 0; i < elf.nsegments; i++) {
		if (load_segment(p->p_root, img->ui_start, &elf.segments[i]) < 0)
			goto fail_root;
	}
	if (map_user_pages(p->p_root, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_PAGES,
			   PTE_W | PTE_NX) < 0 ||
	    map_user_pages(p->p_root, USER_START_INFO, 1, PTE_NX) < 0)
		goto fail_root;
	p->p_kstack = pmm_alloc(KSTACK_PAGES, 1, PMM_NO_LIMIT);
	if (!p->p_kstack)
		goto fail_root;

	/* The user frame sits at the top of the kernel stack; the first switch "returns" into proc_first_run. */
	uint8_t *ktop = (uint8_t *)phys_to_virt(p->p_kstack) + KSTACK_PAGES * PAGE_SIZE;
	p->p_tf = (struct trap_frame *)(ktop - sizeof(struct trap_frame));
	*p->p_tf = (struct trap_frame){
		.rip = elf.entry, .cs = USER_CS, .rflags = RFLAGS_IF | 0x2,
		.rsp = USER_STACK_TOP, .ss = USER_DS, .rdi = USER_START_INFO,
	};
	uint64_t *ctx = (uint64_t *)p->p_tf;
	*--ctx = 0;				/* proc_first_run's return address: never used */
	*--ctx = (uint64_t)proc_first_run;	/* context_switch's ret */
	for (int i = 0; i < 6; i++)
		*--ctx = 0;			/* rbx rbp r12 r13 r14 r15 */
	p->p_kctx_rsp = (uint64_t)ctx;

	if (!fpu_initial_saved) {
		fxsave(fpu_initial);
		fpu_initial_saved = true;
	}
	memcpy(p->p_fpu, fpu_initial, sizeof(p->p_fpu));
	cap_table_init(&p->p_caps);
	p->p_pid = next_pid++;
	memcpy(p->p_name, name, strnlen(name, sizeof(p->p_name) - 1));
	p->p_args = args;
	p->p_args_len = args_len;
	p->p_state = PROC_BLOCKED;	/* until proc_start */
	p->p_wait_chan = p;
	p->p_cpu = p->p_on_cpu = p->p_last_cpu = p->p_rq_cpu = -1;
	alive++;
	return p;

fail_root:
	paging_free_user_root(p->p_root);
fail:
	kerror("proc: error cannot create name=%s reason=%s", name, why);
	if (p)
		p->p_state = PROC_FREE;
	return NULL;
}

int proc_grant(struct proc *p, struct kobj *ko, uint32_t rights)
{
	int slot = cap_insert(&p->p_caps, ko->ko_type, rights, ko);

	if (slot < 0)
		return slot;
	kobj_get(ko);
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		if ((int)i != slot && p->p_caps.ct_slots[i].c_type == ko->ko_type)
			p->p_cap_index[slot]++;
	}
	return slot;
}

int proc_start(struct proc *p)
{
	uint64_t pa, flags;
	struct start_info *si;

	if (paging_lookup(p->p_root, USER_START_INFO, &pa, &flags) < 0)
		return CR_EFAULT;
	si = phys_to_virt(pa);
	si->si_magic = START_INFO_MAGIC;
	si->si_pid = (uint32_t)p->p_pid;
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		const struct cap *c = &p->p_caps.ct_slots[i];
		if (c->c_type != CAP_TYPE_NONE)
			si->si_caps[si->si_ncaps++] = (struct start_cap){ i, c->c_type, c->c_rights, p->p_cap_index[i] };
	}
	si->si_args_len = (uint32_t)p->p_args_len;
	memcpy(si->si_args, p->p_args, p->p_args_len);
	clock_export(&si->si_clock);
	sched_start(p);
	return 0;
}

void proc_exit(int status)
{
	struct proc *p = proc_current();

	KASSERT(p);
	p->p_exit_status = status;
	if (p->p_outcome) {
		p->p_outcome->po_exited = true;
		p->p_outcome->po_status = status;
		p->p_outcome->po_faulted = p->p_faulted;
	}
	kprintf("proc: exit pid=%d name=%s status=%d", p->p_pid, p->p_name, status);
	if (p->p_outcome && p->p_outcome->po_on_exit)
		p->p_outcome->po_on_exit(p->p_outcome);
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		struct kobj *ko = cap_remove(&p->p_caps, i);
		if (ko)
			kobj_put(ko);
	}
	p->p_state = PROC_ZOMBIE;
	alive--;
	sched_unplace(p);
	sched_yield();
	panic("proc: zombie pid=%d was scheduled", p->p_pid);
}

void proc_fault(struct trap_frame *tf, const char *name, uint64_t cr2)
{
	struct proc *p = proc_current();

	KASSERT(p);
	p->p_faulted = true;
	if (p->p_outcome) {
		p->p_outcome->po_fault_vector = tf->vector;
		p->p_outcome->po_fault_cr2 = cr2;
	}
	if (!p->p_expect_fault && !p->p_supervised)
		klog_count_error();	/* a supervised provider's end is the supervisor's to judge */
	kprintf("proc: fault pid=%d name=%s vector=%lu exception=\"%s\" error=0x%lx rip=0x%lx cr2=0x%lx rsp=0x%lx expected=%s action=killed%s",
		p->p_pid, p->p_name, tf->vector, name, tf->error_code, tf->rip, cr2, tf->rsp,
		p->p_expect_fault ? "yes" : "no", p->p_supervised ? " supervised=yes" : "");
	proc_exit(-1);
}

static uint64_t map_next(struct proc *p, uint64_t phys, uint64_t bytes, uint64_t flags)
{
	uint64_t va = p->p_map_next ? p->p_map_next : USER_POOL_BASE;
	uint64_t span = ALIGN_UP(bytes, USER_MAP_ALIGN) + USER_MAP_ALIGN;	/* a gap catches overruns */

	if (!bytes || va + span > USER_SPACE_END / 2)
		return 0;
	if (paging_map(p->p_root, va, phys, ALIGN_UP(bytes, PAGE_SIZE), PTE_U | PTE_NX | flags) < 0)
		return 0;
	p->p_map_next = va + span;
	return va;
}

uint64_t proc_map_shared(struct proc *p, uint64_t phys, uint64_t bytes, bool writable)
{
	return map_next(p, phys, bytes, writable ? PTE_W : 0);
}

uint64_t proc_map_device(struct proc *p, uint64_t phys, uint64_t bytes)
{
	return map_next(p, phys, bytes, PTE_W | PTE_UNCACHED);
}

void proc_abandon(struct proc *p)
{
	KASSERT(p->p_state == PROC_BLOCKED && p->p_wait_chan == p);	/* created, never started */
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		struct kobj *ko = cap_remove(&p->p_caps, i);
		if (ko)
			kobj_put(ko);
	}
	paging_free_user_root(p->p_root);
	pmm_free(p->p_kstack, KSTACK_PAGES);
	p->p_state = PROC_FREE;
	alive--;
}

static void end_process(struct proc *p, const char *reason, bool asked)
{
	if (p->p_state != PROC_RUNNABLE && p->p_state != PROC_BLOCKED)
		return;
	if (!p->p_kill_reason) {
		p->p_kill_reason = reason;
		if (p->p_supervised)
			kprintf("proc: killed pid=%d name=%s reason=%s supervised=yes", p->p_pid, p->p_name, reason);
		else if (asked)
			kprintf("proc: killed pid=%d name=%s reason=%s asked=yes", p->p_pid, p->p_name, reason);
		else
			kerror("proc: killed pid=%d name=%s reason=%s", p->p_pid, p->p_name, reason);
	}
	if (p->p_state == PROC_BLOCKED && !p->p_wq_pprev)
		sched_start(p);		/* created, never started: it ends at its first run */
	else if (p->p_state == PROC_BLOCKED)
		sched_wake_proc(p, CR_ETIMEDOUT);
	else
		sched_kick_running(p);	/* in user mode on another CPU: it must come in to end */
}

void proc_kill(struct proc *p, const char *reason)
{
	end_process(p, reason, false);
}

void proc_stop(struct proc *p, const char *reason)
{
	end_process(p, reason, true);
}

void proc_kill_all(const char *reason)
{
	for (unsigned i = 0; i < PROC_MAX; i++)
		proc_kill(&procs[i], reason);
}

void proc_check_killed(void)
{
	struct proc *p = proc_current();

	if (p && p->p_kill_reason) {
		if (p->p_outcome)
			p->p_outcome->po_killed = true;
		proc_exit(-1);
	}
}

void proc_reap(struct proc *p)
{
	/* L7: no CPU may hold the root when its pages are freed; if one does not let go, they are kept. */
	if (tlb_retire_root(p->p_root))
		paging_free_user_root(p->p_root);
	pmm_free(p->p_kstack, KSTACK_PAGES);
	p->p_state = PROC_FREE;
}

int proc_unmap(struct proc *p, uint64_t va, uint64_t len)
{
	int err = paging_unmap(p->p_root, va, len);

	if (err < 0)
		return err;
	return tlb_shootdown(p->p_root, va, len) ? 0 : CR_ETIMEDOUT;
}

/* Walk the user range page by page; each page must be user-accessible (and writable). */
static int user_copy(uint64_t uaddr, void *kbuf, size_t n, bool to_user)
{
	struct proc *p = proc_current();
	uint8_t *k = kbuf;

	if (!p || uaddr >= USER_SPACE_END || n > USER_SPACE_END - uaddr)
		return CR_EFAULT;
	while (n) {
		uint64_t pa, flags;
		if (paging_lookup(p->p_root, uaddr, &pa, &flags) < 0 || !(flags & PTE_U) ||
		    (to_user && !(flags & PTE_W)))
			return CR_EFAULT;
		size_t chunk = MIN(n, PAGE_SIZE - (uaddr & (PAGE_SIZE - 1)));
		if (to_user)
			memcpy(phys_to_virt(pa), k, chunk);
		else
			memcpy(k, phys_to_virt(pa), chunk);
		uaddr += chunk;
		k += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	return user_copy(usrc, dst, n, false);
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	return user_copy(udst, (void *)src, n, true);
}
