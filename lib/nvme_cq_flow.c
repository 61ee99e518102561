/*
 * lib/nvme_cq_flow.c - the CQ head doorbell decision (see nvme_cq_flow.h;
 * NVMe Base 2.0c §3.3.1.2-§3.3.1.3).
 */
#include "lib/nvme_cq_flow.h"

bool nvme_cq_head_due(uint16_t entries, uint16_t head, uint16_t told, unsigned int busy)
{
	if (entries < 2 || head >= entries || told >= entries)
		return head != told;	/* not a queue this rule knows: say it at once */
	unsigned int unreported = (unsigned int)((head + entries - told) % entries);

	return unreported && (unreported >= entries / 2u || unreported + busy >= entries - 1u);
}
