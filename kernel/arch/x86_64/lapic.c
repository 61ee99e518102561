/*
 * kernel/arch/x86_64/lapic.c - local APIC bring-up, EOI and timer.
 *
 * Intel SDM Vol. 3A ch. 11.  The 8259 PICs are remapped off the exception
 * vectors and masked (pic_disable), so every interrupt comes through here.
 */
#include "kernel/arch/x86_64/lapic.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define  LAPIC_SVR_ENABLE	0x100
#define LAPIC_LVT_TIMER	0x320
#define  LVT_MASKED		0x10000
#define  LVT_TIMER_PERIODIC	0x20000
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define  TIMER_DIV_16		0x3
#define APIC_BASE_ENABLE (1u << 11)

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static volatile uint8_t *lapic;

static uint32_t rd(uint32_t reg) { return mmio_read32(lapic + reg); }
static void wr(uint32_t reg, uint32_t v) { mmio_write32(lapic + reg, v); }

/* Remap the legacy PICs to 0x20..0x2f, then mask every line. */
static void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VECTOR_PIC_BASE);
	outb(PIC2_DATA, VECTOR_PIC_BASE + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void lapic_init(uint64_t phys)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!phys)
		phys = base & ~0xfffull;
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	pic_disable();
	lapic = (volatile uint8_t *)mmio_map(phys, 4096);
	if (!lapic)
		panic("lapic: cannot map registers at 0x%lx", phys);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	wr(LAPIC_SVR, LAPIC_SVR_ENABLE | VECTOR_SPURIOUS);
	kprintf("apic: lapic phys=0x%lx id=%u", phys, lapic_id());
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_timer_start(uint32_t hz)
{
	/* Count down from the maximum for 10 ms of TSC time to learn the rate. */
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = clock_ns();
	while (clock_ns() - t0 < 10000000)
		cpu_relax();
	uint32_t elapsed = 0xffffffff - rd(LAPIC_TIMER_CUR);
	wr(LAPIC_TIMER_INIT, 0);

	uint64_t per_second = (uint64_t)elapsed * 100;
	uint32_t count = (uint32_t)(per_second / hz);
	if (count == 0)
		count = 1;
	wr(LAPIC_LVT_TIMER, VECTOR_TIMER | LVT_TIMER_PERIODIC);
	wr(LAPIC_TIMER_INIT, count);
	kprintf("apic: timer hz=%u lapic_ticks_per_s=%lu", hz, per_second);
}
