/*
 * boot/pvh.S - PVH entry (Xen's "x86/HVM direct boot ABI", docs/misc/pvh.pandoc).
 *
 * QEMU's -kernel loader (and Xen, Firecracker, cloud-hypervisor) enters an
 * ELF kernel that carries a XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit flat
 * protected mode with paging off and %ebx holding the physical address of
 * struct hvm_start_info.  We record that and join the common path to long
 * mode (boot/long_mode.S).
 */
#define PVH_NOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578	/* struct hvm_start_info.magic: names the protocol to C */

	.section .note.pvh, "a", @note
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 8				/* descsz: QEMU reads a 64-bit entry */
	.long PVH_NOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, boot_handoff_info
	movl $HVM_START_MAGIC, boot_handoff_magic
	jmp boot_long_mode

	.section .note.GNU-stack, "", @progbits
