/*
 * lib/vtd_fault.h - a VT-d primary fault record, decoded.
 *
 * VT-d 3.3 §7.2.1 (primary fault logging), §9.9 (fault record format),
 * §10.4.14 (Fault Recording Registers) and Appendix A (fault reasons).
 * The record comes from a register the hardware wrote after a device's
 * request was blocked; the decoder trusts nothing in it beyond its bits.
 */
#ifndef CAPROCK_LIB_VTD_FAULT_H
#define CAPROCK_LIB_VTD_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_fault {
	uint16_t sid;			/* requester: bus << 8 | device << 3 | function */
	uint8_t reason;			/* VTD_FR_* */
	bool write;			/* the blocked request was a write (false: a read) */
	uint64_t addr;			/* page of the blocked request */
};

/* Decode the two halves of a fault record; false if its F bit is clear (nothing recorded). */
bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out);

/* A short stable name for a fault reason ("write-denied"); "unknown" for others. */
const char *vtd_fault_reason_name(uint8_t reason);

#endif
