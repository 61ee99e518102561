/*
 * kernel/pci/msi.h - message-signalled interrupts (MSI-X, then MSI) and the INTx fallback.
 */
#ifndef CAPROCK_PCI_MSI_H
#define CAPROCK_PCI_MSI_H

#include <stdint.h>

#include "include/abi/device.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/iommu/irq_remap.h"
#include "kernel/pci/pci.h"

#define PCI_IRQ_MAX_VECTORS 8

/* The vectors a device was given: entry i of its table fires CPU vector cpu_vector[i]. */
struct pci_irq_set {
	enum irq_kind pi_kind;
	unsigned int pi_count;
	uint8_t pi_cpu_vector[PCI_IRQ_MAX_VECTORS];
	volatile uint8_t *pi_msix_table;	/* MSI-X only */
	struct irq_remap_handle pi_remap[PCI_IRQ_MAX_VECTORS];	/* MSI/MSI-X under interrupt remapping */
	uint32_t pi_gsi;			/* INTx only: the pin, and this function's handler on it (kernel/pci/intx.h) */
	irq_handler_fn pi_intx_handler;
	void *pi_intx_ctx;
	uint32_t pi_msg_addr[PCI_IRQ_MAX_VECTORS], pi_msg_data[PCI_IRQ_MAX_VECTORS];	/* as programmed (MSI, MSI-X) */
};

/* Which kinds pci_irq_setup may try (0: all of them, best first). */
#define PCI_IRQ_ALLOW_MSIX	(1u << 0)
#define PCI_IRQ_ALLOW_MSI	(1u << 1)
#define PCI_IRQ_ALLOW_INTX	(1u << 2)

/*
 * Give d up to want vectors, each routed to the boot CPU and handled by
 * handler(ctx_for(i), cpu_vector).  Tries MSI-X, then MSI (one vector),
 * then INTx through the I/O APIC, each only if allowed.  Returns 0 or an error.
 */
int pci_irq_setup(struct pci_dev *d, unsigned int want, unsigned int allow, irq_handler_fn handler,
		  void *const *ctx, struct pci_irq_set *out);
void pci_irq_teardown(struct pci_dev *d, struct pci_irq_set *s);
/*
 * Route every vector of s to the CPU with apic_id (MSI, MSI-X; through the
 * remapping entries where there are).  0, CR_ENOSYS for INTx, CR_ERANGE
 * for an id a compatibility-format message cannot name.
 */
int pci_irq_retarget(struct pci_dev *d, struct pci_irq_set *s, uint32_t apic_id);
/* After a function reset (FLR) cleared them: program the same messages again. */
void pci_irq_restore(struct pci_dev *d, const struct pci_irq_set *s);
const char *irq_kind_name(enum irq_kind k);

#endif
