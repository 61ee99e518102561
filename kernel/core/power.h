/*
 * kernel/core/power.h - the end of every run.
 */
#ifndef CAPROCK_CORE_POWER_H
#define CAPROCK_CORE_POWER_H

#include <stdbool.h>

/*
 * Print "run: complete status=pass|fail errors=N ..." and power off:
 * isa-debug-exit when QEMU has one (its exit status then carries the
 * result), else ACPI S5, else halt with interrupts off.
 */
__attribute__((noreturn)) void power_off_after_run(bool pass);

#endif
