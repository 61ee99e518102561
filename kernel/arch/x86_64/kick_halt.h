/*
 * kernel/arch/x86_64/kick_halt.h - a CPU that waits for another with
 * interrupts off halts instead of spinning, and is woken by an NMI: the
 * paravirtual spinlock's "wait and kick" without a hypervisor's help.
 *
 * In a guest the host may deschedule the vCPU that holds a lock; a CPU
 * spinning for it then burns a host core the holder needs.  A halted vCPU
 * gives the core back.  The kick is an NMI because the waiter has
 * interrupts off.  Its NMI path touches no GS-based state: a late kick may
 * land anywhere, even in an entry stub before SWAPGS.
 */
#ifndef CAPROCK_ARCH_KICK_HALT_H
#define CAPROCK_ARCH_KICK_HALT_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* This CPU's kick count, read before the waiter makes itself known to kickers. */
uint64_t kick_seen(void);
/*
 * Halt (interrupts off) until this CPU's kick count moves on from seen;
 * returns at once if it has.  Whether it halted (never with interrupts on).
 */
bool kick_halt(uint64_t seen);
/* Wake CPU i (percpu index) from kick_halt, or make its next one return at once. */
void kick_cpu(unsigned int i);
/*
 * From the NMI path: was this NMI a kick?  Then it is consumed (a RIP
 * between kick_halt's check and its HLT moves past the HLT).
 */
bool kick_halt_nmi(struct trap_frame *tf);
/* Kick NMIs sent, and those that found their CPU halted or about to. */
void kick_stats(uint64_t *kicks, uint64_t *woke);

#endif
