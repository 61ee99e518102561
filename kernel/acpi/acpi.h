/*
 * kernel/acpi/acpi.h - the firmware tables the kernel uses, found once at boot.
 */
#ifndef CAPROCK_ACPI_H
#define CAPROCK_ACPI_H

#include <stdbool.h>

#include "lib/acpi_tables.h"

struct acpi_state {
	bool have_madt, have_mcfg, have_dmar, have_fadt, have_s5;
	struct acpi_madt_info madt;
	struct acpi_mcfg_info mcfg;
	struct acpi_dmar_info dmar;
	const char *dmar_error;		/* why a present DMAR table was rejected, else NULL */
	struct acpi_fadt_info fadt;
	uint8_t s5_typa, s5_typb;
};

extern struct acpi_state acpi;

/* Find the RSDP, walk the root table, parse MADT/MCFG/DMAR/FADT(+DSDT \_S5). */
void acpi_init(void);

/* Enter S5 (soft off).  Returns only if the platform did not power off. */
void acpi_power_off(void);

#endif
