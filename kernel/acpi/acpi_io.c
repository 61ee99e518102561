/*
 * kernel/acpi/acpi_io.c - Generic Address Structure access (see acpi_io.h).
 */
#include "kernel/acpi/acpi_io.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"

int acpi_reg_init(struct acpi_reg *r, const struct acpi_gas *g, uint32_t off, uint8_t bytes)
{
	*r = (struct acpi_reg){ .ar_bytes = bytes };
	if (!g->address)
		return CR_ENODEV;
	uint64_t a = g->address + off;
	r->ar_address = a;
	if (g->space_id == ACPI_GAS_IO) {
		if (a + bytes > 0x10000)
			return CR_ERANGE;
		r->ar_io = true;
		r->ar_port = (uint16_t)a;
	} else if (g->space_id == ACPI_GAS_MEMORY) {
		r->ar_mmio = mmio_map(a, bytes);
		if (!r->ar_mmio)
			return CR_ENOMEM;
	} else {
		return CR_ENOSYS;	/* PCI configuration, embedded controller...: not on any PC we target */
	}
	r->ar_present = true;
	return 0;
}

uint32_t acpi_reg_read(const struct acpi_reg *r)
{
	if (!r->ar_present)
		return 0;
	if (r->ar_io) {
		switch (r->ar_bytes) {
		case 1: return inb(r->ar_port);
		case 2: return inw(r->ar_port);
		default: return inl(r->ar_port);
		}
	}
	switch (r->ar_bytes) {
	case 1: return mmio_read8(r->ar_mmio);
	case 2: return mmio_read16(r->ar_mmio);
	default: return mmio_read32(r->ar_mmio);
	}
}

void acpi_reg_write(const struct acpi_reg *r, uint32_t v)
{
	if (!r->ar_present)
		return;
	if (r->ar_io) {
		switch (r->ar_bytes) {
		case 1: outb(r->ar_port, (uint8_t)v); return;
		case 2: outw(r->ar_port, (uint16_t)v); return;
		default: outl(r->ar_port, v); return;
		}
	}
	switch (r->ar_bytes) {
	case 1: mmio_write8(r->ar_mmio, (uint8_t)v); return;
	case 2: mmio_write16(r->ar_mmio, (uint16_t)v); return;
	default: mmio_write32(r->ar_mmio, v); return;
	}
}

const char *acpi_reg_space(const struct acpi_reg *r)
{
	return r->ar_io ? "io" : "mmio";
}
