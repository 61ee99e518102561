/*
 * tests/host/acpi_table_builder.h - ACPI table images grown byte by byte for
 * the host tests (little-endian as firmware lays them out), with the
 * checksum fixed at the end, and exact-size heap copies so that
 * AddressSanitizer reports any read past the stated length.
 *
 * Included by one test file at a time: everything is static.
 */
#ifndef CAPROCK_TESTS_ACPI_TABLE_BUILDER_H
#define CAPROCK_TESTS_ACPI_TABLE_BUILDER_H

#include <stdlib.h>
#include <string.h>

#include "lib/acpi_tables.h"


/* A table image grown byte by byte, little-endian as firmware lays it out. */
struct tb {
	uint8_t b[2048];
	size_t n;
};

static inline void put8(struct tb *t, uint8_t v)
{
	assert_true(t->n < sizeof(t->b));
	t->b[t->n++] = v;
}

static inline void put16(struct tb *t, uint16_t v)
{
	put8(t, (uint8_t)v);
	put8(t, (uint8_t)(v >> 8));
}

static inline void put32(struct tb *t, uint32_t v)
{
	put16(t, (uint16_t)v);
	put16(t, (uint16_t)(v >> 16));
}

static inline void put64(struct tb *t, uint64_t v)
{
	put32(t, (uint32_t)v);
	put32(t, (uint32_t)(v >> 32));
}

static inline void putn(struct tb *t, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(t, ((const uint8_t *)p)[i]);
}

static inline void zeros(struct tb *t, size_t n)
{
	while (n--)
		put8(t, 0);
}

static inline void set16(struct tb *t, size_t off, uint16_t v)
{
	t->b[off] = (uint8_t)v;
	t->b[off + 1] = (uint8_t)(v >> 8);
}

static inline void set32(struct tb *t, size_t off, uint32_t v)
{
	set16(t, off, (uint16_t)v);
	set16(t, off + 2, (uint16_t)(v >> 16));
}

static inline void set64(struct tb *t, size_t off, uint64_t v)
{
	set32(t, off, (uint32_t)v);
	set32(t, off + 4, (uint32_t)(v >> 32));
}

/* The byte that makes b[0..n) sum to zero when stored at b[at]. */
static inline void fix_checksum(uint8_t *b, size_t n, size_t at)
{
	uint8_t sum = 0;

	b[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	b[at] = (uint8_t)(0x100 - sum);
}

/* Start a table: a 36-byte SDT header with length and checksum to be fixed. */
static inline void sdt_begin(struct tb *t, const char sig[4], uint8_t revision)
{
	t->n = 0;
	memset(t->b, 0, sizeof(t->b));
	putn(t, sig, 4);
	put32(t, 0);			/* length, set by sdt_end */
	put8(t, revision);
	put8(t, 0);			/* checksum, set by sdt_end */
	putn(t, "CAPRCK", 6);
	putn(t, "TESTTABL", 8);
	put32(t, 1);
	put32(t, 0x4c4c4548);
	put32(t, 1);
	assert_int_equal(t->n, sizeof(struct acpi_sdt_header));
}

/* Set the header's length to the bytes written so far and fix the checksum. */
static inline size_t sdt_end(struct tb *t)
{
	set32(t, 4, (uint32_t)t->n);
	fix_checksum(t->b, t->n, 9);
	assert_true(acpi_checksum_ok(t->b, t->n));
	return t->n;
}

/*
 * An exact-size heap copy of src[0..n): parsers get only the bytes they are
 * told about, so AddressSanitizer reports any read past the stated length.
 * The previous copy is released on the next call.
 */
static inline const void *exact(const void *src, size_t n)
{
	static void *copy;

	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, src, n);
	return copy;
}


/* ------------------------------------------------------------ DMAR (VT-d §8) */

static inline void dmar_begin(struct tb *t, uint8_t haw, uint8_t flags)
{
	sdt_begin(t, "DMAR", 1);
	put8(t, haw);
	put8(t, flags);
	zeros(t, 10);
}

/* Open a remapping structure; returns its offset for dmar_close. */
static inline size_t drhd_open(struct tb *t, uint8_t flags, uint16_t segment, uint64_t base)
{
	size_t at = t->n;

	put16(t, DMAR_TYPE_DRHD);
	put16(t, 0);
	put8(t, flags);
	put8(t, 0);
	put16(t, segment);
	put64(t, base);
	return at;
}

static inline size_t rmrr_open(struct tb *t, uint16_t segment, uint64_t base, uint64_t limit)
{
	size_t at = t->n;

	put16(t, DMAR_TYPE_RMRR);
	put16(t, 0);
	put16(t, 0);
	put16(t, segment);
	put64(t, base);
	put64(t, limit);
	return at;
}

static inline void dmar_close(struct tb *t, size_t at)
{
	set16(t, at + 2, (uint16_t)(t->n - at));
}

/* A device scope with npath (device, function) pairs from path[]. */
static inline void scope(struct tb *t, uint8_t type, uint8_t enum_id, uint8_t bus,
		  const uint8_t *path, size_t npath)
{
	put8(t, type);
	put8(t, (uint8_t)(6 + 2 * npath));
	put8(t, 0);
	put8(t, 0);
	put8(t, enum_id);
	put8(t, bus);
	putn(t, path, 2 * npath);
}


#endif
