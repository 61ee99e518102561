/*
 * lib/mbr.h - what sector 0 says about a GPT behind it.
 *
 * A GPT disk starts with a protective MBR: one entry of type 0xEE over the
 * disk (UEFI 2.10 §5.2.3), or a hybrid one (0xEE beside real entries).  A
 * sector 0 with real entries and no 0xEE is a legacy MBR: readers that
 * check (Linux without `gpt`, EDK2) ignore the GPT and use the MBR's
 * partitions, so a GPT behind it is stale, and its partitions must not be
 * offered: a client of one could rewrite sectors (an extended partition's
 * EBR chain, say) that describe the disk to those readers.
 */
#ifndef CAPROCK_LIB_MBR_H
#define CAPROCK_LIB_MBR_H

#include <stdint.h>

#define MBR_BYTES		512
#define MBR_TYPE_GPT_PROTECTIVE	0xee

enum mbr_kind {
	MBR_NONE = 0,		/* no 0x55AA signature: no MBR at all */
	MBR_EMPTY,		/* signed, no entry in use */
	MBR_PROTECTIVE,		/* 0xEE entries only */
	MBR_HYBRID,		/* 0xEE beside other entries */
	MBR_LEGACY,		/* entries, none 0xEE */
};

/* Classify sector 0 (its first MBR_BYTES bytes). */
enum mbr_kind mbr_classify(const uint8_t *sector);
const char *mbr_kind_name(enum mbr_kind k);

#endif
