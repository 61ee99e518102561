/*
 * kernel/dma/dma_select.h - the once-per-boot choice of DMA lane.
 */
#ifndef CAPROCK_DMA_DMA_SELECT_H
#define CAPROCK_DMA_DMA_SELECT_H

#include <stdbool.h>

#include "include/abi/device.h"
#include "kernel/dma/dma.h"
#include "lib/cmdline.h"

struct dma_selection {
	enum dma_lane ds_lane;
	const struct dma_backend *ds_backend_ops;	/* makes each controller's domain */
	const char *ds_backend;		/* "bounce-buffer" or "direct-remapping" */
	const char *ds_iommu;		/* "none", "vtd" */
	bool ds_verified;		/* an IOMMU passed its probe */
	const char *ds_reason;
	bool ds_ok;			/* false: the forced choice cannot be honoured */
};

#define DMA_POLICY "direct-remapping-if-verified-else-bounce-buffer"

/* Decide per DESIGN.md §1 and print the "dma: backend selection" line. */
struct dma_selection dma_select(enum dma_backend_choice choice);

#endif
