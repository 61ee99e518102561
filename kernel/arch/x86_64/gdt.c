/*
 * kernel/arch/x86_64/gdt.c - segments, the TSS and the GS block of each
 * CPU, SYSCALL MSRs, FPU enable.
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

/*
 * One GDT and TSS per CPU: the TSS descriptor is marked busy by LTR, so
 * CPUs cannot share one.  The TSS follows the GDT at SEG_TSS: the NMI gate
 * finds its own CPU's TSS with SGDT, without GS (trap_entry.S).
 */
struct cpu_segments {
	uint64_t cs_gdt[8];
	struct tss cs_tss;
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct cpu_segments, cs_tss) == SEG_TSS, "the TSS follows the GDT (trap_entry.S)");

struct percpu percpu_blocks[CPU_MAX];
static struct cpu_segments segments[CPU_MAX];
static uint8_t bsp_ist_stack[4096 * 4] __attribute__((aligned(16)));
/* NMI's own, per CPU: an NMI may arrive while a #DF/#MC gate's frame is live on IST1 (or a device's vector 8 or 18). */
static uint8_t nmi_stacks[CPU_MAX][NMI_NEST_SHIFT * 3] __attribute__((aligned(16)));

extern char syscall_entry[];

void gdt_init_cpu(unsigned int cpu, uint64_t ist_top)
{
	struct cpu_segments *sg = &segments[cpu];
	struct percpu *pc = &percpu_blocks[cpu];
	uint64_t *gdt = sg->cs_gdt;
	uint64_t base = (uint64_t)&sg->cs_tss;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff;	/* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffff;	/* 0x10 kernel data */
	gdt[3] = 0;			/* 0x18 (32-bit user code slot, unused) */
	gdt[4] = 0x00cff2000000ffff;	/* 0x20 user data, DPL 3 */
	gdt[5] = 0x00affa000000ffff;	/* 0x28 user code, 64-bit, DPL 3 */
	/* 0x30: 16-byte available 64-bit TSS descriptor */
	gdt[6] = (sizeof(struct tss) - 1) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;

	sg->cs_tss.ist[0] = ist_top;			/* IST1: #DF, #MC */
	sg->cs_tss.ist[1] = (uint64_t)nmi_stacks[cpu] + sizeof(nmi_stacks[cpu]);	/* IST2: NMI */
	sg->cs_tss.iomap_base = sizeof(struct tss);	/* no I/O permission bitmap */
	pc->cpu_index = cpu;
	pc->cpu_self = pc;
	pc->cpu_tss = &sg->cs_tss;

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) desc = {
		sizeof(sg->cs_gdt) - 1, (uint64_t)gdt };
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
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void gdt_init(void)
{
	gdt_init_cpu(0, (uint64_t)bsp_ist_stack + sizeof(bsp_ist_stack));
}

void cpu_set_kernel_stack(uint64_t top)
{
	struct percpu *pc = this_cpu();

	pc->cpu_tss->rsp0 = top;
	pc->cpu_kernel_rsp = top;
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
