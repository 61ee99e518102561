/*
 * lib/multiboot2.h - the Multiboot2 boot information a loader (GRUB) hands
 * the kernel, parsed from bytes (Multiboot2 Specification 1.0, §3.6).
 *
 * The kernel's 32-bit entry (boot/multiboot2.S) receives EAX =
 * MB2_BOOTLOADER_MAGIC and EBX = the physical address of this structure:
 * a u32 total_size, a u32 reserved, then tags (u32 type, u32 size, payload)
 * each starting on an 8-byte boundary, ending with a type-0 tag of size 8.
 * The parser trusts nothing: every size is checked against total_size and
 * total_size against the bytes really there.  Pointers in struct mb2_info
 * point into the caller's buffer.
 */
#ifndef CAPROCK_LIB_MULTIBOOT2_H
#define CAPROCK_LIB_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_HEADER_MAGIC	0xe85250d6u	/* in the kernel image (§3.1.1) */
#define MB2_BOOTLOADER_MAGIC	0x36d76289u	/* in EAX at entry (§3.3) */
#define MB2_ARCH_I386		0		/* 32-bit protected mode entry */

/* Header tags (§3.1.3). */
#define MB2_HTAG_END		0
#define MB2_HTAG_INFO_REQUEST	1

/* Boot information tags (§3.6). */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_BOOTDEV		5
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_ACPI_OLD	14	/* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW	15	/* a copy of the ACPI 2.0+ RSDP */
#define MB2_TAG_EFI_MMAP	17
#define MB2_TAG_EFI_BS		18	/* boot services were left running */

/* Memory map entry types (§3.6.8); anything else is reserved. */
#define MB2_MEM_AVAILABLE	1
#define MB2_MEM_RESERVED	2
#define MB2_MEM_ACPI		3
#define MB2_MEM_NVS		4
#define MB2_MEM_BAD		5

#define MB2_MMAP_ENTRY_MIN	24	/* base u64, length u64, type u32, reserved u32 */
#define MB2_RSDP_V1_LEN		20
#define MB2_RSDP_V2_LEN		36

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

struct mb2_info {
	uint32_t total_size;
	const char *cmdline;		/* NUL-terminated within its tag; NULL if no tag */
	const char *loader_name;	/* likewise */
	const uint8_t *mmap;		/* first entry; NULL if no memory map tag */
	uint32_t mmap_entry_size;
	uint32_t mmap_count;
	const uint8_t *rsdp;		/* the RSDP copy: the new one when both are given */
	uint32_t rsdp_len;
	bool rsdp_is_new;
	bool efi_boot_services;		/* tag 18: the loader did not call ExitBootServices */
	bool framebuffer;		/* a framebuffer tag was present (ignored) */
	unsigned int ntags;		/* tags before the end tag */
};

/*
 * Parse the boot information at p, of which avail bytes are readable.
 * Returns 0, or CR_EPROTO with *why naming the defect.
 */
int mb2_parse(const void *p, size_t avail, struct mb2_info *out, const char **why);

/* Memory map entry i (< info->mmap_count). */
void mb2_mmap_entry(const struct mb2_info *info, uint32_t i, struct mb2_mmap_entry *out);

#endif
