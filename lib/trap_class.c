/*
 * lib/trap_class.c - exception, NMI or external interrupt (see header).
 */
#include "lib/trap_class.h"

bool trap_vector_has_error_code(unsigned int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

enum trap_source trap_classify_low(unsigned int v, bool isr_set)
{
	/* The ISR bit first: a fixed interrupt on vector 2 is not an NMI, on 19 not a #XM. */
	if (isr_set)
		return TRAP_SOURCE_EXTERNAL;
	return v == 2 ? TRAP_SOURCE_NMI : TRAP_SOURCE_EXCEPTION;
}

bool trap_entry_has_error_code(unsigned int v, bool isr_set)
{
	return !isr_set && trap_vector_has_error_code(v);
}
