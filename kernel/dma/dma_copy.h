/*
 * kernel/dma/dma_copy.h - the copies and clears on the bounce lane's hot path.
 *
 * One place to make them as cheap as the platform allows (see
 * kernel/arch/x86_64/copy.S); correct for any length and alignment.
 */
#ifndef CAPROCK_DMA_DMA_COPY_H
#define CAPROCK_DMA_DMA_COPY_H

#include <stddef.h>

void dma_copy(void *dst, const void *src, size_t n);
void dma_zero(void *dst, size_t n);

#endif
