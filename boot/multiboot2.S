/*
 * boot/multiboot2.S - Multiboot2 header and entry (Multiboot2 Specification
 * 1.0, §3.1 "OS image format", §3.3 "I386 machine state").
 *
 * GRUB (grub.cfg: `multiboot2 /boot/kernel.elf <cmdline>`) finds the header
 * in the first 32 KiB of the file, 8-byte aligned, loads the ELF segments at
 * their physical addresses, and jumps to the ELF entry in 32-bit protected
 * mode with paging off, EAX = 0x36d76289 and EBX = the physical address of
 * the boot information (parsed by lib/multiboot2.c).  The GDTR and the stack
 * are undefined; boot/long_mode.S sets up both.  We ask for no framebuffer
 * and no EFI boot services, so GRUB leaves text mode alone and exits boot
 * services before the jump.
 */
#define MB2_HEADER_MAGIC	0xe85250d6
#define MB2_ARCH_I386		0
#define MB2_BOOTLOADER_MAGIC	0x36d76289

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* End tag (§3.1.3): type 0, flags 0, size 8. */
	.balign 8
	.short 0
	.short 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl mb2_start32
mb2_start32:
	cli
	cld
	movl %ebx, boot_handoff_info
	movl %eax, boot_handoff_magic	/* checked in C: anything but 0x36d76289 is refused */
	jmp boot_long_mode

	.section .note.GNU-stack, "", @progbits
