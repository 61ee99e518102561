/*
 * kernel/dma/dma_copy.h - the copies and clears on the bounce lane's hot path.
 *
 * One place to make them as cheap as the platform allows: the variant is
 * chosen at boot by measurement (kernel/arch/x86_64/copy.c); every one is
 * correct for any length and alignment.
 */
#ifndef CAPROCK_DMA_DMA_COPY_H
#define CAPROCK_DMA_DMA_COPY_H

#include <stddef.h>

#include "lib/cmdline.h"

void dma_copy(void *dst, const void *src, size_t n);
void dma_zero(void *dst, size_t n);
/* dma.copy=: auto times every variant and takes the fastest; prints what it chose. */
void dma_copy_choose(enum dma_copy_choice choice);

#endif
