/*
 * kernel/core/locking.h - the concurrency model of the kernel, in one place
 * (next to the broker's I1-I7 in kernel/nvme/broker.h, D1-D6 in
 * kernel/dma/dma.h and S1-S4 in kernel/nvme/supervise.h).
 *
 * Every CPU runs user processes at the same time; kernel code runs under
 * one big kernel lock (BKL), as in seL4: a kernel entry is short (I7 bounds
 * it), so one lock costs little, and every structure the single-CPU kernel
 * kept consistent stays consistent with no change to the code that keeps
 * it.  The one exception is where the benchmark showed the BKL to be the
 * limit: a provider's I/O doorbells, under its controller's lock alone (L8).
 * The rules:
 *
 *  L0 The BKL is a test-and-set lock (bkl.c): a ticket handed to a vCPU the
 *     host descheduled would stall every CPU behind it.  Its unfairness is
 *     bounded: a CPU that waited 50 us claims the next turn.  A CPU that
 *     waited smp.bkl_halt_us (25 us by default) halts until kicked: a wait
 *     that long almost always means the host descheduled the holder, and a
 *     spinning vCPU keeps a host core from it (with more vCPUs than host
 *     cores, spinning cost 5x in throughput).  It halts with interrupts
 *     off, so the kick is an NMI (kernel/arch/x86_64/kick_halt.h); every
 *     release that finds a CPU halted kicks it, and so does a TLB
 *     shootdown, which needs its answer (L3).  A kick can be lost (seen
 *     under QEMU's TCG: the NMI never arrives), so nothing may depend on
 *     one: a halted CPU stays known to kickers until it has woken; the CPU
 *     that claimed the next turn never halts (the others defer to it,
 *     lock free or not); and a CPU whose ticks find the lock free and the
 *     same CPU halted for 100 ms in a row kicks it again.
 *  L1 Kernel code runs holding the BKL.  It is taken on every entry (a
 *     system call, an interrupt or exception, the idle loop waking) and
 *     given up on the way back to user mode (sched_return_to_user,
 *     proc_first_run) and around the idle halt.  It is held with
 *     interrupts off; the only exception is an interrupt window of long
 *     kernel work (irqsoff_window), where this CPU's own handlers run
 *     nested, still under the lock this CPU holds.
 *  L2 So the BKL protects: the process table and each process's state,
 *     run queues and wait queues (sched.c), capability tables, kernel
 *     objects and their reference counts, notifications and interrupt
 *     objects, BlockDevice sessions, the broker's queues and command
 *     tables, the DMA ledger and pools, supervision and timeouts, the
 *     page allocator, the kernel heap, page tables (user and kernel
 *     halves), the interrupt vector table and remapping entries.  The
 *     broker state of each NVMe controller has its own lock as well (L8);
 *     the console and its buffer have theirs (a leaf: any section may log).
 *  L3 Outside the BKL run only: the entry and exit stubs, the NMI path
 *     (counts with atomics, or stops the CPU), the TLB shootdown IPI
 *     (tlb.c: flushes and answers with its own cpu_tlb_gen), the panic
 *     path (it stops the other CPUs first), the spin for the BKL itself
 *     (which answers shootdowns while it waits, so a holder waiting for
 *     an answer cannot deadlock with a CPU waiting for the lock; a CPU
 *     halted in that wait is kicked by the shootdown first), and AP
 *     bring-up before the AP asks for the lock; and two spins that give
 *     the lock up while they watch memory and look again under it before
 *     they act on what they saw: an idle CPU polling the run queues before
 *     it halts (sched.c; interrupts on, as in the halt: a handler takes
 *     the lock for itself and ends the poll), and a provider's completion poll on the one CQ
 *     entry the manager expects next (kernel/nvme/poll.c); and a
 *     provider's I/O doorbell section under its controller's lock (L8).
 *  L4 Memory shared with user space or devices (NVMe queues, DMA pools,
 *     Regions, session rings) is never trusted and read once per decision
 *     (I3); user processes on other CPUs may change it at any time.
 *  L5 Lock order: BKL, then a controller's nc_lock (one at a time), then
 *     the console lock.  A CPU holding nc_lock without the BKL never asks
 *     for the BKL before giving nc_lock up, so the order holds both ways.
 *     No lock is recursive: taking one twice on one CPU, or giving up one
 *     this CPU does not hold, is a bug that bkl.c and kspin.c report and
 *     stop at (always on: the check is one load); the broker's functions
 *     assert that nc_lock is held (nvme_ctrl_assert_locked).  The order
 *     itself is checked on every acquisition too: each CPU keeps the ranks
 *     of the kspins it holds (kspin.h), a kspin is taken only above them
 *     and the BKL only with none.  An interrupt window's nested handlers
 *     are checked as a context of their own (kspin_ranks_stash); a tick
 *     in a window whose interrupted context holds a kspin runs no tick
 *     hooks (they take controllers' locks: a unit's restart, bind, detach).
 *  L6 A wait for another CPU (a shootdown answer, an AP coming online) is
 *     bounded and reports a CPU that does not answer.  No lock is held
 *     across a wait on a device while processes run: a controller's reset
 *     and IDENTIFY after its provider died, a hot-plugged controller's bind
 *     and a detached one's shutdown run in a kworker (kworker.h), which
 *     spins at most KWORKER_SPIN_US, then gives its controller's lock up
 *     and parks; the tick that resumed it returns, and with it the BKL.
 *     RDY=0 after a provider died and an FLR's 100 ms are states of the
 *     tick (supervise.h S4).  Waits in place, under the BKL and nc_lock,
 *     remain only where nothing else runs, the boot's binds (before the
 *     first process) and the run's end (after the last), and for the VT-d
 *     unit's status and invalidation bits (microseconds).
 *  L7 A process runs on one CPU at a time; its kernel stack, FPU area and
 *     saved context are touched only by the CPU that runs it or, while it
 *     is switched out, under the BKL.  A CPU has in CR3 the kernel's root,
 *     the root of the process it runs or, idle, that of the process it
 *     ran last (lazily: no TLB flush if that process comes back), noted in
 *     its cpu_root.  A root is freed, under the BKL, only after
 *     tlb_retire_root saw no CPU hold it any more; an idle CPU asked to
 *     let go loads the kernel's root from the shootdown IPI (tlb.h).
 *  L8 An NVMe controller's broker state (its queues and command tables,
 *     the DMA domain's ledger and in-place counts, handle spaces,
 *     namespaces, poll tuning, counters) and its registers are touched only
 *     under its nc_lock (kernel/nvme/ctrl_lock.c).  Every path takes it
 *     after the BKL, except two that give the BKL up for the section:
 *     SYS_NVME_RING_WAIT's doorbells on an I/O queue of the brokered lane
 *     (most of a provider's kernel time), and an interrupt on a vector that
 *     serves I/O completion queues only, brokered lane, whose entry took
 *     the BKL itself (bkl_irq_may_release: not nested in a holder's
 *     window), while it drains them (most of an interrupt's kernel time).
 *     Clients and other providers enter the kernel meanwhile.  Such a
 *     section does nothing that needs the BKL: the signal of a completion
 *     queue is owed (nc_signals_owed) and a last hold on a pool (a Region
 *     whose client went away) is owed (dma_put_pool), both paid under the
 *     BKL as the call ends (nvme_ctrl_settle; the interrupt takes them out
 *     with holds of its own, nvme_ctrl_unlock_owing, since nothing keeps
 *     the controller alive until it has the BKL back), or by whichever path
 *     next gives nc_lock up holding the BKL; admin-queue work (queue
 *     allocations, callbacks) is left to the BKL's paths; kernel object
 *     counts are atomic and a release runs only under the BKL.  An interrupt for a controller whose
 *     lock this CPU holds (only in the release audit's interrupt window) is
 *     left for the idle loop or the tick.
 */
