/*
 * kernel/arch/x86_64/lapic.c - local APIC bring-up, EOI and timer.
 *
 * Intel SDM Vol. 3A ch. 11.  xAPIC registers are MMIO at the MADT's
 * address; in x2APIC mode (§11.12) register offset R is MSR 0x800 + R/16
 * and the id is 32 bits.  Which mode: lib/apic_mode.c (x2APIC when CPUID
 * offers it; kept if firmware already chose it, as it does where APIC ids
 * exceed 255).  The 8259 PICs are remapped off the exception vectors and
 * masked (pic_disable), so every interrupt comes through here.  NMI
 * wiring of LINT0/LINT1 follows the MADT's (x2)APIC NMI entries.
 * Application processors enable theirs in the same mode (lapic_init_ap);
 * IPIs go out through the ICR (lapic_send_ipi, encodings in lib/apic_icr.c).
 */
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/percpu.h"

#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/asm_offsets.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpu_timing.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "include/abi/errors.h"
#include "lib/apic_icr.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define  LAPIC_SVR_ENABLE	0x100
#define LAPIC_ISR	0x100	/* eight 32-bit registers, 16 bytes apart */
#define LAPIC_IRR	0x200	/* eight 32-bit registers, 16 bytes apart */
#define LAPIC_ICR_LOW	0x300	/* xAPIC: writing it sends; x2APIC: the whole ICR is MSR 0x830 */
#define LAPIC_ICR_HIGH	0x310	/* xAPIC only: destination in bits 31:24 */
#define LAPIC_LVT_TIMER	0x320
#define  LVT_MASKED		0x10000
#define  LVT_TIMER_PERIODIC	(1u << 17)
#define  LVT_TIMER_TSC_DEADLINE	(2u << 17)
#define  LVT_DELIVERY_NMI	(4u << 8)
#define  LVT_ACTIVE_LOW		(1u << 13)
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define  TIMER_DIV_16		0x3
#define APIC_BASE_EXTD	(1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define MSR_X2APIC_BASE	0x800
#define MSR_TSC_DEADLINE 0x6e0
#define ICR_ACCEPT_TIMEOUT_NS	(10 * NSEC_PER_MSEC)	/* xAPIC Delivery Status; accepted in µs on any machine */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static volatile uint8_t *lapic;		/* xAPIC only */
/* For trap_entry.S, which reads ISR bits 0-31 before it knows its frame (asm_offsets.h). */
uint32_t lapic_isr0_access = LAPIC_ISR0_NONE;
volatile uint32_t *lapic_isr0_mmio;
static enum apic_mode mode;
static enum apic_timer_mode timer_mode;
static bool cpu_tsc_deadline;
static uint64_t deadline_period;	/* TSC ticks per scheduler tick */
static uint32_t periodic_count;		/* timer counts per tick at divide-by-16 (periodic mode) */

