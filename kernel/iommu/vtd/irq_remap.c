/*
 * kernel/iommu/vtd/irq_remap.c - interrupt remapping on VT-d units
 * (VT-d 3.3 §5.1, §6.5.2.7, §10.4.4-5 IRE/SIRTP/CFI, §10.4.29 IRTA).
 *
 * Each unit that offers it (ECAP.IR) gets a table of VTD_IRT_ENTRIES
 * entries; every message the kernel programs afterwards (MSI/MSI-X in
 * kernel/pci/msi.c, I/O APIC pins) is in remappable format and names an
 * entry holding the vector and destination the kernel chose and the
 * requester id allowed to use it (SVT=1, SQ=0, the requester id DMA is
 * translated for, the alias included; a bus range below a PCIe-to-PCI
 * bridge, as Linux does).  Compatibility format stays
 * blocked: GCMD.CFI is never set and GSTS.CFIS is checked clear, so a
 * device that writes its own message into the interrupt window reaches no
 * vector the kernel did not give it.
 *
 * Entries are changed only through the queue (IEC descriptors, §6.5.2.7;
 * a unit with IR must offer queued invalidation): a unit brought up with
 * register-based invalidation does not remap.  Because a blocked
 * compatibility message is lost, remapping is turned on only when every
 * I/O APIC the MADT lists has a DMAR scope to take its source id from,
 * and only after every open I/O APIC pin was rewritten in remappable
 * format (the boot path runs with interrupts off).  The fault event
 * interrupt is the unit's own message and is not remapped (§7.3).
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/irq_remap.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/pci_reg.h"
#include "lib/string.h"

#define IRT_PAGES	(VTD_IRT_ENTRIES * sizeof(struct vtd_irte) / VTD_PAGE_SIZE)

/* The IOAPIC's DMAR scope (type IOAPIC, enumeration id = MADT id): its unit and source id. */
static struct vtd_unit *ioapic_scope(uint8_t id, uint16_t *sid)
{
	for (unsigned i = 0; i < vtd_nunits; i++) {
		const struct acpi_dmar_unit_info *d = vtd_units[i].u_drhd;
		for (unsigned k = 0; d && k < d->nscopes; k++) {
			const struct acpi_dmar_scope_info *s = &d->scopes[k];
			if (s->type != DMAR_SCOPE_IOAPIC || s->enumeration_id != id || s->npath != 1)
				continue;
			*sid = vtd_sid(s->start_bus, s->path[0].device, s->path[0].function);
			return &vtd_units[i];
		}
	}
	return NULL;
}

uint32_t vtd_ir_dest(const struct vtd_unit *u)
{
	(void)u;
	return lapic_id();
}

static int iec_invalidate(struct vtd_unit *u, bool global, uint16_t index)
{
	struct vtd_inv_op op = { .kind = global ? VTD_OP_IEC_GLOBAL : VTD_OP_IEC_INDEX, .am = 0, .addr = index };

	u->u_invalidations++;
	return vtd_inval_queue_run(u, &op, 1);
}

int vtd_ir_alloc(struct vtd_unit *u, const struct vtd_irte_fields *f)
{
	struct vtd_irte e;

	if (!u->u_irt)
		return CR_ENOENT;
	if (!vtd_irte_encode(f, &e))
		return CR_ERANGE;
	for (uint32_t i = 0; i < VTD_IRT_ENTRIES; i++) {
		if (u->u_irt_used[i / 8] & (1u << (i % 8)))
			continue;
		u->u_irt_used[i / 8] |= (uint8_t)(1u << (i % 8));
		/* High half first: the entry becomes present with its source-id check already in place. */
		u->u_irt[i].hi = e.hi;
		__atomic_store_n(&u->u_irt[i].lo, e.lo, __ATOMIC_RELEASE);
		vtd_flush_cpu(u, &u->u_irt[i], sizeof(e));
		u->u_irt_live++;
		int err = iec_invalidate(u, false, (uint16_t)i);
		if (err < 0) {
			vtd_ir_free(u, (uint16_t)i);
			return err;
		}
		return (int)i;
	}
	return CR_ENOMEM;
}

void vtd_ir_free(struct vtd_unit *u, uint16_t index)
{
	if (!u->u_irt || index >= VTD_IRT_ENTRIES || !(u->u_irt_used[index / 8] & (1u << (index % 8))))
		return;
	__atomic_store_n(&u->u_irt[index].lo, 0, __ATOMIC_RELEASE);
	u->u_irt[index].hi = 0;
	vtd_flush_cpu(u, &u->u_irt[index], sizeof(struct vtd_irte));
	(void)iec_invalidate(u, false, index);	/* an error line was printed; the entry is not present either way */
	u->u_irt_used[index / 8] &= (uint8_t)~(1u << (index % 8));
	u->u_irt_live--;
}

