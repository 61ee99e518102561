/*
 * kernel/arch/x86_64/copy.c - dma_copy and dma_zero (kernel/dma/dma_copy.h).
 */
#include "kernel/dma/dma_copy.h"

#include "lib/string.h"

void dma_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void dma_zero(void *dst, size_t n)
{
	memset(dst, 0, n);
}
