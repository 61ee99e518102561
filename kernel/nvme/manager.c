/*
 * kernel/nvme/manager.c - bind an NVMe controller and hand it to the provider.
 *
 * The manager maps the registers, programs MSI-X, creates the objects the
 * provider gets (DeviceMmio = this controller, one Interrupt per vector, a
 * DMAPool), sizes the bounce pool, and on release shuts the controller down
 * before any memory it could reach is freed.
 */
#include "kernel/nvme/manager.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"

#define POOL_WANT_BYTES		(8u << 20)
#define POOL_MIN_BYTES		(1u << 20)
#define BOUNCE_WANT_BYTES	(4u << 20)
#define SHUTDOWN_TIMEOUT_MS	5000
#define AMAZON_VENDOR		0x1d0f
#define AMAZON_DMA_LIMIT	(1ull << 48)	/* Linux quirk NVME_QUIRK_DMA_ADDRESS_BITS_48 (2021) */

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

bool nvme_wait_ready(struct nvme_ctrl *c, bool want, const char *why)
{
	uint64_t timeout_ms = (uint64_t)MAX(NVME_CAP_TO(c->nc_cap), 1u) * 500;
	uint64_t deadline = clock_ns() + timeout_ms * NSEC_PER_MSEC;

	for (;;) {
		uint32_t csts = nvme_read32(c, NVME_CSTS);
		if (csts == 0xffffffffu) {
			kerror("nvme: error controller vanished (CSTS reads all ones) during %s", why);
			return false;
		}
		if (!!(csts & NVME_CSTS_RDY) == want)
			return true;
		if (clock_ns() > deadline) {
			kerror("nvme: error timeout waiting for CSTS.RDY=%d during %s timeout_ms=%lu csts=0x%x",
			       want, why, timeout_ms, csts);
			return false;
		}
		clock_delay_us(100);
	}
}

/* Normal shutdown (CC.SHN), then disable; only a stopped controller lets memory go. */
static bool quiesce(struct nvme_ctrl *c)
{
	uint32_t cc = nvme_read32(c, NVME_CC);
	bool shutdown_ok = true;

	if ((cc & NVME_CC_EN) && (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY)) {
		nvme_write32(c, NVME_CC, cc | NVME_CC_SHN_NORMAL << NVME_CC_SHN_SHIFT);
		uint64_t deadline = clock_ns() + SHUTDOWN_TIMEOUT_MS * NSEC_PER_MSEC;
		while (NVME_CSTS_SHST(nvme_read32(c, NVME_CSTS)) != NVME_CSTS_SHST_DONE) {
			if (clock_ns() > deadline) {
				kerror("nvme: error shutdown not complete after %u ms", SHUTDOWN_TIMEOUT_MS);
				shutdown_ok = false;
				break;
			}
			clock_delay_us(100);
		}
	}
	nvme_write32(c, NVME_CC, 0);
	return nvme_wait_ready(c, false, "release") && shutdown_ok;
}

/*
 * Scan everything the provider could see (its pool: shadow rings, buffers,
 * what it wrote and what we wrote for it) for 8-byte words that look like
 * an address the manager gave the device: page aligned (every PRP entry
 * and queue base the broker writes is) and inside a physical range the
 * manager owns for this device.  The shadow submission rings are skipped:
 * the provider writes them and the manager only reads them, so what is
 * there is the provider's own choice, not something it learned.  The
 * brokered lane must leave no match: host_physical_user_visible=false is
 * checked, not assumed.
 */
