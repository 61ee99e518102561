/*
 * kernel/arch/x86_64/smp.c - application processor (AP) bring-up, parking
 * and stopping.
 *
 * Bring-up (Intel SDM Vol. 3A §9.4.4.1, §11.6.1): the boot processor (BSP)
 * copies ap_trampoline.S to a page below 1 MiB and, one AP at a time, sends
 * INIT, waits 10 ms, sends STARTUP, waits 200 µs, sends STARTUP again (all
 * timed on the calibrated clock), then waits up to AP_ONLINE_TIMEOUT_MS for
 * the AP to report from its C entry.  The AP switches to the kernel's page
 * tables, loads its own GDT/TSS (IST stacks), the shared IDT and its GS
 * block, enables SSE as the BSP did, enables its local APIC in the BSP's
 * mode (x2APIC where the BSP runs x2APIC), says it is online and parks.
 * An AP that does not report in time is reported, sent INIT again so that
 * it waits for a STARTUP that never comes, and skipped; the boot goes on.
 *
 * Once online, an AP starts its local APIC timer and enters its scheduler
 * loop (sched_ap_main), which asks for the big kernel lock first: the boot
 * CPU holds it until it first idles, so nothing runs on an AP before the
 * boot is done (kernel/core/locking.h).
 *
 * Stopping: a panic on any CPU (and power-off) sets stop_by_apic and sends
 * an NMI to every other online CPU; the NMI path asks
 * smp_nmi_stop_requested() first and halts for good.
 */
#include "kernel/arch/x86_64/smp.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/ap_trampoline.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/sched.h"
#include "lib/apic_icr.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/smp_plan.h"
#include "lib/string.h"

#define INIT_DELAY_US		10000	/* SDM §9.4.4.1: 10 ms after INIT */
#define SIPI_DELAY_US		200	/* and 200 µs after each STARTUP */
#define AP_ONLINE_TIMEOUT_MS	1000	/* real CPUs take microseconds; a loaded host's vCPU thread, longer */
#define STOP_TIMEOUT_MS		1000	/* an NMI lands in microseconds; a busy host may not run a vCPU thread for a while */
#define AP_STACK_PAGES		4
#define AP_IST_PAGES		4
#define BELOW_4G		0x100000000ull
#define EFER_LME		(1u << 8)

enum ap_state {
	AP_OFF,
	AP_STARTING,	/* INIT-SIPI-SIPI sent; the BSP waits for it */
	AP_ONLINE,	/* reported from smp_ap_entry; runs its scheduler (sched_ap_main) */
	AP_ABANDONED,	/* did not report in time: must not go online later */
};

struct smp_cpu {
	uint32_t sc_apic_id;	/* from the MADT */
	uint32_t sc_state;	/* enum ap_state; the AP moves STARTING -> ONLINE, the BSP -> ABANDONED */
	uint64_t sc_ist_top;	/* IST1 stack for its TSS */
	uint32_t sc_seen_apic_id;	/* what the AP read from its own local APIC */
	bool sc_x2apic;		/* the AP's local APIC ended up in x2APIC mode */
	bool sc_stopped;	/* halted by a stop request (set by the CPU itself, in its NMI) */
};

/*
 * Index = percpu index; the next AP to start gets index ncpus (a failed
 * one's is reused).  The BSP fills an entry before INIT; the AP writes its
 * sc_seen_* fields, then publishes them with the release CAS of sc_state,
 * which the BSP reads with acquire: no lock needed.
 */
static struct smp_cpu cpus[CPU_MAX];
static unsigned int ncpus = 1;
static bool aps_launched;	/* some AP was sent INIT: APIC ids now tell CPUs apart */
static int panic_on_cpu = -1;	/* fault.panic=cpuN */
/* The CR0 and CR4 every AP loads: the BSP's, after paging_init and fpu_init. */
static uint64_t bsp_cr0, bsp_cr4;

static uint32_t stop_by_apic;	/* requester's APIC id + 1; 0 = no stop requested */
static uint32_t nstopped;	/* CPUs halted by a stop request */
static bool others_stopped;
static uint32_t panic_owner;	/* APIC id + 1 of the CPU that panicked first */

