/*
 * lib/multiboot2.c - bounds-checked Multiboot2 boot information parser
 * (Multiboot2 Specification 1.0, §3.6; see multiboot2.h).
 */
#include "lib/multiboot2.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/string.h"

#define MB2_FIXED_LEN	8	/* total_size, reserved */
#define MB2_TAG_HDR	8	/* type, size */
#define MB2_MMAP_HDR	16	/* tag header, entry_size, entry_version */

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return CR_EPROTO;
}

/* A string tag's payload must hold its terminating NUL. */
static const char *tag_string(const uint8_t *tag, uint32_t size)
{
	const uint8_t *s = tag + MB2_TAG_HDR;

	for (uint32_t i = 0; i < size - MB2_TAG_HDR; i++) {
		if (s[i] == 0)
			return (const char *)s;
	}
	return NULL;
}

static int parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out, const char **why)
{
	if (size < MB2_MMAP_HDR)
		return fail(why, "mb2-mmap-truncated");
	uint32_t esize = load_le32(tag + 8);
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8)
		return fail(why, "mb2-mmap-bad-entry-size");
	if ((size - MB2_MMAP_HDR) % esize)
		return fail(why, "mb2-mmap-ragged");
	out->mmap = tag + MB2_MMAP_HDR;
	out->mmap_entry_size = esize;
	out->mmap_count = (size - MB2_MMAP_HDR) / esize;
	return 0;
}

static int parse_rsdp(const uint8_t *tag, uint32_t size, bool is_new, struct mb2_info *out,
		      const char **why)
{
	uint32_t n = size - MB2_TAG_HDR;

	if (n < (is_new ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN))
		return fail(why, "mb2-rsdp-truncated");
	/* The ACPI 2.0 copy wins over the 1.0 copy, whatever their order. */
	if (out->rsdp && out->rsdp_is_new && !is_new)
		return 0;
	out->rsdp = tag + MB2_TAG_HDR;
	out->rsdp_len = n;
	out->rsdp_is_new = is_new;
	return 0;
}

static int parse_tag(uint32_t type, const uint8_t *tag, uint32_t size, struct mb2_info *out,
		     const char **why)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		if (out->cmdline)
			return fail(why, "mb2-duplicate-cmdline");
		if (!(out->cmdline = tag_string(tag, size)))
			return fail(why, "mb2-cmdline-unterminated");
		return 0;
	case MB2_TAG_LOADER_NAME:
		if (out->loader_name)
			return fail(why, "mb2-duplicate-loader-name");
		if (!(out->loader_name = tag_string(tag, size)))
			return fail(why, "mb2-loader-name-unterminated");
		return 0;
	case MB2_TAG_MMAP:
		if (out->mmap)
			return fail(why, "mb2-duplicate-mmap");
		return parse_mmap(tag, size, out, why);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return parse_rsdp(tag, size, type == MB2_TAG_ACPI_NEW, out, why);
	case MB2_TAG_EFI_BS:
		out->efi_boot_services = true;
		return 0;
	case MB2_TAG_FRAMEBUFFER:
		out->framebuffer = true;
		return 0;
	default:
		return 0;	/* modules, ELF sections, SMBIOS, EFI pointers...: not needed */
	}
}

int mb2_parse(const void *p, size_t avail, struct mb2_info *out, const char **why)
{
	const uint8_t *b = p;

	memset(out, 0, sizeof(*out));
	if (avail < MB2_FIXED_LEN)
		return fail(why, "mb2-truncated");
	uint32_t total = load_le32(b);
	if (total < MB2_FIXED_LEN + MB2_TAG_HDR)
		return fail(why, "mb2-total-size-too-small");
	if (total > avail)
		return fail(why, "mb2-total-size-exceeds-mapping");
	out->total_size = total;

	size_t off = MB2_FIXED_LEN;
	while (total - off >= MB2_TAG_HDR) {
		uint32_t type = load_le32(b + off), size = load_le32(b + off + 4);
		if (size < MB2_TAG_HDR)
			return fail(why, "mb2-tag-too-small");
		if (size > total - off)
			return fail(why, "mb2-tag-overruns-info");
		if (type == MB2_TAG_END) {
			if (size != MB2_TAG_HDR)
				return fail(why, "mb2-end-tag-bad-size");
			return 0;
		}
		int rc = parse_tag(type, b + off, size, out, why);
		if (rc < 0)
			return rc;
		out->ntags++;
		off += ALIGN_UP((size_t)size, 8);	/* the next tag starts 8-byte aligned */
		if (off > total)
			break;
	}
	return fail(why, "mb2-no-end-tag");
}

void mb2_mmap_entry(const struct mb2_info *info, uint32_t i, struct mb2_mmap_entry *out)
{
	const uint8_t *e = info->mmap + (size_t)i * info->mmap_entry_size;

	out->base = load_le64(e);
	out->length = load_le64(e + 8);
	out->type = load_le32(e + 16);
}
