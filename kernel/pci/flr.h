/*
 * kernel/pci/flr.h - Function Level Reset (PCIe Base 4.0 §6.6.2): the reset
 * of last resort for a function that will not stop (an NVMe controller
 * whose CSTS.RDY never drops after CC.EN=0).
 */
#ifndef CAPROCK_PCI_FLR_H
#define CAPROCK_PCI_FLR_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/pci/pci.h"

#define PCI_FLR_WAIT_MS	100	/* after initiating, before the function may be touched again (§6.6.2) */

/* What a function reset clears and software set: the header's first 64 bytes. */
struct pci_saved_config {
	uint32_t sc_header[16];
};

/* Does the function advertise FLR (Device Capabilities, PCIe capability)? */
bool pci_flr_capable(const struct pci_dev *d);
void pci_save_config(const struct pci_dev *d, struct pci_saved_config *out);
/* Initiate FLR; the caller waits PCI_FLR_WAIT_MS (from the tick), then restores. */
void pci_flr_initiate(const struct pci_dev *d);
/* BARs, then the command register (memory decode, bus mastering, INTx disable) as saved. */
void pci_restore_config(const struct pci_dev *d, const struct pci_saved_config *s);

#endif
