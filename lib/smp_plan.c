/*
 * lib/smp_plan.c - which processors to start, and the bounded wait (see smp_plan.h).
 */
#include "lib/smp_plan.h"

#include "lib/apic_mode.h"
#include "lib/string.h"

void smp_plan_make(const struct acpi_madt_info *madt, uint32_t bsp_apic_id, bool x2apic, uint32_t max_cpus,
		   unsigned int slots, struct smp_plan *out)
{
	unsigned int running = 1;	/* the boot CPU */

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < madt->ncpus && i < ACPI_MAX_CPUS; i++) {
		struct smp_plan_entry *e = &out->e[out->n++];
		e->apic_id = madt->cpu_apic_ids[i];
		if (e->apic_id == bsp_apic_id) {
			e->decision = SMP_BSP;
			out->bsp_listed = true;
		} else if (!madt->cpu_enabled[i]) {
			e->decision = SMP_NOT_ENABLED;
		} else if (!x2apic && e->apic_id > APIC_MAX_8BIT_DEST) {
			e->decision = SMP_UNADDRESSABLE;
		} else if (max_cpus && running >= max_cpus) {
			e->decision = SMP_OVER_LIMIT;
		} else if (running >= slots) {
			e->decision = SMP_NO_SLOT;
		} else {
			e->decision = SMP_START;
			running++;
			out->nstart++;
		}
	}
}

const char *smp_decision_name(enum smp_decision d)
{
	switch (d) {
	case SMP_START:		return "start";
	case SMP_BSP:		return "bsp";
	case SMP_NOT_ENABLED:	return "online-capable-not-enabled";
	case SMP_OVER_LIMIT:	return "smp.cpus-limit";
	case SMP_UNADDRESSABLE:	return "xapic-cannot-address";
	case SMP_NO_SLOT:	return "per-cpu-table-full";
	}
	return "?";
}

bool smp_wait(const struct smp_waiter *w, uint64_t timeout_ns, uint64_t *elapsed_ns)
{
	uint64_t start = w->now_ns(w->ctx), now = start;
	bool ok;

	for (;;) {
		/* Polled once more after the clock says the time is up: just in time is in time. */
		if ((ok = w->done(w->ctx)) || now - start >= timeout_ns)
			break;
		if (w->relax)
			w->relax(w->ctx);
		now = w->now_ns(w->ctx);
	}
	if (elapsed_ns)
		*elapsed_ns = now - start;
	return ok;
}
