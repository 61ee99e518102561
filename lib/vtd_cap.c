/*
 * lib/vtd_cap.c - VT-d capability decoding and the domain's IOVA window (see header).
 */
#include "lib/vtd_cap.h"

#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/vtd_reg.h"

_Static_assert(VTD_DATA_REGION_BYTES == DMA_DIRECT_SPACES * DMA_DIRECT_SPACE_STRIDE,
	       "the data region holds exactly the spaces the ABI promises");

/* The x86 interrupt address range: a DMA write there is an interrupt, never memory (§5.1). */
#define INTERRUPT_RANGE_LO	0xfee00000ull
#define INTERRUPT_RANGE_HI	0xfef00000ull

void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *out)
{
	*out = (struct vtd_caps){
		.ver_major = VTD_VER_MAJOR(ver),
		.ver_minor = VTD_VER_MINOR(ver),
		.did_bits = 4 + 2 * VTD_CAP_ND(cap),
		.rwbf = cap & VTD_CAP_RWBF,
		.caching_mode = cap & VTD_CAP_CM,
		.sagaw = VTD_CAP_SAGAW(cap),
		.mgaw = VTD_CAP_MGAW(cap),
		.fro = VTD_CAP_FRO(cap),
		.nfr = VTD_CAP_NFR(cap),
		.sllps = VTD_CAP_SLLPS(cap),
		.psi = cap & VTD_CAP_PSI,
		.mamv = VTD_CAP_MAMV(cap),
		.drain_read = cap & VTD_CAP_DRD,
		.drain_write = cap & VTD_CAP_DWD,
		.coherent = ecap & VTD_ECAP_C,
		.qi = ecap & VTD_ECAP_QI,
		.ir = ecap & VTD_ECAP_IR,
		.eim = ecap & VTD_ECAP_EIM,
		.pt = ecap & VTD_ECAP_PT,
		.scalable = ecap & VTD_ECAP_SMTS,
		.iro = VTD_ECAP_IRO(ecap),
	};
	if (out->did_bits > 16)
		out->did_bits = 16;	/* ND 7 is reserved; DIDs are 16 bits at most */
}

uint32_t vtd_did_count(const struct vtd_caps *c)
{
	return (1u << c->did_bits) - 1;
}

static uint64_t pow2(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : 1ull << bits;
}

int vtd_plan_window(const struct vtd_caps *c, unsigned haw_bits, uint64_t ram_end, uint64_t dev_limit,
		    struct vtd_window *out, const char **why)
{
	unsigned levels = 0;

	/* The deepest walk the unit supports within MGAW (Linux's choice too): more room above RAM. */
	for (unsigned l = 5; l >= 3 && !levels; l--) {
		unsigned agaw = 30 + 9 * (l - 2);
		if ((c->sagaw & (1u << (l - 2))) && agaw <= MAX(c->mgaw, 39u))
			levels = l;
	}
	if (!levels) {
		*why = "no-supported-page-table-depth";
		return CR_ENODEV;
	}
	if (haw_bits == 0 || haw_bits > 64 || ram_end > pow2(haw_bits)) {
		*why = "ram-above-host-address-width";
		return CR_ENODEV;
	}
	unsigned agaw = 30 + 9 * (levels - 2);
	uint64_t top = MIN(pow2(agaw), pow2(c->mgaw));
	if (dev_limit)
		top = MIN(top, dev_limit);
	top = ALIGN_DOWN(top, VTD_WINDOW_BYTES);
	if (top < VTD_WINDOW_BYTES) {
		*why = "address-width-below-window";
		return CR_ENODEV;
	}
	uint64_t base = top - VTD_WINDOW_BYTES;
	if (base < ram_end) {
		*why = "iova-window-overlaps-ram";
		return CR_ENODEV;
	}
	if (base < INTERRUPT_RANGE_HI && top > INTERRUPT_RANGE_LO) {
		*why = "iova-window-overlaps-interrupt-range";
		return CR_ENODEV;
	}
	*out = (struct vtd_window){
		.levels = levels, .agaw = agaw, .ctx_aw = levels - 2, .top = top, .base = base,
		.pool_base = base, .guard = base + VTD_DATA_REGION_BYTES,
		.mgr_base = base + VTD_MGR_OFFSET, .mgr_top = top,
	};
	return 0;
}
