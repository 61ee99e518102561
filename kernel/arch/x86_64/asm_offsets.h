/*
 * kernel/arch/x86_64/asm_offsets.h - constants shared by C and assembly.
 *
 * cpu.c checks the struct offsets against these with _Static_assert.
 */
#ifndef CAPROCK_ARCH_ASM_OFFSETS_H
#define CAPROCK_ARCH_ASM_OFFSETS_H

/* Segment selectors; the order is forced by SYSCALL/SYSRET (see gdt.c). */
#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_DS		0x23	/* 0x20 | RPL 3 */
#define USER_CS		0x2b	/* 0x28 | RPL 3 */
#define TSS_SEL		0x30

/* struct percpu (percpu.h) */
#define CPU_KERNEL_RSP	0
#define CPU_USER_RSP	8

#define TRAP_SYSCALL_VECTOR 0x100

/* lapic_isr0_access (lapic.c): how trap_entry.S reads ISR bits 0-31 */
#define LAPIC_ISR0_NONE	0	/* no local APIC enabled yet: every low vector is the CPU's */
#define LAPIC_ISR0_MMIO	1	/* xAPIC: 32 bits at lapic_isr0_mmio */
#define LAPIC_ISR0_MSR	2	/* x2APIC: MSR 0x810 */
#define MSR_X2APIC_ISR0	0x810

/* The NMI gate's stack (gdt.c, trap_entry.S) */
#define TSS_IST2	44	/* offset of IST2 in the TSS */
#define SEG_TSS		64	/* the TSS's offset from its CPU's GDT base (gdt.c: struct cpu_segments) */
#define NMI_NEST_SHIFT	4096	/* IST2 moves down this much while gate 2 runs */

#endif
