/*
 * lib/pci_reg.h - PCI configuration space (PCI Local Bus 3.0, PCIe Base 6.0 ch. 7).
 */
#ifndef CAPROCK_LIB_PCI_REG_H
#define CAPROCK_LIB_PCI_REG_H

#define PCI_VENDOR_ID		0x00	/* u16; 0xffff: no function */
#define PCI_DEVICE_ID		0x02	/* u16 */
#define PCI_COMMAND		0x04	/* u16 */
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06	/* u16 */
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08	/* u8 */
#define PCI_PROG_IF		0x09	/* u8 */
#define PCI_SUBCLASS		0x0a	/* u8 */
#define PCI_CLASS		0x0b	/* u8 */
#define PCI_HEADER_TYPE		0x0e	/* u8 */
#define  PCI_HEADER_TYPE_MASK	0x7f
#define  PCI_HEADER_MULTIFUNCTION 0x80
#define  PCI_HEADER_NORMAL	0x00
#define  PCI_HEADER_BRIDGE	0x01
#define PCI_BAR0		0x10	/* six (type 0) or two (type 1) u32 BARs */
#define  PCI_BAR_IO		0x1
#define  PCI_BAR_MEM_TYPE_MASK	0x6
#define  PCI_BAR_MEM_TYPE_64	0x4
#define  PCI_BAR_MEM_PREFETCH	0x8
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c	/* u16, type 0 */
#define PCI_SUBSYSTEM_ID	0x2e	/* u16, type 0 */
#define PCI_CAPABILITY_LIST	0x34	/* u8 */
#define PCI_INTERRUPT_LINE	0x3c	/* u8 */
#define PCI_INTERRUPT_PIN	0x3d	/* u8; 0 = none, 1..4 = INTA..INTD */

/* Type 1 (bridge) header */
#define PCI_PRIMARY_BUS		0x18	/* u8 */
#define PCI_SECONDARY_BUS	0x19	/* u8 */
#define PCI_SUBORDINATE_BUS	0x1a	/* u8 */
#define PCI_MEMORY_BASE		0x20	/* u16: bits 15:4 are address bits 31:20 */
#define PCI_MEMORY_LIMIT	0x22	/* u16: the same, of the window's last MiB */

/* PCI Express capability (offsets from the capability; PCIe Base 6.0 §7.5.3) */
#define PCIE_CAPS		0x02	/* u16 */
#define  PCIE_CAPS_TYPE(x)	(((x) >> 4) & 0xf)
#define  PCIE_TYPE_ROOT_PORT	0x4
#define  PCIE_TYPE_DOWNSTREAM	0x6
#define  PCIE_CAPS_SLOT		0x0100	/* Slot Implemented */
#define PCIE_SLTCAP		0x14	/* u32 */
#define  PCIE_SLTCAP_ABP	0x0001	/* Attention Button Present */
#define  PCIE_SLTCAP_PCP	0x0002	/* Power Controller Present */
#define  PCIE_SLTCAP_HPC	0x0040	/* Hot-Plug Capable */
#define PCIE_SLTCTL		0x18	/* u16 */
#define  PCIE_SLTCTL_PIC_ON	0x0100	/* Power Indicator Control: on */
#define  PCIE_SLTCTL_PIC_OFF	0x0300	/* Power Indicator Control: off */
#define  PCIE_SLTCTL_PIC_MASK	0x0300
#define  PCIE_SLTCTL_PCC	0x0400	/* Power Controller Control: 1 = off */
#define PCIE_SLTSTA		0x1a	/* u16, status bits write 1 to clear */
#define  PCIE_SLTSTA_ABP	0x0001	/* Attention Button Pressed */
#define  PCIE_SLTSTA_PDC	0x0008	/* Presence Detect Changed */
#define  PCIE_SLTSTA_PDS	0x0040	/* Presence Detect State */
#define  PCIE_SLTSTA_DLLSC	0x0100	/* Data Link Layer State Changed */

/* Capability IDs */
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_PCIE		0x10
#define PCI_CAP_ID_MSIX		0x11

/* MSI capability (offsets from the capability) */
#define PCI_MSI_CTRL		0x02	/* u16 */
#define  PCI_MSI_CTRL_ENABLE	0x0001
#define  PCI_MSI_CTRL_MMC_SHIFT	1	/* multiple message capable, log2 */
#define  PCI_MSI_CTRL_MME_SHIFT	4	/* multiple message enable, log2 */
#define  PCI_MSI_CTRL_64BIT	0x0080
#define  PCI_MSI_CTRL_PVM	0x0100	/* per-vector masking */
#define PCI_MSI_ADDR_LO		0x04
#define PCI_MSI_ADDR_HI		0x08	/* 64-bit only */
#define PCI_MSI_DATA_32		0x08
#define PCI_MSI_DATA_64		0x0c
#define PCI_MSI_MASK_32		0x0c
#define PCI_MSI_MASK_64		0x10

/* MSI-X capability (offsets from the capability) */
#define PCI_MSIX_CTRL		0x02	/* u16 */
#define  PCI_MSIX_CTRL_SIZE_MASK 0x07ff	/* table size - 1 */
#define  PCI_MSIX_CTRL_FUNC_MASK 0x4000
#define  PCI_MSIX_CTRL_ENABLE	0x8000
#define PCI_MSIX_TABLE		0x04	/* u32: BIR in bits 2:0, offset in the rest */
#define PCI_MSIX_PBA		0x08	/* u32: same encoding */
#define  PCI_MSIX_BIR_MASK	0x7
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_ENTRY_ADDR_LO	0x0
#define PCI_MSIX_ENTRY_ADDR_HI	0x4
#define PCI_MSIX_ENTRY_DATA	0x8
#define PCI_MSIX_ENTRY_CTRL	0xc
#define  PCI_MSIX_ENTRY_MASKED	0x1

/* x86 MSI message format (Intel SDM Vol. 3A §11.11) */
#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12

#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096

#endif