#ifndef CAPROCK_CORE_LOCKING_H
#define CAPROCK_CORE_LOCKING_H

#include <stdbool.h>
#include <stdint.h>

/* Take the BKL (interrupts off); the spin answers TLB shootdowns. */
void bkl_acquire(void);
/* Give it up (interrupts stay off). */
void bkl_release(void);
/* Does this CPU hold it? */
bool bkl_held(void);
/* An entry from an interrupt or exception: take it unless this CPU holds it already (L1's window). */
bool bkl_acquire_for_trap(void);
/*
 * In a device interrupt handler: did its entry take the BKL (rather than
 * interrupt a section of this CPU that holds it, in a window)?  Only then
 * may the handler give it up for a section of its own and take it back (L8).
 */
bool bkl_irq_may_release(void);

/*
 * Entries into the kernel that found the BKL taken by another CPU, and how
 * long they waited; how long it was held, and the holds longer than
 * BKL_LONG_HOLD_US, where the waiters' time goes: long sections (a switch
 * to another process inside the kernel, an interrupt's drain before it
 * gave the lock up), or a vCPU the host descheduled while it held the lock.
 */
#define BKL_LONG_HOLD_US 100
struct bkl_stats {
	uint64_t bs_halts;		/* waits that halted until kicked (L0) */
	uint64_t bs_acquires;
	uint64_t bs_contended;
	uint64_t bs_wait_ns;
	uint64_t bs_hold_ns;
	uint64_t bs_long_holds, bs_long_hold_ns;
	uint64_t bs_tick_kicks;		/* halted waiters a tick found with the lock free, and kicked (L0) */
};
void bkl_stats(struct bkl_stats *out);

/* A wait for the BKL longer than us halts until the holder kicks it (L0; smp.bkl_halt_us=); 0: never. */
void bkl_set_halt_after_us(uint32_t us);
/* Wake every CPU halted in a wait for the BKL (a TLB shootdown needs their answer: L3). */
void bkl_kick_sleepers(void);
/* From each CPU's tick, without the BKL: kick halted waiters if the lock is free (a lost kick; L0). */
void bkl_tick(void);

#endif
