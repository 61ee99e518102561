/*
 * kernel/arch/x86_64/barrier.h - ordering for code that also builds on the host.
 *
 * x86 keeps stores in order (TSO) for write-back and uncached memory, so
 * ordering ring writes before a doorbell, or a phase tag read before the
 * entry it guards, needs only the compiler's cooperation.
 */
#ifndef CAPROCK_ARCH_BARRIER_H
#define CAPROCK_ARCH_BARRIER_H

static inline void compiler_barrier(void) { __asm__ volatile("" : : : "memory"); }

#endif
