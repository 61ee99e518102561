/*
 * kernel/dma/dma_select.c - DMA backend selection (see header).
 *
 * Ordinary Nitro instances expose no IOMMU (only *.metal do), so bounce is
 * the normal AWS outcome (DESIGN.md §6).  With a DMAR table the VT-d units
 * are brought up (kernel/iommu/vtd/) unless the bounce lane was forced;
 * the selection line then waits for the first controller's verification,
 * because only a device's own DMA can show that translation works.
 * dma.backend=remap fails loudly when that verification does.
 */
#include "kernel/dma/dma_select.h"

#include "kernel/acpi/acpi.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd.h"
#include "lib/fmt.h"
#include "lib/string.h"

static struct {
	bool pending;			/* remapping is the candidate; no verification finished yet */
	bool failed;			/* the first verification failed: bounce for every controller */
	char device_reason[96];		/* the last failure about where a device sits (only_this_device) */
	struct dma_selection sel;
} policy;

static void print_line(const struct dma_selection *s, const char *verified_on, const char *irq_isolation)
{
	if (verified_on)
		kprintf("dma: backend selection backend=%s iommu=%s verified=%s reason=%s policy=%s host_physical_user_visible=false interrupt_isolation=%s interrupt_isolation_policy=%s verified_on=%s",
			s->ds_backend, s->ds_iommu, s->ds_verified ? "true" : "false", s->ds_reason, DMA_POLICY,
			irq_isolation, irq_isolation_choice_name(s->ds_irq_isolation), verified_on);
	else
		kprintf("dma: backend selection backend=%s iommu=%s verified=%s reason=%s policy=%s host_physical_user_visible=false",
			s->ds_backend, s->ds_iommu, s->ds_verified ? "true" : "false", s->ds_reason, DMA_POLICY);
}

static enum vtd_inval_pref inval_pref(enum iommu_inval_choice c)
{
	return c == IOMMU_INVAL_REGISTER ? VTD_INVAL_PREF_REGISTER :
	       c == IOMMU_INVAL_QUEUED ? VTD_INVAL_PREF_QUEUED : VTD_INVAL_PREF_AUTO;
}

struct dma_selection dma_select(const struct boot_options *o)
{
	struct dma_selection s = { DMA_LANE_BROKERED, &dma_bounce_backend, "bounce-buffer", "none", false,
				   "no-dmar-table", true, o->dma_backend, o->irq_isolation, o->dma_bounce };

	if (acpi.have_dmar) {
		s.ds_iommu = "intel-vtd";
		if (o->dma_backend == DMA_CHOICE_BOUNCE) {
			s.ds_reason = "forced-by-cmdline";	/* the IOMMU is left untouched */
		} else if (vtd_init(&acpi.dmar, inval_pref(o->iommu_inval)) == 0) {
			s.ds_reason = "vtd-units-unusable";
		} else {
			s.ds_lane = DMA_LANE_DIRECT;
			s.ds_backend_ops = &dma_vtd_backend;
			s.ds_backend = "direct-remapping";
			s.ds_reason = "verification-pending";
			policy.pending = true;
			policy.sel = s;
			return s;
		}
	} else if (acpi.dmar_error) {
		s.ds_iommu = "intel-vtd";
		s.ds_reason = "dmar-table-malformed";
	} else if (acpi.other_iommu) {
		/*
		 * Left as firmware set it up: the bounce lane's addresses are then
		 * what the device sees only if that IOMMU passes DMA through (its
		 * usual boot default); if it blocks or translates, the controllers'
		 * first commands fail, and their error lines point back here.
		 */
		s.ds_iommu = acpi.other_iommu;
		s.ds_reason = "iommu-not-driven";
		kprintf("dma: warning an IOMMU this kernel does not drive iommu=%s: device DMA works only if it passes through untranslated",
			acpi.other_iommu);
	} else if (o->dma_backend == DMA_CHOICE_BOUNCE) {
		s.ds_reason = "forced-by-cmdline";
	}
	if (o->dma_backend == DMA_CHOICE_REMAP) {
		s.ds_ok = false;
		kerror("dma: error remap backend requested but no verified IOMMU iommu=%s reason=%s", s.ds_iommu,
		       s.ds_reason);
	}
	print_line(&s, NULL, NULL);
	return s;
}

