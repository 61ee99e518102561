/*
 * lib/vtd_reg.h - Intel VT-d (DMA remapping): registers, translation
 * structures and invalidation descriptors.  Spec only: nothing here is
 * Caprock's.
 *
 * References: Intel Virtualization Technology for Directed I/O,
 * Architecture Specification rev. 3.3 (also 4.x, same layouts):
 * §9.1 root entry, §9.3 context entry, §9.8 second-level paging entries,
 * §9.9 fault record, §6.5.2 invalidation descriptors, §10.4 registers.
 * Legacy (not scalable) mode only.  Shared by kernel/iommu/vtd/, lib/vtd_*
 * and the host tests.
 */
#ifndef CAPROCK_LIB_VTD_REG_H
#define CAPROCK_LIB_VTD_REG_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- registers (§10.4) */
#define VTD_VER		0x000	/* Version, 32-bit (§10.4.1) */
#define  VTD_VER_MAJOR(v)	(((v) >> 4) & 0xf)
#define  VTD_VER_MINOR(v)	((v) & 0xf)
#define VTD_CAP		0x008	/* Capability, 64-bit (§10.4.2) */
#define  VTD_CAP_ND(c)		((unsigned)((c) & 0x7))			/* domain-id bits: 4 + 2*ND */
#define  VTD_CAP_RWBF		(1ull << 4)				/* required write-buffer flushing */
#define  VTD_CAP_CM		(1ull << 7)				/* caching mode: not-present entries cached */
#define  VTD_CAP_SAGAW(c)	((unsigned)(((c) >> 8) & 0x1f))		/* bit 1: 3-level, 2: 4-level, 3: 5-level */
#define  VTD_CAP_MGAW(c)	((unsigned)(((c) >> 16) & 0x3f) + 1)	/* maximum guest address width */
#define  VTD_CAP_FRO(c)		((unsigned)(((c) >> 24) & 0x3ff) * 16)	/* fault recording offset, bytes */
#define  VTD_CAP_SLLPS(c)	((unsigned)(((c) >> 34) & 0xf))		/* bit 0: 2 MiB, bit 1: 1 GiB */
#define  VTD_CAP_PSI		(1ull << 39)				/* page-selective invalidation */
#define  VTD_CAP_NFR(c)		((unsigned)(((c) >> 40) & 0xff) + 1)	/* fault recording registers */
#define  VTD_CAP_MAMV(c)	((unsigned)(((c) >> 48) & 0x3f))	/* max address mask for PSI */
#define  VTD_CAP_DWD		(1ull << 54)				/* write draining */
#define  VTD_CAP_DRD		(1ull << 55)				/* read draining */
#define VTD_ECAP	0x010	/* Extended Capability, 64-bit (§10.4.3) */
#define  VTD_ECAP_C		(1ull << 0)				/* page-walk coherency */
#define  VTD_ECAP_QI		(1ull << 1)				/* queued invalidation */
#define  VTD_ECAP_DT		(1ull << 2)
#define  VTD_ECAP_IR		(1ull << 3)				/* interrupt remapping */
#define  VTD_ECAP_EIM		(1ull << 4)				/* extended interrupt mode: 32-bit IRTE destinations */
#define  VTD_ECAP_PT		(1ull << 6)				/* pass-through translation type */
#define  VTD_ECAP_IRO(e)	((unsigned)(((e) >> 8) & 0x3ff) * 16)	/* IOTLB registers offset, bytes */
#define  VTD_ECAP_SMTS		(1ull << 43)				/* scalable mode */
#define VTD_GCMD	0x018	/* Global Command, 32-bit write-only (§10.4.4) */
#define VTD_GSTS	0x01c	/* Global Status, 32-bit (§10.4.5) */
/* Command and status share bit positions. */
#define  VTD_GCMD_TE		(1u << 31)	/* translation enable */
#define  VTD_GCMD_SRTP		(1u << 30)	/* set root table pointer (one-shot) */
#define  VTD_GCMD_SFL		(1u << 29)	/* one-shot */
#define  VTD_GCMD_EAFL		(1u << 28)
#define  VTD_GCMD_WBF		(1u << 27)	/* write buffer flush (one-shot) */
#define  VTD_GCMD_QIE		(1u << 26)	/* queued invalidation enable */
#define  VTD_GCMD_IRE		(1u << 25)	/* interrupt remapping enable */
#define  VTD_GCMD_SIRTP		(1u << 24)	/* one-shot */
#define  VTD_GCMD_CFI		(1u << 23)	/* compatibility format interrupts */
/* Status bits that are persistent enables: a GCMD write must repeat them. */
#define  VTD_GCMD_PERSISTENT	(VTD_GCMD_TE | VTD_GCMD_EAFL | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)
#define VTD_RTADDR	0x020	/* Root Table Address, 64-bit (§10.4.6) */
#define  VTD_RTADDR_TTM_LEGACY	(0ull << 10)
#define VTD_CCMD	0x028	/* Context Command, 64-bit (§10.4.7) */
#define  VTD_CCMD_ICC		(1ull << 63)
#define  VTD_CCMD_CIRG_GLOBAL	(1ull << 61)
#define  VTD_CCMD_CIRG_DOMAIN	(2ull << 61)
#define  VTD_CCMD_CIRG_DEVICE	(3ull << 61)
#define  VTD_CCMD_CAIG(v)	((unsigned)(((v) >> 59) & 0x3))
#define  VTD_CCMD_FM(fm)	((uint64_t)((fm) & 3) << 32)
#define  VTD_CCMD_SID(sid)	((uint64_t)(sid) << 16)
#define  VTD_CCMD_DID(did)	((uint64_t)(did))
#define VTD_FSTS	0x034	/* Fault Status, 32-bit (§10.4.9) */
#define  VTD_FSTS_PFO		(1u << 0)	/* primary fault overflow (RW1C) */
#define  VTD_FSTS_PPF		(1u << 1)	/* primary pending fault (RO: some FRCD has F) */
#define  VTD_FSTS_AFO		(1u << 2)
#define  VTD_FSTS_APF		(1u << 3)
#define  VTD_FSTS_IQE		(1u << 4)	/* invalidation queue error */
#define  VTD_FSTS_ICE		(1u << 5)	/* invalidation completion error */
#define  VTD_FSTS_ITE		(1u << 6)	/* invalidation time-out error */
#define  VTD_FSTS_W1C		(VTD_FSTS_PFO | VTD_FSTS_AFO | VTD_FSTS_APF | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
#define  VTD_FSTS_FRI(s)	((unsigned)(((s) >> 8) & 0xff))		/* first fault record index */
#define VTD_FECTL	0x038	/* Fault Event Control, 32-bit (§10.4.10) */
#define  VTD_FECTL_IM		(1u << 31)	/* interrupt mask */
#define  VTD_FECTL_IP		(1u << 30)	/* interrupt pending */
#define VTD_FEDATA	0x03c	/* Fault Event Data (§10.4.11): the MSI data (vector) */
#define VTD_FEADDR	0x040	/* Fault Event Address (§10.4.12): the MSI address */
#define VTD_FEUADDR	0x044
#define VTD_IQH		0x080	/* Invalidation Queue Head, 64-bit (§10.4.22) */
#define VTD_IQT		0x088	/* Invalidation Queue Tail, 64-bit (§10.4.23) */
#define  VTD_IQ_INDEX_SHIFT	4	/* 128-bit descriptors: index << 4 */
#define VTD_IQA		0x090	/* Invalidation Queue Address, 64-bit (§10.4.24) */
#define  VTD_IQA_QS(qs)		((uint64_t)(qs) & 7)	/* 2^(qs+8) descriptors */
#define VTD_ICS		0x09c	/* Invalidation Completion Status, 32-bit */
#define  VTD_ICS_IWC		(1u << 0)
#define VTD_IECTL	0x0a0	/* Invalidation Event Control, 32-bit */
#define  VTD_IECTL_IM		(1u << 31)
#define VTD_IRTA	0x0b8	/* Interrupt Remapping Table Address, 64-bit (§10.4.29) */
#define  VTD_IRTA_EIME		(1ull << 11)	/* extended interrupt mode: 32-bit x2APIC destinations */
#define  VTD_IRTA_S(s)		((uint64_t)(s) & 0xf)	/* 2^(s+1) entries */
#define  VTD_IRTA_ADDR_MASK	0xfffffffffffff000ull
#define VTD_REG_BYTES	0x1000	/* the register page; IOTLB and fault registers may lie beyond (IRO, FRO) */