static uint32_t rd(uint32_t reg)
{
	if (mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return mmio_read32(lapic + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		mmio_write32(lapic + reg, v);
}

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

/* Program LINT0/LINT1 as NMI where the MADT says so for this processor (§5.2.12.7). */
static unsigned int apply_nmi_entries(void)
{
	uint32_t id = lapic_id(), uid = ACPI_NMI_ALL_CPUS;
	unsigned int applied = 0;

	for (unsigned i = 0; i < acpi.madt.ncpus; i++) {
		if (acpi.madt.cpu_apic_ids[i] == id)
			uid = acpi.madt.cpu_uids[i];
	}
	for (unsigned i = 0; i < acpi.madt.nnmis; i++) {
		const struct acpi_nmi_info *n = &acpi.madt.nmis[i];
		if (n->uid != ACPI_NMI_ALL_CPUS && n->uid != uid)
			continue;
		/* NMI delivery is always edge-triggered (SDM §11.5.1); only the polarity is taken. */
		bool low = (n->flags & MPS_INTI_POLARITY_MASK) == MPS_INTI_POLARITY_LOW;
		wr(n->lint ? LAPIC_LVT_LINT1 : LAPIC_LVT_LINT0, LVT_DELIVERY_NMI | (low ? LVT_ACTIVE_LOW : 0));
		applied |= 1u << n->lint;
	}
	return applied;
}

void lapic_init(uint64_t phys, enum apic_request request)
{
	struct cpu_timing ct;
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpu_timing_read(&ct);
	cpu_tsc_deadline = ct.tsc_deadline;
	struct apic_mode_facts facts = {
		.request = request,
		.cpu_has_x2apic = ct.x2apic,
		.firmware_enabled_x2apic = (base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
					   (APIC_BASE_ENABLE | APIC_BASE_EXTD),
		.dmar_x2apic_opt_out = acpi.have_dmar && (acpi.dmar.flags & DMAR_FLAG_X2APIC_OPT_OUT),
		.max_apic_id = acpi.have_madt ? acpi.madt.max_apic_id : 0,
	};
	struct apic_mode_choice choice = apic_choose_mode(&facts);

	if (!phys)
		phys = base & ~0xfffull;
	/* Disabled -> xAPIC -> x2APIC: the only legal order of transitions (SDM §11.12.5). */
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	if (choice.mode == APIC_MODE_X2APIC) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_EXTD);
	} else {
		lapic = (volatile uint8_t *)mmio_map(phys, 4096);
		if (!lapic)
			panic("lapic: cannot map registers at 0x%lx", phys);
	}
	mode = choice.mode;
	if (mode == APIC_MODE_X2APIC) {
		lapic_isr0_access = LAPIC_ISR0_MSR;
	} else {
		lapic_isr0_mmio = (volatile uint32_t *)(lapic + LAPIC_ISR);
		lapic_isr0_access = LAPIC_ISR0_MMIO;
	}
	pic_disable();
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	wr(LAPIC_SVR, LAPIC_SVR_ENABLE | VECTOR_SPURIOUS);
	unsigned int nmi = acpi.have_madt ? apply_nmi_entries() : 0;
	kprintf("apic: lapic mode=%s reason=%s id=%u phys=0x%lx max_apic_id=%u nmi_lint=%s tsc_deadline=%s",
		apic_mode_name(mode), choice.reason, lapic_id(), phys, facts.max_apic_id,
		nmi == 3 ? "0,1" : nmi == 2 ? "1" : nmi == 1 ? "0" : "none", cpu_tsc_deadline ? "yes" : "no");
	if (choice.request_refused)
		kerror("apic: error apic.mode=%s cannot be honoured (%s); running in %s mode",
		       request == APIC_REQ_XAPIC ? "xapic" : "x2apic", choice.reason, apic_mode_name(mode));
	if (choice.high_ids_unaddressable)
		kprintf("apic: warning processors with ids above %u exist and xAPIC cannot address them "
			"(those processors are not started)", APIC_MAX_8BIT_DEST);
}

/*
 * An application processor's local APIC, in the boot processor's mode.
 * After INIT it is enabled in xAPIC mode with every LVT masked (SDM
 * §11.4.7.1), or still in x2APIC mode if it was there: INIT keeps the mode,
 * and leaving x2APIC for xAPIC directly would fault (§11.12.5).
 */
void lapic_init_ap(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint64_t both = APIC_BASE_ENABLE | APIC_BASE_EXTD;

	if (mode == APIC_MODE_X2APIC) {
		if ((base & both) != both) {
			wrmsr(MSR_APIC_BASE, (base & ~(uint64_t)APIC_BASE_EXTD) | APIC_BASE_ENABLE);
			wrmsr(MSR_APIC_BASE, base | both);
		}
	} else {
		if (base & APIC_BASE_EXTD)	/* x2APIC -> disabled -> xAPIC */
			wrmsr(MSR_APIC_BASE, base & ~both);
		wrmsr(MSR_APIC_BASE, (base & ~(uint64_t)APIC_BASE_EXTD) | APIC_BASE_ENABLE);
	}
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);	/* ExtINT from the 8259s is the boot CPU's alone */
	wr(LAPIC_LVT_LINT1, LVT_MASKED);
	wr(LAPIC_SVR, LAPIC_SVR_ENABLE | VECTOR_SPURIOUS);
	if (acpi.have_madt)
		(void)apply_nmi_entries();
}

