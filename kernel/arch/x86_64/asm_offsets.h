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

#endif
