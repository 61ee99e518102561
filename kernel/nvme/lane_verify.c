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
 * The interrupt step needs the controller to write, into the interrupt
 * window, exactly one dword, of the manager's choosing where its value
 * matters.  IDENTIFY cannot: its 4 KiB would be a thousand requests with
 * whatever vector and delivery mode its bytes spell.
 *  - Compatibility format (a page-aligned address: bit 4 clear): the
 *    Timestamp feature (§5.27.1.10).  SET FEATURES sets it to
 *    data_lo << 32; GET FEATURES writes 8 bytes, the first dword the
 *    running milliseconds (never chosen, so kept out of the window: PRP1
 *    puts it at the end of the mapped scratch page), the second through
 *    PRP2 at the window address: data_lo in bits 15:0 (milliseconds 47:32,
 *    stable for 49 days), the attributes byte 0x02 (set by the host) and a
 *    reserved zero in bits 31:16, reserved in a compatibility message.  So
 *    the message is fixed delivery, edge, vector data_lo & 0xff.
 *  - Remappable format (bit 4 set, never page-aligned, so PRP1): one
 *    dword of GET LOG PAGE, Firmware Slot Information (mandatory; its
 *    first dword is the active slot, 0x00000001 on every controller seen):
 *    with SHV clear the unit ignores the data.
 * The controller's timestamp is left at what the probe set; nothing here
 * reads it.
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

static int one_dword_to(struct nvme_ctrl *c, uint64_t dev_addr)
{
	/* NUMDL is 0's based: 0 is one dword. */
	struct nvme_mgr_cmd get = { .mc_sqe = { .opc = NVME_ADMIN_GET_LOG_PAGE, .prp1 = dev_addr,
						.cdw10 = NVME_LOG_FW_SLOT } };

	return broker_mgr_exec(c, 0, &get, VERIFY_CMD_TIMEOUT_MS);
}

static int irq_write_to(void *ctx, uint64_t scratch, uint64_t dev_addr, uint16_t data_lo)
{
	struct nvme_ctrl *c = ctx;
	int err;

	if (dev_addr % 4096)
		return one_dword_to(c, dev_addr);
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
	struct nvme_mgr_cmd get = { .mc_sqe = { .opc = NVME_ADMIN_GET_FEATURES, .cdw10 = NVME_FEAT_TIMESTAMP,
						.prp1 = scratch + 4096 - 4, .prp2 = dev_addr } };
	return broker_mgr_exec(c, 0, &get, VERIFY_CMD_TIMEOUT_MS);
}

int nvme_verify_lane(struct nvme_ctrl *c)
{
	struct vtd_probe p = { identify_to, is_identify_of, NVME_IDENTIFY_BYTES, c, irq_write_to,
			       dma_lane_irq_isolation_required(), NULL };
	int err = vtd_verify_dma(&c->nc_dma, &p, &c->nc_lane_step, &c->nc_lane_why);

	c->nc_irq_isolation = p.irq_isolation;
	return err;
}
