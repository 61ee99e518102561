/*
 * kernel/arch/x86_64/idt.c - the IDT, device vector allocation, dispatch.
 *
 * All 256 gates are interrupt gates (IF cleared on entry) at DPL 0, so user
 * code cannot raise any vector with INT n.  The kernel never runs with
 * interrupts enabled except in the idle loop and the interrupt windows of
 * kernel/core/irqsoff.h, which keeps handlers simple: nothing they touch
 * can be half-updated by the code they interrupted on this CPU, and the
 * big kernel lock (kernel/core/locking.h) keeps the other CPUs out.
 */
#include "kernel/arch/x86_64/trap.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/asm_offsets.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/kick_halt.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/sched.h"
#include "lib/trap_class.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t rsvd;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define GATE_INTERRUPT	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define IST_EMERGENCY	1	/* #DF, #MC */
#define IST_NMI		2

static struct idt_gate idt[256];

struct vector_slot {
	irq_handler_fn handler;
	void *ctx;
};
static struct vector_slot vectors[256];
static bool ever_owned[256];
static uint64_t arrivals[256];	/* interrupts taken per vector, counted before the BKL (irq_vector_arrivals) */	/* for the stray summary: a stray on these went to their handler */

extern char trap_stubs_start[];

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)trap_stubs_start + 16 * (uint64_t)v;
		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)addr,
			.selector = KERNEL_CS,
			/*
			 * NMI, #DF and #MC may arrive on a broken stack (NMI even on the user's, between
			 * SYSCALL and the stack switch).  A device's fixed interrupt on 2, 8 or 18 comes
			 * through the same gate, onto the same stack: it never schedules from there.
			 */
			.ist = v == 2 ? IST_NMI : (v == 8 || v == 18) ? IST_EMERGENCY : 0,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_hi = (uint32_t)(addr >> 32),
		};
	}
	idt_load();
}

/* Every CPU uses the one IDT: the gates name no per-CPU state (IST indexes each CPU's own TSS). */
void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) desc = {
		sizeof(idt) - 1, (uint64_t)idt };
	lidt(&desc);
}

int irq_alloc_vector(irq_handler_fn handler, void *ctx)
{
	for (unsigned v = VECTOR_DEVICE_FIRST; v <= VECTOR_DEVICE_LAST; v++) {
		if (!vectors[v].handler) {
			vectors[v] = (struct vector_slot){ handler, ctx };
			ever_owned[v] = true;
			return (int)v;
		}
	}
	return CR_ENOMEM;
}

void irq_free_vector(unsigned int vector)
{
	if (vector < 256)
		vectors[vector] = (struct vector_slot){ 0, 0 };
}

uint64_t irq_vector_arrivals(unsigned int vector)
{
	return vector < 256 ? __atomic_load_n(&arrivals[vector], __ATOMIC_RELAXED) : 0;
}

bool irq_vector_ever_owned(unsigned int vector)
{
	return vector == VECTOR_TIMER || vector == VECTOR_IPI_RESCHED || vector == VECTOR_IPI_TLB ||
	       (vector < 256 && ever_owned[vector]);
}

/*
 * Events that concern this CPU alone are handled without the BKL, so that
 * idle CPUs and CPUs running user code do not queue for it on every tick:
 * a reschedule IPI (the queue was filled under the BKL; the idle loop or
 * the return to user looks at it) and an AP's timer tick (its slice).
 * Only when the CPU must switch does it take the BKL, to switch.
 */
static bool cpu_local_event(struct trap_frame *tf, uint64_t v)
{
	if (v == VECTOR_IPI_RESCHED) {
		lapic_eoi();
	} else if (v == VECTOR_TIMER && this_cpu()->cpu_index != 0) {
		lapic_timer_interrupt();
		lapic_eoi();
		sched_timer_tick_local();
	} else {
		return false;
	}
	if (trap_from_user(tf) && sched_switch_wanted()) {
		irqsoff_enter(IRQSOFF_TRAP, v);
		bkl_acquire();
		sched_return_to_user();
		return true;
	}
	cpu_note_irq_open();	/* back to user mode or the halt: interrupts are let in again */
	return true;
}

