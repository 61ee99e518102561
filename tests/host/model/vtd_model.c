/*
 * tests/host/model/vtd_model.c - a VT-d unit model (see vtd_model.h) and
 * the kernel services kernel/iommu/vtd/ needs beyond tests/host/model/kshim.c.
 */
#include "tests/host/model/vtd_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/fmt.h"
#include "lib/pci_reg.h"
#include "tests/host/model/kshim.h"

struct vtd_model vtdm;

#define IRO	0xf0
#define FRO	0x220
#define QEMU_CAP_BASE	0xd2008c22000206ull	/* QEMU 7.2 without SAGAW/MGAW/CM */

static struct pci_dev *devs[VTDM_DEVS];
static unsigned ndevs;
static unsigned events_taken;
static unsigned vectors_given;
static uint8_t bit_bucket[1 << 16];	/* where untranslated DMA goes: never real memory */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (vtdm.failed[0])
		return;
	va_start(ap, fmt);
	vsnprintf(vtdm.failed, sizeof(vtdm.failed), fmt, ap);
	va_end(ap);
}

static void free_hook(uint64_t phys, uint64_t npages);

void vtdm_reset(bool queued, bool caching_mode)
{
	memset(&vtdm, 0, sizeof(vtdm));
	vtdm.ver = 0x10;
	/* 5 levels, MGAW 57: the host's "physical" addresses go up to 2^48 (kshim.c). */
	vtdm.cap = QEMU_CAP_BASE | (0xeull << 8) | (56ull << 16) | ((uint64_t)(VTDM_NFR - 1) << 40) |
		   (caching_mode ? 1ull << 7 : 0);
	vtdm.ecap = 0xf00f4aull & ~(queued ? 0 : 2ull);	/* no QI bit: register-based only */
	vtdm.fectl = VTD_FECTL_IM;
	ndevs = 0;
	events_taken = 0;
	vectors_given = 0;
	vtdm.sci_remap = IRQ_REMAP_NONE;
	kshim_pmm_free_hook = free_hook;
}

void vtdm_add_device(struct pci_dev *d)
{
	if (ndevs < VTDM_DEVS)
		devs[ndevs++] = d;
}

unsigned vtdm_take_events(void)
{
	unsigned n = vtdm.fault_events - events_taken;

	events_taken = vtdm.fault_events;
	return n;
}

/* ---------------------------------------------------------------- caches */

static void cc_invalidate(uint64_t granularity, uint16_t sid)
{
	vtdm.cc_inval++;
	for (unsigned i = 0; i < sizeof(vtdm.ctx_cache) / sizeof(vtdm.ctx_cache[0]); i++) {
		if (granularity != 3 || i == sid % 1024)
			vtdm.ctx_cache[i].valid = false;
	}
}

static void tlb_invalidate(unsigned granularity, uint16_t did, uint64_t addr, unsigned am)
{
	vtdm.iotlb_inval++;
	for (unsigned i = 0; i < VTDM_TLB; i++) {
		struct vtdm_tlb *t = &vtdm.tlb[i];
		if (!t->valid)
			continue;
		if (granularity == 1 || (granularity == 2 && t->did == did) ||
		    (granularity == 3 && t->did == did && (t->page >> am) == (addr >> 12 >> am)))
			t->valid = false;
	}
}

static void tlb_fill(uint16_t sid, uint16_t did, uint64_t page, uint64_t pa, unsigned perm, bool negative)
{
	static unsigned victim;
	struct vtdm_tlb *t = NULL;

	for (unsigned i = 0; i < VTDM_TLB && !t; i++) {
		if (!vtdm.tlb[i].valid)
			t = &vtdm.tlb[i];
	}
	if (!t)
		t = &vtdm.tlb[victim++ % VTDM_TLB];
	*t = (struct vtdm_tlb){ true, negative, sid, did, page, pa, perm };
}

/* ---------------------------------------------------------------- faults */

