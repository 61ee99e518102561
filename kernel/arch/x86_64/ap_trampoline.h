/*
 * kernel/arch/x86_64/ap_trampoline.h - the start-up code an application
 * processor runs after STARTUP, and the parameters smp.c leaves for it.
 *
 * ap_trampoline.S is position-independent real-mode code copied to a page
 * below 1 MiB (the SIPI vector names that page: CS = page << 8, IP = 0).
 * It goes real mode -> protected mode -> long mode on a temporary root that
 * maps the trampoline page at its own address and shares the kernel half,
 * then calls the entry with the stack and CPU index given here (Intel SDM
 * Vol. 3A §9.4.4 and §9.8.5).  Included by assembly: #defines only, then
 * the C view of the parameter block.
 */
#ifndef CAPROCK_ARCH_AP_TRAMPOLINE_H
#define CAPROCK_ARCH_AP_TRAMPOLINE_H

#define TRAMP_PARAMS		0xf00	/* parameter block, at this offset in the page */
#define TRAMP_GDT_DESC		0x00	/* lgdt operand: limit 16, base 32 (the page's GDT) */
#define TRAMP_PM_JUMP		0x08	/* far pointer to the 32-bit code: offset 32, selector 16 */
#define TRAMP_LM_JUMP		0x10	/* far pointer to the 64-bit code */
#define TRAMP_CR3		0x18	/* temporary root, below 4 GiB (loaded in 32-bit mode) */
#define TRAMP_EFER		0x1c	/* EFER bits to set: LME, NXE, SCE (low half is all there is) */
#define TRAMP_STACK		0x20	/* top of this AP's boot stack (kernel virtual) */
#define TRAMP_ENTRY		0x28	/* void entry(unsigned cpu), kernel virtual, never returns */
#define TRAMP_CPU		0x30	/* percpu index of the AP being started */
#define TRAMP_GDT		0x38	/* null, 32-bit code, data, 64-bit code */
#define TRAMP_PARAMS_END	0x58	/* size of the block */

#define TRAMP_SEL_CODE32	0x08
#define TRAMP_SEL_DATA		0x10
#define TRAMP_SEL_CODE64	0x18

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct tramp_far_ptr {
	uint32_t fp_offset;
	uint16_t fp_selector;
	uint16_t fp_pad;
};

struct tramp_params {
	uint16_t tp_gdt_limit;
	uint32_t tp_gdt_base;
	uint16_t tp_pad;
	struct tramp_far_ptr tp_pm_jump;
	struct tramp_far_ptr tp_lm_jump;
	uint32_t tp_cr3;
	uint32_t tp_efer;
	uint64_t tp_stack;
	uint64_t tp_entry;
	uint32_t tp_cpu;
	uint32_t tp_pad2;
	uint64_t tp_gdt[4];
} __attribute__((packed));
_Static_assert(offsetof(struct tramp_params, tp_gdt_base) == TRAMP_GDT_DESC + 2, "lgdt operand");
_Static_assert(offsetof(struct tramp_params, tp_pm_jump) == TRAMP_PM_JUMP, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_lm_jump) == TRAMP_LM_JUMP, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_cr3) == TRAMP_CR3, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_efer) == TRAMP_EFER, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_stack) == TRAMP_STACK, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_entry) == TRAMP_ENTRY, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_cpu) == TRAMP_CPU, "tramp layout");
_Static_assert(offsetof(struct tramp_params, tp_gdt) == TRAMP_GDT, "tramp layout");
_Static_assert(sizeof(struct tramp_params) == TRAMP_PARAMS_END, "tramp layout");

/* The code, in the kernel image; copied whole (ap_trampoline_end - ap_trampoline_start bytes). */
extern const char ap_trampoline_start[], ap_trampoline_end[];
/* The 32-bit and 64-bit code's offsets in it, for the far pointers. */
extern const char ap_trampoline_pm[], ap_trampoline_lm[];
#endif

#endif
