/*
 * kernel/arch/x86_64/ioapic.c - I/O APIC redirection tables (82093AA datasheet).
 *
 * Every pin starts masked; only ioapic_route opens one.  Devices on
 * Caprock use MSI-X first, so these carry only the INTx fallback.
 */
#include "kernel/arch/x86_64/ioapic.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"

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

	if (!io)
		return CR_ENODEV;
	uint32_t pin = gsi - io->gsi_base;
	wr(io, IOREDTBL(pin) + 1, lapic_id() << 24);
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
	*level = false;
	*active_low = false;
	for (unsigned i = 0; i < acpi.madt.nisos; i++) {
		const struct acpi_iso_info *iso = &acpi.madt.isos[i];
		if (iso->source != irq)
			continue;
		/* MPS INTI flags: polarity 1 = high, 3 = low; trigger 1 = edge, 3 = level. */
		*active_low = (iso->flags & 3) == 3;
		*level = ((iso->flags >> 2) & 3) == 3;
		return iso->gsi;
	}
	return irq;
}