static void record_fault(uint16_t sid, uint64_t addr, uint8_t reason, bool write)
{
	if (vtdm.fsts & VTD_FSTS_PFO)
		return;
	for (unsigned i = 0; i < VTDM_NFR; i++) {
		if ((vtdm.frcd_hi[i] & VTD_FRCD_HI_F) && VTD_FRCD_HI_SID(vtdm.frcd_hi[i]) == sid) {
			vtdm.faults_collapsed++;	/* as QEMU: one pending record per source */
			return;
		}
	}
	unsigned i = vtdm.next_frcd;
	if (vtdm.frcd_hi[i] & VTD_FRCD_HI_F) {
		vtdm.fsts |= VTD_FSTS_PFO;
		return;
	}
	bool was_pending = vtdm.fsts & VTD_FSTS_PPF;
	vtdm.frcd_lo[i] = addr & ~0xfffull;
	vtdm.frcd_hi[i] = VTD_FRCD_HI_F | (write ? 0 : VTD_FRCD_HI_T) | (uint64_t)reason << 32 | sid;
	vtdm.next_frcd = (i + 1) % VTDM_NFR;
	vtdm.fsts = (vtdm.fsts & ~0xff00u) | i << 8 | VTD_FSTS_PPF;
	vtdm.faults_recorded++;
	if (!was_pending && !(vtdm.fectl & VTD_FECTL_IM))
		vtdm.fault_events++;
}

static void update_ppf(void)
{
	vtdm.fsts &= ~VTD_FSTS_PPF;
	for (unsigned i = 0; i < VTDM_NFR; i++) {
		if (vtdm.frcd_hi[i] & VTD_FRCD_HI_F)
			vtdm.fsts |= VTD_FSTS_PPF;
	}
}

/* ---------------------------------------------------------------- translation */

static uint64_t mem64(uint64_t pa)
{
	uint64_t v;
	memcpy(&v, phys_to_virt(pa), 8);
	return v;
}

/* The context entry for sid, through the context cache: false if not present. */
static bool context_of(uint16_t sid, uint64_t *lo, uint64_t *hi)
{
	unsigned slot = sid % 1024;

	if (vtdm.ctx_cache[slot].valid) {
		*lo = vtdm.ctx_cache[slot].lo;
		*hi = vtdm.ctx_cache[slot].hi;
		return *lo & VTD_CTX_P;
	}
	uint64_t root = vtdm.rtaddr & ~0xfffull;
	uint64_t re = mem64(root + (uint64_t)(sid >> 8) * 16);
	*lo = *hi = 0;
	if (re & VTD_ROOT_P) {
		uint64_t ct = re & VTD_CTX_ADDR_MASK;
		*lo = mem64(ct + (uint64_t)(sid & 0xff) * 16);
		*hi = mem64(ct + (uint64_t)(sid & 0xff) * 16 + 8);
	}
	/* A present entry is always cached; a missing one only in caching mode. */
	if ((*lo & VTD_CTX_P) || (vtdm.cap & VTD_CAP_CM))
	{
		vtdm.ctx_cache[slot].valid = true;
		vtdm.ctx_cache[slot].lo = *lo;
		vtdm.ctx_cache[slot].hi = *hi;
	}
	return *lo & VTD_CTX_P;
}

/* Translate one page: 0 and *pa, or the fault reason. */
static int translate(uint16_t sid, uint64_t iova, bool write, uint64_t *pa)
{
	uint64_t lo, hi;

	if (!context_of(sid, &lo, &hi))
		return VTD_FR_CONTEXT_NOT_PRESENT;
	uint16_t did = VTD_CTX_HI_GET_DID(hi);
	if ((lo & 0xc) == VTD_CTX_TT_PASSTHROUGH) {
		*pa = iova;
		return 0;
	}
	unsigned levels = (unsigned)(hi & 7) + 2;
	if (iova >> (12 + 9 * levels))
		return VTD_FR_BEYOND_AGAW;
	for (unsigned i = 0; i < VTDM_TLB; i++) {
		struct vtdm_tlb *t = &vtdm.tlb[i];
		if (t->valid && t->sid == sid && t->did == did && t->page == iova >> 12) {
			if (t->negative || !(t->perm & (write ? 2u : 1u)))
				return write ? VTD_FR_WRITE : VTD_FR_READ;
			*pa = t->pa;
			return 0;
		}
	}
	uint64_t table = lo & VTD_CTX_ADDR_MASK;
	unsigned perm = 3;
	for (unsigned l = levels; l >= 1; l--) {
		uint64_t e = mem64(table + ((iova >> (12 + 9 * (l - 1))) & 511) * 8);
		perm &= (unsigned)(e & 3);
		if (!perm) {
			if (vtdm.cap & VTD_CAP_CM)
				tlb_fill(sid, did, iova >> 12, 0, 0, true);
			return write ? VTD_FR_WRITE : VTD_FR_READ;
		}
		table = e & VTD_SL_ADDR_MASK;
	}
	tlb_fill(sid, did, iova >> 12, table, perm, false);
	if (!(perm & (write ? 2u : 1u)))
		return write ? VTD_FR_WRITE : VTD_FR_READ;
	*pa = table;
	return 0;
}

