/*
 * tests/fuzz/fuzz_pci_decode.c - libFuzzer harness for lib/pci_decode.c.
 *
 * Configuration space is written by the device: the input becomes a
 * 256-byte configuration image (zero-padded), read through a reader that
 * enforces the pci_cfg_reader contract (width 1, 2 or 4, aligned, inside
 * the 256 bytes) and bounds the number of reads.  The capability walk, the
 * MSI-X decode and BAR decoding run on it.
 */
#include <string.h>

#include "lib/pci_decode.h"
#include "lib/pci_reg.h"
#include "tests/fuzz/fuzz_common.h"

#define CFG_BYTES 256

struct cfg {
	uint8_t b[CFG_BYTES];
	unsigned reads;
};

static uint32_t cfg_read(void *ctx, uint16_t off, unsigned width)
{
	struct cfg *c = ctx;
	uint32_t v = 0;

	CHECK(width == 1 || width == 2 || width == 4);
	CHECK(off % width == 0);
	CHECK(off + width <= CFG_BYTES);
	c->reads++;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)c->b[off + i] << (8 * i);
	return v;
}

static void check_msix(const struct pci_cfg_reader *r, uint8_t cap)
{
	struct pci_msix_info m;

	if (!pci_read_msix(r, cap, &m))
		return;
	CHECK(cap >= 0x40 && cap <= 0xf4 && cap % 4 == 0);
	CHECK(m.table_size >= 1 && m.table_size <= 2048);
	CHECK(m.table_bir <= 5 && m.pba_bir <= 5);
	CHECK((m.table_offset & 7) == 0 && (m.pba_offset & 7) == 0);
}

static void check_bar(uint32_t lo, uint32_t lo_probe, uint32_t hi, uint32_t hi_probe)
{
	struct pci_bar b = pci_decode_bar(lo, lo_probe, hi, hi_probe);

	switch (b.kind) {
	case PCI_BAR_NONE:
		CHECK(b.size == 0 && b.base == 0);
		break;
	case PCI_BAR_IO:
		CHECK(lo & PCI_BAR_IO);
		CHECK(b.size >= 4 && (b.size & (b.size - 1)) == 0);
		CHECK(b.base <= 0xffffffffu);
		break;
	case PCI_BAR_MEM32:
		CHECK(!(lo & PCI_BAR_IO));
		CHECK(b.size >= 16 && (b.size & (b.size - 1)) == 0 && b.size <= 0x80000000u);
		CHECK(b.base <= 0xffffffffu && (b.base & 0xf) == 0);
		break;
	case PCI_BAR_MEM64:
		CHECK(!(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64);
		CHECK(b.size >= 16 && (b.size & (b.size - 1)) == 0);
		CHECK((b.base & 0xf) == 0);
		break;
	default:
		CHECK(0);	/* decode never reports the upper half itself */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg c;
	struct pci_cfg_reader r = { cfg_read, &c };
	struct fuzz_reader in = { data, size };

	memset(&c, 0, sizeof(c));
	memcpy(c.b, data, size < CFG_BYTES ? size : CFG_BYTES);

	/* The capability walk: bounded reads, a dword-aligned answer at or above 0x40. */
	static const uint8_t ids[] = { PCI_CAP_ID_MSIX, PCI_CAP_ID_MSI, PCI_CAP_ID_PCIE, 0x01, 0x09, 0xff, 0x00 };
	for (size_t i = 0; i < sizeof(ids); i++) {
		c.reads = 0;
		uint8_t cap = pci_find_capability(&r, ids[i]);
		CHECK(c.reads <= 2 + 2 * 48);
		if (cap) {
			CHECK(cap >= 0x40 && cap % 4 == 0);
			CHECK(c.b[cap] == ids[i]);
		}
		if (ids[i] == PCI_CAP_ID_MSIX && cap)
			check_msix(&r, cap);
	}
	/* MSI-X decode at any offset the input names (beyond the 256-byte image's bytes). */
	if (size > CFG_BYTES) {
		in.p += CFG_BYTES;
		in.n -= CFG_BYTES;
		check_msix(&r, fr_u8(&in));
		/* BARs: original and all-ones read-back values, both halves. */
		while (in.n >= 16) {
			uint32_t lo = fr_u32(&in), lp = fr_u32(&in), hi = fr_u32(&in), hp = fr_u32(&in);
			check_bar(lo, lp, hi, hp);
		}
	}
	/* BARs straight from the image's own BAR registers (as read-back values too). */
	for (unsigned i = 0; i < 6; i++) {
		uint32_t lo = cfg_read(&c, (uint16_t)(PCI_BAR0 + 4 * i), 4);
		uint32_t hi = i < 5 ? cfg_read(&c, (uint16_t)(PCI_BAR0 + 4 * i + 4), 4) : 0;
		check_bar(lo, ~lo, hi, ~hi);
		check_bar(lo, lo, hi, hi);
		check_bar(lo, 0xffffffffu, hi, 0xffffffffu);
	}
	return 0;
}