void smp_ap_entry(unsigned int cpu);

static bool online(unsigned int i)
{
	return __atomic_load_n(&cpus[i].sc_state, __ATOMIC_ACQUIRE) == AP_ONLINE;
}

unsigned int smp_cpus_online(void)
{
	unsigned int n = 0;

	for (unsigned i = 0; i < CPU_MAX; i++)
		n += online(i);
	return n ? n : 1;
}

bool smp_cpu_running(unsigned int i)
{
	return i < CPU_MAX && online(i) && !__atomic_load_n(&cpus[i].sc_stopped, __ATOMIC_ACQUIRE);
}

unsigned int smp_cpu_slots(void)
{
	return ncpus;
}

/* An interrupt command (a fixed vector or an NMI) to CPU i. */
static int send_to(unsigned int i, uint32_t icr_low, bool nmi)
{
	if (!smp_cpu_running(i))
		return CR_ENOENT;
	int r = lapic_send_ipi(cpus[i].sc_apic_id, icr_low);
	if (r < 0 && nmi)
		kerror("cpu: error nmi to cpu%u apic_id=%u not accepted", i, cpus[i].sc_apic_id);
	else if (r < 0)
		kerror("cpu: error ipi vector=0x%x to cpu%u apic_id=%u not accepted", icr_low & ICR_VECTOR_MASK, i,
		       cpus[i].sc_apic_id);
	return r;
}

int smp_send_ipi(unsigned int i, uint8_t vector)
{
	return send_to(i, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector, false);
}

int smp_send_nmi(unsigned int i)
{
	return send_to(i, apic_icr_nmi(), true);
}

unsigned int smp_this_cpu_index(void)
{
	if (!aps_launched)
		return 0;
	uint32_t id = lapic_id();
	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (online(i) && cpus[i].sc_apic_id == id)
			return i;
	}
	return 0;
}

