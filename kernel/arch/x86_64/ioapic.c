/*
 * kernel/arch/x86_64/ioapic.c - I/O APIC redirection tables (82093AA datasheet).
 *
 * Every pin starts masked; only ioapic_route opens one.  Devices on
 * Caprock use MSI-X first, so these carry the INTx fallback and the ACPI
 * SCI.  Redirection entries name an 8-bit physical destination: an APIC id
 * above 254 is refused with an error line, never silently truncated.
 */
#include "kernel/arch/x86_64/ioapic.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"
#include "lib/acpi_irq.h"
#include "lib/apic_mode.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPICVER	0x01
#define IOREDTBL(n)	(0x10 + 2 * (n))
#define RED_MASKED	(1u << 16)
#define RED_LEVEL	(1u << 15)
#define RED_ACTIVE_LOW	(1u << 13)

struct ioapic {
	volatile uint8_t *regs;
	uint32_t gsi_base;
	uint32_t npins;
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
		io->gsi_base = acpi.madt.ioapics[i].gsi_base;
		io->npins = ((rd(io, IOAPICVER) >> 16) & 0xff) + 1;
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

int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low)
{
	struct ioapic *io = find(gsi);
	uint32_t dest = lapic_id();

	if (!io)
		return CR_ENODEV;
	/* Physical destination mode carries 8 bits: a larger id needs interrupt remapping. */
	if (!apic_dest_reachable_8bit(dest)) {
		kerror("apic: error ioapic gsi=%u cannot reach apic_id=%u (8-bit destination; no interrupt remapping)",
		       gsi, dest);
		return CR_ERANGE;
	}
	uint32_t pin = gsi - io->gsi_base;
	wr(io, IOREDTBL(pin) + 1, dest << 24);
	wr(io, IOREDTBL(pin), vector | (level ? RED_LEVEL : 0) | (active_low ? RED_ACTIVE_LOW : 0));
	return 0;
}

void ioapic_mask(uint32_t gsi)
{
	struct ioapic *io = find(gsi);

	if (io)
		wr(io, IOREDTBL(gsi - io->gsi_base), RED_MASKED);
}

uint32_t ioapic_isa_gsi(uint8_t irq, bool *level, bool *active_low)
{
	struct acpi_irq_route r = acpi_isa_irq_route(acpi.have_madt ? &acpi.madt : NULL, irq);

	*level = r.level;
	*active_low = r.active_low;
	return r.gsi;
}
