/*
 * kernel/core/bootinfo.c - copy the boot loader's hand-off into boot_info:
 * the PVH start info (x86/HVM direct boot ABI) or the Multiboot2 boot
 * information (Multiboot2 Specification §3.6, parsed by lib/multiboot2.c).
 *
 * Runs on the boot page tables (boot/long_mode.S), where the first 4 GiB of
 * physical memory are reachable through the direct-map base: GRUB may put
 * the Multiboot2 information anywhere below 4 GiB.
 */
#include "kernel/core/bootinfo.h"

#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "lib/multiboot2.h"
#include "lib/string.h"

#define HVM_START_MAGIC 0x336ec578
#define BOOT_LOW_LIMIT	0x100000000ull	/* reachable before paging_init */
#define MB2_INFO_MAX	(1u << 20)	/* no loader builds a larger information structure */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version >= 1 */
	uint32_t memmap_entries;	/* version >= 1 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_paddr) == 40, "hvm_start_info layout");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");

struct boot_info boot_info;

const char *boot_protocol_name(enum boot_protocol p)
{
	return p == BOOT_PROTOCOL_MULTIBOOT2 ? "multiboot2" : "pvh";
}

static const void *low_phys(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa >= BOOT_LOW_LIMIT || len > BOOT_LOW_LIMIT - pa)
		return NULL;
	return (const void *)(DIRECT_MAP_BASE + pa);
}

static void add_region(uint64_t addr, uint64_t size, uint32_t type)
{
	static int overflow_reported;
	struct boot_mem_region *last = boot_info.nmemmap ? &boot_info.memmap[boot_info.nmemmap - 1] : NULL;

	/*
	 * GRUB on UEFI turns the EFI memory map into Multiboot2 entries one for
	 * one: runs of boot-services code, data and free memory become adjacent
	 * "available" entries.  Merge those so a large map still fits.
	 */
	if (last && last->type == type && last->addr + last->size == addr) {
		last->size += size;
		return;
	}
	if (boot_info.nmemmap == BOOT_MEMMAP_MAX) {
		if (!overflow_reported++)
			kerror("boot: error memory map has more than %d entries; rest ignored", BOOT_MEMMAP_MAX);
		return;
	}
	boot_info.memmap[boot_info.nmemmap++] = (struct boot_mem_region){ addr, size, type };
}

/* Copy a NUL-terminated string of at most max-1 bytes; returns whether it was cut. */
static int copy_string(char *dst, size_t max, const char *src)
{
	size_t n = 0;

	while (n < max - 1 && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return src[n] != '\0';
}

static int pvh_init(uint32_t start_info_phys)
{
	const struct hvm_start_info *si = low_phys(start_info_phys, sizeof(*si));

	boot_info.protocol = BOOT_PROTOCOL_PVH;
	if (!si || si->magic != HVM_START_MAGIC) {
		kerror("boot: error start info missing or bad magic phys=0x%x", start_info_phys);
		return CR_EINVAL;
	}
	if (si->cmdline_paddr) {
		const char *cl = low_phys(si->cmdline_paddr, 1);
		if (cl) {
			size_t n = 0;
			while (n < BOOT_CMDLINE_MAX - 1 && low_phys(si->cmdline_paddr + n, 1) && cl[n])
				n++;
			memcpy(boot_info.cmdline, cl, n);
			boot_info.cmdline[n] = '\0';
			boot_info.cmdline_truncated = cl[n] != '\0';
		}
	}
	boot_info.rsdp_phys = si->rsdp_paddr;
	if (si->version < 1 || si->memmap_entries == 0) {
		kerror("boot: error start info version=%u has no memory map", si->version);
		return CR_EINVAL;
	}
	const struct hvm_memmap_table_entry *mm =
		low_phys(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*mm));
	if (!mm) {
		kerror("boot: error memory map unreachable phys=0x%lx", si->memmap_paddr);
		return CR_EINVAL;
	}
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		add_region(mm[i].addr, mm[i].size, mm[i].type);
	return 0;
}

/* Multiboot2 memory types 1..5 are ours (boot_mem_type); anything else is reserved. */
static uint32_t mb2_mem_type(uint32_t t)
{
	return t >= MB2_MEM_AVAILABLE && t <= MB2_MEM_BAD ? t : BOOT_MEM_RESERVED;
}

static int multiboot2_init(uint32_t info_phys)
{
	const uint32_t *hdr = low_phys(info_phys, 8);
	struct mb2_info info;
	const char *why = "unreachable";

	boot_info.protocol = BOOT_PROTOCOL_MULTIBOOT2;
	uint32_t total = hdr ? hdr[0] : 0;
	const void *mbi = hdr && total <= MB2_INFO_MAX ? low_phys(info_phys, total) : NULL;
	if (hdr && total > MB2_INFO_MAX)
		why = "implausible-size";
	if (!mbi || mb2_parse(mbi, total, &info, &why) < 0) {
		kerror("boot: error multiboot2 information unusable phys=0x%x reason=%s", info_phys, why);
		return CR_EINVAL;
	}
	if (info.efi_boot_services) {
		kerror("boot: error loader left EFI boot services running (the kernel does not ask for them)");
		return CR_EINVAL;
	}
	if (info.cmdline)
		boot_info.cmdline_truncated = copy_string(boot_info.cmdline, BOOT_CMDLINE_MAX, info.cmdline);
	if (info.loader_name)
		copy_string(boot_info.loader_name, BOOT_LOADER_NAME_MAX, info.loader_name);
	if (info.rsdp) {
		boot_info.rsdp_copy_len = info.rsdp_len < BOOT_RSDP_COPY_MAX ? info.rsdp_len : BOOT_RSDP_COPY_MAX;
		memcpy(boot_info.rsdp_copy, info.rsdp, boot_info.rsdp_copy_len);
		boot_info.rsdp_copy_phys = info_phys + (uint64_t)(info.rsdp - (const uint8_t *)mbi);
	}
	if (!info.mmap || info.mmap_count == 0) {
		kerror("boot: error multiboot2 information has no memory map");
		return CR_EINVAL;
	}
	for (uint32_t i = 0; i < info.mmap_count; i++) {
		struct mb2_mmap_entry e;
		mb2_mmap_entry(&info, i, &e);
		add_region(e.base, e.length, mb2_mem_type(e.type));
	}
	return 0;
}

int bootinfo_init(uint32_t info_phys, uint32_t magic)
{
	if (magic == MB2_BOOTLOADER_MAGIC)
		return multiboot2_init(info_phys);
	if (magic == HVM_START_MAGIC)
		return pvh_init(info_phys);
	kerror("boot: error unknown boot protocol magic=0x%x info=0x%x", magic, info_phys);
	return CR_EINVAL;
}
