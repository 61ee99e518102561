/*
 * kernel/nvme/lane_verify.c - the controller's part in verifying its IOMMU
 * domain (kernel/iommu/vtd/verify.c): the DMA the verifier asks for is an
 * IDENTIFY CONTROLLER the manager issues itself, on its own admin queue,
 * with PRP1 the device address under test (NVMe Base 2.0c §5.17; 4096
 * bytes, one page, so PRP2 stays 0).  What lands is checked against the
 * function's PCI identity: byte 0-1 of the data, VID, is the PCI vendor id
 * (§5.17.2.1).  A command that does not complete within its timeout is a
 * failed step; one that completes with an error status (a device may
 * report the blocked transfer) still completed.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"

#define VERIFY_CMD_TIMEOUT_MS	5000

static int identify_to(void *ctx, uint64_t dev_addr, uint32_t len)
{
	struct nvme_ctrl *c = ctx;
	struct nvme_mgr_cmd m = { .mc_sqe = {
		.opc = NVME_ADMIN_IDENTIFY, .prp1 = dev_addr, .cdw10 = NVME_CNS_CONTROLLER } };

	(void)len;
	return broker_mgr_exec(c, 0, &m, VERIFY_CMD_TIMEOUT_MS);
}

static bool is_identify_of(void *ctx, const uint8_t *data, uint32_t len)
{
	const struct nvme_ctrl *c = ctx;

	return len >= 2 && load_le16(data) == c->nc_pci->pd_vendor;
}

int nvme_verify_lane(struct nvme_ctrl *c)
{
	struct vtd_probe p = { identify_to, is_identify_of, NVME_IDENTIFY_BYTES, c };

	return vtd_verify_dma(&c->nc_dma, &p, &c->nc_lane_step, &c->nc_lane_why);
}
