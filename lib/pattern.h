/*
 * lib/pattern.h - the write pattern of DESIGN.md §2.
 *
 * The 64-bit little-endian word at absolute byte offset 8*k of a namespace
 * is splitmix64(SEED ^ k), so data written to the wrong place never
 * verifies.
 */
#ifndef CAPROCK_LIB_PATTERN_H
#define CAPROCK_LIB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

uint64_t splitmix64(uint64_t x);

/* Fill len bytes (a multiple of 8) for namespace byte offset off (a multiple of 8). */
void pattern_fill(void *buf, uint64_t off, size_t len, uint64_t seed);

/* Index of the first word that differs from the pattern, or -1 if all match. */
long pattern_check(const void *buf, uint64_t off, size_t len, uint64_t seed);

#endif
