/*
 * lib/nvme_identify.c - IDENTIFY controller/namespace parsing (see header).
 */
#include "lib/nvme_identify.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/nvme_reg.h"
#include "lib/string.h"

unsigned int nvme_copy_ascii(char *dst, const uint8_t *src, size_t srclen)
{
	size_t n = srclen;
	unsigned int repaired = 0;

	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (src[i] < 0x20 || src[i] > 0x7e) {
			dst[i] = '?';
			repaired++;
		} else {
			dst[i] = (char)src[i];
		}
	}
	dst[n] = '\0';
	return repaired;
}

void nvme_parse_identify_ctrl(const uint8_t *b, struct nvme_ctrl_info *o)
{
	memset(o, 0, sizeof(*o));
	o->vid = load_le16(b + NVME_IDC_VID);
	o->ssvid = load_le16(b + NVME_IDC_SSVID);
	o->strings_repaired += nvme_copy_ascii(o->sn, b + NVME_IDC_SN, NVME_IDC_SN_LEN);
	o->strings_repaired += nvme_copy_ascii(o->mn, b + NVME_IDC_MN, NVME_IDC_MN_LEN);
	o->strings_repaired += nvme_copy_ascii(o->fr, b + NVME_IDC_FR, NVME_IDC_FR_LEN);
	o->mdts = b[NVME_IDC_MDTS];
	o->cntlid = load_le16(b + NVME_IDC_CNTLID);
	o->ver = load_le32(b + NVME_IDC_VER);
	o->oacs = load_le16(b + NVME_IDC_OACS);
	o->aerl = b[NVME_IDC_AERL];
	o->sqes = b[NVME_IDC_SQES];
	o->cqes = b[NVME_IDC_CQES];
	o->nn = load_le32(b + NVME_IDC_NN);
	o->oncs = load_le16(b + NVME_IDC_ONCS);
	o->vwc = b[NVME_IDC_VWC];
	o->sgls = load_le32(b + NVME_IDC_SGLS);
	o->cmic = b[NVME_IDC_CMIC];
	size_t nqn = 0;
	while (nqn < NVME_IDC_SUBNQN_LEN && b[NVME_IDC_SUBNQN + nqn])
		nqn++;
	(void)nvme_copy_ascii(o->subnqn, b + NVME_IDC_SUBNQN, nqn);	/* UTF-8 is allowed: not a repair */
}

int nvme_parse_identify_ns(const uint8_t *b, struct nvme_ns_info *o, const char **why)
{
	memset(o, 0, sizeof(*o));
	o->nsze = load_le64(b + NVME_IDNS_NSZE);
	o->ncap = load_le64(b + NVME_IDNS_NCAP);
	o->nuse = load_le64(b + NVME_IDNS_NUSE);
	o->nlbaf = b[NVME_IDNS_NLBAF];
	o->dps = b[NVME_IDNS_DPS];
	o->shared = b[NVME_IDNS_NMIC] & NVME_NMIC_SHARED;
	uint8_t flbas = b[NVME_IDNS_FLBAS];
	o->lbaf_index = (uint8_t)NVME_FLBAS_INDEX(flbas);
	o->extended = flbas & NVME_FLBAS_EXTENDED;
	if (o->nsze == 0)
		return 0;	/* inactive: nothing else is meaningful */
	if (o->nlbaf >= NVME_IDNS_LBAF_MAX || o->lbaf_index > o->nlbaf) {
		*why = "lba-format-index-beyond-nlbaf";
		return CR_EPROTO;
	}
	uint32_t lbaf = load_le32(b + NVME_IDNS_LBAF + 4 * o->lbaf_index);
	uint32_t lbads = (lbaf >> 16) & 0xff;
	if (lbads < 9 || lbads > 31) {	/* 2^LBADS bytes; below 512 is not supported (§4.1.5.1) */
		*why = "lba-data-size-out-of-range";
		return CR_EPROTO;
	}
	o->lba_bytes = 1u << lbads;
	o->ms = (uint16_t)(lbaf & 0xffff);
	if (o->ncap > o->nsze) {
		*why = "capacity-exceeds-size";
		return CR_EPROTO;
	}
	return 0;
}

unsigned int nvme_parse_ns_list(const uint8_t *b, uint32_t *out, unsigned int max)
{
	unsigned int n = 0;
	uint32_t prev = 0;

	for (unsigned i = 0; i < NVME_IDENTIFY_BYTES / 4 && n < max; i++) {
		uint32_t id = load_le32(b + 4 * i);
		if (id == 0 || id <= prev || id == NVME_NSID_BROADCAST)
			break;	/* the list ends at 0; a non-ascending entry means garbage */
		out[n++] = id;
		prev = id;
	}
	return n;
}

uint64_t nvme_mdts_bytes(uint8_t mdts, uint32_t mpsmin)
{
	if (mdts == 0)
		return 0;
	/* mpsmin is checked alone first: the sum must not wrap to a small shift. */
	if (mpsmin >= 63 || (uint32_t)mdts + 12 + mpsmin >= 63)
		return 0;	/* beyond anything addressable: treat as unlimited */
	return 1ull << (12 + mpsmin + mdts);
}