/* ---------------------------------------------------------------- interrupt requests (§5.1) */

static void iec_drop(bool global, uint16_t index, unsigned im)
{
	for (unsigned i = 0; i < VTDM_IEC; i++) {
		if (vtdm.iec[i].valid && (global || (vtdm.iec[i].index >> im) == (index >> im)))
			vtdm.iec[i].valid = false;
	}
}

/* The entry at index, through the interrupt entry cache (which keeps only present entries). */
static void irte_of(uint16_t index, uint64_t *lo, uint64_t *hi)
{
	unsigned slot = index % VTDM_IEC;

	if (vtdm.iec[slot].valid && vtdm.iec[slot].index == index) {
		*lo = vtdm.iec[slot].lo;
		*hi = vtdm.iec[slot].hi;
		return;
	}
	uint64_t base = vtdm.irta_live & VTD_IRTA_ADDR_MASK;
	*lo = mem64(base + (uint64_t)index * 16);
	*hi = mem64(base + (uint64_t)index * 16 + 8);
	if (*lo & 1)
	{
		vtdm.iec[slot].valid = true;
		vtdm.iec[slot].index = index;
		vtdm.iec[slot].lo = *lo;
		vtdm.iec[slot].hi = *hi;
	}
}

static bool deliver(uint8_t vector)
{
	vtdm.irr[vector]++;
	vtdm.irq_delivered++;
	return true;
}

static bool block(uint16_t sid, uint16_t index, uint8_t reason)
{
	vtdm.irq_blocked++;
	if (!vtdm.ir_no_fault_records)
		record_fault(sid, (uint64_t)index << 48, reason, true);
	return false;
}

bool vtdm_irq(uint16_t sid, uint64_t addr, uint32_t data)
{
	bool eime = vtdm.irta_live & VTD_IRTA_EIME;

	if (!(addr & (1u << 4))) {
		/* Compatibility format: vector in data 7:0. */
		if (!(vtdm.gsts & VTD_GCMD_IRE) || vtdm.ir_compat_passes || ((vtdm.gsts & VTD_GCMD_CFI) && !eime))
			return deliver((uint8_t)data);
		return block(sid, 0, VTD_FR_IR_COMPAT_BLOCKED);
	}
	if (!(vtdm.gsts & VTD_GCMD_IRE))
		return block(sid, 0, VTD_FR_IR_RSVD_REQUEST);
	uint16_t index = (uint16_t)(((addr >> 5) & 0x7fff) | ((addr >> 2) & 1) << 15);
	if (addr & (1u << 3))
		index = (uint16_t)(index + (data & 0xffff));
	if (index >= 2u << (vtdm.irta_live & 0xf))
		return block(sid, index, VTD_FR_IR_INDEX_OVER);
	uint64_t lo, hi;
	irte_of(index, &lo, &hi);
	if (!(lo & 1))
		return block(sid, index, VTD_FR_IR_NOT_PRESENT);
	if ((lo & 0xff00f000ull) || (hi >> 20) || (!eime && ((lo >> 32) & ~0xff00ull)))
		return block(sid, index, VTD_FR_IR_IRTE_RSVD);
	unsigned svt = (hi >> 18) & 3, sq = (hi >> 16) & 3;
	uint16_t want = (uint16_t)hi;
	static const uint16_t mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
	bool sid_ok = svt == 0 || (svt == 1 && (sid & mask[sq]) == (want & mask[sq])) ||
		      (svt == 2 && (sid >> 8) >= (want >> 8) && (sid >> 8) <= (want & 0xff));
	if (!vtdm.ir_no_sid_check && !sid_ok)
		return block(sid, index, VTD_FR_IR_SID_MISMATCH);
	if (((lo >> 5) & 7) != 0 || (lo & 4))
		fail("entry %u: not fixed delivery in physical mode (lo 0x%lx)", index, lo);
	if ((eime ? (uint32_t)(lo >> 32) : (uint32_t)(lo >> 40) & 0xff) != lapic_id())
		fail("entry %u names destination 0x%lx, not this CPU", index, lo >> 32);
	return deliver((uint8_t)(lo >> 16));
}