/* Why u cannot remap interrupts, or NULL. */
static const char *why_not(const struct vtd_unit *u, const char *ioapic_gap)
{
	if (u->u_unusable)
		return "unit-unusable";
	if (!u->u_caps.ir)
		return "unit-has-no-interrupt-remapping";
	if (u->u_inval != VTD_INVAL_QUEUED)
		return "needs-queued-invalidation";
	return ioapic_gap;
}

/* Table in memory, IRTA, SIRTP, and the unit's entry cache dropped; IRE stays off. */
static const char *install_table(struct vtd_unit *u)
{
	u->u_irt_phys = pmm_alloc(IRT_PAGES, IRT_PAGES, PMM_NO_LIMIT);
	if (!u->u_irt_phys)
		return "no-memory-for-table";
	u->u_irt = phys_to_virt(u->u_irt_phys);
	memset(u->u_irt, 0, IRT_PAGES * VTD_PAGE_SIZE);
	memset(u->u_irt_used, 0, sizeof(u->u_irt_used));
	u->u_irt_live = 0;
	vtd_flush_cpu(u, u->u_irt, IRT_PAGES * VTD_PAGE_SIZE);
	/*
	 * x2APIC mode: destinations are 32-bit ids (EIME), where the unit has
	 * extended interrupt mode (ECAP.EIM; without it EIME is reserved, §10.4.29).
	 * Without, the entries name 8-bit ids (bits 15:8), which reach x2APIC ids
	 * below 255: a CPU above that cannot be a destination (vtd_irte_encode
	 * refuses it, and steering keeps the boot CPU's).
	 */
	u->u_eime = lapic_mode() == APIC_MODE_X2APIC && u->u_caps.eim;
	vtd_write64(u, VTD_IRTA, u->u_irt_phys | (u->u_eime ? VTD_IRTA_EIME : 0) |
				 VTD_IRTA_S(vtd_irta_size_field(VTD_IRT_ENTRIES)));
	if (vtd_gcmd(u, VTD_GCMD_SIRTP, 0, VTD_GCMD_SIRTP, true, "interrupt remap table pointer (GSTS.IRTPS)") < 0)
		return "table-pointer-not-accepted";
	if (iec_invalidate(u, true, 0) < 0)
		return "entry-cache-invalidation-failed";
	return NULL;
}

static void drop_table(struct vtd_unit *u)
{
	if (u->u_irt_phys)
		pmm_free(u->u_irt_phys, IRT_PAGES);
	u->u_irt = NULL;
	u->u_irt_phys = 0;
}

/* IRE on, CFI cleared (never set by us); then the status must say remapping on and compatibility off. */
static const char *enable(struct vtd_unit *u)
{
	if (vtd_gcmd(u, VTD_GCMD_IRE, VTD_GCMD_CFI, VTD_GCMD_IRE, true, "interrupt remapping enable (GSTS.IRES)") < 0)
		return "enable-not-acknowledged";
	uint32_t gsts = vtd_read32(u, VTD_GSTS);
	if (gsts & VTD_GCMD_CFI) {
		kerror("iommu: error unit=%u compatibility-format interrupts still allowed gsts=0x%08x (GSTS.CFIS)",
		       u->u_index, gsts);
		(void)vtd_gcmd(u, 0, VTD_GCMD_IRE, VTD_GCMD_IRE, false, "interrupt remapping disable (GSTS.IRES)");
		return "compatibility-format-not-blocked";
	}
	u->u_ir = true;
	return NULL;
}

void vtd_ir_init(void)
{
	uint8_t ids[8];
	unsigned nids = ioapic_ids(ids, 8);
	const char *gap = NULL;
	bool any = false;

	for (unsigned i = 0; i < nids; i++) {
		uint16_t sid;
		struct vtd_unit *u = ioapic_scope(ids[i], &sid);
		if (u)
			kprintf("iommu: interrupt remapping ioapic id=%u source=%02x:%02x.%x unit=%u", ids[i], sid >> 8,
				(sid >> 3) & 0x1f, sid & 7, u->u_index);
		else {
			kprintf("iommu: interrupt remapping ioapic id=%u scope=none (no DMAR device scope names it)", ids[i]);
			gap = "ioapic-not-in-dmar-scope";
		}
	}
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		const char *why = why_not(u, gap);
		if (!why && (why = install_table(u)) != NULL)
			drop_table(u);
		u->u_ir_off = why;
		any |= !why;
	}
	if (any) {
		/* Open pins move to remappable format before the first unit stops accepting compatibility format. */
		ioapic_reprogram();
		for (unsigned i = 0; i < vtd_nunits; i++) {
			struct vtd_unit *u = &vtd_units[i];
			if (!u->u_ir_off && (u->u_ir_off = enable(u)) != NULL) {
				drop_table(u);
				ioapic_reprogram();	/* back to compatibility format for what this unit serves */
			}
		}
	}
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		if (u->u_ir)
			kprintf("iommu: interrupt remapping unit=%u enabled=yes entries=%u mode=%s eime=%s cfi=blocked gsts=0x%08x live_entries=%u lapic=%s unit_eim=%s",
				u->u_index, VTD_IRT_ENTRIES, u->u_eime ? "x2apic" : "xapic", u->u_eime ? "yes" : "no",
				vtd_read32(u, VTD_GSTS), u->u_irt_live,
				lapic_mode() == APIC_MODE_X2APIC ? "x2apic" : "xapic", u->u_caps.eim ? "yes" : "no");
		else
			kprintf("iommu: interrupt remapping unit=%u enabled=no reason=%s", u->u_index, u->u_ir_off);
	}
}

