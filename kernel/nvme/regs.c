/*
 * kernel/nvme/regs.c - controller register access and the waits on it
 * (NVMe Base 2.0c §3.1, §3.6 shutdown).  Kept apart so that the host
 * tests can put a device model behind the same four functions.
 */
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/kspin.h"
#include "kernel/core/kworker.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"

uint32_t nvme_read32(struct nvme_ctrl *c, uint32_t off) { return mmio_read32(c->nc_regs + off); }
void nvme_write32(struct nvme_ctrl *c, uint32_t off, uint32_t v) { mmio_write32(c->nc_regs + off, v); }

/* 64-bit registers as two dword accesses, low first: every controller must accept that. */
uint64_t nvme_read64(struct nvme_ctrl *c, uint32_t off)
{
	uint64_t lo = nvme_read32(c, off);
	return lo | (uint64_t)nvme_read32(c, off + 4) << 32;
}

void nvme_write64(struct nvme_ctrl *c, uint32_t off, uint64_t v)
{
	nvme_write32(c, off, (uint32_t)v);
	nvme_write32(c, off + 4, (uint32_t)(v >> 32));
}

void nvme_wait_pause(struct nvme_ctrl *c, uint64_t since_ns, uint32_t us)
{
	nvme_ctrl_assert_locked(c);
	if (!kworker_may_park(since_ns, 1u << KSPIN_RANK_CTRL)) {
		clock_delay_us(us);
		return;
	}
	nvme_ctrl_unlock(c);
	kworker_park(us);
	nvme_ctrl_lock(c);
}

bool nvme_wait_ready(struct nvme_ctrl *c, bool want, const char *why)
{
	uint64_t timeout_ms = (uint64_t)MAX(NVME_CAP_TO(c->nc_cap), 1u) * 500;
	uint64_t start = clock_ns();
	uint64_t deadline = start + timeout_ms * NSEC_PER_MSEC;

	for (;;) {
		uint32_t csts = nvme_read32(c, NVME_CSTS);
		if (csts == 0xffffffffu) {
			kerror("nvme: error controller vanished (CSTS reads all ones) bdf=%s during %s", c->nc_bdf, why);
			return false;
		}
		if (want && clock_ns() - start < (uint64_t)c->nc_fault_rdy_late_ms * NSEC_PER_MSEC)
			csts &= ~NVME_CSTS_RDY;		/* fault.rdy_late: a controller slow to become ready */
		if (!want && c->nc_fault_rdy)
			csts |= NVME_CSTS_RDY;		/* fault.rdy: one that does not stop (supervise.c reads it so too) */
		if (!!(csts & NVME_CSTS_RDY) == want)
			return true;
		if (clock_ns() > deadline) {
			kerror("nvme: error timeout waiting for CSTS.RDY=%d bdf=%s during %s timeout_ms=%lu csts=0x%x",
			       want, c->nc_bdf, why, timeout_ms, csts);
			return false;
		}
		nvme_wait_pause(c, start, 100);
	}
}
