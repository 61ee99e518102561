/*
 * kernel/pci/intx.c - INTx pins shared by several functions (see intx.h).
 */
#include "kernel/pci/intx.h"

#include <stdbool.h>

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/core/log.h"

struct intx_sharer {
	irq_handler_fn is_handler;
	void *is_ctx;
};

struct intx_line {
	bool il_used;
	uint32_t il_gsi;
	uint8_t il_vector;
	unsigned il_n;
	struct intx_sharer il_sharers[INTX_SHARERS_MAX];
};

static struct intx_line lines[INTX_LINES_MAX];

static struct intx_line *find(uint32_t gsi)
{
	for (unsigned i = 0; i < INTX_LINES_MAX; i++) {
		if (lines[i].il_used && lines[i].il_gsi == gsi)
			return &lines[i];
	}
	return NULL;
}

/*
 * Every sharer's handler, each with the BKL (a handler that gives it up
 * meanwhile has it back when it returns): one removed meanwhile is not
 * called; one skipped by the shift is served at the next interrupt, since
 * a level-triggered line stays asserted until its function is served.
 */
static void dispatch(void *ctx, unsigned int vector)
{
	struct intx_line *l = ctx;

	for (unsigned i = 0; i < l->il_n; i++)
		l->il_sharers[i].is_handler(l->il_sharers[i].is_ctx, vector);
}

int intx_attach(uint32_t gsi, irq_handler_fn handler, void *ctx, uint8_t *vector)
{
	struct intx_line *l = find(gsi);

	if (!l) {
		for (unsigned i = 0; i < INTX_LINES_MAX && !l; i++)
			l = lines[i].il_used ? NULL : &lines[i];
		if (!l) {
			kerror("pci: error intx gsi=%u no line left (limit %u)", gsi, INTX_LINES_MAX);
			return CR_ENOMEM;
		}
		int v = irq_alloc_vector(dispatch, l);
		if (v < 0)
			return v;
		*l = (struct intx_line){ .il_used = true, .il_gsi = gsi, .il_vector = (uint8_t)v };
		/* PCI INTx: level triggered; QEMU's chipsets drive the pin active high (the MADT's overrides agree). */
		int err = ioapic_route(gsi, l->il_vector, true, false);
		if (err < 0) {
			irq_free_vector(l->il_vector);
			l->il_used = false;
			return err;
		}
	} else if (l->il_n == INTX_SHARERS_MAX) {
		kerror("pci: error intx gsi=%u shared by %u functions already (limit)", gsi, l->il_n);
		return CR_ENOMEM;
	}
	l->il_sharers[l->il_n++] = (struct intx_sharer){ handler, ctx };
	*vector = l->il_vector;
	if (l->il_n > 1)
		kprintf("pci: intx gsi=%u vector=%u shared_by=%u", gsi, l->il_vector, l->il_n);
	return 0;
}

void intx_detach(uint32_t gsi, irq_handler_fn handler, void *ctx)
{
	struct intx_line *l = find(gsi);

	if (!l)
		return;
	for (unsigned i = 0; i < l->il_n; i++) {
		if (l->il_sharers[i].is_handler == handler && l->il_sharers[i].is_ctx == ctx) {
			l->il_sharers[i] = l->il_sharers[--l->il_n];
			break;
		}
	}
	if (l->il_n)
		return;
	ioapic_mask(gsi);
	irq_free_vector(l->il_vector);
	l->il_used = false;
}
