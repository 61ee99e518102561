/*
 * kernel/arch/x86_64/copy_sse.S - 64 bytes per step in unaligned 16-byte
 * moves (see copy_variants.h).  The kernel runs with a process's XMM state
 * live in the registers, so xmm0-xmm3 are saved on the stack and restored.
 *
 * void copy_sse(void *dst, const void *src, size_t n)	rdi, rsi, rdx
 * void zero_sse(void *dst, size_t n)			rdi, rsi
 */
	.text

	.globl	copy_sse
	.type	copy_sse, @function
copy_sse:
	sub	$64, %rsp
	movdqu	%xmm0, 0(%rsp)
	movdqu	%xmm1, 16(%rsp)
	movdqu	%xmm2, 32(%rsp)
	movdqu	%xmm3, 48(%rsp)
	mov	%rdx, %rcx
	shr	$6, %rcx
	jz	2f
1:	movdqu	0(%rsi), %xmm0
	movdqu	16(%rsi), %xmm1
	movdqu	32(%rsi), %xmm2
	movdqu	48(%rsi), %xmm3
	movdqu	%xmm0, 0(%rdi)
	movdqu	%xmm1, 16(%rdi)
	movdqu	%xmm2, 32(%rdi)
	movdqu	%xmm3, 48(%rdi)
	add	$64, %rsi
	add	$64, %rdi
	dec	%rcx
	jnz	1b
2:	mov	%rdx, %rcx
	and	$63, %rcx
	shr	$3, %rcx
	jz	4f
3:	mov	(%rsi), %rax
	mov	%rax, (%rdi)
	add	$8, %rsi
	add	$8, %rdi
	dec	%rcx
	jnz	3b
4:	mov	%rdx, %rcx
	and	$7, %rcx
	jz	6f
5:	movb	(%rsi), %al
	movb	%al, (%rdi)
	inc	%rsi
	inc	%rdi
	dec	%rcx
	jnz	5b
6:	movdqu	0(%rsp), %xmm0
	movdqu	16(%rsp), %xmm1
	movdqu	32(%rsp), %xmm2
	movdqu	48(%rsp), %xmm3
	add	$64, %rsp
	ret
	.size	copy_sse, . - copy_sse

	.globl	zero_sse
	.type	zero_sse, @function
zero_sse:
	sub	$16, %rsp
	movdqu	%xmm0, 0(%rsp)
	pxor	%xmm0, %xmm0
	mov	%rsi, %rcx
	shr	$6, %rcx
	jz	2f
1:	movdqu	%xmm0, 0(%rdi)
	movdqu	%xmm0, 16(%rdi)
	movdqu	%xmm0, 32(%rdi)
	movdqu	%xmm0, 48(%rdi)
	add	$64, %rdi
	dec	%rcx
	jnz	1b
2:	mov	%rsi, %rcx
	and	$63, %rcx
	jz	4f
3:	movb	$0, (%rdi)
	inc	%rdi
	dec	%rcx
	jnz	3b
4:	movdqu	0(%rsp), %xmm0
	add	$16, %rsp
	ret
	.size	zero_sse, . - zero_sse

	.section .note.GNU-stack, "", @progbits
