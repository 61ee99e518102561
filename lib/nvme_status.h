/*
 * lib/nvme_status.h - decode the status field of an NVMe completion (§4.6.1.2).
 */
#ifndef CAPROCK_LIB_NVME_STATUS_H
#define CAPROCK_LIB_NVME_STATUS_H

#include <stdbool.h>
#include <stdint.h>

struct nvme_status {
	uint8_t sct;	/* status code type */
	uint8_t sc;	/* status code */
	uint8_t crd;	/* command retry delay index */
	bool more;	/* more information in the error log page */
	bool dnr;	/* do not retry */
};

/* From cqe.status as the controller wrote it (phase tag in bit 0 ignored). */
struct nvme_status nvme_status_decode(uint16_t cqe_status);
static inline bool nvme_status_ok(struct nvme_status s) { return s.sct == 0 && s.sc == 0; }
/*
 * Did the device end the command for a passing reason, so that sending it
 * again may succeed: Abort Requested (our own Abort of a command that took
 * too long), Command Interrupted, Namespace Not Ready and Transient
 * Transport Error, each without DNR.  Media and other errors are final:
 * the same request would meet the same error.
 */
bool nvme_status_transient(struct nvme_status s);
/* A short kebab-case name ("unrecovered-read-error"); "unknown" for codes not listed. */
const char *nvme_status_name(uint8_t sct, uint8_t sc);

#endif
