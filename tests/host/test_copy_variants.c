/*
 * tests/host/test_copy_variants.c - every copy and clear variant the bounce
 * lane may choose (kernel/arch/x86_64/copy_variants.h): exact for every
 * length and both alignments, nothing written outside the destination, and
 * the SSE one leaves the caller's XMM registers as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "kernel/arch/x86_64/copy_variants.h"

#define UNUSED __attribute__((unused))
#define GUARD 64
#define MAXN (65536 + 77)

static uint8_t src_buf[MAXN + 2 * GUARD + 16], dst_buf[MAXN + 2 * GUARD + 16];

static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 127, 128, 129, 255, 511, 512, 4095,
				4096, 4097, 8191, 65536, 65536 + 77 };

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void check_copy(const struct copy_variant *v, size_t n, size_t soff, size_t doff)
{
	uint8_t *s = src_buf + GUARD + soff, *d = dst_buf + GUARD + doff;

	fill(src_buf, sizeof(src_buf), (uint32_t)(n * 31 + soff * 7 + doff));
	memset(dst_buf, 0xa5, sizeof(dst_buf));
	v->cv_copy(d, s, n);
	if (memcmp(d, s, n) != 0)
		fail_msg("%s copy n=%zu src+%zu dst+%zu: wrong bytes", v->cv_name, n, soff, doff);
	for (uint8_t *p = d - GUARD; p < d + n + GUARD; p = p == d - 1 ? d + n : p + 1) {
		if (*p != 0xa5)
			fail_msg("%s copy n=%zu src+%zu dst+%zu: wrote outside at %td", v->cv_name, n, soff, doff, p - d);
	}
}

static void check_zero(const struct copy_variant *v, size_t n, size_t doff)
{
	uint8_t *d = dst_buf + GUARD + doff;

	memset(dst_buf, 0xa5, sizeof(dst_buf));
	v->cv_zero(d, n);
	for (uint8_t *p = d - GUARD; p < d + n + GUARD; p++) {
		uint8_t want = p >= d && p < d + n ? 0 : 0xa5;
		if (*p != want)
			fail_msg("%s zero n=%zu dst+%zu: byte at %td is 0x%02x", v->cv_name, n, doff, p - d, *p);
	}
}

static void test_every_variant_copies_exactly(void **state UNUSED)
{
	for (unsigned v = 0; v < COPY_NVARIANTS; v++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (size_t soff = 0; soff < 16; soff += (sizes[i] > 4096 ? 5 : 1))
				for (size_t doff = 0; doff < 16; doff += (sizes[i] > 4096 ? 7 : 1))
					check_copy(&copy_variants[v], sizes[i], soff, doff);
}

static void test_every_variant_zeroes_exactly(void **state UNUSED)
{
	for (unsigned v = 0; v < COPY_NVARIANTS; v++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (size_t doff = 0; doff < 16; doff++)
				check_zero(&copy_variants[v], sizes[i], doff);
}

static void test_names_are_distinct(void **state UNUSED)
{
	for (unsigned a = 0; a < COPY_NVARIANTS; a++) {
		assert_non_null(copy_variants[a].cv_name);
		assert_non_null(copy_variants[a].cv_copy);
		assert_non_null(copy_variants[a].cv_zero);
		for (unsigned b = a + 1; b < COPY_NVARIANTS; b++)
			assert_string_not_equal(copy_variants[a].cv_name, copy_variants[b].cv_name);
	}
}

/*
 * xmm_probe(in, out, fn, dst, src, n): load xmm0-3 from in, call fn(dst, src, n), store xmm0-3 to out.
 * Written in assembly so that nothing the compiler emits touches the registers in between.
 */
void xmm_probe(const uint8_t *in, uint8_t *out, void (*fn)(void *, const void *, size_t), void *dst,
	       const void *src, size_t n);
__asm__(".text\n"
	".globl xmm_probe\n"
	"xmm_probe:\n"
	"	push %rbx\n"
	"	mov %rsi, %rbx\n"
	"	movdqu 0(%rdi), %xmm0\n"
	"	movdqu 16(%rdi), %xmm1\n"
	"	movdqu 32(%rdi), %xmm2\n"
	"	movdqu 48(%rdi), %xmm3\n"
	"	mov %rdx, %rax\n"
	"	mov %rcx, %rdi\n"
	"	mov %r8, %rsi\n"
	"	mov %r9, %rdx\n"
	"	call *%rax\n"
	"	movdqu %xmm0, 0(%rbx)\n"
	"	movdqu %xmm1, 16(%rbx)\n"
	"	movdqu %xmm2, 32(%rbx)\n"
	"	movdqu %xmm3, 48(%rbx)\n"
	"	pop %rbx\n"
	"	ret\n");

static void zero_as_copy(void *dst, const void *src, size_t n)
{
	(void)src;
	zero_sse(dst, n);
}

static void test_sse_keeps_the_callers_registers(void **state UNUSED)
{
	uint8_t in[64], out[64];

	fill(in, sizeof(in), 99);
	fill(src_buf, 1000, 7);
	xmm_probe(in, out, copy_sse, dst_buf + 3, src_buf + 1, 1000);
	assert_memory_equal(in, out, sizeof(in));
	assert_memory_equal(dst_buf + 3, src_buf + 1, 1000);
	memset(out, 0, sizeof(out));
	xmm_probe(in, out, zero_as_copy, dst_buf, NULL, 999);
	assert_memory_equal(in, out, sizeof(in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_variant_copies_exactly),
		cmocka_unit_test(test_every_variant_zeroes_exactly),
		cmocka_unit_test(test_names_are_distinct),
		cmocka_unit_test(test_sse_keeps_the_callers_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
