/*
 * lib/vtd_irte.h - VT-d interrupt remapping: the interrupt remapping
 * table entry and the remappable-format messages that name one.
 *
 * VT-d 3.3 §5.1.2 (source-id validation), §5.1.4 (interrupt remapping
 * table), §5.1.5.1 (I/O APIC redirection entry, remappable format),
 * §5.1.5.2 (MSI/MSI-X address and data, remappable format), §9.10 (IRTE,
 * remapped format; posted format is never used).  Pure: the kernel
 * (kernel/iommu/vtd/irq_remap.c) writes what these encode, the host tests
 * and the unit model decode it.
 */
#ifndef CAPROCK_LIB_VTD_IRTE_H
#define CAPROCK_LIB_VTD_IRTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry of the interrupt remapping table (§9.10): 128 bits. */
struct vtd_irte {
	uint64_t lo;			/* P, FPD, DM, RH, TM, DLM, IM, V, DST */
	uint64_t hi;			/* SID, SQ, SVT */
};
_Static_assert(sizeof(struct vtd_irte) == 16, "VT-d IRTE is 128 bits");
_Static_assert(offsetof(struct vtd_irte, hi) == 8, "IRTE high half at byte 8");

#define VTD_IRTE_P		(1ull << 0)
#define VTD_IRTE_FPD		(1ull << 1)	/* fault processing disable: never set here */
#define VTD_IRTE_DM_LOGICAL	(1ull << 2)
#define VTD_IRTE_RH		(1ull << 3)
#define VTD_IRTE_TM_LEVEL	(1ull << 4)
#define VTD_IRTE_DLM(m)		((uint64_t)((m) & 7) << 5)
#define VTD_IRTE_IM_POSTED	(1ull << 15)
#define VTD_IRTE_V(v)		((uint64_t)(v) << 16)
#define VTD_IRTE_DST(d)		((uint64_t)(d) << 32)
#define VTD_IRTE_GET_V(lo)	((uint8_t)((lo) >> 16))
#define VTD_IRTE_GET_DST(lo)	((uint32_t)((lo) >> 32))
#define VTD_IRTE_GET_DLM(lo)	((unsigned)(((lo) >> 5) & 7))
/* Bits that must be zero in the low half: 14:12 and 31:24 (and 15, posted). */
#define VTD_IRTE_LO_RSVD	0x00000000ff00f000ull
#define VTD_IRTE_HI_SID(s)	((uint64_t)(uint16_t)(s))
#define VTD_IRTE_HI_SQ(q)	((uint64_t)((q) & 3) << 16)
#define VTD_IRTE_HI_SVT(t)	((uint64_t)((t) & 3) << 18)
#define VTD_IRTE_HI_GET_SID(hi)	((uint16_t)(hi))
#define VTD_IRTE_HI_GET_SQ(hi)	((unsigned)(((hi) >> 16) & 3))
#define VTD_IRTE_HI_GET_SVT(hi)	((unsigned)(((hi) >> 18) & 3))
#define VTD_IRTE_HI_RSVD	0xfffffffffff00000ull

/* Source-id validation type (§9.10 SVT). */
#define VTD_SVT_NONE		0
#define VTD_SVT_SID		1	/* requester id must equal SID (under the SQ mask) */
#define VTD_SVT_BUS_RANGE	2	/* requester bus in [SID[15:8], SID[7:0]] (conventional bridges) */

/* Delivery modes (Intel SDM Vol. 3A §11.11.2); only fixed is ever programmed. */
#define VTD_DLM_FIXED		0
#define VTD_DLM_NMI		4

#define VTD_MSI_ADDR_BASE	0xfee00000u
#define VTD_MSI_WINDOW_MASK	0xfff00000u	/* 0xFEE0_0000 - 0xFEEF_FFFF: interrupt requests */
/* Remappable-format MSI address (§5.1.5.2): handle[14:0] in 19:5, IF in 4, SHV in 3, handle[15] in 2. */
#define VTD_MSI_IF_REMAP	(1u << 4)
#define VTD_MSI_SHV		(1u << 3)
/* I/O APIC redirection entry, remappable format (§5.1.5.1). */
#define VTD_RTE_IF_REMAP	(1ull << 48)
#define VTD_RTE_MASKED		(1ull << 16)
#define VTD_RTE_LEVEL		(1ull << 15)
#define VTD_RTE_ACTIVE_LOW	(1ull << 13)

/* What an IRTE says, in plain fields. */
struct vtd_irte_fields {
	uint8_t vector;
	uint32_t dest;			/* APIC id: 8 bits in xAPIC mode, 32 in x2APIC mode */
	bool x2apic;			/* the table runs with IRTA.EIME = 1 */
	bool level;
	uint16_t sid;			/* requester id, or for SVT=2 start bus << 8 | end bus */
	unsigned svt, sq;
};

/*
 * The entry for fields: present, physical destination, fixed delivery,
 * no redirection hint.  xAPIC mode puts the 8-bit id in DST bits 15:8 (the
 * IRTE's bits 47:40); x2APIC mode uses all 32.  Returns false, writing
 * nothing, if the destination does not fit the mode or the SVT is not one
 * of the three defined.
 */
bool vtd_irte_encode(const struct vtd_irte_fields *f, struct vtd_irte *out);

/* Decode e back (the model and the tests); false if not present, posted, or with reserved bits set. */
bool vtd_irte_decode(const struct vtd_irte *e, bool x2apic, struct vtd_irte_fields *out);

/* Would the unit accept a remappable request from requester id rid under this entry (§5.1.2)? */
bool vtd_irte_sid_ok(const struct vtd_irte *e, uint16_t rid);

/* The remappable-format MSI address naming handle (SHV = 0, so the data is 0). */
uint32_t vtd_msi_remap_addr(uint16_t handle);

/* The I/O APIC redirection entry (both halves) naming handle; vector repeats the IRTE's, for the EOI match. */
uint64_t vtd_ioapic_remap_rte(uint16_t handle, uint8_t vector, bool level, bool active_low, bool masked);

/* An interrupt request as a unit receives it: a DMA write of data to addr in the interrupt window. */
struct vtd_irq_request {
	bool remappable;		/* address bit 4 */
	uint16_t handle;		/* remappable: the interrupt index (handle, plus subhandle if SHV) */
	uint8_t vector;			/* compatibility: data bits 7:0 */
	unsigned delivery;		/* compatibility: data bits 10:8 */
	uint8_t dest;			/* compatibility: address bits 19:12 */
};

/* Decode a write of data at addr; false if addr is not in the interrupt window. */
bool vtd_irq_request_decode(uint64_t addr, uint32_t data, struct vtd_irq_request *out);

/* The compatibility-format MSI address for an 8-bit physical destination (fixed, no redirection hint). */
static inline uint32_t vtd_msi_compat_addr(uint8_t dest)
{
	return VTD_MSI_ADDR_BASE | (uint32_t)dest << 12;
}

/* The IRTA.S value for a table of entries (a power of two, 2..65536). */
unsigned vtd_irta_size_field(uint32_t entries);

#endif