static void audit_provider_memory(struct nvme_ctrl *c)
{
	struct dma_pool *pool = c->nc_dma.dd_pool;
	struct { uint64_t lo, hi; } ranges[2 * (BROKER_MAX_QID + 1) + 2];
	unsigned n = 0;

	if (!pool)
		return;
	ranges[n].lo = pool->dp_phys;
	ranges[n++].hi = pool->dp_phys + pool->dp_bytes;
	ranges[n].lo = c->nc_dma.dd_bounce.bb_phys;
	ranges[n++].hi = c->nc_dma.dd_bounce.bb_phys + c->nc_dma.dd_bounce.bb_bytes;
	for (unsigned q = 0; q <= BROKER_MAX_QID; q++) {
		if (c->nc_sq[q].sq_phys) {
			ranges[n].lo = c->nc_sq[q].sq_phys;
			ranges[n++].hi = c->nc_sq[q].sq_phys + (uint64_t)c->nc_sq[q].sq_size * sizeof(struct nvme_sqe);
		}
		if (c->nc_cq[q].cq_phys) {
			ranges[n].lo = c->nc_cq[q].cq_phys;
			ranges[n++].hi = c->nc_cq[q].cq_phys + (uint64_t)c->nc_cq[q].cq_size * sizeof(struct nvme_cqe);
		}
	}
	const uint64_t *w = (const uint64_t *)pool->dp_virt;
	uint64_t matches = 0, first = 0, skipped = 0;
	for (uint64_t i = 0; i < pool->dp_bytes / 8; i++) {
		bool in_sq = false;
		for (unsigned q = 0; q <= BROKER_MAX_QID && !in_sq; q++) {
			const struct broker_sq *sq = &c->nc_sq[q];
			in_sq = sq->sq_ring && i * 8 >= sq->sq_shadow &&
				i * 8 < sq->sq_shadow + (uint64_t)sq->sq_size * sizeof(struct nvme_sqe);
		}
		if (in_sq) {
			skipped += 8;
			continue;
		}
		for (unsigned r = 0; r < n; r++) {
			if (!(w[i] & (PAGE_SIZE - 1)) && w[i] >= ranges[r].lo && w[i] < ranges[r].hi) {
				if (!matches++)
					first = i * 8;
				break;
			}
		}
	}
	kprintf("dma: audit provider_bytes_scanned=%lu manager_physical_ranges=%u matching_words=%lu first_offset=0x%lx provider_sq_bytes_skipped=%lu",
		pool->dp_bytes - skipped, n, matches, first, skipped);
}

static void ctrl_release(struct kobj *ko)
{
	struct nvme_ctrl *c = (struct nvme_ctrl *)ko;
	bool stopped = quiesce(c);
	char bdf[16];

	pci_irq_teardown(c->nc_pci, &c->nc_irqs);
	audit_provider_memory(c);
	if (stopped) {
		broker_teardown(c);
		dma_bounce_destroy(&c->nc_dma);
	} else {
		kerror("nvme: error controller did not stop; its queues and bounce pages stay allocated");
	}
	pci_set_command_bits(c->nc_pci, 0, PCI_COMMAND_MASTER);
	kprintf("nvme: controller released bdf=%s stopped=%s ledger_live=%u submitted=%lu completed=%lu refused=%lu doorbells=%lu irqs=%lu empty_irqs=%lu",
		pci_bdf(c->nc_pci, bdf), stopped ? "yes" : "no",
		c->nc_dma.dd_bounce.bb_phys ? dma_ledger_live(&c->nc_dma.dd_bounce.bb_ledger) : 0,
		c->nc_submitted, c->nc_completed, c->nc_refused, c->nc_doorbells, c->nc_irq_count,
		c->nc_spurious_irqs);
	for (unsigned i = 0; i < c->nc_nvectors; i++)
		kobj_put(&c->nc_irq_obj[i]->io_obj);
	if (stopped)
		kfree(c);
}

struct nvme_ctrl *nvme_bind(struct pci_dev *d, const struct dma_selection *sel)
{
	char bdf[16];
	const struct pci_bar *bar = &d->pd_bars[0];
	struct nvme_ctrl *c;

