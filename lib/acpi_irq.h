/*
 * lib/acpi_irq.h - where an ISA IRQ (or the ACPI SCI) arrives at the I/O
 * APICs, and with which trigger and polarity.
 *
 * ACPI 6.5 §5.2.12.5 (Interrupt Source Override: the GSI an ISA IRQ is
 * wired to, with MPS INTI flags; "conforms to the bus" means the bus
 * default) and §5.2.9 (SCI_INT: "OSPM is required to treat the ACPI SCI
 * interrupt as a sharable, level, active low interrupt" unless an override
 * says otherwise).  ISA's own default is edge-triggered, active high.
 * QEMU's i440FX and Q35 give IRQ 9 an override to GSI 9, level, active
 * high; AWS Nitro routes the SCI to IRQ 9 too (DESIGN.md §6).
 */
#ifndef CAPROCK_LIB_ACPI_IRQ_H
#define CAPROCK_LIB_ACPI_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi_tables.h"

struct acpi_irq_route {
	uint32_t gsi;
	bool level;		/* level-triggered, else edge */
	bool active_low;
	bool overridden;	/* an Interrupt Source Override named this IRQ */
};

/* An ISA device IRQ (0..15): identity-mapped unless overridden; default edge, active high. */
struct acpi_irq_route acpi_isa_irq_route(const struct acpi_madt_info *m, uint8_t irq);

/*
 * The SCI: FADT SCI_INT is an ISA IRQ on PC-compatible systems (and then
 * subject to overrides), otherwise a GSI; default level, active low.
 */
struct acpi_irq_route acpi_sci_route(const struct acpi_madt_info *m, uint16_t sci_int);

#endif