void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v == VECTOR_NMI && smp_nmi_stop_requested())
		smp_stop_self();	/* another CPU panicked or powers off: halt here for good */
	if (v == VECTOR_IPI_TLB) {
		tlb_answer_pending();	/* outside the BKL: its holder waits for this answer (locking.h L3) */
		lapic_eoi();
		return;
	}
	if (v == VECTOR_TIMER)
		bkl_tick();	/* a waiter halted for the lock whose kick was lost (locking.h L0) */
	if (cpu_local_event(tf, v))
		return;
	bool isr = v < 32 && lapic_isr_set((uint8_t)v);
	struct percpu *vec2 = NULL;	/* through the APIC id: GS may be the user's when an NMI lands */
	if (v == VECTOR_NMI) {
		vec2 = &percpu_blocks[smp_this_cpu_index()];
		/*
		 * Inside gate 2 already: the outer entry is a device's fixed
		 * interrupt (an NMI blocks NMIs, and both keep interrupts off), so
		 * this one is an NMI, and the ISR bit is the outer one's.  Taken
		 * for a fixed interrupt it would wait for the BKL with NMIs
		 * blocked, where no kick could end the wait.
		 */
		if (vec2->cpu_vec2_depth++)
			isr = false;
	}
	bool low_nmi = v < 32 && trap_classify_low((unsigned int)v, isr) == TRAP_SOURCE_NMI;
	if (low_nmi) {
		if (!kick_halt_nmi(tf))	/* a kick ends a wait for the BKL (kick_halt.h) */
			stray_nmi(tf);	/* NMI context: may have interrupted the BKL's spin; counts only */
		if (vec2)
			vec2->cpu_vec2_depth--;
		return;
	}
	if (v >= 32 && v < 256)
		__atomic_fetch_add(&arrivals[v], 1, __ATOMIC_RELAXED);
	irqsoff_enter(IRQSOFF_TRAP, v);	/* the wait for the BKL counts (irqsoff.h) */
	bool took = bkl_acquire_for_trap();
	cpu_idle_end();		/* an interrupt that woke the idle halt: busy from here */
	if (v < 32) {
		/* Who raised it, from the ISR bit before anything EOIs (lib/trap_class.h). */
		switch (trap_classify_low((unsigned int)v, isr)) {
		case TRAP_SOURCE_EXTERNAL:
			stray_external(tf);
			goto out;	/* 2, 8 and 18 run on an IST stack: never schedule from here */
		case TRAP_SOURCE_NMI:
			break;		/* handled above */
		case TRAP_SOURCE_EXCEPTION:
			exception_dispatch(tf);
			break;
		}
	} else if (v == VECTOR_TIMER) {
		lapic_timer_interrupt();
		lapic_eoi();
		sched_timer_tick();
	} else if (v == VECTOR_SPURIOUS) {
		stray_unowned((unsigned int)v, "spurious");
	} else if (v >= VECTOR_PIC_BASE && v < VECTOR_PIC_BASE + 16) {
		stray_unowned((unsigned int)v, "legacy-pic");
	} else if (v < 256 && vectors[v].handler) {
		this_cpu()->cpu_in_irq++;
		this_cpu()->cpu_irq_owns_bkl = took;
		vectors[v].handler(vectors[v].ctx, (unsigned int)v);
		this_cpu()->cpu_irq_owns_bkl = false;
		this_cpu()->cpu_in_irq--;
		lapic_eoi();
	} else {
		stray_unowned((unsigned int)v, "unowned");
	}
	stray_report_pending();
	if (trap_from_user(tf)) {
		sched_return_to_user();	/* gives up the BKL last */
		return;
	}
out:
	if (vec2)
		vec2->cpu_vec2_depth--;	/* vector 2 (fixed) always ends here */
	if (took)
		bkl_release();
}
