/*
 * kernel/iommu/vtd/verify.c - positive verification of a domain: the DMA
 * steps (see vtd.h; the unit and translation steps ran in domain.c).
 *
 * Nothing is assumed from the unit's registers alone: the device is made
 * to write, and the result is looked at in memory and in the unit's fault
 * records.  Three manager pages are mapped side by side (with the domain's
 * usual unmapped page after them) and filled with a canary:
 *
 *  dma-lands    the device writes to the middle page's IOVA: that page,
 *               and only that page, changes, to what the command writes;
 *  blocked-dma  the device writes to the guard IOVA, mapped nowhere: the
 *               unit records a fault from the device's source id at that
 *               page (VT-d 3.3 §7.2.1), raises the fault event (§7.3), and
 *               no memory changes;
 *  carries-on   the device, and the kernel, go on: another write lands;
 *  interrupt-blocked  (verify_irq.c) nor can it raise an interrupt it was
 *               not given; unverified fails the verification only when
 *               iommu.interrupt_isolation=required.
 *
 * The fault is looked for by polling the recording registers (bind runs
 * with interrupts off); the event is seen pending in the local APIC.
 */
#include "kernel/iommu/vtd/vtd.h"

#include "include/abi/errors.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/string.h"

#define CANARY		0x5a
#define PROBE_PAGES	3

struct probe_area {
	uint64_t iova;			/* of the first page */
	uint8_t *virt;
};

static bool all_canary(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (p[i] != CANARY)
			return false;
	}
	return true;
}

static void refill(struct probe_area *a)
{
	memset(a->virt, CANARY, PROBE_PAGES * VTD_PAGE_SIZE);
}

/* Did a write to the middle page land there, whole and nowhere else? */
static const char *landed(const struct probe_area *a, const struct vtd_probe *p)
{
	const uint8_t *mid = a->virt + VTD_PAGE_SIZE;

	if (!all_canary(a->virt, VTD_PAGE_SIZE) || !all_canary(mid + VTD_PAGE_SIZE, VTD_PAGE_SIZE))
		return "write-outside-the-mapped-page";
	if (all_canary(mid, p->len))
		return "nothing-written-to-the-mapped-page";
	if (!p->check(p->ctx, mid, p->len))
		return "written-data-not-the-commands";
	return NULL;
}

/* A fault logged since log_from with this source and page, or NULL. */
static const struct vtd_fault *find_fault(const struct vtd_unit *u, uint32_t log_from, uint16_t sid, uint64_t page)
{
	for (uint32_t i = log_from; i != u->u_fault_log_next; i++) {
		if (u->u_fault_log_next - i > VTD_FAULT_LOG)
			continue;	/* overwritten */
		const struct vtd_fault *f = &u->u_fault_log[i % VTD_FAULT_LOG];
		if (f->sid == sid && f->addr == page)
			return f;
	}
	return NULL;
}

static int step_fail(struct vtd_domain *vd, const char *step, const char *why, const char **out_step,
		     const char **out_why)
{
	kprintf("iommu: verify step=%s result=fail bdf=%s reason=%s", step, vd->vd_bdf, why);
	*out_step = step;
	*out_why = why;
	return CR_EIO;
}

static int run_steps(struct dma_domain *d, struct vtd_domain *vd, struct probe_area *a, struct vtd_probe *p,
		     const char **step, const char **why)
{
	struct vtd_unit *u = vd->vd_unit;
	uint64_t target = a->iova + VTD_PAGE_SIZE;
	const char *bad;

	/* dma-lands */
	refill(a);
	uint32_t log_from = u->u_fault_log_next;
	if (p->dma_write(p->ctx, target, p->len) < 0)
		return step_fail(vd, "dma-lands", "device-command-failed", step, why);
	vtd_fault_collect(u, "poll");
	if ((bad = landed(a, p)) != NULL)
		return step_fail(vd, "dma-lands", bad, step, why);
	if (find_fault(u, log_from, vd->vd_sid, target))
		return step_fail(vd, "dma-lands", "mapped-page-faulted", step, why);
	kprintf("iommu: verify step=dma-lands result=ok bdf=%s iova=0x%lx bytes=%u neighbours=untouched content=checked",
		vd->vd_bdf, target, p->len);

	/* blocked-dma */
	refill(a);
	uint64_t guard = vd->vd_win.guard, events = u->u_fault_events;
	const struct vtd_fault *f = NULL;
	log_from = u->u_fault_log_next;
	if (p->dma_write(p->ctx, guard, p->len) < 0)
		return step_fail(vd, "blocked-dma", "device-command-failed", step, why);
	uint64_t deadline = clock_ns() + VTD_WAIT_MS * NSEC_PER_MSEC;
	while (!(f = find_fault(u, log_from, vd->vd_sid, guard)) && clock_ns() < deadline)
		vtd_fault_collect(u, "poll");
	if (!f)
		return step_fail(vd, "blocked-dma", "no-fault-recorded", step, why);
	if (!f->write)
		return step_fail(vd, "blocked-dma", "fault-recorded-as-read", step, why);
	if (!all_canary(a->virt, PROBE_PAGES * VTD_PAGE_SIZE))
		return step_fail(vd, "blocked-dma", "memory-changed", step, why);
	bool raised = vtd_fault_event_raised(u, events);
	if (!raised)
		return step_fail(vd, "blocked-dma", "no-fault-event", step, why);
	kprintf("iommu: verify step=blocked-dma result=ok bdf=%s iova=0x%lx fault_recorded=yes source=%s reason=%s event=%s memory=untouched",
		vd->vd_bdf, guard, vd->vd_bdf, vtd_fault_reason_name(f->reason),
		u->u_fault_events != events ? "interrupt" : "pending-in-lapic");

	/* carries-on */
	refill(a);
	if (p->dma_write(p->ctx, target, p->len) < 0)
		return step_fail(vd, "carries-on", "device-command-failed", step, why);
	if ((bad = landed(a, p)) != NULL)
		return step_fail(vd, "carries-on", bad, step, why);
	kprintf("iommu: verify step=carries-on result=ok bdf=%s iova=0x%lx faults_total=%lu", vd->vd_bdf, target,
		u->u_faults);
	(void)d;

	/* interrupt-blocked (verify_irq.c): the middle page takes what the probe writes outside the window. */
	return vtd_verify_irq(vd, target, p, step, why);
}

int vtd_verify_dma(struct dma_domain *d, struct vtd_probe *p, const char **step, const char **why)
{
	struct vtd_domain *vd = d->dd_priv;
	struct probe_area a;
	void *virt = NULL;

	if (!vd || d->dd_ops->alloc_coherent == NULL || p->len == 0 || p->len > VTD_PAGE_SIZE) {
		*step = "dma-lands";
		*why = "not-a-remapping-domain";
		return CR_EINVAL;
	}
	a.iova = dma_alloc_coherent(d, PROBE_PAGES * VTD_PAGE_SIZE, &virt);
	if (!a.iova)
		return step_fail(vd, "dma-lands", "no-memory-for-probe-pages", step, why);
	a.virt = virt;
	vd->vd_irq_isolation = NULL;
	int err = run_steps(d, vd, &a, p, step, why);
	dma_free_coherent(d, a.iova, virt, PROBE_PAGES * VTD_PAGE_SIZE);
	p->irq_isolation = vd->vd_irq_isolation;
	if (!err)
		vd->vd_unit->u_verified = true;
	return err;
}
