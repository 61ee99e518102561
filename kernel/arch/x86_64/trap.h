/*
 * kernel/arch/x86_64/trap.h - the saved register frame and interrupt routing.
 *
 * Every entry into the kernel (exception, interrupt, system call) builds one
 * struct trap_frame on the current kernel stack; trap_entry.S owns its layout.
 */
#ifndef CAPROCK_ARCH_TRAP_H
#define CAPROCK_ARCH_TRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;	/* IDT vector, or TRAP_SYSCALL */
	uint64_t error_code;	/* pushed by the CPU for some exceptions, else 0 */
	uint64_t rip, cs, rflags, rsp, ss;	/* the interrupt (iretq) frame */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame layout is shared with trap_entry.S");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "trap_frame.vector offset");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "trap_frame.rip offset");

#define TRAP_SYSCALL		0x100	/* frame.vector for SYSCALL entries */

#define VECTOR_NMI		2
#define VECTOR_PIC_BASE		0x20	/* legacy 8259s remapped here, then masked */
#define VECTOR_TIMER		0x30
#define VECTOR_DEVICE_FIRST	0x31
#define VECTOR_DEVICE_LAST	0xef
#define VECTOR_IPI_RESCHED	0xf0	/* another CPU queued work here (sched.c) */
#define VECTOR_IPI_TLB		0xf1	/* answer a TLB shootdown (tlb.c), outside the BKL */
#define VECTOR_SPURIOUS		0xff

static inline int trap_from_user(const struct trap_frame *tf) { return (tf->cs & 3) == 3; }

void idt_init(void);
/* Load the IDT idt_init built on this CPU (application processors). */
void idt_load(void);

typedef void (*irq_handler_fn)(void *ctx, unsigned int vector);
/* Claim a free device vector for handler; returns the vector or CR_ENOMEM. */
int irq_alloc_vector(irq_handler_fn handler, void *ctx);
void irq_free_vector(unsigned int vector);

/*
 * Interrupts on vector some CPU has taken, counted on arrival, before the
 * handler waits for the BKL: a taken interrupt whose handler waits is not a lost one.
 */
uint64_t irq_vector_arrivals(unsigned int vector);
/* Has a handler owned vector during this run (the timer, or irq_alloc_vector)? */
bool irq_vector_ever_owned(unsigned int vector);

/* stray.c: interrupts nobody asked for (a device's MSI on any vector, NMIs) */
void stray_external(struct trap_frame *tf);		/* vector < 32, delivered by the local APIC */
void stray_unowned(unsigned int vector, const char *kind);	/* vector >= 32 no handler took */
void stray_nmi(struct trap_frame *tf);			/* an NMI no known source claimed */
void stray_report_pending(void);			/* outside NMI context: the deferred NMI line */
/* At the end of the run: per-vector counts and a summary line. */
void trap_report_strays(void);

/* Walk and print the kernel frame-pointer chain starting at rbp. */
void trap_print_backtrace(uint64_t rbp);

/* C entry points called from trap_entry.S. */
void trap_dispatch(struct trap_frame *tf);
void exception_dispatch(struct trap_frame *tf);
void trap_return_to_user(struct trap_frame *tf) __attribute__((noreturn));

#endif
