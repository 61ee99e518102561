/*
 * lib/irq_stray.h - counts of interrupts nobody asked for: external
 * interrupts on exception vectors, on vectors no handler owns, fixed
 * interrupts on the spurious or legacy-PIC vectors, and NMIs with no known
 * source.  A device can raise them at will (a DMA write into the interrupt
 * window), so each is counted and only the first of its kind gets a line:
 * a flood cannot flood the console.  The summary prints the counts.
 */
#ifndef CAPROCK_LIB_IRQ_STRAY_H
#define CAPROCK_LIB_IRQ_STRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IRQ_STRAY_VECTORS	256
#define IRQ_STRAY_PER_LINE	16	/* vectors per summary line */

struct irq_stray {
	uint64_t is_count[IRQ_STRAY_VECTORS];	/* stray external interrupts taken, per vector */
	uint64_t is_total;
	/* Written only from the NMI handler (which does nothing else); read elsewhere. */
	volatile uint64_t is_nmi_unknown;
	uint64_t is_nmi_reported;		/* the count the last "nmi unknown" line gave */
};

/* Count a stray interrupt on vector; true if it is that vector's first (print a line for it). */
bool irq_stray_count(struct irq_stray *s, unsigned int vector);
/* From the NMI handler: one NMI no known source claimed. */
void irq_stray_nmi(struct irq_stray *s);
/*
 * Outside NMI context: is a "nmi unknown" line due?  The first NMI, then
 * each doubling of the count (1, 2, 4, 8 ...).  *count gets the count.
 */
bool irq_stray_nmi_due(struct irq_stray *s, uint64_t *count);
/* "c0,c1,...,c15" for vectors [first, first + 16); false when all of them are 0. */
bool irq_stray_format(const struct irq_stray *s, unsigned int first, char *buf, size_t len);

#endif
