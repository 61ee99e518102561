/*
 * kernel/arch/x86_64/hpet.h - the HPET main counter as a time reference
 * (IA-PC HPET Specification 1.0a, §2.3).  Only the free-running counter is
 * used; no comparator, no interrupt.
 */
#ifndef CAPROCK_ARCH_HPET_H
#define CAPROCK_ARCH_HPET_H

#include <stdint.h>

/*
 * Map the register block at base (from the ACPI HPET table), check the
 * period, start the main counter if firmware left it stopped.  Returns 0,
 * CR_ENOMEM (unmappable) or CR_EPROTO (period outside the spec).
 */
int hpet_init(uint64_t base);
/* Low 32 bits of the main counter. */
uint32_t hpet_read(void);
uint64_t hpet_counter_hz(void);

#endif
