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
 *
 * The interrupt step needs the controller to write a dword of the
 * manager's choosing into the interrupt window.  IDENTIFY cannot: its
 * 4 KiB would be a thousand requests with whatever vector and delivery
 * mode its bytes spell.  The Timestamp feature can (§5.27.1.10): SET
 * FEATURES sets it to data_lo << 32, and GET FEATURES writes 8 bytes, the
 * first dword the running milliseconds (never chosen, so kept out of the
 * window: it goes to the end of a mapped scratch page through PRP1), the
 * second data_lo in bits 15:0 (milliseconds 47:32, stable for 49 days),
 * the attributes byte (0x02: set by the host) and a reserved zero in bits
 * 31:16, through PRP2 at the window address.  As a compatibility message
 * that dword is fixed delivery, edge, vector data_lo & 0xff (bits 31:16
 * are reserved there).  A remappable address is never page-aligned (bit 4
 * set), so it takes PRP1 and gets both dwords: the second, at +4, names
 * handle bit 15 as well.  The controller's timestamp is left at what the
 * probe set; nothing here reads it.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/dma/dma_select.h"
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

static int timestamp_to(void *ctx, uint64_t scratch, uint64_t dev_addr, uint16_t data_lo)
{
	struct nvme_ctrl *c = ctx;
	int err;

	/* A 4 KiB memory page keeps the window address a page start, so that PRP2 can carry it alone. */
	if (!(c->nc_id.oncs & NVME_ONCS_TIMESTAMP) || !c->nc_mgr_buf || c->nc_page_size != 4096)
		return CR_ENOSYS;
	/* The value lands in the manager's buffer first; the controller reads it from there. */
	store_le64(c->nc_mgr_buf, (uint64_t)data_lo << 32);
	struct nvme_mgr_cmd set = { .mc_sqe = { .opc = NVME_ADMIN_SET_FEATURES, .prp1 = c->nc_mgr_buf_addr,
						.cdw10 = NVME_FEAT_TIMESTAMP } };
	if ((err = broker_mgr_exec(c, 0, &set, VERIFY_CMD_TIMEOUT_MS)) < 0)
		return err;
	if (NVME_STATUS_SC(set.mc_cqe.status) || NVME_STATUS_SCT(set.mc_cqe.status))
		return CR_ENOSYS;
	struct nvme_mgr_cmd get = { .mc_sqe = { .opc = NVME_ADMIN_GET_FEATURES, .cdw10 = NVME_FEAT_TIMESTAMP } };
	if (dev_addr % 4096) {
		get.mc_sqe.prp1 = dev_addr;
	} else {
		get.mc_sqe.prp1 = scratch + 4096 - 4;
		get.mc_sqe.prp2 = dev_addr;
	}
	return broker_mgr_exec(c, 0, &get, VERIFY_CMD_TIMEOUT_MS);
}

int nvme_verify_lane(struct nvme_ctrl *c)
{
	struct vtd_probe p = { identify_to, is_identify_of, NVME_IDENTIFY_BYTES, c, timestamp_to,
			       dma_lane_irq_isolation_required(), NULL };
	int err = vtd_verify_dma(&c->nc_dma, &p, &c->nc_lane_step, &c->nc_lane_why);

	c->nc_irq_isolation = p.irq_isolation;
	return err;
}
