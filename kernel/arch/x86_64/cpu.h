/*
 * kernel/arch/x86_64/cpu.h - the kernel's only inline assembly: port I/O,
 * MMIO accessors, control registers, MSRs, CPUID and the TSC.
 *
 * MMIO goes through mmio_readN and mmio_writeN: one plain volatile load or store
 * of exactly 1, 2, 4 or 8 bytes, which is what PCIe devices (and QEMU's
 * emulation of them) require.
 */
#ifndef CAPROCK_ARCH_CPU_H
#define CAPROCK_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/x86_64/barrier.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t mmio_read8(const volatile void *p) { return *(const volatile uint8_t *)p; }
static inline uint16_t mmio_read16(const volatile void *p) { return *(const volatile uint16_t *)p; }
static inline uint32_t mmio_read32(const volatile void *p) { return *(const volatile uint32_t *)p; }
static inline uint64_t mmio_read64(const volatile void *p) { return *(const volatile uint64_t *)p; }
static inline void mmio_write8(volatile void *p, uint8_t v) { *(volatile uint8_t *)p = v; }
static inline void mmio_write16(volatile void *p, uint16_t v) { *(volatile uint16_t *)p = v; }
static inline void mmio_write32(volatile void *p, uint32_t v) { *(volatile uint32_t *)p = v; }
static inline void mmio_write64(volatile void *p, uint64_t v) { *(volatile uint64_t *)p = v; }

/* Full fence, for ordering stores to write-back memory before an uncached doorbell write. */
static inline void mb(void) { __asm__ volatile("mfence" : : : "memory"); }
/* Write back and evict the cache line holding p (for bus masters that do not snoop). */
static inline void clflush(const volatile void *p) { __asm__ volatile("clflush (%0)" : : "r"(p) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline uint64_t read_rbp(void) { uint64_t v; __asm__ volatile("mov %%rbp, %0" : "=r"(v)); return v; }

static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }
/* Is RFLAGS.IF set (maskable interrupts let in)? */
static inline bool irqs_enabled(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f & (1u << 9);
}
static inline void irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }
/* sti takes effect after the next instruction, so no interrupt is lost between the two. */
static inline void irq_enable_and_halt(void) { __asm__ volatile("sti; hlt; cli" : : : "memory"); }
/* Let pending interrupts in, then close again (sti's shadow covers the nop). */
static inline void irq_window(void) { __asm__ volatile("sti; nop; cli" : : : "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" : : : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }

static inline void lgdt(const void *desc) { __asm__ volatile("lgdt (%0)" : : "r"(desc) : "memory"); }
static inline void lidt(const void *desc) { __asm__ volatile("lidt (%0)" : : "r"(desc) : "memory"); }
static inline void ltr(uint16_t sel) { __asm__ volatile("ltr %0" : : "r"(sel)); }

static inline void fxsave(void *area) { __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory"); }
static inline void fxrstor(const void *area) { __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory"); }

#define MSR_APIC_BASE		0x1b
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_FMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define EFER_SCE		(1u << 0)
#define EFER_NXE		(1u << 11)
#define CR0_MP			(1u << 1)
#define CR0_EM			(1u << 2)
#define CR0_TS			(1u << 3)
#define CR4_OSFXSR		(1u << 9)
#define CR4_OSXMMEXCPT		(1u << 10)
#define RFLAGS_IF		(1u << 9)

#endif
