/*
 * lib/smp_plan.h - which processors to start at boot, and the bounded wait
 * for each to come online.
 *
 * Pure logic over the MADT as lib/acpi_tables.c parsed it, so the choices
 * (enabled vs online-capable, smp.cpus=, what xAPIC can address, the size of
 * the kernel's per-CPU table) and the timeout are tested on the host.  The
 * kernel's side (INIT-SIPI-SIPI, the trampoline) is kernel/arch/x86_64/smp.c.
 */
#ifndef CAPROCK_LIB_SMP_PLAN_H
#define CAPROCK_LIB_SMP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi_tables.h"

enum smp_decision {
	SMP_START,		/* an enabled application processor: start it */
	SMP_BSP,		/* the boot processor, already running */
	SMP_NOT_ENABLED,	/* online-capable only (ACPI 6.3): for hot-add, not started at boot */
	SMP_OVER_LIMIT,		/* beyond smp.cpus= */
	SMP_UNADDRESSABLE,	/* xAPIC mode: an IPI cannot name an id above APIC_MAX_8BIT_DEST */
	SMP_NO_SLOT,		/* more processors than the kernel's per-CPU table holds */
};

struct smp_plan_entry {
	uint32_t apic_id;
	enum smp_decision decision;
};

struct smp_plan {
	unsigned int n;			/* entries, in MADT order */
	struct smp_plan_entry e[ACPI_MAX_CPUS];
	unsigned int nstart;		/* entries with SMP_START */
	bool bsp_listed;		/* the boot processor's id is in the MADT (it should be) */
};

/*
 * max_cpus: smp.cpus= (0 = no limit), the boot CPU included; slots: the
 * per-CPU table's size, the boot CPU included.  Processors are started in
 * MADT order, which is the order firmware numbers them.
 */
void smp_plan_make(const struct acpi_madt_info *madt, uint32_t bsp_apic_id, bool x2apic, uint32_t max_cpus,
		   unsigned int slots, struct smp_plan *out);

const char *smp_decision_name(enum smp_decision d);

/* A wait the kernel runs on its calibrated clock and the host tests on a fake one. */
struct smp_waiter {
	bool (*done)(void *ctx);
	uint64_t (*now_ns)(void *ctx);
	void (*relax)(void *ctx);	/* between polls (PAUSE); may be NULL */
	void *ctx;
};

/*
 * Poll w->done until it holds or timeout_ns passed on w->now_ns.  Returns
 * whether it held; *elapsed_ns (may be NULL) is the time waited.  done is
 * polled after the clock reached the deadline, so a processor that made it
 * just in time is not reported as failed.
 */
bool smp_wait(const struct smp_waiter *w, uint64_t timeout_ns, uint64_t *elapsed_ns);

#endif
