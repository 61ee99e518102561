/*
 * lib/acpi_s5.c - find \_S5's sleep type values in DSDT/SSDT AML without an
 * interpreter (ACPI 6.5 §7.4.2 "\_Sx (System States)", §20 "ACPI Machine
 * Language Specification").
 *
 * The object is always a Name at the root holding a package of integers:
 *
 *   DefName    := NameOp(0x08) ['\'] "_S5_" DataRefObject
 *   DefPackage := PackageOp(0x12) PkgLength NumElements(byte) elements...
 *   DefVarPackage := VarPackageOp(0x13) PkgLength VarNumElements(integer) elements...
 *   PkgLength  := lead byte; bits 7:6 = count of bytes that follow (0..3);
 *                 with none, bits 5:0 are the length; otherwise bits 3:0 are
 *                 its low nibble, bits 5:4 must be 0, and each following byte
 *                 adds 8 more bits.  The length counts the PkgLength bytes.
 *   integers   := ZeroOp 0x00 | OneOp 0x01 | OnesOp 0xff | BytePrefix 0x0a b
 *                 | WordPrefix 0x0b w | DWordPrefix 0x0c d | QWordPrefix 0x0e q
 *
 * Element 0 is SLP_TYPa, element 1 SLP_TYPb (a one-element package serves
 * both).  SLP_TYP is a 3-bit field (§4.8.3.2.1), so a larger value is a
 * malformed table, not something to truncate.  The string "_S5_" may also
 * appear elsewhere (a reference, a method name fragment, data): a candidate
 * that does not parse is skipped and the scan goes on; only if no candidate
 * parses and one was malformed is the table reported malformed.
 */
#include "lib/acpi_tables.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/string.h"

#define AML_NAME_OP		0x08
#define AML_ROOT_CHAR		0x5c
#define AML_PACKAGE_OP		0x12
#define AML_VAR_PACKAGE_OP	0x13
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_ONES_OP		0xff
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define SLP_TYP_MAX		7

/* Decode a PkgLength at p[*i] (end = limit of readable bytes); sets *pkg_end. */
static int pkg_length(const uint8_t *p, size_t end, size_t *i, size_t *pkg_end)
{
	size_t start = *i;

	if (start >= end)
		return -1;
	uint8_t lead = p[start];
	unsigned extra = lead >> 6;
	uint32_t n;
	if (extra == 0) {
		n = lead & 0x3f;
	} else {
		if (lead & 0x30)
			return -1;	/* reserved bits of a multi-byte lead */
		if (end - start < 1 + (size_t)extra)
			return -1;
		n = lead & 0x0f;
		for (unsigned k = 0; k < extra; k++)
			n |= (uint32_t)p[start + 1 + k] << (4 + 8 * k);
	}
	*i = start + 1 + extra;
	if (n < 1 + extra || n > end - start)
		return -1;	/* shorter than itself, or beyond the table */
	*pkg_end = start + n;
	return 0;
}

/* An integer data object at p[*i] below end. */
static int aml_integer(const uint8_t *p, size_t end, size_t *i, uint64_t *v)
{
	size_t at = *i, width;

	if (at >= end)
		return -1;
	switch (p[at]) {
	case AML_ZERO_OP:	*v = 0; *i = at + 1; return 0;
	case AML_ONE_OP:	*v = 1; *i = at + 1; return 0;
	case AML_ONES_OP:	*v = UINT64_MAX; *i = at + 1; return 0;
	case AML_BYTE_PREFIX:	width = 1; break;
	case AML_WORD_PREFIX:	width = 2; break;
	case AML_DWORD_PREFIX:	width = 4; break;
	case AML_QWORD_PREFIX:	width = 8; break;
	default:		return -1;
	}
	if (end - at - 1 < width)
		return -1;
	*v = 0;
	for (size_t k = 0; k < width; k++)
		*v |= (uint64_t)p[at + 1 + k] << (8 * k);
	*i = at + 1 + width;
	return 0;
}

static int slp_typ(const uint8_t *p, size_t end, size_t *i, uint8_t *out)
{
	uint64_t v;

	if (aml_integer(p, end, i, &v) < 0 || v > SLP_TYP_MAX)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* The package at p[j] (just after "_S5_"): 0 with both values, or -1 if malformed. */
static int parse_s5_package(const uint8_t *p, size_t len, size_t j, uint8_t *a, uint8_t *b)
{
	size_t pkg_end;
	uint64_t count;

	if (j >= len || (p[j] != AML_PACKAGE_OP && p[j] != AML_VAR_PACKAGE_OP))
		return -1;
	bool var = p[j] == AML_VAR_PACKAGE_OP;
	j++;
	if (pkg_length(p, len, &j, &pkg_end) < 0)
		return -1;
	if (var) {
		if (aml_integer(p, pkg_end, &j, &count) < 0)
			return -1;
	} else {
		if (j >= pkg_end)
			return -1;
		count = p[j++];
	}
	if (count == 0 || slp_typ(p, pkg_end, &j, a) < 0)
		return -1;
	if (count == 1) {
		*b = *a;
		return 0;
	}
	return slp_typ(p, pkg_end, &j, b);
}

int acpi_find_s5(const void *aml_table, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	const uint8_t *p = aml_table;
	bool malformed = false;

	for (size_t i = sizeof(struct acpi_sdt_header); i + 4 <= len; i++) {
		if (memcmp(p + i, "_S5_", 4) != 0)
			continue;
		/* A definition: NameOp directly before, or NameOp then the root prefix. */
		bool named = (p[i - 1] == AML_NAME_OP) ||
			     (p[i - 1] == AML_ROOT_CHAR && p[i - 2] == AML_NAME_OP);
		if (!named)
			continue;
		uint8_t a, b;
		if (parse_s5_package(p, len, i + 4, &a, &b) == 0) {
			*slp_typa = a;
			*slp_typb = b;
			return 0;
		}
		malformed = true;
	}
	return malformed ? CR_EPROTO : CR_ENOENT;
}
