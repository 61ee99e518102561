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

/* The request being answered: written by the requester before it publishes gen (release). */
static struct {
	uint64_t root, va, len;
} req;
static uint64_t gen;		/* the newest request; cpu_tlb_gen reaches it when a CPU answered */
static bool skip;
static uint64_t nshootdowns, nipis;

static void flush_here(uint64_t root, uint64_t va, uint64_t len)
{
	uint64_t pages = (ALIGN_UP(va + len, PAGE_SIZE) - ALIGN_DOWN(va, PAGE_SIZE)) / PAGE_SIZE;

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
	flush_here(req.root, req.va, req.len);
	__atomic_store_n(&pc->cpu_tlb_gen, g, __ATOMIC_RELEASE);
}

bool tlb_shootdown(uint64_t root, uint64_t va, uint64_t len)
{
	unsigned int self = this_cpu()->cpu_index, slots = smp_cpu_slots();
	bool others = false;

	flush_here(root, va, len);
	nshootdowns++;
	for (unsigned i = 0; i < slots; i++)
		others |= i != self && smp_cpu_running(i);
	if (!others || skip)
		return true;
	req.root = root;
	req.va = va;
	req.len = len;
	uint64_t g = gen + 1;
	__atomic_store_n(&gen, g, __ATOMIC_RELEASE);
	__atomic_store_n(&this_cpu()->cpu_tlb_gen, g, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < slots; i++) {
		if (i != self && smp_cpu_running(i) && smp_send_ipi(i, VECTOR_IPI_TLB) == 0)
			nipis++;
	}
	bkl_kick_sleepers();	/* a CPU halted in a wait for the BKL answers only once woken (L3) */
	uint64_t deadline = clock_ns() + SHOOTDOWN_TIMEOUT_MS * NSEC_PER_MSEC;
	for (unsigned i = 0; i < slots; i++) {
		while (i != self && smp_cpu_running(i) &&
		       __atomic_load_n(&percpu_blocks[i].cpu_tlb_gen, __ATOMIC_ACQUIRE) != g) {
			if (clock_ns() > deadline) {
				kerror("tlb: error shootdown not answered cpu=%u within %u ms root=0x%lx va=0x%lx bytes=%lu",
				       i, SHOOTDOWN_TIMEOUT_MS, root, va, len);
				return false;
			}
			cpu_relax();
		}
	}
	return true;
}

void tlb_stats(uint64_t *shootdowns, uint64_t *ipis)
{
	*shootdowns = nshootdowns;
	*ipis = nipis;
}

void tlb_set_skip(bool s)
{
	skip = s;
}
