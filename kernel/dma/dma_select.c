/*
 * kernel/dma/dma_select.c - DMA backend selection.
 *
 * Policy: direct remapping only when an IOMMU is positively verified by a
 * probe, else the brokered bounce buffer.  Ordinary Nitro instances expose
 * no IOMMU (only *.metal do), so bounce is the normal AWS outcome.  This
 * kernel does not yet drive a VT-d unit, so a DMAR table is reported but
 * never verified; dma.backend=remap then fails loudly instead of pretending.
 */
#include "kernel/dma/dma_select.h"

#include "kernel/acpi/acpi.h"
#include "kernel/core/log.h"

struct dma_selection dma_select(enum dma_backend_choice choice)
{
	struct dma_selection s = { DMA_LANE_BROKERED, &dma_bounce_backend, "bounce-buffer", "none", false,
				   "no-dmar-table", true };

	if (acpi.have_dmar) {
		s.ds_iommu = "vtd";
		s.ds_reason = "vtd-remapping-backend-not-built";
	} else if (acpi.dmar_error) {
		s.ds_iommu = "vtd";
		s.ds_reason = "dmar-table-malformed";
	}
	if (choice == DMA_CHOICE_BOUNCE)
		s.ds_reason = "forced-by-cmdline";
	if (choice == DMA_CHOICE_REMAP && !s.ds_verified) {
		s.ds_ok = false;
		kerror("dma: error remap backend requested but no verified IOMMU iommu=%s reason=%s",
		       s.ds_iommu, s.ds_reason);
	}
	kprintf("dma: backend selection backend=%s iommu=%s verified=%s reason=%s policy=%s host_physical_user_visible=false",
		s.ds_backend, s.ds_iommu, s.ds_verified ? "true" : "false", s.ds_reason, DMA_POLICY);
	return s;
}
