/*
 * kernel/core/bootinfo.c - parse the PVH start info (x86/HVM direct boot ABI).
 *
 * Runs on the boot page tables, where the first GiB of physical memory is
 * reachable through the direct-map base.
 */
#include "kernel/core/bootinfo.h"

#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "lib/string.h"

#define HVM_START_MAGIC 0x336ec578
#define BOOT_LOW_LIMIT	0x40000000ull	/* reachable before paging_init */

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

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");

struct boot_info boot_info;

static const void *low_phys(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa >= BOOT_LOW_LIMIT || len > BOOT_LOW_LIMIT - pa)
		return NULL;
	return (const void *)(DIRECT_MAP_BASE + pa);
}

int bootinfo_init(uint32_t start_info_phys)
{
	const struct hvm_start_info *si = low_phys(start_info_phys, sizeof(*si));

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
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (boot_info.nmemmap == BOOT_MEMMAP_MAX) {
			kerror("boot: error memory map has more than %d entries; rest ignored", BOOT_MEMMAP_MAX);
			break;
		}
		boot_info.memmap[boot_info.nmemmap++] = (struct boot_mem_region){
			mm[i].addr, mm[i].size, mm[i].type };
	}
	return 0;
}