const struct dma_backend *dma_lane_backend(const struct dma_selection *sel, const struct pci_dev *d)
{
	if (sel->ds_lane != DMA_LANE_DIRECT || policy.failed || !vtd_covers(d))
		return &dma_bounce_backend;
	return sel->ds_backend_ops;
}

int dma_lane_prepare_bounce(const struct pci_dev *d, const char *bdf)
{
	const char *why = NULL;
	int err = vtd_bypass(d, &why);

	if (err)
		kerror("dma: error bounce lane needs pass-through the IOMMU cannot give bdf=%s reason=%s", bdf, why);
	return err;
}

bool dma_lane_irq_isolation_required(void)
{
	return policy.sel.ds_irq_isolation == IRQ_ISOLATION_REQUIRED;
}

void dma_lane_verified(const char *bdf, const char *irq_isolation)
{
	if (!policy.pending)
		return;
	policy.pending = false;
	policy.sel.ds_verified = true;
	policy.sel.ds_reason = "positive-verification-passed";
	print_line(&policy.sel, bdf, irq_isolation ? irq_isolation : "unverified");
}

/*
 * Failures that are about where the device sits, not whether the unit
 * translates: that controller falls back alone, and the next one's
 * verification still decides the selection (the first decided it for all).
 */
static bool only_this_device(const char *step, const char *why)
{
	return !strcmp(step, "unit") && (!strcmp(why, "behind-conventional-pci-bridge") ||
					 !strcmp(why, "device-has-rmrr") || !strcmp(why, "no-unit-covers-device"));
}

bool dma_lane_failed(const char *bdf, const char *step, const char *why)
{
	bool forced = policy.sel.ds_choice == DMA_CHOICE_REMAP;

	if (policy.pending && only_this_device(step, why))
		fmt_snprintf(policy.device_reason, sizeof(policy.device_reason), "%s:%s", step, why);
	if (policy.pending && !only_this_device(step, why)) {
		static char reason[96];
		policy.pending = false;
		policy.failed = true;
		struct dma_selection s = policy.sel;
		s.ds_lane = DMA_LANE_BROKERED;
		s.ds_backend = "bounce-buffer";
		/* One token: the step that failed and why ("blocked-dma:no-fault-recorded"); interrupts say why alone. */
		unsigned n = 0;
		if (!strcmp(step, "interrupt-blocked"))
			step = "";
		for (const char *p = step; *p && n < sizeof(reason) - 2; p++)
			reason[n++] = *p;
		if (n)
			reason[n++] = ':';
		for (const char *p = why; *p && n < sizeof(reason) - 1; p++)
			reason[n++] = *p;
		reason[n] = 0;
		s.ds_reason = reason;
		if (!forced)
			print_line(&s, NULL, NULL);
	}
	if (forced)
		kerror("dma: error remap backend requested but verification failed bdf=%s step=%s reason=%s", bdf,
		       *step ? step : "interrupt-blocked", why);
	return !forced;
}

void dma_select_finish(void)
{
	if (!policy.pending)
		return;
	policy.pending = false;
	if (policy.sel.ds_choice == DMA_CHOICE_REMAP && policy.device_reason[0])
		return;		/* forced, and refused with an error line for that controller: no bounce lane was chosen */
	policy.sel.ds_lane = DMA_LANE_BROKERED;
	policy.sel.ds_backend = "bounce-buffer";
	/* None verified: say why the last one could not be, if where it sat was the reason. */
	policy.sel.ds_reason = policy.device_reason[0] ? policy.device_reason : "no-controller-verified";
	if (policy.sel.ds_choice == DMA_CHOICE_REMAP)
		kerror("dma: error remap backend requested but no controller was verified iommu=intel-vtd");
	print_line(&policy.sel, NULL, NULL);
}