int vtdm_dma(uint16_t sid, uint64_t iova, void *buf, uint32_t len, bool write)
{
	uint8_t *b = buf;

	if (write && (iova & ~0xfffffull) == 0xfee00000ull) {
		/* Not memory: each dword is an interrupt request the unit remaps or blocks. */
		bool all = true;
		for (uint32_t i = 0; i + 4 <= len; i += 4) {
			uint32_t data;
			memcpy(&data, b + i, 4);
			all &= vtdm_irq(sid, iova + i, data);
		}
		return all ? 0 : CR_EFAULT;
	}

	for (uint32_t done = 0; done < len;) {
		uint64_t a = iova + done;
		uint32_t n = (uint32_t)(4096 - (a & 0xfff));
		if (n > len - done)
			n = len - done;
		uint8_t *mem;
		if (!(vtdm.gsts & VTD_GCMD_TE) || vtdm.ignore_te) {
			mem = bit_bucket + (a & 0xfff);	/* untranslated: not modelled as memory */
		} else {
			uint64_t pa;
			int fr = translate(sid, a & ~0xfffull, write, &pa);
			if (fr) {
				record_fault(sid, a, (uint8_t)fr, write);
				return CR_EFAULT;
			}
			mem = (uint8_t *)phys_to_virt(pa) + (a & 0xfff);
		}
		if (write)
			memcpy(mem, b + done, n);
		else
			memcpy(b + done, mem, n);
		done += n;
	}
	return 0;
}

/* ---------------------------------------------------------------- the kernel frees a page */

static void check_tables(uint64_t table, unsigned level, uint64_t lo, uint64_t hi, const char *what)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = mem64(table + i * 8);
		if (!(e & 3))
			continue;
		uint64_t a = e & VTD_SL_ADDR_MASK;
		if (a >= lo && a < hi)
			fail("freed page 0x%lx still reachable: a %s entry (level %u) points at it", a, what, level);
		if (level > 1)
			check_tables(a, level - 1, lo, hi, what);
	}
}

static void free_hook(uint64_t phys, uint64_t npages)
{
	uint64_t lo = phys, hi = phys + npages * 4096;

	for (unsigned i = 0; i < VTDM_TLB; i++) {
		const struct vtdm_tlb *t = &vtdm.tlb[i];
		if (t->valid && !t->negative && t->pa >= lo && t->pa < hi)
			fail("freed page 0x%lx still in the IOTLB (sid 0x%x did %u iova 0x%lx)", t->pa, t->sid, t->did,
			     t->page << 12);
	}
	for (unsigned i = 0; i < sizeof(vtdm.ctx_cache) / sizeof(vtdm.ctx_cache[0]); i++) {
		uint64_t root = vtdm.ctx_cache[i].lo & VTD_CTX_ADDR_MASK;
		if (vtdm.ctx_cache[i].valid && (vtdm.ctx_cache[i].lo & VTD_CTX_P) && root >= lo && root < hi)
			fail("freed page 0x%lx is still a cached context entry's page-table root", root);
	}
	if (!vtdm.rtaddr || (vtdm.rtaddr & ~0xfffull) == lo)
		return;
	for (unsigned bus = 0; bus < 256; bus++) {
		uint64_t re = mem64((vtdm.rtaddr & ~0xfffull) + bus * 16);
		if (!(re & VTD_ROOT_P))
			continue;
		uint64_t ct = re & VTD_CTX_ADDR_MASK;
		for (unsigned fn = 0; fn < 256; fn++) {
			uint64_t clo = mem64(ct + fn * 16), chi = mem64(ct + fn * 16 + 8);
			if (!(clo & VTD_CTX_P) || (clo & 0xc) == VTD_CTX_TT_PASSTHROUGH)
				continue;
			uint64_t root = clo & VTD_CTX_ADDR_MASK;
			if (root >= lo && root < hi)
				fail("freed page 0x%lx is the page-table root of a present context entry", root);
			else
				check_tables(root, (unsigned)(chi & 7) + 2, lo, hi, "present page-table");
		}
	}
}

