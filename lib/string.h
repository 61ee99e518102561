/*
 * lib/string.h - the C string functions, for freestanding and hosted builds.
 *
 * The kernel and user programs link lib/string.c; host tests use the C
 * library's versions (CAPROCK_HOSTED), so the two never collide.
 */
#ifndef CAPROCK_LIB_STRING_H
#define CAPROCK_LIB_STRING_H

#include <stddef.h>

#ifdef CAPROCK_HOSTED
#include <string.h>
#else
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

#endif
