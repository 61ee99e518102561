/*
 * kernel/acpi/acpi.h - the firmware tables the kernel uses, found once at boot.
 */
#ifndef CAPROCK_ACPI_H
#define CAPROCK_ACPI_H

#include <stdbool.h>

#include "lib/acpi_tables.h"

struct acpi_state {
	bool have_madt, have_mcfg, have_dmar, have_fadt, have_s5, have_hpet;
	uint8_t rsdp_revision;
	bool root_is_xsdt;
	struct acpi_madt_info madt;
	struct acpi_mcfg_info mcfg;
	struct acpi_dmar_info dmar;
	const char *dmar_error;		/* why a present DMAR table was rejected, else NULL */
	const char *other_iommu;	/* an IOMMU this kernel does not drive: "amd-vi" (IVRS), "virtio-iommu" (VIOT) */
	struct acpi_fadt_info fadt;
	struct acpi_hpet_info hpet;
	uint8_t s5_typa, s5_typb;
};

extern struct acpi_state acpi;

/* Find the RSDP, walk the root table, parse MADT/MCFG/DMAR/FADT/HPET and \_S5 (DSDT, then SSDTs). */
void acpi_init(void);

/*
 * Make sure the chipset is in ACPI mode (PM1 control SCI_EN set): if
 * firmware left it in legacy mode, write ACPI_ENABLE to SMI_CMD and wait,
 * bounded, for SCI_EN (ACPI 6.5 §4.8.2.1.1, §16.3).  Returns 0 if it
 * already was (or has no legacy mode), 1 after switching it, CR_ENODEV
 * without a FADT, or CR_ETIMEDOUT (with an error line).  Silent otherwise:
 * it also runs on the way to S5, after the last line.
 */
int acpi_enable_mode(void);

/*
 * Enter S5 (soft off).  Returns only if the platform did not power off:
 * false at once when there is no FADT or \_S5 to do it with.
 */
bool acpi_power_off(void);

#endif
