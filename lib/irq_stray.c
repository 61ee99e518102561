/*
 * lib/irq_stray.c - counts of unrequested interrupts (see header).
 */
#include "lib/irq_stray.h"

#include "lib/fmt.h"

bool irq_stray_count(struct irq_stray *s, unsigned int vector)
{
	if (vector >= IRQ_STRAY_VECTORS)
		return false;
	s->is_total++;
	return ++s->is_count[vector] == 1;
}

void irq_stray_nmi(struct irq_stray *s)
{
	__atomic_fetch_add(&s->is_nmi_unknown, 1, __ATOMIC_RELAXED);	/* NMIs land on any CPU */
}

bool irq_stray_nmi_due(struct irq_stray *s, uint64_t *count)
{
	uint64_t n = __atomic_load_n(&s->is_nmi_unknown, __ATOMIC_RELAXED);

	*count = n;
	if (n == 0 || n < 2 * s->is_nmi_reported)
		return false;
	s->is_nmi_reported = n;
	return true;
}

bool irq_stray_format(const struct irq_stray *s, unsigned int first, char *buf, size_t len)
{
	bool any = false;
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (unsigned v = first; v < first + IRQ_STRAY_PER_LINE && v < IRQ_STRAY_VECTORS; v++) {
		any |= s->is_count[v] != 0;
		int n = fmt_snprintf(buf + at, len > at ? len - at : 0, "%s%lu", v == first ? "" : ",", s->is_count[v]);
		if (n < 0 || (size_t)n >= (len > at ? len - at : 0))
			return any;	/* truncated: buf still holds a terminated prefix */
		at += (size_t)n;
	}
	return any;
}
