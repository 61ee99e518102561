/*
 * kernel/core/bootinfo.h - what the boot loader told us, copied into the kernel.
 *
 * The PVH start info (struct hvm_start_info, Xen public header
 * arch-x86/hvm/start_info.h) lives in loader memory that becomes ordinary
 * RAM; bootinfo_init copies the memory map and command line out of it first.
 */
#ifndef CAPROCK_CORE_BOOTINFO_H
#define CAPROCK_CORE_BOOTINFO_H

#include <stdint.h>

#define BOOT_MEMMAP_MAX		128
#define BOOT_CMDLINE_MAX	1024

enum boot_mem_type {
	BOOT_MEM_RAM = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_UNUSABLE = 5,
};

struct boot_mem_region {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct boot_info {
	struct boot_mem_region memmap[BOOT_MEMMAP_MAX];
	unsigned int nmemmap;
	char cmdline[BOOT_CMDLINE_MAX];
	int cmdline_truncated;
	uint64_t rsdp_phys;	/* 0 if the loader did not say */
};

extern struct boot_info boot_info;

/* Returns 0, or a negative error if the start info is unusable. */
int bootinfo_init(uint32_t start_info_phys);

#endif
