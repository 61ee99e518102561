/*
 * lib/nvme_reg_access.c - the provider's register read allow-list (see header).
 */
#include "lib/nvme_reg_access.h"

#include "lib/nvme_reg.h"

#define NVME_CRTO 0x68	/* Controller Ready Timeouts (Base 2.0c §3.1.4.20) */

bool nvme_provider_may_read(uint64_t off, uint64_t width)
{
	if (width == 8)
		return off == NVME_CAP;
	if (width != 4)
		return false;
	switch (off) {
	case NVME_CAP:
	case NVME_CAP + 4:
	case NVME_VS:
	case NVME_INTMS:
	case NVME_INTMC:
	case NVME_CC:
	case NVME_CSTS:
	case NVME_AQA:
	case NVME_CRTO:
		return true;
	}
	return false;
}