static __attribute__((noreturn)) void park_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* Called by the trampoline on the AP's own stack, on the trampoline's page tables. */
void smp_ap_entry(unsigned int cpu)
{
	struct smp_cpu *c = &cpus[cpu];

	write_cr3(paging_kernel_root());
	write_cr4(bsp_cr4);
	write_cr0(bsp_cr0);
	gdt_init_cpu(cpu, c->sc_ist_top);
	idt_load();
	fpu_init();
	syscall_init();
	lapic_init_ap();
	c->sc_seen_apic_id = lapic_id();
	c->sc_x2apic = lapic_x2apic_enabled_here();
	percpu_blocks[cpu].cpu_apic_id = c->sc_seen_apic_id;

	uint32_t expected = AP_STARTING;
	/* If the BSP gave up on it meanwhile (ABANDONED), it stays out of everything: parked, not online. */
	if (!__atomic_compare_exchange_n(&c->sc_state, &expected, AP_ONLINE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		park_forever();
	if ((int)cpu == panic_on_cpu)
		panic("fault injected fault.panic=cpu%u apic_id=%u", cpu, c->sc_seen_apic_id);
	lapic_timer_start_ap();
	sched_ap_main();
	park_forever();
}

static bool ap_reported(void *ctx)
{
	const struct smp_cpu *c = ctx;

	return __atomic_load_n(&c->sc_state, __ATOMIC_ACQUIRE) == AP_ONLINE;
}

static uint64_t now_ns(void *ctx) { (void)ctx; return clock_ns(); }
static void relax(void *ctx) { (void)ctx; cpu_relax(); }

/* The trampoline page and its temporary root: identity-maps the page, shares the kernel half. */
struct trampoline {
	uint64_t t_phys;
	uint64_t t_root;
	uint32_t t_sipi;	/* ICR low of the STARTUP message */
	struct tramp_params *t_params;
};

/* Where a label of ap_trampoline.S lies in it (addresses: the labels are distinct C objects). */
static uint64_t tramp_offset(const char *label)
{
	return (uint64_t)(uintptr_t)label - (uint64_t)(uintptr_t)ap_trampoline_start;
}

static int trampoline_prepare(struct trampoline *t)
{
	uint64_t size = tramp_offset(ap_trampoline_end);

	t->t_phys = pmm_low_page();
	if (!t->t_phys || !apic_icr_startup(t->t_phys, &t->t_sipi)) {
		kerror("cpu: error no RAM page below 1 MiB for the AP trampoline");
		return CR_ENOMEM;
	}
	t->t_root = pmm_alloc(1, 1, BELOW_4G);	/* CR3 is loaded in 32-bit mode */
	if (!t->t_root) {
		kerror("cpu: error no page below 4 GiB for the AP trampoline's page tables");
		return CR_ENOMEM;
	}
	const uint64_t *src = phys_to_virt(paging_kernel_root());
	uint64_t *dst = phys_to_virt(t->t_root);
	for (int i = KERNEL_PML4_FIRST; i < 512; i++)
		dst[i] = src[i];
	if (paging_map(t->t_root, t->t_phys, t->t_phys, PAGE_SIZE, PTE_W) < 0) {
		paging_free_user_root(t->t_root);
		kerror("cpu: error out of memory mapping the AP trampoline");
		return CR_ENOMEM;
	}

	uint8_t *page = phys_to_virt(t->t_phys);
	memcpy(page, ap_trampoline_start, size);
	struct tramp_params *p = (struct tramp_params *)(page + TRAMP_PARAMS);
	uint32_t base = (uint32_t)t->t_phys;
	p->tp_gdt[0] = 0;
	p->tp_gdt[1] = 0x00cf9b000000ffff;	/* 0x08: 32-bit code (accessed: no write to set it) */
	p->tp_gdt[2] = 0x00cf93000000ffff;	/* 0x10: data */
	p->tp_gdt[3] = 0x00af9b000000ffff;	/* 0x18: 64-bit code */
	p->tp_gdt_limit = sizeof(p->tp_gdt) - 1;
	p->tp_gdt_base = base + TRAMP_PARAMS + TRAMP_GDT;
	p->tp_pm_jump = (struct tramp_far_ptr){ base + (uint32_t)tramp_offset(ap_trampoline_pm),
						TRAMP_SEL_CODE32, 0 };
	p->tp_lm_jump = (struct tramp_far_ptr){ base + (uint32_t)tramp_offset(ap_trampoline_lm),
						TRAMP_SEL_CODE64, 0 };
	p->tp_cr3 = (uint32_t)t->t_root;
	p->tp_efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_NXE | EFER_SCE)) | EFER_LME;
	p->tp_entry = (uint64_t)smp_ap_entry;
	t->t_params = p;
	bsp_cr0 = read_cr0();
	bsp_cr4 = read_cr4();
	return 0;
}

static int send(uint32_t apic_id, uint32_t icr_low)
{
	int r = lapic_send_ipi(apic_id, icr_low);

	if (r < 0)
		kerror("cpu: error apic_id=%u ipi icr=0x%x not accepted within 10 ms", apic_id, icr_low);
	return r;
}

