/*
 * lib/mbr.c - sector 0 classified for a GPT behind it (see mbr.h).
 */
#include "lib/mbr.h"

#include <stdbool.h>

#define MBR_TABLE		446	/* four 16-byte entries */
#define MBR_ENTRY_BYTES		16
#define MBR_ENTRY_TYPE		4
#define MBR_SIGNATURE		510

enum mbr_kind mbr_classify(const uint8_t *sector)
{
	bool gpt = false, other = false;

	if (sector[MBR_SIGNATURE] != 0x55 || sector[MBR_SIGNATURE + 1] != 0xaa)
		return MBR_NONE;
	for (unsigned i = 0; i < 4; i++) {
		uint8_t type = sector[MBR_TABLE + i * MBR_ENTRY_BYTES + MBR_ENTRY_TYPE];
		if (type == MBR_TYPE_GPT_PROTECTIVE)
			gpt = true;
		else if (type != 0)
			other = true;
	}
	if (gpt)
		return other ? MBR_HYBRID : MBR_PROTECTIVE;
	return other ? MBR_LEGACY : MBR_EMPTY;
}

const char *mbr_kind_name(enum mbr_kind k)
{
	switch (k) {
	case MBR_NONE:		return "none";
	case MBR_EMPTY:		return "empty";
	case MBR_PROTECTIVE:	return "protective";
	case MBR_HYBRID:	return "hybrid";
	case MBR_LEGACY:	return "legacy";
	}
	return "?";
}