/* ---------------------------------------------------------------- registers */

static void queue_process(void)
{
	uint64_t base = vtdm.iqa & ~0xfffull;
	uint32_t size = 256u << (vtdm.iqa & 7);

	while (vtdm.iqh != vtdm.iqt) {
		const struct vtd_inv_desc *d = (const void *)((uint8_t *)phys_to_virt(base) + (vtdm.iqh >> 4) * 16);
		vtdm.qi_descs++;
		switch (d->lo & 0xf) {
		case VTD_INV_CC:
			cc_invalidate((d->lo >> 4) & 3, (uint16_t)(d->lo >> 32));
			break;
		case VTD_INV_IOTLB:
			tlb_invalidate((d->lo >> 4) & 3, (uint16_t)(d->lo >> 16), d->hi & ~0xfffull, (unsigned)(d->hi & 0x3f));
			break;
		case VTD_INV_IEC:
			if (d->lo & VTD_INV_IEC_INDEX)
				vtdm.iec_index++;
			else
				vtdm.iec_global++;
			iec_drop(!(d->lo & VTD_INV_IEC_INDEX), (uint16_t)(d->lo >> 32), (unsigned)((d->lo >> 27) & 0x1f));
			break;
		case VTD_INV_WAIT:
			vtdm.qi_waits++;
			if (d->lo & VTD_INV_WAIT_SW) {
				uint32_t status = (uint32_t)(d->lo >> 32);
				memcpy(phys_to_virt(d->hi & ~3ull), &status, 4);
			}
			break;
		default:
			vtdm.fsts |= VTD_FSTS_IQE;
			fail("unknown invalidation descriptor 0x%lx", d->lo);
			return;
		}
		vtdm.iqh = (((vtdm.iqh >> 4) + 1) % size) << 4;
	}
}

static void gcmd_write(uint32_t v)
{
	vtdm.gcmd_writes++;
	if ((vtdm.gsts & VTD_GCMD_QIE) && !(v & VTD_GCMD_QIE))
		fail("a Global Command write dropped queued invalidation (gcmd 0x%x, gsts 0x%x)", v, vtdm.gsts);
	if (v & VTD_GCMD_SFL)
		fail("unexpected Global Command 0x%x", v);
	if ((vtdm.gsts & VTD_GCMD_IRE) && !(v & VTD_GCMD_IRE) && !(v & VTD_GCMD_SIRTP))
		fail("a Global Command write dropped interrupt remapping (gcmd 0x%x, gsts 0x%x)", v, vtdm.gsts);
	if (v & VTD_GCMD_CFI)
		fail("compatibility format interrupts allowed (GCMD.CFI set: 0x%x)", v);
	if (v & VTD_GCMD_SIRTP) {
		if (!(vtdm.ecap & VTD_ECAP_IR))
			fail("interrupt remap table pointer set on a unit without IR");
		if ((vtdm.irta & VTD_IRTA_EIME) && !(vtdm.ecap & VTD_ECAP_EIM))
			fail("IRTA.EIME set on a unit without extended interrupt mode (ECAP.EIM): reserved");
		vtdm.sirtp++;
		vtdm.irta_live = vtdm.irta;
		vtdm.gsts |= VTD_GCMD_SIRTP;	/* IRTPS */
	}
	if ((v & VTD_GCMD_IRE) && !(vtdm.gsts & VTD_GCMD_IRE)) {
		if (!(vtdm.gsts & VTD_GCMD_SIRTP))
			fail("interrupt remapping enabled before a table pointer was set");
		if (!(vtdm.gsts & VTD_GCMD_QIE))
			fail("interrupt remapping enabled without queued invalidation");
		vtdm.gsts |= VTD_GCMD_IRE;
	} else if (!(v & VTD_GCMD_IRE)) {
		vtdm.gsts &= ~VTD_GCMD_IRE;
	}
	if ((v & VTD_GCMD_TE) != (vtdm.gsts & VTD_GCMD_TE) && !vtdm.stuck_te) {
		vtdm.gsts ^= VTD_GCMD_TE;
		if (v & VTD_GCMD_TE)
			vtdm.te_on++;
		else
			vtdm.te_off++;
		cc_invalidate(1, 0);
		tlb_invalidate(1, 0, 0, 0);
	}
	if (v & VTD_GCMD_SRTP) {
		vtdm.srtp++;
		vtdm.gsts |= VTD_GCMD_SRTP;	/* RTPS */
	}
	if (v & VTD_GCMD_WBF)
		vtdm.wbf++;			/* done at once: WBFS stays clear */
	if ((v & VTD_GCMD_QIE) && !(vtdm.gsts & VTD_GCMD_QIE)) {
		if (!(vtdm.ecap & VTD_ECAP_QI))
			fail("queued invalidation enabled on a unit without it");
		vtdm.qi_enables++;
		vtdm.iqh = 0;
		vtdm.gsts |= VTD_GCMD_QIE;
	} else if (!(v & VTD_GCMD_QIE) && (vtdm.gsts & VTD_GCMD_QIE)) {
		vtdm.gsts &= ~VTD_GCMD_QIE;
	}
}

