/*
 * lib/acpi_irq.c - ISA IRQ and SCI routing through the MADT overrides (see acpi_irq.h).
 */
#include "lib/acpi_irq.h"

/* Apply one override's MPS INTI flags over the given defaults. */
static void apply_flags(struct acpi_irq_route *r, uint16_t flags)
{
	switch (flags & MPS_INTI_POLARITY_MASK) {
	case MPS_INTI_POLARITY_HIGH:	r->active_low = false; break;
	case MPS_INTI_POLARITY_LOW:	r->active_low = true; break;
	default:			break;	/* conforms to the bus (2 is reserved) */
	}
	switch ((flags & MPS_INTI_TRIGGER_MASK) >> MPS_INTI_TRIGGER_SHIFT) {
	case MPS_INTI_TRIGGER_EDGE:	r->level = false; break;
	case MPS_INTI_TRIGGER_LEVEL:	r->level = true; break;
	default:			break;
	}
}

static struct acpi_irq_route route(const struct acpi_madt_info *m, uint32_t irq, bool level, bool low)
{
	struct acpi_irq_route r = { irq, level, low, false };

	for (unsigned i = 0; m && i < m->nisos; i++) {
		if (m->isos[i].source != irq)
			continue;
		r.gsi = m->isos[i].gsi;
		r.overridden = true;
		apply_flags(&r, m->isos[i].flags);
		break;
	}
	return r;
}

struct acpi_irq_route acpi_isa_irq_route(const struct acpi_madt_info *m, uint8_t irq)
{
	return route(m, irq, false, false);
}

struct acpi_irq_route acpi_sci_route(const struct acpi_madt_info *m, uint16_t sci_int)
{
	/* Overrides name ISA IRQs (one byte); a larger SCI_INT is already a GSI. */
	if (sci_int > 0xff)
		return (struct acpi_irq_route){ sci_int, true, true, false };
	return route(m, sci_int, true, true);
}