/* ---------------------------------------------------------------- the interface (kernel/iommu/irq_remap.h) */

static struct vtd_unit *remapping(struct vtd_unit *u)
{
	return u && u->u_irt && !u->u_ir_off ? u : NULL;
}

int irq_remap_msi(const struct pci_dev *d, uint8_t vector, uint32_t *addr, uint32_t *data, struct irq_remap_handle *h)
{
	bool explicit_scope, aliased;
	struct vtd_unit *u = remapping(vtd_unit_for(d, &explicit_scope));

	*h = IRQ_REMAP_NONE;
	if (!u)
		return CR_ENOENT;
	uint16_t rid = vtd_requester_id(d, &aliased);
	struct vtd_irte_fields f = { .vector = vector, .dest = vtd_ir_dest(u), .x2apic = u->u_eime,
				     .sid = rid, .svt = VTD_SVT_SID, .sq = 0 };
	const struct pci_dev *b = aliased ? pci_find_bdf(d->pd_segment, rid >> 8, (rid >> 3) & 0x1f, rid & 7) : NULL;
	if (aliased && !(b && b->pd_header_type == PCI_HEADER_BRIDGE)) {
		/*
		 * Below a PCIe-to-PCI bridge the id is (secondary bus, 0.0), or
		 * the device's own for PCI-X: any bus from the alias's to the
		 * device's (§5.1.2 SVT=2; upper byte start, lower byte end, as
		 * Linux).  Behind any other bridge the id is that bridge's own,
		 * checked exactly.
		 */
		f.sid = (uint16_t)((rid >> 8) << 8 | d->pd_bus);
		f.svt = VTD_SVT_BUS_RANGE;
	}
	int index = vtd_ir_alloc(u, &f);
	if (index < 0)
		return index;
	*addr = vtd_msi_remap_addr((uint16_t)index);
	*data = 0;
	*h = (struct irq_remap_handle){ (int)u->u_index, (uint16_t)index };
	return 0;
}

int irq_remap_ioapic(uint8_t ioapic_id, uint8_t vector, bool level, bool active_low, uint64_t *rte,
		     struct irq_remap_handle *h)
{
	uint16_t sid = 0;
	struct vtd_unit *u = remapping(ioapic_scope(ioapic_id, &sid));

	*h = IRQ_REMAP_NONE;
	if (!u)
		return CR_ENOENT;
	struct vtd_irte_fields f = { .vector = vector, .dest = vtd_ir_dest(u), .x2apic = u->u_eime, .level = level,
				     .sid = sid, .svt = VTD_SVT_SID, .sq = 0 };
	int index = vtd_ir_alloc(u, &f);
	if (index < 0)
		return index;
	*rte = vtd_ioapic_remap_rte((uint16_t)index, vector, level, active_low, false);
	*h = (struct irq_remap_handle){ (int)u->u_index, (uint16_t)index };
	return 0;
}

int irq_remap_retarget(const struct irq_remap_handle *h, uint32_t apic_id)
{
	if (h->ir_unit < 0 || (unsigned)h->ir_unit >= vtd_nunits)
		return CR_ENOENT;
	struct vtd_unit *u = &vtd_units[h->ir_unit];
	uint16_t i = h->ir_index;
	struct vtd_irte_fields f;
	struct vtd_irte e;
	if (!u->u_irt || i >= VTD_IRT_ENTRIES || !vtd_irte_decode(&u->u_irt[i], u->u_eime, &f))
		return CR_ENOENT;
	f.dest = apic_id;
	if (!vtd_irte_encode(&f, &e))
		return CR_ERANGE;	/* an id the table's mode cannot name */
	/* The destination sits in the low half: one 8-byte store, so the unit never sees half an entry. */
	__atomic_store_n(&u->u_irt[i].lo, e.lo, __ATOMIC_RELEASE);
	vtd_flush_cpu(u, &u->u_irt[i], sizeof(e));
	return iec_invalidate(u, false, i);
}

void irq_remap_free(struct irq_remap_handle *h)
{
	if (h->ir_unit >= 0 && (unsigned)h->ir_unit < vtd_nunits)
		vtd_ir_free(&vtd_units[h->ir_unit], h->ir_index);
	*h = IRQ_REMAP_NONE;
}