uint32_t vtd_read32(struct vtd_unit *u, uint32_t off)
{
	(void)u;
	switch (off) {
	case VTD_VER:	return vtdm.ver;
	case VTD_GSTS:	return vtdm.gsts;
	case VTD_FSTS:	return vtdm.fsts;
	case VTD_FECTL:	return vtdm.fectl;
	}
	if (off >= FRO && off < FRO + VTDM_NFR * 16 && off % 16 == 12)
		return (uint32_t)(vtdm.frcd_hi[(off - FRO) / 16] >> 32);
	fail("32-bit read of register 0x%x", off);
	return 0;
}

uint64_t vtd_read64(struct vtd_unit *u, uint32_t off)
{
	(void)u;
	switch (off) {
	case VTD_CAP:		return vtdm.cap;
	case VTD_ECAP:		return vtdm.ecap;
	case VTD_RTADDR:	return vtdm.rtaddr;
	case VTD_CCMD:		return vtdm.ccmd;
	case VTD_IQH:		return vtdm.iqh;
	case VTD_IQT:		return vtdm.iqt;
	case VTD_IQA:		return vtdm.iqa;
	case VTD_IRTA:		return vtdm.irta;
	case IRO + VTD_IOTLB_OFF:	return vtdm.iotlb;
	}
	if (off >= FRO && off < FRO + VTDM_NFR * 16 && off % 8 == 0) {
		unsigned i = (off - FRO) / 16;
		return off % 16 ? vtdm.frcd_hi[i] : vtdm.frcd_lo[i];
	}
	fail("64-bit read of register 0x%x", off);
	return 0;
}

void vtd_write32(struct vtd_unit *u, uint32_t off, uint32_t v)
{
	(void)u;
	switch (off) {
	case VTD_GCMD:
		gcmd_write(v);
		return;
	case VTD_FSTS:
		vtdm.fsts &= ~(v & VTD_FSTS_W1C);
		return;
	case VTD_FECTL:
		vtdm.fectl = v & VTD_FECTL_IM;
		return;
	case VTD_FEDATA:
		vtdm.fedata = v;
		return;
	case VTD_FEADDR:
		vtdm.feaddr = v;
		return;
	case VTD_FEUADDR:
		return;
	}
	if (off >= FRO && off < FRO + VTDM_NFR * 16 && off % 16 == 12) {
		if (v & 0x80000000u)
			vtdm.frcd_hi[(off - FRO) / 16] &= ~VTD_FRCD_HI_F;
		update_ppf();
		return;
	}
	fail("32-bit write of register 0x%x", off);
}

