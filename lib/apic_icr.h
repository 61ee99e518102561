/*
 * lib/apic_icr.h - Interrupt Command Register values for inter-processor
 * interrupts.
 *
 * Intel SDM Vol. 3A §11.6.1 (ICR layout), §11.12.9 (x2APIC: one 64-bit MSR
 * write, destination in bits 63:32, no Delivery Status bit) and §9.4.4.1
 * (the INIT-SIPI-SIPI sequence: INIT 0x4500, STARTUP 0x46VV where VV is the
 * page number of the start-up code below 1 MiB).  In xAPIC mode the
 * destination goes in bits 63:56 (ICR high, written first) and writing ICR
 * low sends.
 */
#ifndef CAPROCK_LIB_APIC_ICR_H
#define CAPROCK_LIB_APIC_ICR_H

#include <stdbool.h>
#include <stdint.h>

#define ICR_VECTOR_MASK		0xffu
#define ICR_DELIVERY_FIXED	(0u << 8)
#define ICR_DELIVERY_NMI	(4u << 8)
#define ICR_DELIVERY_INIT	(5u << 8)
#define ICR_DELIVERY_STARTUP	(6u << 8)
#define ICR_DELIVERY_PENDING	(1u << 12)	/* xAPIC only: the message has not been accepted yet */
#define ICR_LEVEL_ASSERT	(1u << 14)
#define ICR_TRIGGER_LEVEL	(1u << 15)
#define ICR_DEST_ALL_BUT_SELF	(3u << 18)
#define ICR_XAPIC_DEST_SHIFT	24		/* in ICR high (offset 0x310) */

/* INIT, edge, asserted: resets the target into wait-for-SIPI. */
uint32_t apic_icr_init(void);
/*
 * STARTUP for code at start_phys (4 KiB aligned, below 1 MiB, not page 0);
 * false when start_phys cannot be named by a SIPI vector.
 */
bool apic_icr_startup(uint64_t start_phys, uint32_t *low);
/* NMI, edge, asserted. */
uint32_t apic_icr_nmi(void);
/* ICR high for an xAPIC destination (8 bits). */
uint32_t apic_icr_xapic_high(uint32_t apic_id);
/* The whole x2APIC ICR (MSR 0x830). */
uint64_t apic_icr_x2apic(uint32_t apic_id, uint32_t low);

#endif
