/*
 * kernel/acpi/pci_hotplug.h - ACPI PCI hot-plug without AML: QEMU's
 * acpiphp register interface (QEMU docs/specs/acpi_pci_hotplug.rst), the
 * way Nitro signals EBS attach and detach on its i440FX/PIIX4 bus.
 *
 * A device_add or device_del sets a slot bit in PCI_UP or PCI_DOWN and
 * raises GPE 1; firmware's AML (_E01) would read the registers and Notify
 * the OS.  Caprock has no AML interpreter, so the SCI handler reads the
 * registers itself and records the slots; the NVMe units act on them from
 * the timer tick.  An orderly removal completes only when the OS writes
 * the slot's bit to the eject register, once it has let the device go.
 *
 * What this assumes (docs/aws.md): the register block at QEMU's fixed
 * port for the chipset (PIIX4 0xae00; ICH9 0x0cc4) and bus select 0 (the
 * root bus).  Real Nitro firmware's AML is not public: that its _E01
 * reads the same registers is not proven.
 */
#ifndef CAPROCK_ACPI_PCI_HOTPLUG_H
#define CAPROCK_ACPI_PCI_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>

/* Find the register block, enable GPE 1; a line either way.  After pci_init and power_button_init. */
int pci_hotplug_init(void);
bool pci_hotplug_available(void);
/* Slots (bit n: device n of bus 0) that got a device, and that want theirs removed, since the last take. */
void pci_hotplug_take(uint32_t *up, uint32_t *down);
/* The OS has let go of slot's device: QEMU unplugs it (and emits DEVICE_DELETED). */
void pci_hotplug_eject(unsigned int slot);

#endif
