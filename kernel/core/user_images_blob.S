/*
 * kernel/core/user_images_blob.S - embed the user programs' ELF files.
 *
 * The Makefile builds them first and passes their directory with -Wa,-I.
 */
	.section .user_images, "a"

.macro IMAGE name
	.balign 16
	.globl user_image_\name\()_start
	.globl user_image_\name\()_end
user_image_\name\()_start:
	.incbin "\name\().elf"
user_image_\name\()_end:
.endm

	IMAGE hello
	IMAGE privtest
	IMAGE nvme
	IMAGE blk
	IMAGE tlbtest

	.section .note.GNU-stack, "", @progbits
