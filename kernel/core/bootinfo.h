/*
 * kernel/core/bootinfo.h - what the boot loader told us, copied into the kernel.
 *
 * Two protocols reach kernel_main: PVH (QEMU -kernel; struct hvm_start_info,
 * Xen public header arch-x86/hvm/start_info.h) and Multiboot2 (GRUB from
 * the disk image; lib/multiboot2.h).  Both leave their data in loader
 * memory that becomes ordinary RAM, so bootinfo_init copies the memory map,
 * the command line and (Multiboot2) the RSDP copy out of it before the
 * frame allocator starts.
 */
#ifndef CAPROCK_CORE_BOOTINFO_H
#define CAPROCK_CORE_BOOTINFO_H

#include <stdint.h>

#define BOOT_MEMMAP_MAX		256
#define BOOT_CMDLINE_MAX	1024
#define BOOT_LOADER_NAME_MAX	64
#define BOOT_RSDP_COPY_MAX	36

enum boot_mem_type {
	BOOT_MEM_RAM = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_UNUSABLE = 5,
};

enum boot_protocol {
	BOOT_PROTOCOL_PVH,
	BOOT_PROTOCOL_MULTIBOOT2,
};

struct boot_mem_region {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct boot_info {
	enum boot_protocol protocol;
	struct boot_mem_region memmap[BOOT_MEMMAP_MAX];
	unsigned int nmemmap;
	char cmdline[BOOT_CMDLINE_MAX];
	int cmdline_truncated;
	char loader_name[BOOT_LOADER_NAME_MAX];	/* Multiboot2 tag 2, "" if none */
	uint64_t rsdp_phys;	/* PVH: where the RSDP is; 0 if the loader did not say */
	/* Multiboot2: the loader's copy of the RSDP (tag 15 preferred over 14), and where it was. */
	uint8_t rsdp_copy[BOOT_RSDP_COPY_MAX];
	uint32_t rsdp_copy_len;
	uint64_t rsdp_copy_phys;
};

extern struct boot_info boot_info;

/*
 * info_phys and magic are what the 32-bit entry found in EBX and EAX (PVH:
 * the start info and its magic).  Returns 0, or a negative error with an
 * error line if the hand-off is unusable.
 */
int bootinfo_init(uint32_t info_phys, uint32_t magic);
const char *boot_protocol_name(enum boot_protocol p);

#endif
