/*
 * kernel/core/memlayout.h - the kernel's virtual address map.
 *
 * Included by assembly and the linker script, so only #defines live here.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user space (per process)
 *   0xffff800000000000 ..                     direct map of all RAM (write-back)
 *   0xffffc00000000000 ..                     device MMIO window (uncached, 4 KiB pages)
 *   0xffffffff80000000 ..                     kernel image (mapped once, shared)
 */
#ifndef CAPROCK_MEMLAYOUT_H
#define CAPROCK_MEMLAYOUT_H

#define KERNEL_PHYS_BASE	0x200000
#define KERNEL_IMAGE_BASE	0xffffffff80000000
#define DIRECT_MAP_BASE		0xffff800000000000
#define MMIO_WINDOW_BASE	0xffffc00000000000
#define MMIO_WINDOW_SIZE	0x0000004000000000	/* 256 GiB of device mappings */

/* First PML4 slot of the kernel half; slots below it belong to user space. */
#define KERNEL_PML4_FIRST	256

/* User-space layout (see kernel/core/proc.c). */
#define USER_IMAGE_BASE		0x0000000000400000
#define USER_STACK_TOP		0x00007ffffff00000
#define USER_STACK_PAGES	16
#define USER_START_INFO		0x00007ffffff10000
#define USER_POOL_BASE		0x0000100000000000	/* shared mappings (pools, regions, rings) from here */
#define USER_MAP_ALIGN		0x200000		/* each one 2 MiB aligned, with a gap after it */
#define USER_SPACE_END		0x0000800000000000

#define PAGE_SIZE		4096
#define PAGE_SHIFT		12

#endif
