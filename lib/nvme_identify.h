/*
 * lib/nvme_identify.h - parse IDENTIFY data returned by a controller.
 *
 * The bytes come from a device, so nothing is trusted: strings are cleaned
 * to printable ASCII (and the parse says whether they were), LBA formats are
 * range-checked, and every length is bounded.
 */
#ifndef CAPROCK_LIB_NVME_IDENTIFY_H
#define CAPROCK_LIB_NVME_IDENTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/nvme_reg.h"

struct nvme_ctrl_info {
	uint16_t vid, ssvid;
	char sn[21];			/* trailing spaces removed, non-printables shown as '?' */
	char mn[41];
	char fr[9];
	unsigned int strings_repaired;	/* bytes replaced in sn/mn/fr: 0 for well-formed data */
	uint8_t mdts;
	uint16_t cntlid;
	uint32_t ver;
	uint16_t oacs;
	uint8_t aerl;
	uint8_t sqes, cqes;		/* required/max entry sizes, log2 nibbles */
	uint32_t nn;
	uint16_t oncs;
	uint8_t vwc;
	uint32_t sgls;
	uint8_t cmic;
	char subnqn[NVME_IDC_SUBNQN_LEN + 1];	/* to its NUL, bytes outside ASCII shown as '?'; "" before NVMe 1.2.1 */
};

struct nvme_ns_info {
	uint64_t nsze, ncap, nuse;	/* in logical blocks */
	uint8_t nlbaf;			/* formats, 0-based */
	uint8_t lbaf_index;		/* the format in use */
	uint32_t lba_bytes;		/* data bytes per logical block */
	uint16_t ms;			/* metadata bytes per block */
	bool extended;			/* metadata follows each block in the data buffer */
	uint8_t dps;			/* protection type (bits 2:0) and location */
	bool shared;			/* NMIC bit 0: other controllers of the subsystem may reach it */
};

void nvme_parse_identify_ctrl(const uint8_t *buf, struct nvme_ctrl_info *out);

/*
 * Parse IDENTIFY NAMESPACE.  An inactive namespace (all zero) parses with
 * nsze 0.  Returns CR_EPROTO with *why when the format in use is not one
 * the namespace lists or its block size is not 512 B .. 2 GiB.
 */
int nvme_parse_identify_ns(const uint8_t *buf, struct nvme_ns_info *out, const char **why);

/* The active namespace list (CNS 2): ascending NSIDs until the first 0. */
unsigned int nvme_parse_ns_list(const uint8_t *buf, uint32_t *out, unsigned int max);

/*
 * Copy a space-padded identify string: trailing spaces and NULs dropped,
 * bytes outside 0x20..0x7e replaced by '?'.  dst has room for srclen + 1.
 * Returns the number of bytes replaced.
 */
unsigned int nvme_copy_ascii(char *dst, const uint8_t *src, size_t srclen);

/* MDTS in bytes for a controller whose minimum page is 2^(12+mpsmin); 0 = no limit. */
uint64_t nvme_mdts_bytes(uint8_t mdts, uint32_t mpsmin);

#endif
