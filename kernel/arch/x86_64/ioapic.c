/*
 * kernel/arch/x86_64/ioapic.c - I/O APIC redirection tables (82093AA datasheet).
 *
 * Every pin starts masked; only ioapic_route opens one.  Devices on
 * Caprock use MSI-X first, so these carry the INTx fallback and the ACPI
 * SCI.  Compatibility-format entries name an 8-bit physical destination:
 * an APIC id above 254 is refused with an error line, never silently
 * truncated.  Under an IOMMU that remaps interrupts (VT-d 3.3 §5.1.5.1)
 * entries are in remappable format instead: they name an entry of the
 * unit's table, which holds the vector and the (32-bit) destination.
 * Open pins are remembered so that they can be rewritten when remapping
 * is turned on after them (the SCI is routed before the IOMMU comes up).
 */
#include "kernel/arch/x86_64/ioapic.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"
#include "kernel/iommu/irq_remap.h"
#include "lib/acpi_irq.h"
#include "lib/apic_mode.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPICVER	0x01
#define IOREDTBL(n)	(0x10 + 2 * (n))
#define RED_MASKED	(1u << 16)
#define RED_LEVEL	(1u << 15)
#define RED_ACTIVE_LOW	(1u << 13)

#define MAX_PINS	240	/* IOAPICVER's maximum redirection entry is 8 bits */

/* An open pin: what ioapic_route was asked for, and the remapping entry it holds. */
struct ioapic_pin {
	bool open;
	uint8_t vector;
	bool level, active_low;
	struct irq_remap_handle remap;
};

struct ioapic {
	volatile uint8_t *regs;
	uint8_t id;			/* MADT id: the DMAR scope names the I/O APIC by it */
	uint32_t gsi_base;
	uint32_t npins;
	struct ioapic_pin pins[MAX_PINS];
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nioapics;

static uint32_t rd(struct ioapic *io, uint32_t reg)
{
	mmio_write32(io->regs + IOREGSEL, reg);
	return mmio_read32(io->regs + IOWIN);
}

static void wr(struct ioapic *io, uint32_t reg, uint32_t v)
{
	mmio_write32(io->regs + IOREGSEL, reg);
	mmio_write32(io->regs + IOWIN, v);
}

void ioapic_init(void)
{
	if (!acpi.have_madt)
		return;
	for (unsigned i = 0; i < acpi.madt.nioapics; i++) {
		struct ioapic *io = &ioapics[nioapics];
		io->regs = (volatile uint8_t *)mmio_map(acpi.madt.ioapics[i].phys, 4096);
		if (!io->regs) {
			kerror("apic: error cannot map ioapic phys=0x%lx", acpi.madt.ioapics[i].phys);
			continue;
		}
		io->id = acpi.madt.ioapics[i].id;
		io->gsi_base = acpi.madt.ioapics[i].gsi_base;
		io->npins = ((rd(io, IOAPICVER) >> 16) & 0xff) + 1;
		if (io->npins > MAX_PINS)
			io->npins = MAX_PINS;
		for (uint32_t pin = 0; pin < io->npins; pin++) {
			wr(io, IOREDTBL(pin), RED_MASKED);
			wr(io, IOREDTBL(pin) + 1, 0);
		}
		kprintf("apic: ioapic id=%u phys=0x%lx gsi_base=%u pins=%u", acpi.madt.ioapics[i].id,
			acpi.madt.ioapics[i].phys, io->gsi_base, io->npins);
		nioapics++;
	}
}

static struct ioapic *find(uint32_t gsi)
{
	for (unsigned i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].npins)
			return &ioapics[i];
	}
	return NULL;
}

/* Write pin's entry as p says: remappable where the IOMMU remaps this I/O APIC, else compatibility. */
static int program(struct ioapic *io, uint32_t pin, struct ioapic_pin *p)
{
	uint64_t rte;
	uint32_t dest = lapic_id();

	irq_remap_free(&p->remap);
	int err = irq_remap_ioapic(io->id, p->vector, p->level, p->active_low, &rte, &p->remap);
	if (err == CR_ENOENT) {
		/* Physical destination mode carries 8 bits: a larger id needs interrupt remapping. */
		if (!apic_dest_reachable_8bit(dest)) {
			kerror("apic: error ioapic gsi=%u cannot reach apic_id=%u (8-bit destination; no interrupt remapping)",
			       io->gsi_base + pin, dest);
			return CR_ERANGE;
		}
		rte = (uint64_t)dest << 56 | p->vector | (p->level ? RED_LEVEL : 0) | (p->active_low ? RED_ACTIVE_LOW : 0);
	} else if (err < 0) {
		kerror("apic: error ioapic gsi=%u no interrupt remapping entry err=%s", io->gsi_base + pin, cr_err_name(err));
		return err;
	}
	/* Masked while the halves disagree; the low half, written last, opens it. */
	wr(io, IOREDTBL(pin), RED_MASKED);
	wr(io, IOREDTBL(pin) + 1, (uint32_t)(rte >> 32));
	wr(io, IOREDTBL(pin), (uint32_t)rte);
	return 0;
}

int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low)
{
	struct ioapic *io = find(gsi);

	if (!io)
		return CR_ENODEV;
	uint32_t pin = gsi - io->gsi_base;
	struct ioapic_pin *p = &io->pins[pin];
	if (p->open)
		irq_remap_free(&p->remap);	/* routed again: its old entry goes */
	*p = (struct ioapic_pin){ true, vector, level, active_low, IRQ_REMAP_NONE };
	int err = program(io, pin, p);
	if (err < 0)
		p->open = false;
	return err;
}

unsigned ioapic_ids(uint8_t *ids, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nioapics && n < max; i++)
		ids[n++] = ioapics[i].id;
	return n;
}

void ioapic_reprogram(void)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		for (uint32_t pin = 0; pin < io->npins; pin++) {
			struct ioapic_pin *p = &io->pins[pin];
			if (p->open && program(io, pin, p) < 0) {
				wr(io, IOREDTBL(pin), RED_MASKED);
				p->open = false;
			}
		}
	}
}

void ioapic_mask(uint32_t gsi)
{
	struct ioapic *io = find(gsi);

	if (!io)
		return;
	struct ioapic_pin *p = &io->pins[gsi - io->gsi_base];
	wr(io, IOREDTBL(gsi - io->gsi_base), RED_MASKED);
	if (p->open)
		irq_remap_free(&p->remap);	/* a pin never opened holds no entry */
	p->open = false;
}

uint32_t ioapic_isa_gsi(uint8_t irq, bool *level, bool *active_low)
{
	struct acpi_irq_route r = acpi_isa_irq_route(acpi.have_madt ? &acpi.madt : NULL, irq);

	*level = r.level;
	*active_low = r.active_low;
	return r.gsi;
}
