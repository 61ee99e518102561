/*
 * kernel/pci/pcie_hotplug.h - PCIe native hot-plug on root and downstream
 * ports (PCIe Base 6.0 §6.7), the way q35 offers it with ICH9's ACPI
 * bridge hot-plug turned off.
 *
 * A device_add sets Presence Detect State and Changed in the port's Slot
 * Status; a device_del presses its Attention Button; the OS removes the
 * device by turning the slot's power off (Power Controller Control, power
 * indicator off), which QEMU answers with the unplug.  The slots are
 * polled from the timer tick (one configuration read per slot): no
 * interrupt of the port is used.
 */
#ifndef CAPROCK_PCI_PCIE_HOTPLUG_H
#define CAPROCK_PCI_PCIE_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>

enum pcie_hp_kind { PCIE_HP_ATTACH = 1, PCIE_HP_DETACH, PCIE_HP_GONE };

struct pcie_hp_event {
	uint8_t he_bus;			/* the slot's secondary bus; the device is 00.0 on it */
	enum pcie_hp_kind he_kind;	/* a device arrived, one should go, one went (presence lost) */
};

/* Find hot-plug capable slots, clear stale status; a line either way.  0 or CR_ENODEV. */
int pcie_hotplug_init(void);
/* Changes since the last poll, at most max; returns how many. */
unsigned int pcie_hotplug_poll(struct pcie_hp_event *ev, unsigned int max);
/* The device on bus has been let go: power its slot off (QEMU unplugs it).  False if no slot has that bus. */
bool pcie_hotplug_power_off(uint8_t bus);

#endif
