/*
 * kernel/pci/intx.h - INTx pins shared by several functions.
 *
 * INTx is level triggered and wired-OR (PCI Local Bus 3.0 §2.2.6): functions
 * share pins, and with the chipsets' routing (QEMU's PIIX and ICH9 alike)
 * two controllers on one I/O APIC pin are ordinary.  Each GSI in use has one
 * vector and one I/O APIC entry; its handler calls every function's own
 * handler on it (each looks at its own device and takes what is there, so
 * the line drops once every sharer is served), and the pin is masked only
 * when its last function goes.  Under the BKL.
 */
#ifndef CAPROCK_PCI_INTX_H
#define CAPROCK_PCI_INTX_H

#include <stdint.h>

#include "kernel/arch/x86_64/trap.h"

#define INTX_LINES_MAX		24	/* GSIs in use for INTx at once */
#define INTX_SHARERS_MAX	16	/* functions on one GSI */

/* Add handler(ctx) on gsi; *vector is the line's CPU vector.  0, CR_ENOMEM (a table full), or the routing's error. */
int intx_attach(uint32_t gsi, irq_handler_fn handler, void *ctx, uint8_t *vector);
/* Remove it; the last one masks the pin and frees the vector. */
void intx_detach(uint32_t gsi, irq_handler_fn handler, void *ctx);

#endif
