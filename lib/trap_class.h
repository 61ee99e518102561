/*
 * lib/trap_class.h - what raised an IDT vector below 32: the CPU (an
 * exception of the interrupted code), an NMI, or the local APIC (a fixed
 * interrupt a device or another CPU sent on that vector).
 *
 * Vectors 0-31 are shared: a device can send any of them as a fixed MSI
 * (16-31 are legal on every local APIC; 0-15 are refused by real ones with
 * an ESR "receive illegal vector" error, yet a VMM may deliver them).  The
 * local APIC sets the vector's ISR bit when it delivers an interrupt and
 * the CPU never does for an exception, so the ISR bit, read before any EOI,
 * tells them apart (Intel SDM Vol. 3A §6.3, §11.8.4).  The stack differs
 * too: the CPU pushes an error code for some exceptions (§6.13), never for
 * an external interrupt on the same vector.
 */
#ifndef CAPROCK_LIB_TRAP_CLASS_H
#define CAPROCK_LIB_TRAP_CLASS_H

#include <stdbool.h>

enum trap_source {
	TRAP_SOURCE_EXCEPTION,	/* the CPU, executing the interrupted code */
	TRAP_SOURCE_NMI,	/* the NMI pin, an NMI message or an NMI IPI */
	TRAP_SOURCE_EXTERNAL,	/* the local APIC delivered a fixed interrupt on this vector */
};

/* Exceptions for which the CPU pushes an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
bool trap_vector_has_error_code(unsigned int vector);
/* Vector below 32 with its ISR bit as read on entry: who raised it? */
enum trap_source trap_classify_low(unsigned int vector, bool isr_set);
/* Did the CPU push an error code for this entry (what trap_entry.S decides for the frame)? */
bool trap_entry_has_error_code(unsigned int vector, bool isr_set);

#endif
