/*
 * lib/bits.h - small arithmetic helpers shared by kernel, user space and host.
 */
#ifndef CAPROCK_LIB_BITS_H
#define CAPROCK_LIB_BITS_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
/* align must be a power of two */
#define ALIGN_UP(x, align)	(((x) + ((align) - 1)) & ~((__typeof__(x))(align) - 1))
#define ALIGN_DOWN(x, align)	((x) & ~((__typeof__(x))(align) - 1))
#define IS_ALIGNED(x, align)	(((x) & ((align) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define BIT(n)			(1ull << (n))

static inline int is_power_of_two(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* a + b with overflow detection: returns 0 and sets *sum, or -1 on overflow. */
static inline int add_overflows_u64(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum) ? -1 : 0;
}

/* Little-endian loads from byte buffers of untrusted layout (no alignment assumed). */
static inline uint16_t load_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t load_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t load_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)load_le32(b) | ((uint64_t)load_le32(b + 4) << 32);
}

static inline void store_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline void store_le64(void *p, uint64_t v)
{
	store_le32(p, (uint32_t)v);
	store_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif
