/*
 * kernel/arch/x86_64/gdt.c - segments, the TSS, SYSCALL MSRs, FPU enable.
 *
 * Selector order is dictated by SYSRET (Intel SDM Vol. 2B, SYSRET): user SS
 * is STAR[63:48] + 8 and user CS is STAR[63:48] + 16, so user data precedes
 * user code.  We return through iretq, but keep the order so SYSRET stays
 * possible.
 */
#include <stddef.h>

#include "kernel/arch/x86_64/asm_offsets.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/trap.h"

struct tss {
	uint32_t rsvd0;
	uint64_t rsp0;
	uint64_t rsp1;
	uint64_t rsp2;
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");
_Static_assert(offsetof(struct tss, rsp0) == 4, "TSS.RSP0 offset");
_Static_assert(offsetof(struct tss, ist) == 36, "TSS.IST offset");
_Static_assert(offsetof(struct tss, ist) + 8 == TSS_IST2, "TSS.IST2 offset (trap_entry.S)");

_Static_assert(offsetof(struct percpu, cpu_kernel_rsp) == CPU_KERNEL_RSP, "percpu layout");
_Static_assert(offsetof(struct percpu, cpu_user_rsp) == CPU_USER_RSP, "percpu layout");

struct percpu percpu;
struct tss cpu_tss;	/* global: trap_entry.S moves its IST2 slot (TSS_IST2) */
static uint64_t gdt[8];
static uint8_t ist_stack[4096 * 4] __attribute__((aligned(16)));
/* NMI's own: an NMI may arrive while a #DF/#MC gate's frame is live on IST1 (or a device's vector 8 or 18). */
static uint8_t nmi_stack[NMI_NEST_SHIFT * 3] __attribute__((aligned(16)));

extern char syscall_entry[];

void gdt_init(void)
{
	uint64_t base = (uint64_t)&cpu_tss;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff;	/* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffff;	/* 0x10 kernel data */
	gdt[3] = 0;			/* 0x18 (32-bit user code slot, unused) */
	gdt[4] = 0x00cff2000000ffff;	/* 0x20 user data, DPL 3 */
	gdt[5] = 0x00affa000000ffff;	/* 0x28 user code, 64-bit, DPL 3 */
	/* 0x30: 16-byte available 64-bit TSS descriptor */
	gdt[6] = (sizeof(cpu_tss) - 1) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;

	cpu_tss.ist[0] = (uint64_t)ist_stack + sizeof(ist_stack);	/* IST1: #DF, #MC */
	cpu_tss.ist[1] = (uint64_t)nmi_stack + sizeof(nmi_stack);	/* IST2: NMI */
	cpu_tss.iomap_base = sizeof(cpu_tss);				/* no I/O permission bitmap */

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) desc = {
		sizeof(gdt) - 1, (uint64_t)gdt };
	lgdt(&desc);
	__asm__ volatile(
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w[ds], %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		: : [cs] "i"(KERNEL_CS), [ds] "r"(KERNEL_DS) : "rax", "memory");
	ltr(TSS_SEL);
	wrmsr(MSR_GS_BASE, (uint64_t)&percpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void cpu_set_kernel_stack(uint64_t top)
{
	cpu_tss.rsp0 = top;
	percpu.cpu_kernel_rsp = top;
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(USER_DS - 8 - 3) << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Enter with IF, TF, DF and AC clear: the kernel never runs interruptible. */
	wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 8) | (1u << 10) | (1u << 18));
}

void fpu_init(void)
{
	/* User programs may use SSE; the kernel saves their state on switches (proc.c). */
	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
}
