/*
 * kernel/pci/flr.c - Function Level Reset (see flr.h).  The PCIe
 * capability's Device Capabilities bit 28 says the function has it;
 * Device Control bit 15 starts it.  A reset function comes back with its
 * BARs, command register and interrupt setup cleared; those are restored
 * from what was saved before (the MSI/MSI-X messages by pci_irq_restore).
 */
#include "kernel/pci/flr.h"

#include "lib/pci_reg.h"

#define PCIE_DEVCAP		0x04
#define  PCIE_DEVCAP_FLR	(1u << 28)
#define PCIE_DEVCTL		0x08
#define  PCIE_DEVCTL_BCR_FLR	(1u << 15)

bool pci_flr_capable(const struct pci_dev *d)
{
	return d->pd_cap_pcie && (pci_cfg_read(d, (uint16_t)(d->pd_cap_pcie + PCIE_DEVCAP), 4) & PCIE_DEVCAP_FLR);
}

void pci_save_config(const struct pci_dev *d, struct pci_saved_config *out)
{
	for (unsigned i = 0; i < 16; i++)
		out->sc_header[i] = pci_cfg_read(d, (uint16_t)(i * 4), 4);
}

void pci_flr_initiate(const struct pci_dev *d)
{
	uint16_t at = (uint16_t)(d->pd_cap_pcie + PCIE_DEVCTL);

	pci_cfg_write(d, at, 2, pci_cfg_read(d, at, 2) | PCIE_DEVCTL_BCR_FLR);
}

void pci_restore_config(const struct pci_dev *d, const struct pci_saved_config *s)
{
	for (unsigned i = 4; i < 10; i++)	/* BARs 0-5 at 0x10-0x24 */
		pci_cfg_write(d, (uint16_t)(i * 4), 4, s->sc_header[i]);
	pci_cfg_write(d, 0x3c, 1, s->sc_header[15] & 0xff);	/* interrupt line */
	pci_cfg_write(d, PCI_COMMAND, 2, s->sc_header[1] & 0xffff);
}
