/*
 * tests/host/model/vtd_model.h - a model of one VT-d remapping unit, for
 * running kernel/iommu/vtd/ (its real sources) on the host.
 *
 * It stands behind the driver's register accessors (the kernel's regs.c
 * is left out) and models what the driver must get right, VT-d 3.3:
 *  - Global Command/Status with persistent enables and one-shot commands
 *    (§10.4.4-5), root table pointer, translation enable;
 *  - register-based and queued invalidation (§6.5.1, §6.5.2) acting on a
 *    context cache and an IOTLB that really cache: a translation used once
 *    stays usable until invalidated, and in caching mode (CAP.CM) a failed
 *    lookup is cached too (§6.1), so a missing invalidation shows up as a
 *    device access that goes wrong;
 *  - the translation walk a device access takes (root, context, second-
 *    level tables as memory holds them), with fault recording (§7.2.1),
 *    QEMU's collapsing of faults from a source with one pending, overflow,
 *    and the fault event;
 *  - a check, on every page the kernel frees, that neither the caches nor
 *    the tables still lead a device to it;
 *  - interrupt remapping (§5.1): IRTA and SIRTP, IRE and CFI with their
 *    status bits, an interrupt entry cache that keeps what it read until an
 *    IEC descriptor drops it, and interrupt requests (a device's write into
 *    0xFEE0_0000-0xFEEF_FFFF) in compatibility format (blocked when CFIS is
 *    clear or EIME set, fault 0x25) and remappable format (index beyond the
 *    table 0x21, not present 0x22, reserved bits 0x24, source id 0x26),
 *    delivered into a modelled IRR; and the ways QEMU's unit differs
 *    (compatibility format passed through, no source id on a device's DMA
 *    write, no interrupt-remapping fault records).
 * Anything the driver does wrong is recorded in vtd_model.failed.
 */
#ifndef CAPROCK_TESTS_VTD_MODEL_H
#define CAPROCK_TESTS_VTD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/iommu/irq_remap.h"
#include "kernel/pci/pci.h"

#define VTDM_NFR	4
#define VTDM_TLB	256
#define VTDM_DEVS	8
#define VTDM_IEC	64
#define VTDM_SCI_VECTOR	0x39
#define VTDM_IOAPIC_SID	0xff00

struct vtdm_tlb {
	bool valid;
	bool negative;			/* caching mode: a cached "not present" (filed under domain id 0) */
	uint16_t sid, did;
	uint64_t page;			/* IOVA >> 12 */
	uint64_t pa;			/* page address it translates to */
	unsigned perm;
};

struct vtd_model {
	/* configuration (set before vtd_init) */
	uint64_t cap, ecap;
	uint32_t ver;
	bool stuck_te;			/* GSTS.TES never follows GCMD.TE (a unit that hangs) */
	bool ignore_te;			/* translation "enabled" but nothing translated (a broken unit) */
	bool ir_compat_passes;		/* compatibility format delivered even with CFIS clear (QEMU) */
	bool ir_no_sid_check;		/* device writes carry no source id: SVT not applied (QEMU) */
	bool ir_no_fault_records;	/* blocked interrupt requests are not recorded (QEMU 10) */
	bool x2apic;			/* what lapic_mode() says */
	bool ioapic_sci_open;		/* an I/O APIC pin (the SCI) is routed before the unit comes up */

	/* registers */
	uint32_t gsts, fsts, fectl, fedata, feaddr;
	uint64_t rtaddr, ccmd, iotlb, iva, iqa, iqt, iqh;
	uint64_t frcd_lo[VTDM_NFR], frcd_hi[VTDM_NFR];
	uint64_t irta, irta_live;		/* as written; as latched by SIRTP */
	unsigned next_frcd;

	/* caches */
	struct { bool valid; uint64_t lo, hi; } ctx_cache[65536 / 64];	/* indexed by sid % 1024 */
	struct vtdm_tlb tlb[VTDM_TLB];
	struct { bool valid; uint16_t index; uint64_t lo, hi; } iec[VTDM_IEC];	/* indexed by index % VTDM_IEC */

	/* what happened */
	unsigned gcmd_writes, te_on, te_off, srtp, wbf, qi_enables;
	unsigned cc_inval, iotlb_inval, qi_descs, qi_waits;
	unsigned fault_events, faults_recorded, faults_collapsed;
	unsigned sirtp, iec_global, iec_index, irq_delivered, irq_blocked;
	uint8_t irr[256];			/* interrupts delivered, by vector, not yet taken */
	uint64_t sci_rte;			/* what ioapic_reprogram last wrote for the SCI pin */
	struct irq_remap_handle sci_remap;
	char failed[256];
};

extern struct vtd_model vtdm;

/* A fresh unit: QEMU 7.2's registers but 57-bit (host "physical" addresses here are up to 2^48). */
void vtdm_reset(bool queued, bool caching_mode);

/* PCI functions the scope code may ask about. */
void vtdm_add_device(struct pci_dev *d);

/* A DMA by source sid at iova: 0 and the data moved, or CR_EFAULT (blocked; a fault recorded). */
int vtdm_dma(uint16_t sid, uint64_t iova, void *buf, uint32_t len, bool write);

/* An interrupt request: a write of data at addr (0xFEEx_xxxx) by sid; true if delivered. */
bool vtdm_irq(uint16_t sid, uint64_t addr, uint32_t data);

/* The fault event was raised (an MSI) since the count was last taken. */
unsigned vtdm_take_events(void);

#endif
