/*
 * kernel/acpi/acpi_io.h - registers named by an ACPI Generic Address
 * Structure (ACPI 6.5 §5.2.3.2): an I/O port or a system-memory address.
 *
 * A register is resolved once (MMIO mapped once, so a polling loop over
 * the PM timer costs no mappings) and then read or written with the width
 * the caller knows the register has.
 */
#ifndef CAPROCK_ACPI_IO_H
#define CAPROCK_ACPI_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi_reg.h"

struct acpi_reg {
	bool ar_present;
	bool ar_io;			/* port I/O, else MMIO */
	uint16_t ar_port;
	volatile uint8_t *ar_mmio;
	uint8_t ar_bytes;		/* access width: 1, 2 or 4 */
	uint64_t ar_address;		/* for log lines */
};

/*
 * Resolve the register at byte offset off inside the block g describes,
 * accessed bytes (1, 2, 4) wide.  Returns 0, CR_ENODEV if g is absent
 * (address 0), or CR_ENOSYS for an address space other than I/O or memory.
 */
int acpi_reg_init(struct acpi_reg *r, const struct acpi_gas *g, uint32_t off, uint8_t bytes);
uint32_t acpi_reg_read(const struct acpi_reg *r);
void acpi_reg_write(const struct acpi_reg *r, uint32_t v);
/* "io" or "mmio", for log lines. */
const char *acpi_reg_space(const struct acpi_reg *r);

#endif