void vtd_write64(struct vtd_unit *u, uint32_t off, uint64_t v)
{
	(void)u;
	switch (off) {
	case VTD_RTADDR:
		vtdm.rtaddr = v;
		return;
	case VTD_CCMD:
		if (!(v & VTD_CCMD_ICC))
			return;
		if (vtdm.gsts & VTD_GCMD_QIE)
			fail("register-based context invalidation while queued invalidation is enabled");
		cc_invalidate((v >> 61) & 3, (uint16_t)(v >> 16));
		vtdm.ccmd = (v & ~VTD_CCMD_ICC & ~(3ull << 59)) | (((v >> 61) & 3) << 59);
		return;
	case IRO + VTD_IVA_OFF:
		vtdm.iva = v;
		return;
	case IRO + VTD_IOTLB_OFF:
		if (!(v & VTD_IOTLB_IVT))
			return;
		if (vtdm.gsts & VTD_GCMD_QIE)
			fail("register-based IOTLB invalidation while queued invalidation is enabled");
		tlb_invalidate((v >> 60) & 3, (uint16_t)(v >> 32), vtdm.iva & ~0xfffull, (unsigned)(vtdm.iva & 0x3f));
		vtdm.iotlb = (v & ~VTD_IOTLB_IVT & ~(3ull << 57)) | (((v >> 60) & 3) << 57);
		return;
	case VTD_IQA:
		vtdm.iqa = v;
		return;
	case VTD_IRTA:
		vtdm.irta = v;
		return;
	case VTD_IQT:
		vtdm.iqt = v;
		if (vtdm.gsts & VTD_GCMD_QIE)
			queue_process();
		return;
	}
	fail("64-bit write of register 0x%x", off);
}

/* ---------------------------------------------------------------- kernel services */

volatile void *mmio_map(uint64_t pa, uint64_t len)
{
	(void)pa;
	(void)len;
	static uint8_t regs[4 * 4096];
	return regs;
}

void mmio_unmap(volatile void *p, uint64_t len)
{
	(void)p;
	(void)len;
}

struct pci_dev *pci_find_bdf(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < ndevs; i++) {
		struct pci_dev *d = devs[i];
		if (d->pd_segment == seg && d->pd_bus == bus && d->pd_dev == dev && d->pd_fn == fn)
			return d;
	}
	return NULL;
}

struct pci_dev *pci_device(unsigned int i)
{
	return i < ndevs ? devs[i] : NULL;
}

uint32_t pci_cfg_read(const struct pci_dev *d, uint16_t off, unsigned width)
{
	(void)d;
	(void)width;
	(void)off;
	return 0;	/* no bridges on the model's bus */
}

const char *pci_bdf(const struct pci_dev *d, char buf[16])
{
	fmt_snprintf(buf, 16, "%04x:%02x:%02x.%x", d->pd_segment, d->pd_bus, d->pd_dev, d->pd_fn);
	return buf;
}

uint32_t lapic_id(void)
{
	return 0;
}

enum apic_mode lapic_mode(void)
{
	return vtdm.x2apic ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
}

bool lapic_irr_pending(uint8_t vector)
{
	if (vector == vtdm.fedata)
		return vtdm.fault_events != events_taken;
	return vtdm.irr[vector] != 0;
}

int irq_alloc_vector(irq_handler_fn handler, void *ctx)
{
	(void)handler;
	(void)ctx;
	return (int)(0x50 + vectors_given++);
}

/* One I/O APIC (id 0), whose SCI pin is open when vtdm.ioapic_sci_open. */
unsigned ioapic_ids(uint8_t *ids, unsigned max)
{
	if (!max)
		return 0;
	ids[0] = 0;
	return 1;
}

void ioapic_reprogram(void)
{
	if (!vtdm.ioapic_sci_open)
		return;
	irq_remap_free(&vtdm.sci_remap);
	uint64_t rte;
	if (irq_remap_ioapic(0, VTDM_SCI_VECTOR, true, false, &rte, &vtdm.sci_remap) < 0)
		rte = VTDM_SCI_VECTOR | (1ull << 15);	/* compatibility format, as ioapic.c writes it */
	vtdm.sci_rte = rte;
}

void irq_free_vector(unsigned int vector)
{
	(void)vector;
}
