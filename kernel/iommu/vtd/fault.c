/*
 * kernel/iommu/vtd/fault.c - primary fault reporting (VT-d 3.3 §7.2.1,
 * §7.3, §10.4.9-§10.4.14).
 *
 * A blocked DMA request is recorded by the unit in one of its NFR fault
 * recording registers (source id, page address, reason, read or write)
 * and raised as the fault event interrupt, an MSI the unit sends with the
 * address and data programmed here.  Records are collected by the
 * interrupt handler, or by a caller polling for them (the verification
 * runs with interrupts off): each is decoded (lib/vtd_fault.c), printed
 * as "iommu: fault ... source=<bdf> addr=... reason=...", remembered for
 * the verifier, and cleared (F is write-one-to-clear).  A unit records
 * nothing new from a source whose earlier fault is still pending, nor
 * raises a new event while PPF or PFO are set, so clearing promptly is
 * what keeps the next fault visible.  Lines are rate-limited: a hostile
 * provider can make its device fault at will.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/apic_mode.h"

#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12

static void print_fault(struct vtd_unit *u, const struct vtd_fault *f, unsigned index, const char *event)
{
	if (!ratelimit_allow(&u->u_fault_lines, clock_ns()))
		return;
	uint64_t held = ratelimit_take_suppressed(&u->u_fault_lines);
	if (held)
		kprintf("iommu: faults suppressed unit=%u count=%lu", u->u_index, held);
	kprintf("iommu: fault unit=%u source=%04x:%02x:%02x.%x addr=0x%lx reason=%s fault_reason=0x%02x type=%s record=%u event=%s",
		u->u_index, u->u_segment, f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7, f->addr,
		vtd_fault_reason_name(f->reason), f->reason, f->write ? "write" : "read", index, event);
}

unsigned vtd_fault_collect(struct vtd_unit *u, const char *event)
{
	const struct vtd_caps *c = &u->u_caps;
	uint32_t fsts = vtd_read32(u, VTD_FSTS);
	unsigned n = 0;

	if (fsts & VTD_FSTS_PPF) {
		/* Records fill in a ring from FRI on; walk all of them once. */
		unsigned first = VTD_FSTS_FRI(fsts) % c->nfr;
		for (unsigned k = 0; k < c->nfr; k++) {
			unsigned i = (first + k) % c->nfr;
			uint32_t off = c->fro + i * VTD_FRCD_BYTES;
			uint64_t hi = vtd_read64(u, off + 8);
			struct vtd_fault f;
			if (!vtd_fault_decode(vtd_read64(u, off), hi, &f))
				continue;
			/* Clear F (bit 127) with a 32-bit write to the top dword, as the register allows. */
			vtd_write32(u, off + 12, (uint32_t)(VTD_FRCD_HI_F >> 32));
			u->u_fault_log[u->u_fault_log_next++ % VTD_FAULT_LOG] = f;
			u->u_faults++;
			n++;
			print_fault(u, &f, i, event);
		}
	}
	if (fsts & VTD_FSTS_PFO) {
		/* Records were lost while all were full: say so, then let the unit record again. */
		u->u_faults_unlogged++;
		kprintf("iommu: fault overflow unit=%u fsts=0x%x event=%s", u->u_index, fsts, event);
	}
	if (fsts & (VTD_FSTS_PFO | VTD_FSTS_AFO | VTD_FSTS_APF))
		vtd_write32(u, VTD_FSTS, fsts & (VTD_FSTS_PFO | VTD_FSTS_AFO | VTD_FSTS_APF));
	return n;
}

static void fault_irq(void *ctx, unsigned int vector)
{
	struct vtd_unit *u = ctx;

	(void)vector;
	u->u_fault_events++;
	vtd_fault_collect(u, "interrupt");
}

int vtd_fault_init(struct vtd_unit *u)
{
	uint32_t id = lapic_id();

	/* Without interrupt remapping the message names an 8-bit APIC id (compatibility format). */
	if (!apic_dest_reachable_8bit(id))
		return CR_ERANGE;
	int v = irq_alloc_vector(fault_irq, u);
	if (v < 0)
		return v;
	u->u_fault_vector = v;
	vtd_write32(u, VTD_FECTL, VTD_FECTL_IM);
	vtd_write32(u, VTD_FEDATA, (uint32_t)v);
	vtd_write32(u, VTD_FEADDR, MSI_ADDR_BASE | id << MSI_ADDR_DEST_SHIFT);
	vtd_write32(u, VTD_FEUADDR, 0);
	/* Whatever firmware left recorded is reported once, then the event is unmasked. */
	vtd_fault_collect(u, "boot");
	vtd_write32(u, VTD_FECTL, 0);
	return 0;
}

/* Was the fault event raised?  With interrupts off it waits in the local APIC (IRR). */
bool vtd_fault_event_raised(const struct vtd_unit *u, uint64_t events_before)
{
	return u->u_fault_events != events_before ||
	       (u->u_fault_vector >= 0 && lapic_irr_pending((uint8_t)u->u_fault_vector));
}
