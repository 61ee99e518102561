/*
 * kernel/acpi/pm_timer.c - ACPI PM timer access (see pm_timer.h).
 */
#include "kernel/acpi/pm_timer.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_io.h"
#include "lib/fmt.h"

static struct acpi_reg tmr;
static unsigned int bits;

int pm_timer_init(void)
{
	if (!acpi.have_fadt || !acpi.fadt.pm_tmr.address)
		return CR_ENODEV;
	bits = acpi.fadt.pm_tmr_32bit ? 32 : 24;
	return acpi_reg_init(&tmr, &acpi.fadt.pm_tmr, 0, 4);
}

uint32_t pm_timer_read(void)
{
	uint32_t v = acpi_reg_read(&tmr);

	return bits == 32 ? v : v & 0xffffff;	/* bits 31:24 are reserved on a 24-bit timer */
}

unsigned int pm_timer_bits(void)
{
	return bits;
}

void pm_timer_describe(char *buf, unsigned int n)
{
	fmt_snprintf(buf, n, "%s:0x%lx", acpi_reg_space(&tmr), tmr.ar_address);
}
