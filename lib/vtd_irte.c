/*
 * lib/vtd_irte.c - IRTE and remappable-message encodings (see header).
 */
#include "lib/vtd_irte.h"

bool vtd_irte_encode(const struct vtd_irte_fields *f, struct vtd_irte *out)
{
	uint32_t dst;

	if (f->svt > VTD_SVT_BUS_RANGE || f->sq > 3)
		return false;
	if (f->x2apic) {
		dst = f->dest;
	} else {
		/* xAPIC: an 8-bit physical id; 0xff is broadcast, never a single CPU. */
		if (f->dest > 0xfe)
			return false;
		dst = f->dest << 8;
	}
	out->lo = VTD_IRTE_P | VTD_IRTE_DLM(VTD_DLM_FIXED) | VTD_IRTE_V(f->vector) | VTD_IRTE_DST(dst) |
		  (f->level ? VTD_IRTE_TM_LEVEL : 0);
	out->hi = VTD_IRTE_HI_SID(f->sid) | VTD_IRTE_HI_SQ(f->sq) | VTD_IRTE_HI_SVT(f->svt);
	return true;
}

bool vtd_irte_decode(const struct vtd_irte *e, bool x2apic, struct vtd_irte_fields *out)
{
	if (!(e->lo & VTD_IRTE_P) || (e->lo & (VTD_IRTE_LO_RSVD | VTD_IRTE_IM_POSTED)) || (e->hi & VTD_IRTE_HI_RSVD))
		return false;
	uint32_t dst = VTD_IRTE_GET_DST(e->lo);
	if (!x2apic && (dst & ~0xff00u))
		return false;	/* xAPIC mode: only DST bits 15:8 are defined */
	*out = (struct vtd_irte_fields){
		.vector = VTD_IRTE_GET_V(e->lo), .dest = x2apic ? dst : dst >> 8, .x2apic = x2apic,
		.level = e->lo & VTD_IRTE_TM_LEVEL, .sid = VTD_IRTE_HI_GET_SID(e->hi),
		.svt = VTD_IRTE_HI_GET_SVT(e->hi), .sq = VTD_IRTE_HI_GET_SQ(e->hi),
	};
	return true;
}

bool vtd_irte_sid_ok(const struct vtd_irte *e, uint16_t rid)
{
	/* SQ masks function bits: 0 compares all 16, 1 ignores bit 2, 2 bits 2:1, 3 bits 2:0. */
	static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
	uint16_t sid = VTD_IRTE_HI_GET_SID(e->hi);

	switch (VTD_IRTE_HI_GET_SVT(e->hi)) {
	case VTD_SVT_NONE:
		return true;
	case VTD_SVT_SID: {
		uint16_t m = sq_mask[VTD_IRTE_HI_GET_SQ(e->hi)];
		return (rid & m) == (sid & m);
	}
	case VTD_SVT_BUS_RANGE: {
		unsigned bus = rid >> 8;
		return bus >= (unsigned)(sid >> 8) && bus <= (unsigned)(sid & 0xff);
	}
	default:
		return false;	/* reserved: the unit blocks */
	}
}

uint32_t vtd_msi_remap_addr(uint16_t handle)
{
	return VTD_MSI_ADDR_BASE | (uint32_t)(handle & 0x7fff) << 5 | VTD_MSI_IF_REMAP | (uint32_t)(handle >> 15) << 2;
}

uint64_t vtd_ioapic_remap_rte(uint16_t handle, uint8_t vector, bool level, bool active_low, bool masked)
{
	return (uint64_t)(handle & 0x7fff) << 49 | VTD_RTE_IF_REMAP | (uint64_t)(handle >> 15) << 11 | vector |
	       (level ? VTD_RTE_LEVEL : 0) | (active_low ? VTD_RTE_ACTIVE_LOW : 0) | (masked ? VTD_RTE_MASKED : 0);
}

bool vtd_irq_request_decode(uint64_t addr, uint32_t data, struct vtd_irq_request *out)
{
	if ((addr & ~0xfffffull) != VTD_MSI_ADDR_BASE)
		return false;
	*out = (struct vtd_irq_request){ 0 };
	if (addr & VTD_MSI_IF_REMAP) {
		out->remappable = true;
		out->handle = (uint16_t)(((addr >> 5) & 0x7fff) | ((addr >> 2) & 1) << 15);
		if (addr & VTD_MSI_SHV)
			out->handle = (uint16_t)(out->handle + (data & 0xffff));
	} else {
		out->vector = (uint8_t)data;
		out->delivery = (data >> 8) & 7;
		out->dest = (uint8_t)(addr >> 12);
	}
	return true;
}

unsigned vtd_irta_size_field(uint32_t entries)
{
	unsigned s = 0;

	while (s < 15 && (2u << s) < entries)
		s++;
	return s;
}
