/*
 * lib/nvme_timeout.c - see nvme_timeout.h.  Public sources for the policy:
 * AWS's EBS NVMe guidance (io_timeout at its maximum), Linux's
 * NVME_QUIRK-free default of 30 s, Azure's 240 s recommendation.
 */
#include "lib/nvme_timeout.h"

#define AMAZON_VENDOR	0x1d0f
#define AZURE_VENDOR	0x1414

static bool amazon_ebs(uint16_t device)
{
	return device == 0x0061 || device == 0x0065 || device == 0x8061;
}

void nvme_timeout_policy(uint16_t vendor, uint16_t device, uint32_t override_ms, struct nvme_timeout_policy *out)
{
	*out = (struct nvme_timeout_policy){ "generic", NVME_TIMEOUT_DEFAULT_MS, 0, false, 0 };
	if (vendor == AMAZON_VENDOR && amazon_ebs(device)) {
		out->surface = "ebs";
		out->never_fail = true;
		out->log_every_ms = NVME_TIMEOUT_EBS_LOG_MS;
	} else if (vendor == AMAZON_VENDOR) {
		out->surface = "instance-store";
	} else if (vendor == AZURE_VENDOR) {
		out->surface = "azure";
		out->timeout_ms = NVME_TIMEOUT_AZURE_MS;
	}
	if (override_ms)
		out->timeout_ms = override_ms;
	out->abort_grace_ms = out->timeout_ms / 4 ? out->timeout_ms / 4 : 1;
}

enum nvme_timeout_action nvme_timeout_step(const struct nvme_timeout_policy *p, struct nvme_timeout_state *st,
					   uint64_t age_ms, uint64_t now_ms)
{
	if (st->stage == 0) {
		if (age_ms < p->timeout_ms)
			return NVME_TO_NONE;
		st->stage = 1;
		st->abort_ms = now_ms;
		st->logged_ms = now_ms;
		return NVME_TO_POLL_ABORT;
	}
	if (now_ms - st->abort_ms < p->abort_grace_ms)
		return NVME_TO_NONE;
	if (!p->never_fail)
		return NVME_TO_RESET;
	if (now_ms - st->logged_ms < p->log_every_ms)
		return NVME_TO_NONE;
	st->logged_ms = now_ms;
	return NVME_TO_LOG;
}