	pci_bdf(d, bdf);
	if ((bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->base || bar->size < NVME_REG_PAGE) {
		kerror("nvme: error bdf=%s BAR0 is not an assigned memory BAR of at least 4 KiB", bdf);
		return NULL;
	}
	c = kmalloc(sizeof(*c));
	if (!c)
		goto nomem;
	c->nc_obj = (struct kobj){ CAP_TYPE_DEVICE_MMIO, 1, ctrl_release };
	c->nc_pci = d;
	c->nc_dma_sel = *sel;
	pci_set_command_bits(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);

	volatile uint8_t *probe = pci_map_bar(d, 0, NVME_REG_PAGE);
	if (!probe)
		goto nomem;
	c->nc_regs = probe;
	c->nc_cap = nvme_read64(c, NVME_CAP);
	if (c->nc_cap == ~0ull) {
		kerror("nvme: error bdf=%s registers read all ones", bdf);
		kfree(c);
		return NULL;
	}
	c->nc_dstrd = NVME_CAP_DSTRD(c->nc_cap);
	c->nc_mqes = NVME_CAP_MQES(c->nc_cap) + 1;
	c->nc_page_size = 4096u << NVME_CAP_MPSMIN(c->nc_cap);
	if (c->nc_page_size > (64u << 10) || c->nc_mqes < 2 ||
	    !(NVME_CAP_CSS(c->nc_cap) & (NVME_CAP_CSS_NVM | NVME_CAP_CSS_IOCS))) {
		kerror("nvme: error bdf=%s unsupported CAP=0x%lx (page size %u, mqes %u, css 0x%x)", bdf,
		       c->nc_cap, c->nc_page_size, c->nc_mqes, NVME_CAP_CSS(c->nc_cap));
		kfree(c);
		return NULL;
	}
	/* Registers plus the doorbells of every queue the broker may create. */
	c->nc_reg_bytes = MIN(bar->size, nvme_cq_doorbell(BROKER_MAX_QID, c->nc_dstrd) + 4);
	c->nc_regs = pci_map_bar(d, 0, c->nc_reg_bytes);
	if (!c->nc_regs)
		goto nomem;

	c->nc_amazon = d->pd_vendor == AMAZON_VENDOR;
	c->nc_dma.dd_page_size = c->nc_page_size;
	c->nc_dma.dd_dma_limit = c->nc_amazon ? AMAZON_DMA_LIMIT : 0;
	if (dma_bounce_init(&c->nc_dma, BOUNCE_WANT_BYTES,
			    BROKER_MAX_TRANSFER / 4 + 2 * (uint64_t)c->nc_page_size) < 0) {
		kerror("nvme: error no memory for the bounce pool");
		kfree(c);
		return NULL;
	}

	void *ctx[BROKER_VECTORS];
	for (unsigned i = 0; i < BROKER_VECTORS; i++) {
		c->nc_vec[i] = (struct broker_vector){ c, i };
		ctx[i] = &c->nc_vec[i];
	}
	int err = pci_irq_setup(d, BROKER_VECTORS, broker_irq, ctx, &c->nc_irqs);
	if (err) {
		kerror("nvme: error bdf=%s no usable interrupt (msix, msi, intx) err=%s", bdf, cr_err_name(err));
		dma_bounce_destroy(&c->nc_dma);
		kfree(c);
		return NULL;
	}
	c->nc_nvectors = c->nc_irqs.pi_count;
	for (unsigned i = 0; i < c->nc_nvectors; i++) {
		c->nc_irq_obj[i] = irq_object_create(i, c->nc_irqs.pi_cpu_vector[i], c->nc_irqs.pi_kind);
		if (!c->nc_irq_obj[i])
			panic("nvme: out of memory for interrupt objects");
	}
	kprintf("nvme: manager bind bdf=%s reg_bytes=0x%lx dstrd=%u mqes=%u page_size=%u timeout_ms=%u irq=%s vectors=%u bounce_bytes=%lu dma_limit=%s",
		bdf, c->nc_reg_bytes, c->nc_dstrd, c->nc_mqes, c->nc_page_size, NVME_CAP_TO(c->nc_cap) * 500,
		irq_kind_name(c->nc_irqs.pi_kind), c->nc_nvectors, c->nc_dma.dd_bounce.bb_bytes,
		c->nc_amazon ? "2^48" : "none");
	return c;

nomem:
	kerror("nvme: error bdf=%s out of memory or MMIO space while binding", bdf);
	kfree(c);
	return NULL;
}