/* IOTLB registers at ECAP.IRO (§10.4.8): Invalidate Address, then IOTLB Invalidate. */
#define VTD_IVA_OFF	0x0	/* relative to IRO */
#define  VTD_IVA_AM(am)		((uint64_t)(am) & 0x3f)	/* 2^am pages */
#define  VTD_IVA_IH		(1ull << 6)
#define VTD_IOTLB_OFF	0x8
#define  VTD_IOTLB_IVT		(1ull << 63)
#define  VTD_IOTLB_IIRG_GLOBAL	(1ull << 60)
#define  VTD_IOTLB_IIRG_DOMAIN	(2ull << 60)
#define  VTD_IOTLB_IIRG_PAGE	(3ull << 60)
#define  VTD_IOTLB_IAIG(v)	((unsigned)(((v) >> 57) & 0x3))
#define  VTD_IOTLB_DR		(1ull << 49)
#define  VTD_IOTLB_DW		(1ull << 48)
#define  VTD_IOTLB_DID(did)	((uint64_t)(did) << 32)

/* Fault Recording Registers at CAP.FRO (§10.4.14): 16 bytes each, NFR of them. */
#define VTD_FRCD_BYTES	16
#define  VTD_FRCD_LO_FI(lo)	((lo) & ~0xfffull)			/* faulting page address */
#define  VTD_FRCD_HI_SID(hi)	((uint16_t)((hi) & 0xffff))		/* source id: bus << 8 | devfn */
#define  VTD_FRCD_HI_FR(hi)	((uint8_t)(((hi) >> 32) & 0xff))	/* fault reason */
#define  VTD_FRCD_HI_T		(1ull << 62)				/* 1: read request, 0: write */
#define  VTD_FRCD_HI_F		(1ull << 63)				/* fault recorded (RW1C) */

