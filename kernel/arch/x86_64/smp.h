/*
 * kernel/arch/x86_64/smp.h - starting the application processors, and
 * stopping them.  See smp.c for what holds today and what comes next.
 */
#ifndef CAPROCK_ARCH_SMP_H
#define CAPROCK_ARCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

struct boot_options;

/*
 * Start every enabled processor the MADT lists (at most smp.cpus=) and park
 * it; print "cpu: online count=N ...".  Needs acpi_init, lapic_init and a
 * calibrated clock.  A processor that does not come up is reported and
 * skipped.
 */
void smp_init(const struct boot_options *opts);

/* Processors online, the boot CPU included (1 before smp_init). */
unsigned int smp_cpus_online(void);

/* Is CPU i (percpu index) online and not stopped? */
bool smp_cpu_running(unsigned int i);
/* Highest percpu index ever brought online, + 1 (loops run to it). */
unsigned int smp_cpu_slots(void);
/* A fixed-delivery IPI on vector to CPU i; 0 or an error (one line for it). */
int smp_send_ipi(unsigned int i, uint8_t vector);
/* An NMI to CPU i; 0 or an error (one line for it). */
int smp_send_nmi(unsigned int i);

/*
 * This CPU's index (0 = the boot CPU), found from its local APIC id and not
 * through GS, so that a panic or an NMI can say which CPU it is on even
 * when GS holds the user's base.
 */
unsigned int smp_this_cpu_index(void);

/*
 * The NMI path asks this first: has another CPU asked this one to stop
 * (panic, power-off)?  Then smp_stop_self().  Touches no GS-based state.
 */
bool smp_nmi_stop_requested(void);
/* Count this CPU as stopped and halt with interrupts off, for good. */
__attribute__((noreturn)) void smp_stop_self(void);

/*
 * Stop every other online CPU (NMI IPI) and wait, bounded, until each says
 * it stopped; an error line names those that did not.  Returns how many did
 * not (0 when all did, or none run).
 * Idempotent: a second call does nothing and returns 0.
 */
unsigned int smp_stop_others(void);

/* CPUs halted by smp_stop_others so far. */
unsigned int smp_cpus_stopped(void);

/*
 * First CPU to panic wins; false on any other (it should halt: the winner
 * stops it).
 */
bool smp_panic_claim(void);

#endif
