/*
 * lib/nvme_status.c - NVMe status code names (Base 2.0c §4.6.1.2, NVM CS §3.4).
 */
#include "lib/nvme_status.h"

#include "lib/nvme_reg.h"

struct nvme_status nvme_status_decode(uint16_t s)
{
	return (struct nvme_status){
		.sct = (uint8_t)NVME_STATUS_SCT(s),
		.sc = (uint8_t)NVME_STATUS_SC(s),
		.crd = (uint8_t)NVME_STATUS_CRD(s),
		.more = NVME_STATUS_MORE(s),
		.dnr = NVME_STATUS_DNR(s),
	};
}

bool nvme_status_transient(struct nvme_status s)
{
	if (s.dnr || s.sct != NVME_SCT_GENERIC)
		return false;
	return s.sc == NVME_SC_ABORT_REQUESTED || s.sc == NVME_SC_COMMAND_INTERRUPTED ||
	       s.sc == NVME_SC_NS_NOT_READY || s.sc == NVME_SC_TRANSIENT_TRANSPORT;
}

struct code_name {
	uint8_t sc;
	const char *name;
};

static const struct code_name generic[] = {
	{ 0x00, "success" }, { 0x01, "invalid-opcode" }, { 0x02, "invalid-field" },
	{ 0x03, "command-id-conflict" }, { 0x04, "data-transfer-error" },
	{ 0x05, "aborted-power-loss" }, { 0x06, "internal-error" }, { 0x07, "abort-requested" },
	{ 0x08, "aborted-sq-deletion" }, { 0x09, "aborted-failed-fused" }, { 0x0a, "aborted-missing-fused" },
	{ 0x0b, "invalid-namespace-or-format" }, { 0x0c, "command-sequence-error" },
	{ 0x0d, "invalid-sgl-descriptor" }, { 0x0f, "invalid-sgl-count" }, { 0x13, "invalid-prp-offset" },
	{ 0x14, "atomic-write-unit-exceeded" }, { 0x15, "operation-denied" }, { 0x18, "host-id-inconsistent" },
	{ 0x1d, "namespace-is-write-protected" }, { 0x1e, "command-interrupted" },
	{ 0x1f, "transient-transport-error" }, { 0x20, "prohibited-by-lockdown" },
	{ 0x21, "admin-command-media-not-ready" },
	{ 0x80, "lba-out-of-range" }, { 0x81, "capacity-exceeded" }, { 0x82, "namespace-not-ready" },
	{ 0x83, "reservation-conflict" }, { 0x84, "format-in-progress" },
};

static const struct code_name command_specific[] = {
	{ 0x00, "completion-queue-invalid" }, { 0x01, "invalid-queue-identifier" },
	{ 0x02, "invalid-queue-size" }, { 0x03, "abort-command-limit-exceeded" },
	{ 0x05, "async-event-request-limit-exceeded" }, { 0x06, "invalid-firmware-slot" },
	{ 0x07, "invalid-firmware-image" }, { 0x08, "invalid-interrupt-vector" },
	{ 0x09, "invalid-log-page" }, { 0x0a, "invalid-format" }, { 0x0c, "invalid-queue-deletion" },
	{ 0x0d, "feature-not-saveable" }, { 0x0e, "feature-not-changeable" },
	{ 0x0f, "feature-not-namespace-specific" }, { 0x80, "conflicting-attributes" },
	{ 0x81, "invalid-protection-information" }, { 0x82, "write-to-read-only-range" },
};

static const struct code_name media[] = {
	{ 0x80, "write-fault" }, { 0x81, "unrecovered-read-error" },
	{ 0x82, "end-to-end-guard-check-error" }, { 0x83, "end-to-end-application-tag-check-error" },
	{ 0x84, "end-to-end-reference-tag-check-error" }, { 0x85, "compare-failure" },
	{ 0x86, "access-denied" }, { 0x87, "deallocated-or-unwritten-block" },
};

static const struct code_name path[] = {
	{ 0x00, "internal-path-error" }, { 0x01, "asymmetric-access-persistent-loss" },
	{ 0x02, "asymmetric-access-inaccessible" }, { 0x03, "asymmetric-access-transition" },
	{ 0x60, "controller-pathing-error" }, { 0x70, "host-pathing-error" },
	{ 0x71, "command-aborted-by-host" },
};

static const char *lookup(const struct code_name *t, unsigned n, uint8_t sc)
{
	for (unsigned i = 0; i < n; i++) {
		if (t[i].sc == sc)
			return t[i].name;
	}
	return "unknown";
}

#define LOOKUP(t, sc) lookup(t, sizeof(t) / sizeof(t[0]), sc)

const char *nvme_status_name(uint8_t sct, uint8_t sc)
{
	switch (sct) {
	case NVME_SCT_GENERIC:	return LOOKUP(generic, sc);
	case NVME_SCT_COMMAND:	return LOOKUP(command_specific, sc);
	case NVME_SCT_MEDIA:	return LOOKUP(media, sc);
	case NVME_SCT_PATH:	return LOOKUP(path, sc);
	case NVME_SCT_VENDOR:	return "vendor-specific";
	}
	return "unknown";
}
