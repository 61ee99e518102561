/*
 * lib/apic_icr.c - ICR encodings (see apic_icr.h).
 */
#include "lib/apic_icr.h"

uint32_t apic_icr_init(void)
{
	return ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT;
}

bool apic_icr_startup(uint64_t start_phys, uint32_t *low)
{
	/* The vector is the page number: CS = vector << 8, IP = 0 (SDM §9.4.4.1). */
	if (start_phys & 0xfff || start_phys == 0 || start_phys >= 0x100000)
		return false;
	*low = ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | (uint32_t)(start_phys >> 12);
	return true;
}

uint32_t apic_icr_nmi(void)
{
	return ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT;
}

uint32_t apic_icr_xapic_high(uint32_t apic_id)
{
	return (apic_id & 0xffu) << ICR_XAPIC_DEST_SHIFT;
}

uint64_t apic_icr_x2apic(uint32_t apic_id, uint32_t low)
{
	return (uint64_t)apic_id << 32 | low;
}