/* Non-recoverable fault reasons, DMA remapping in legacy mode (Appendix A). */
#define VTD_FR_ROOT_NOT_PRESENT		0x01
#define VTD_FR_CONTEXT_NOT_PRESENT	0x02
#define VTD_FR_CONTEXT_INVALID		0x03
#define VTD_FR_BEYOND_AGAW		0x04
#define VTD_FR_WRITE			0x05	/* write to a page without W */
#define VTD_FR_READ			0x06	/* read from a page without R */
#define VTD_FR_PAGING_ENTRY_INVALID	0x07
#define VTD_FR_ROOT_TABLE_INVALID	0x08
#define VTD_FR_CONTEXT_TABLE_INVALID	0x09
#define VTD_FR_ROOT_RSVD		0x0a
#define VTD_FR_CONTEXT_RSVD		0x0b
#define VTD_FR_PAGING_RSVD		0x0c
#define VTD_FR_CONTEXT_TT		0x0d
/* Interrupt-remapping fault reasons (Appendix A); the record's FI bits 63:48 hold the interrupt index. */
#define VTD_FR_IR_RSVD_REQUEST		0x20	/* reserved field set in a remappable request */
#define VTD_FR_IR_INDEX_OVER		0x21	/* index beyond the table size (IRTA.S) */
#define VTD_FR_IR_NOT_PRESENT		0x22	/* IRTE.P clear */
#define VTD_FR_IR_TABLE_ACCESS		0x23	/* the table could not be read */
#define VTD_FR_IR_IRTE_RSVD		0x24	/* reserved bits set in a present IRTE */
#define VTD_FR_IR_COMPAT_BLOCKED	0x25	/* compatibility format blocked (CFIS=0 or EIME=1) */
#define VTD_FR_IR_SID_MISMATCH		0x26	/* source-id verification failed */
#define  VTD_FRCD_LO_IR_INDEX(lo)	((uint16_t)((lo) >> 48))

/* ---------------------------------------------------------------- translation structures (§9) */

/* Root entry (§9.1): one per bus, pointing at that bus's context table. */
struct vtd_root_entry {
	uint64_t lo;			/* bit 0 present, 63:12 context-table pointer */
	uint64_t hi;			/* reserved in legacy mode */
};
_Static_assert(sizeof(struct vtd_root_entry) == 16, "VT-d root entry is 128 bits");
#define VTD_ROOT_P		(1ull << 0)
#define VTD_ROOT_ENTRIES	256

