/*
 * kernel/arch/x86_64/exception.c - CPU exception reports.
 *
 * A fault in user mode is reported and kills that process; the kernel goes
 * on.  A fault in the kernel is a kernel bug: full report, backtrace, stop.
 */
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/power.h"
#include "kernel/core/proc.h"

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

/* Kernel frames live in the image or the direct map; stop at anything else. */
static int kernel_stack_address(uint64_t a)
{
	return (a >= DIRECT_MAP_BASE && a < MMIO_WINDOW_BASE) || a >= KERNEL_IMAGE_BASE;
}

void trap_print_backtrace(uint64_t rbp)
{
	for (int depth = 0; depth < 24 && rbp && kernel_stack_address(rbp) && (rbp & 7) == 0; depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		kprintf("trap: backtrace #%d rip=0x%lx", depth, frame[1]);
		if (frame[0] <= rbp)
			break;	/* frames grow upward; anything else is corrupt */
		rbp = frame[0];
	}
}

void exception_dispatch(struct trap_frame *tf)
{
	uint64_t cr2 = read_cr2();
	const char *name = exception_names[tf->vector & 31];

	if (trap_from_user(tf)) {
		proc_fault(tf, name, cr2);	/* kills the process; does not return */
	}
	kprintf("trap: kernel exception vector=%lu name=\"%s\" error=0x%lx rip=0x%lx cr2=0x%lx rsp=0x%lx rflags=0x%lx",
		tf->vector, name, tf->error_code, tf->rip, cr2, tf->rsp, tf->rflags);
	kprintf("trap: regs rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx rsi=0x%lx rdi=0x%lx rbp=0x%lx",
		tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp);
	kprintf("trap: regs r8=0x%lx r9=0x%lx r10=0x%lx r11=0x%lx r12=0x%lx r13=0x%lx r14=0x%lx r15=0x%lx",
		tf->r8, tf->r9, tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15);
	kprintf("trap: backtrace #-1 rip=0x%lx", tf->rip);
	trap_print_backtrace(tf->rbp);
	panic("kernel exception %s", name);
}