/* INIT-SIPI-SIPI for one AP at percpu index cpu; true once it reported online. */
static bool start_ap(struct trampoline *t, unsigned int cpu, uint32_t apic_id, bool withhold_startup)
{
	struct smp_cpu *c = &cpus[cpu];
	uint64_t stack = pmm_alloc(AP_STACK_PAGES, 1, PMM_NO_LIMIT);
	uint64_t ist = pmm_alloc(AP_IST_PAGES, 1, PMM_NO_LIMIT);

	if (!stack || !ist) {
		if (stack)
			pmm_free(stack, AP_STACK_PAGES);
		if (ist)
			pmm_free(ist, AP_IST_PAGES);
		kerror("cpu: error apic_id=%u no memory for its stacks", apic_id);
		return false;
	}
	*c = (struct smp_cpu){ .sc_apic_id = apic_id, .sc_state = AP_STARTING,
			       .sc_ist_top = (uint64_t)phys_to_virt(ist) + AP_IST_PAGES * PAGE_SIZE };
	t->t_params->tp_stack = (uint64_t)phys_to_virt(stack) + AP_STACK_PAGES * PAGE_SIZE;
	t->t_params->tp_cpu = cpu;
	aps_launched = true;
	mb();	/* the parameters are in memory before the AP can run (lapic_send_ipi fences too) */

	if (send(apic_id, apic_icr_init()) < 0)
		goto abandon;
	clock_delay_us(INIT_DELAY_US);
	if (withhold_startup)
		kprintf("cpu: fault injected apic_id=%u startup=withheld", apic_id);
	for (int i = 0; i < 2 && !withhold_startup; i++) {
		if (send(apic_id, t->t_sipi) < 0)
			goto abandon;
		clock_delay_us(SIPI_DELAY_US);
	}
	struct smp_waiter w = { ap_reported, now_ns, relax, c };
	uint64_t waited;
	if (smp_wait(&w, AP_ONLINE_TIMEOUT_MS * NSEC_PER_MSEC, &waited))
		return true;
	kerror("cpu: error apic_id=%u did not start within %u ms", apic_id, AP_ONLINE_TIMEOUT_MS);
abandon:;
	uint32_t expected = AP_STARTING;
	if (!__atomic_compare_exchange_n(&c->sc_state, &expected, AP_ABANDONED, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return true;	/* it reported between the last poll and now */
	/* Back to wait-for-SIPI; its stacks stay allocated in case it ran on them. */
	(void)lapic_send_ipi(apic_id, apic_icr_init());
	return false;
}

static void report(const struct smp_plan *plan, unsigned int limited)
{
	char ids[CPU_MAX * 11 + 1];
	size_t n = 0;

	ids[0] = 0;
	for (unsigned i = 0; i < ncpus && n < sizeof(ids); i++)
		n += (size_t)fmt_snprintf(ids + n, sizeof(ids) - n, "%s%u", i ? "," : "", cpus[i].sc_apic_id);
	kprintf("cpu: online count=%u bsp_apic=%u apic_ids=%s mode=%s madt_enabled=%u smp_limited=%u aps=%s",
		ncpus, cpus[0].sc_apic_id, ids, apic_mode_name(lapic_mode()), plan ? acpi.madt.ncpus_enabled : 0,
		limited, ncpus > 1 ? "scheduling" : "none");
}

void smp_init(const struct boot_options *opts)
{
	static struct smp_plan plan;
	struct trampoline t;
	unsigned int limited = 0;
	bool x2apic = lapic_mode() == APIC_MODE_X2APIC;

	cpus[0] = (struct smp_cpu){ .sc_apic_id = lapic_id(), .sc_state = AP_ONLINE, .sc_x2apic = x2apic };
	panic_on_cpu = opts->fault_panic_cpu;
	percpu_blocks[0].cpu_apic_id = cpus[0].sc_apic_id;
	if (!acpi.have_madt) {
		kprintf("cpu: no MADT: the boot processor only");
		report(NULL, 0);
		return;
	}
	smp_plan_make(&acpi.madt, cpus[0].sc_apic_id, x2apic, opts->smp_cpus, CPU_MAX, &plan);
	if (!plan.bsp_listed)
		kprintf("cpu: warning boot processor apic_id=%u is not in the MADT", cpus[0].sc_apic_id);
	for (unsigned i = 0; i < plan.n; i++) {
		enum smp_decision d = plan.e[i].decision;
		if (d == SMP_OVER_LIMIT)
			limited++;
		else if (d != SMP_START && d != SMP_BSP)
			kprintf("cpu: not started apic_id=%u reason=%s", plan.e[i].apic_id, smp_decision_name(d));
	}
	unsigned int kept_enabled = 0;
	for (unsigned int i = 0; i < acpi.madt.ncpus; i++)
		kept_enabled += acpi.madt.cpu_enabled[i];
	if (acpi.madt.ncpus_enabled > kept_enabled)
		kprintf("cpu: warning not started count=%u reason=%s kept=%u limit=%u (CPU_MAX: the kernel runs on the kept ones)",
			acpi.madt.ncpus_enabled - kept_enabled, smp_decision_name(SMP_NO_SLOT), acpi.madt.ncpus,
			ACPI_MAX_CPUS);
	if (plan.nstart == 0 || trampoline_prepare(&t) < 0) {
		report(&plan, limited);
		return;
	}
	for (unsigned i = 0; i < plan.n; i++) {
		uint32_t id = plan.e[i].apic_id;
		if (plan.e[i].decision == SMP_START && start_ap(&t, ncpus, id, opts->fault_cpu == (int64_t)id))
			ncpus++;
	}
	/* Every AP that will ever use the trampoline's tables has left them, or was sent INIT. */
	paging_free_user_root(t.t_root);
	for (unsigned i = 1; i < ncpus; i++) {
		if (cpus[i].sc_seen_apic_id != cpus[i].sc_apic_id)
			kerror("cpu: error apic_id=%u reports apic_id=%u from its local APIC", cpus[i].sc_apic_id,
			       cpus[i].sc_seen_apic_id);
		if (cpus[i].sc_x2apic != x2apic)
			kerror("cpu: error apic_id=%u local APIC mode=%s, the boot CPU's is %s", cpus[i].sc_apic_id,
			       cpus[i].sc_x2apic ? "x2apic" : "xapic", apic_mode_name(lapic_mode()));
	}
	report(&plan, limited);
	if (panic_on_cpu == 0)
		panic("fault injected fault.panic=cpu0 apic_id=%u", cpus[0].sc_apic_id);
}

/* ---------------------------------------------------------------- stopping */

bool smp_nmi_stop_requested(void)
{
	uint32_t by = __atomic_load_n(&stop_by_apic, __ATOMIC_ACQUIRE);

	return by != 0 && by != lapic_id() + 1;
}

void smp_stop_self(void)
{
	uint32_t id = lapic_id();

	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (online(i) && cpus[i].sc_apic_id == id)
			__atomic_store_n(&cpus[i].sc_stopped, true, __ATOMIC_RELEASE);
	}
	/* No process's root stays live here: roots freed from now on ask only running CPUs (tlb.h). */
	write_cr3(paging_kernel_root());
	__atomic_add_fetch(&nstopped, 1, __ATOMIC_RELEASE);
	park_forever();
}

static bool all_stopped(void *ctx)
{
	return __atomic_load_n(&nstopped, __ATOMIC_ACQUIRE) >= *(const unsigned int *)ctx;
}

unsigned int smp_stop_others(void)
{
	unsigned int want = 0;

	if (!aps_launched || others_stopped)
		return 0;
	others_stopped = true;
	uint32_t self = lapic_id();
	__atomic_store_n(&stop_by_apic, self + 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (online(i) && cpus[i].sc_apic_id != self && lapic_send_ipi(cpus[i].sc_apic_id, apic_icr_nmi()) == 0)
			want++;
	}
	struct smp_waiter w = { all_stopped, now_ns, relax, &want };
	if (smp_wait(&w, STOP_TIMEOUT_MS * NSEC_PER_MSEC, NULL))
		return 0;
	char ids[CPU_MAX * 11 + 1];
	size_t n = 0;
	unsigned int stuck = 0;
	ids[0] = 0;
	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (!online(i) || cpus[i].sc_apic_id == self || __atomic_load_n(&cpus[i].sc_stopped, __ATOMIC_ACQUIRE))
			continue;
		stuck++;
		if (n < sizeof(ids))
			n += (size_t)fmt_snprintf(ids + n, sizeof(ids) - n, "%s%u", n ? "," : "", cpus[i].sc_apic_id);
	}
	kerror("cpu: error stop not acknowledged within %u ms apic_ids=%s", STOP_TIMEOUT_MS, ids);
	return stuck ? stuck : 1;
}

unsigned int smp_cpus_stopped(void)
{
	return __atomic_load_n(&nstopped, __ATOMIC_ACQUIRE);
}

bool smp_panic_claim(void)
{
	uint32_t expected = 0;
	uint32_t me = aps_launched ? lapic_id() + 1 : 1;

	return __atomic_compare_exchange_n(&panic_owner, &expected, me, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE) || expected == me;
}
