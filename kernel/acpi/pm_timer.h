/*
 * kernel/acpi/pm_timer.h - the ACPI power-management timer (ACPI 6.5
 * §4.8.3.3): a free-running 3.579545 MHz counter, 24 bits (32 with FADT
 * TMR_VAL_EXT), at the FADT's PM_TMR_BLK port or X_PM_TMR_BLK GAS (port or
 * MMIO).  QEMU puts it at 0x608 (Q35) or 0xb008 (i440FX), AWS Nitro at
 * 0xb008 (DESIGN.md §6).  It needs no programming, which makes it the
 * reference of choice where the PIT is broken and there is no HPET.
 */
#ifndef CAPROCK_ACPI_PM_TIMER_H
#define CAPROCK_ACPI_PM_TIMER_H

#include <stdint.h>

/* From the FADT: 0, or CR_ENODEV (no FADT or no timer) / the acpi_reg_init error. */
int pm_timer_init(void);
uint32_t pm_timer_read(void);
unsigned int pm_timer_bits(void);
/* "io:0x608"-style location for log lines. */
void pm_timer_describe(char *buf, unsigned int n);

#endif