bool lapic_x2apic_enabled_here(void)
{
	uint64_t both = APIC_BASE_ENABLE | APIC_BASE_EXTD;

	return (rdmsr(MSR_APIC_BASE) & both) == both;
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	/* x2APIC MSR writes are not serializing (SDM §11.12.3): make earlier stores visible first. */
	mb();
	if (mode == APIC_MODE_X2APIC) {
		/* One write sends; there is no Delivery Status to wait for (SDM §11.12.9). */
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LOW >> 4), apic_icr_x2apic(apic_id, icr_low));
		return 0;
	}
	wr(LAPIC_ICR_HIGH, apic_icr_xapic_high(apic_id));
	wr(LAPIC_ICR_LOW, icr_low);
	uint64_t start = clock_ns();
	while (rd(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
		if (clock_ns() - start > ICR_ACCEPT_TIMEOUT_NS)
			return CR_ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	uint32_t id = rd(LAPIC_ID);

	return mode == APIC_MODE_X2APIC ? id : id >> 24;
}

enum apic_mode lapic_mode(void)
{
	return mode;
}

void lapic_timer_count_start(void)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
}

uint32_t lapic_timer_count_read(void)
{
	return rd(LAPIC_TIMER_CUR);
}

static void arm_deadline(void)
{
	/* MFENCE orders the xAPIC MMIO write of the LVT before the deadline MSR (SDM §11.5.4.1). */
	mb();
	wrmsr(MSR_TSC_DEADLINE, this_cpu()->cpu_next_deadline);
}

/* This CPU's timer, in the mode and at the rate lapic_timer_start chose. */
static void timer_program(void)
{
	if (timer_mode == APIC_TIMER_TSC_DEADLINE) {
		wr(LAPIC_TIMER_INIT, 0);
		wr(LAPIC_LVT_TIMER, VECTOR_TIMER | LVT_TIMER_TSC_DEADLINE);
		this_cpu()->cpu_next_deadline = rdtsc() + deadline_period;
		arm_deadline();
		return;
	}
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_LVT_TIMER, VECTOR_TIMER | LVT_TIMER_PERIODIC);
	wr(LAPIC_TIMER_INIT, periodic_count);
}

void lapic_timer_start_ap(void)
{
	if (deadline_period || periodic_count)
		timer_program();
}

void lapic_timer_start(uint32_t hz, enum apic_request request)
{
	bool refused;

	timer_mode = apic_choose_timer(cpu_tsc_deadline, request, &refused);
	if (refused)
		kerror("apic: error apic.timer=tsc-deadline but the CPU has no TSC-deadline timer; periodic instead");
	if (timer_mode == APIC_TIMER_TSC_DEADLINE) {
		deadline_period = clock_tsc_hz() / hz;
		timer_program();
		kprintf("apic: timer hz=%u mode=tsc-deadline tsc_ticks_per_tick=%lu reference=%s", hz,
			deadline_period, clock_source_name(clock_source()));
		return;
	}
	uint64_t per_second = clock_lapic_timer_hz();
	periodic_count = (uint32_t)(per_second / hz);
	if (periodic_count == 0)
		periodic_count = 1;
	timer_program();
	kprintf("apic: timer hz=%u mode=periodic lapic_ticks_per_s=%lu reference=%s", hz, per_second,
		clock_source_name(clock_source()));
}

void lapic_timer_interrupt(void)
{
	if (timer_mode != APIC_TIMER_TSC_DEADLINE)
		return;
	struct percpu *c = this_cpu();
	uint64_t now = rdtsc();
	c->cpu_next_deadline += deadline_period;
	if (c->cpu_next_deadline <= now)	/* ticks were missed: do not fire back to back to catch up */
		c->cpu_next_deadline = now + deadline_period;
	arm_deadline();
}

bool lapic_irr_pending(uint8_t vector)
{
	return rd(LAPIC_IRR + (vector / 32u) * 16u) >> (vector % 32u) & 1u;
}

bool lapic_isr_set(uint8_t vector)
{
	if (lapic_isr0_access == LAPIC_ISR0_NONE)
		return false;
	return rd(LAPIC_ISR + (vector / 32u) * 16u) >> (vector % 32u) & 1u;
}