/* Context entry (§9.3): one per device function (devfn) of a bus. */
struct vtd_context_entry {
	uint64_t lo;			/* P, FPD, TT, second-level page-table pointer */
	uint64_t hi;			/* AW, DID */
};
_Static_assert(sizeof(struct vtd_context_entry) == 16, "VT-d context entry is 128 bits");
_Static_assert(offsetof(struct vtd_context_entry, hi) == 8, "context entry high half");
#define VTD_CTX_P		(1ull << 0)
#define VTD_CTX_FPD		(1ull << 1)	/* fault processing disable: never set here */
#define VTD_CTX_TT_MULTILEVEL	(0ull << 2)	/* untranslated requests through the page tables */
#define VTD_CTX_TT_PASSTHROUGH	(2ull << 2)	/* untranslated requests pass through (needs ECAP.PT) */
#define VTD_CTX_ADDR_MASK	0x000ffffffffff000ull
#define VTD_CTX_HI_AW(aw)	((uint64_t)(aw) & 7)		/* 1: 39-bit (3 levels), 2: 48-bit, 3: 57-bit */
#define VTD_CTX_HI_DID(did)	((uint64_t)(did) << 8)
#define VTD_CTX_HI_GET_DID(hi)	((uint16_t)((hi) >> 8))
#define VTD_CONTEXT_ENTRIES	256

/* Second-level paging entry (§9.8), every level: R, W, address; PS for large pages. */
#define VTD_SL_R		(1ull << 0)
#define VTD_SL_W		(1ull << 1)
#define VTD_SL_PS		(1ull << 7)
#define VTD_SL_ADDR_MASK	0x000ffffffffff000ull
#define VTD_PT_ENTRIES		512
#define VTD_PAGE_SHIFT		12
#define VTD_PAGE_SIZE		4096u

/* ---------------------------------------------------------------- invalidation descriptors (§6.5.2) */

/* Legacy 128-bit descriptor: type in bits 3:0 of lo. */
struct vtd_inv_desc {
	uint64_t lo;
	uint64_t hi;
};
_Static_assert(sizeof(struct vtd_inv_desc) == 16, "VT-d invalidation descriptor is 128 bits");
#define VTD_INV_CC		0x1		/* context-cache invalidate */
#define  VTD_INV_CC_GLOBAL	(1ull << 4)
#define  VTD_INV_CC_DOMAIN	(2ull << 4)
#define  VTD_INV_CC_DEVICE	(3ull << 4)
#define  VTD_INV_CC_DID(did)	((uint64_t)(did) << 16)
#define  VTD_INV_CC_SID(sid)	((uint64_t)(sid) << 32)
#define  VTD_INV_CC_FM(fm)	((uint64_t)((fm) & 3) << 48)
#define VTD_INV_IOTLB		0x2		/* IOTLB invalidate */
#define  VTD_INV_IOTLB_GLOBAL	(1ull << 4)
#define  VTD_INV_IOTLB_DOMAIN	(2ull << 4)
#define  VTD_INV_IOTLB_PAGE	(3ull << 4)
#define  VTD_INV_IOTLB_DW	(1ull << 6)
#define  VTD_INV_IOTLB_DR	(1ull << 7)
#define  VTD_INV_IOTLB_DID(did)	((uint64_t)(did) << 16)
#define  VTD_INV_IOTLB_AM(am)	((uint64_t)(am) & 0x3f)	/* in hi */
#define VTD_INV_WAIT		0x5		/* invalidation wait */
#define  VTD_INV_WAIT_IF	(1ull << 4)
#define  VTD_INV_WAIT_SW	(1ull << 5)	/* write status data to the status address */
#define  VTD_INV_WAIT_FN	(1ull << 6)	/* fence: later descriptors wait for earlier ones */
#define  VTD_INV_WAIT_DATA(d)	((uint64_t)(d) << 32)

#define VTD_INV_IEC		0x4		/* interrupt entry cache invalidate (§6.5.2.7) */
#define  VTD_INV_IEC_INDEX	(1ull << 4)	/* G: index-selective (0: global) */
#define  VTD_INV_IEC_IM(im)	((uint64_t)((im) & 0x1f) << 27)	/* 2^im entries */
#define  VTD_INV_IEC_IIDX(i)	((uint64_t)(i) << 32)

/* Source id of a PCI function: bus << 8 | device << 3 | function (§3.4.1). */
static inline uint16_t vtd_sid(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (uint16_t)((unsigned)bus << 8 | (unsigned)(dev & 0x1f) << 3 | (fn & 7u));
}

#endif
