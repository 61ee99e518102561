/*
 * kernel/arch/x86_64/tlb.c - TLB shootdown (see tlb.h).
 */
#include "kernel/arch/x86_64/tlb.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "lib/bits.h"

#define SHOOTDOWN_TIMEOUT_MS	1000	/* an IPI lands in microseconds; a loaded host may not run a vCPU for a while */
#define INVLPG_MAX_PAGES	32	/* past this, one full flush is cheaper */
#define CR4_PGE			(1ull << 7)

/*
 * The request being answered: written by the requester (under the BKL)
 * before it publishes gen (release).  A CPU that was not asked may answer
 * later and read a newer request half written: whatever it does then must
 * be harmless (a needless flush; a retire only where no process runs).
 */
static struct {
	uint64_t root, va, len;
	bool retire;		/* tlb_retire_root: drop root, flush nothing else */
} req;
static uint64_t gen;		/* the newest request; cpu_tlb_gen reaches it when a CPU answered */
static bool skip, retire_skip;
static struct tlb_stats stats;

/* This CPU, idle, lets root go (it ran root's process last and kept it loaded). */
static void retire_here(uint64_t root)
{
	if (read_cr3() == root && !this_cpu()->cpu_current)
		paging_switch(paging_kernel_root());
}

static void flush_here(uint64_t root, uint64_t va, uint64_t len, bool retire)
{
	uint64_t pages = (ALIGN_UP(va + len, PAGE_SIZE) - ALIGN_DOWN(va, PAGE_SIZE)) / PAGE_SIZE;

	if (retire) {
		retire_here(root);
		return;
	}
	if (root && read_cr3() != root)
		return;		/* not this CPU's address space: a CR3 load flushed it when it left */
	if (pages <= INVLPG_MAX_PAGES) {
		for (uint64_t i = 0; i < pages; i++)
			invlpg((uintptr_t)(ALIGN_DOWN(va, PAGE_SIZE) + i * PAGE_SIZE));
	} else if (root) {
		write_cr3(read_cr3());
	} else {
		uint64_t cr4 = read_cr4();	/* global pages survive a CR3 load: toggle PGE */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	}
}

void tlb_answer_pending(void)
{
	struct percpu *pc = this_cpu();
	uint64_t g = __atomic_load_n(&gen, __ATOMIC_ACQUIRE);

	if (pc->cpu_tlb_gen == g)
		return;
	flush_here(req.root, req.va, req.len, req.retire);
	__atomic_store_n(&pc->cpu_tlb_gen, g, __ATOMIC_RELEASE);
}

/*
 * Post a request and ask the CPUs in mask by IPI; wait, bounded, until each
 * that still runs has answered.  How many IPIs went out, or -1 (an error
 * line naming the CPU) when one did not answer in time.
 */
static int ask(uint64_t mask, uint64_t root, uint64_t va, uint64_t len, bool retire)
{
	int sent = 0;

	req.root = root;
	req.va = va;
	req.len = len;
	req.retire = retire;
	uint64_t g = gen + 1;
	__atomic_store_n(&gen, g, __ATOMIC_RELEASE);
	__atomic_store_n(&this_cpu()->cpu_tlb_gen, g, __ATOMIC_RELEASE);
	for (uint64_t m = mask; m; m &= m - 1) {
		if (smp_send_ipi((unsigned int)__builtin_ctzll(m), VECTOR_IPI_TLB) == 0)
			sent++;
	}
	bkl_kick_sleepers();	/* a CPU halted in a wait for the BKL answers only once woken (L3) */
	uint64_t deadline = clock_ns() + SHOOTDOWN_TIMEOUT_MS * NSEC_PER_MSEC;
	for (uint64_t m = mask; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		while (smp_cpu_running(i) && __atomic_load_n(&percpu_blocks[i].cpu_tlb_gen, __ATOMIC_ACQUIRE) != g) {
			if (clock_ns() > deadline) {
				kerror("tlb: error %s not answered cpu=%u within %u ms root=0x%lx va=0x%lx bytes=%lu",
				       retire ? "root retire" : "shootdown", i, SHOOTDOWN_TIMEOUT_MS, root, va, len);
				return -1;
			}
			cpu_relax();
		}
	}
	return sent;
}

bool tlb_shootdown(uint64_t root, uint64_t va, uint64_t len)
{
	unsigned int self = this_cpu()->cpu_index, slots = smp_cpu_slots();
	uint64_t others = 0;

	flush_here(root, va, len, false);
	stats.ts_shootdowns++;
	for (unsigned i = 0; i < slots; i++) {
		if (i != self && smp_cpu_running(i))
			others |= 1ull << i;
	}
	if (!others || skip)
		return true;
	int sent = ask(others, root, va, len, false);
	if (sent < 0)
		return false;
	stats.ts_ipis += (uint64_t)sent;
	return true;
}

static bool holds(unsigned int cpu, uint64_t root)
{
	return smp_cpu_running(cpu) && __atomic_load_n(&percpu_blocks[cpu].cpu_root, __ATOMIC_ACQUIRE) == root;
}

bool tlb_retire_root(uint64_t root)
{
	unsigned int self = this_cpu()->cpu_index, slots = smp_cpu_slots();
	uint64_t holding = 0;
	unsigned int nholding = 0;

	paging_switch(paging_kernel_root());	/* the reaper itself: it ran the process last, most often */
	stats.ts_retires++;
	for (unsigned i = 0; i < slots; i++) {
		if (i != self && holds(i, root)) {
			holding |= 1ull << i;
			nholding++;
		}
	}
	if (!holding)
		return true;
	if (retire_skip) {
		kprintf("tlb: fault retire skipped root=0x%lx cpus_holding=%u (fault.retire=skip): root kept", root,
			nholding);
		return false;
	}
	int sent = ask(holding, root, 0, 0, true);
	if (sent < 0)
		return false;	/* root kept */
	stats.ts_retire_ipis += (uint64_t)sent;
	for (uint64_t m = holding; m; m &= m - 1) {
		if (holds((unsigned int)__builtin_ctzll(m), root)) {
			kerror("tlb: error root retire answered but root=0x%lx still held cpu=%u; root kept", root,
			       (unsigned)__builtin_ctzll(m));
			return false;
		}
	}
	return true;
}

void tlb_stats(struct tlb_stats *out)
{
	*out = stats;
}

void tlb_set_skip(bool s)
{
	skip = s;
}

void tlb_set_retire_skip(bool s)
{
	retire_skip = s;
}
