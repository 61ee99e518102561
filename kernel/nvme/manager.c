/*
 * kernel/nvme/manager.c - bind an NVMe controller, hand it to a provider,
 * and take it back.
 *
 * Bind maps the registers, makes the controller's DMA domain, learns the
 * controller's geometry with the manager's own commands (identify.c),
 * programs MSI-X and creates the objects the provider gets (DeviceMmio =
 * this controller, one Interrupt per vector).  The provider's brokered
 * enable attaches its DMAPool.  Release shuts the controller down (CC.SHN,
 * then disable) before any memory it could reach is freed, and audits the
 * provider's memory for addresses it must never have seen.
 */
#include "kernel/nvme/manager.h"
#include "kernel/nvme/poll.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/sched.h"
#include "kernel/nvme/audit.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/timeouts.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"
#include "lib/string.h"

#define STAGING_WANT_BYTES	(4u << 20)
#define SHUTDOWN_TIMEOUT_MS	5000
#define AMAZON_VENDOR		0x1d0f
#define AMAZON_DMA_LIMIT	(1ull << 48)	/* Linux quirk NVME_QUIRK_DMA_ADDRESS_BITS_48 (2021) */
#define NVME_MAX_CTRL		64

static struct nvme_ctrl *bound[NVME_MAX_CTRL];
static unsigned int irq_allow;		/* PCI_IRQ_ALLOW_*: nvme.irq= (0: the best the device has) */
static uint32_t timeout_override_ms;	/* nvme.timeout_ms= (0: by surface) */

void nvme_set_irq_kinds(unsigned int allow)
{
	irq_allow = allow;
}

void nvme_set_timeout_ms(uint32_t ms)
{
	timeout_override_ms = ms;
}

/*
 * The idle loop and the timer tick finish what budget-bounded calls left
 * (I7), one controller after another from where the last pass stopped,
 * while the stretch's work budget lasts.  True while some is left.
 */
static bool nvme_resume(void)
{
	static unsigned cursor;
	unsigned done = 0;
	bool left = false;

	for (unsigned n = 0; n < NVME_MAX_CTRL; n++) {
		struct nvme_ctrl *c = bound[(cursor + n) % NVME_MAX_CTRL];
		/* A hint without c's lock (a provider's doorbells may be setting them): looked at again under it. */
		if (!c || !c->nc_enabled || c->nc_mgr_busy ||
		    !(__atomic_load_n(&c->nc_backlog, __ATOMIC_RELAXED) || __atomic_load_n(&c->nc_drain_backlog, __ATOMIC_RELAXED)))
			continue;
		if (!irqsoff_may_take(done, NVME_MAX_CTRL)) {
			cursor = (cursor + n) % NVME_MAX_CTRL;
			return true;
		}
		nvme_ctrl_lock(c);
		left |= broker_resume(c);
		nvme_ctrl_unlock(c);
		done++;
	}
	return left;
}

static void nvme_tick(void)
{
	nvme_resume();
	for (unsigned i = 0; i < NVME_MAX_CTRL; i++) {
		struct nvme_ctrl *c = bound[i];
		if (c && c->nc_enabled && !c->nc_mgr_busy) {
			nvme_ctrl_lock(c);
			nvme_poll_tick(c);		/* vectors masked for a provider that polls */
			nvme_irq_watch_tick(c);		/* interrupts that stopped arriving */
			nvme_timeout_tick(c);		/* commands that never complete, a fatal controller */
			nvme_ctrl_unlock(c);
		}
	}
}

static bool track(struct nvme_ctrl *c, bool add)
{
	for (unsigned i = 0; i < NVME_MAX_CTRL; i++) {
		if (add ? !bound[i] : bound[i] == c) {
			bound[i] = add ? c : NULL;
			return true;
		}
	}
	return false;
}

/*
 * Normal shutdown (CC.SHN, Base 2.0c §3.6.2), then disable: only a stopped
 * controller lets memory go.  Says what happened in one line.
 */
static bool quiesce(struct nvme_ctrl *c)
{
	uint32_t cc = nvme_read32(c, NVME_CC);
	uint64_t start = clock_ns();
	bool was_running = (cc & NVME_CC_EN) && (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY);
	bool timed_out = false;

	if (was_running) {
		nvme_write32(c, NVME_CC, cc | NVME_CC_SHN_NORMAL << NVME_CC_SHN_SHIFT);
		uint64_t deadline = start + SHUTDOWN_TIMEOUT_MS * NSEC_PER_MSEC;
		while (NVME_CSTS_SHST(nvme_read32(c, NVME_CSTS)) != NVME_CSTS_SHST_DONE) {
			if (clock_ns() > deadline) {
				timed_out = true;
				break;
			}
			nvme_wait_pause(c, start, 100);
		}
	}
	broker_mark_reset(c);
	nvme_write32(c, NVME_CC, 0);
	bool stopped = nvme_wait_ready(c, false, "release");
	uint64_t ms = (clock_ns() - start) / NSEC_PER_MSEC;
	if (timed_out)
		kerror("nvme: shutdown bdf=%s result=timeout ms=%lu timeout_ms=%u disabled=%s", c->nc_bdf, ms,
		       SHUTDOWN_TIMEOUT_MS, stopped ? "yes" : "no");
	else
		kprintf("nvme: shutdown bdf=%s result=%s ms=%lu disabled=%s", c->nc_bdf,
			was_running ? "complete" : "not-enabled", ms, stopped ? "yes" : "no");
	return stopped;
}

static void free_mgr_buf(struct nvme_ctrl *c)
{
	dma_free_coherent(&c->nc_dma, c->nc_mgr_buf_addr, c->nc_mgr_buf, 2 * (uint64_t)c->nc_page_size);
	c->nc_mgr_buf_addr = 0;
	c->nc_mgr_buf = NULL;
}

static void free_ctrl_memory(struct nvme_ctrl *c)
{
	free_mgr_buf(c);
	kfree(c->nc_id_raw);
	kfree(c->nc_ns_raw);
	kfree(c->nc_ns);
	kfree(c->nc_shadow_sq_map);
	kfree(c->nc_device_data_map);
	c->nc_id_raw = c->nc_ns_raw = c->nc_shadow_sq_map = c->nc_device_data_map = NULL;
	c->nc_ns = NULL;
	c->nc_nns = 0;	/* a session that outlives a detach asks about its namespace: there is none */
}

/*
 * The hardware side of letting a controller go, for a release and a
 * detach alike: stop it (a vanished function cannot DMA, and one that
 * comes back does so from reset, bus mastering off), audit what its
 * provider saw, free what the device could reach only if it stopped.
 * True if it did.
 */
static bool let_go(struct nvme_ctrl *c)
{
	bool stopped = c->nc_vanished ? true : quiesce(c);

	track(c, false);
	nvme_irq_watch_report(c);
	pci_irq_teardown(c->nc_pci, &c->nc_irqs);
	uint64_t held = ratelimit_take_suppressed(&c->nc_refusal_log);
	if (held)
		kprintf("nvme: broker refusals suppressed bdf=%s pid=%d count=%lu", c->nc_bdf, c->nc_provider_pid, held);
	nvme_audit_provider_memory(c);
	nvme_spaces_let_go(c, stopped);
	if (stopped) {
		broker_teardown(c);
		free_ctrl_memory(c);
		dma_domain_destroy(&c->nc_dma);
	} else {
		kerror("nvme: error controller did not stop bdf=%s; its queues and staging pages stay allocated", c->nc_bdf);
	}
	if (!c->nc_vanished)
		pci_set_command_bits(c->nc_pci, 0, PCI_COMMAND_MASTER);
	pci_unmap_bar(c->nc_regs, c->nc_reg_bytes);
	c->nc_regs = NULL;
	return stopped;
}

bool nvme_detach(struct nvme_ctrl *c)
{
	nvme_ctrl_lock(c);
	bool stopped = let_go(c);
	nvme_ctrl_unlock(c);

	c->nc_detached = true;
	c->nc_detach_freed = stopped;
	return stopped;
}

static void ctrl_release(struct kobj *ko)
{
	struct nvme_ctrl *c = (struct nvme_ctrl *)ko;

	if (c->nc_detached) {	/* nvme_detach did the hardware part; the last session just went */
		for (unsigned i = 0; i < c->nc_nvectors; i++)
			kobj_put(&c->nc_irq_obj[i]->io_obj);
		if (c->nc_detach_freed)
			kfree(c);
		return;
	}
	nvme_ctrl_lock(c);
	bool stopped = let_go(c);

	/* Interrupts per completion posted to the provider, in hundredths. */
	uint64_t irqs_per_io = c->nc_completed ? c->nc_irq_count * 100 / c->nc_completed : 0;

	irqsoff_report("release");	/* this release's own stretch is still open: the run line has it */
	kprintf("nvme: controller released bdf=%s stopped=%s ledger_live=%u submitted=%lu completed=%lu refused=%lu doorbells=%lu irqs=%lu empty_irqs=%lu irq_drains_unlocked=%lu unmatched=%lu dropped_on_delete=%lu aborted_on_delete=%lu lane=%s forwarded_irqs=%lu device_sq_doorbells=%lu device_cq_doorbells=%lu poll=%s poll_hits=%lu poll_misses=%lu irqs_per_io=%lu.%02lu io_cqs=%s tick_drains=%lu",
		c->nc_bdf, stopped ? "yes" : "no", stopped ? 0 : dma_live_pages(&c->nc_dma), c->nc_submitted,
		c->nc_completed, c->nc_refused, c->nc_doorbells, c->nc_irq_count, c->nc_spurious_irqs,
		c->nc_irq_drains_unlocked, c->nc_unmatched, c->nc_dropped_on_delete, c->nc_aborted_on_delete,
		c->nc_lane == DMA_LANE_DIRECT ? "direct" : "brokered", c->nc_direct_irqs, c->nc_dev_sq_doorbells,
		c->nc_dev_cq_doorbells, nvme_poll_choice_name(nvme_poll_mode()), c->nc_poll_hits, c->nc_poll_misses,
		irqs_per_io / 100, irqs_per_io % 100, c->nc_io_cqs_polled ? "polled" : "interrupts",
		c->nc_poll_tick_drains);
	if (c->nc_device_cmds)	/* the device's share of an I/O's latency, to set against the client's and the provider's */
		kprintf("nvme: device time bdf=%s io_commands=%lu device_us_avg=%lu", c->nc_bdf, c->nc_device_cmds,
			c->nc_device_ns / 1000 / c->nc_device_cmds);
	if (c->nc_lane == DMA_LANE_BROKERED)	/* how the data really moved, counted as it did */
		kprintf("dma: data moved bdf=%s data=%s staged_bytes=%lu in_place_bytes=%lu maps=%lu",
			c->nc_bdf, c->nc_dma.dd_in_place ? "in-place" : "staged",
			c->nc_dma.dd_bytes_in + c->nc_dma.dd_bytes_out, c->nc_dma.dd_in_place_bytes, c->nc_dma.dd_maps);
	nvme_ctrl_unlock(c);	/* under the BKL: what was owed is paid, to vectors still there */
	for (unsigned i = 0; i < c->nc_nvectors; i++)
		kobj_put(&c->nc_irq_obj[i]->io_obj);
	if (stopped)
		kfree(c);
}

static int provider_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req);

/* The provider's brokered enable: the manager writes AQA/ASQ/ACQ and CC (I5). */
int nvme_provider_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req)
{
	nvme_ctrl_lock(c);
	int err = provider_enable(c, pool, req);
	nvme_ctrl_unlock(c);
	return err;
}

static int provider_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req)
{
	uint32_t max = NVME_AQ_MAX_ENTRIES;	/* not CAP.MQES: that bounds I/O queues only */
	uint64_t end;
	int err;

	if (req->er_asq_entries < 2 || req->er_asq_entries > max ||
	    req->er_acq_entries < 2 || req->er_acq_entries > max)
		return CR_EINVAL;
	if (req->er_asq_handle % sizeof(struct nvme_sqe) || req->er_acq_handle % sizeof(struct nvme_cqe) ||
	    __builtin_add_overflow(req->er_asq_handle, (uint64_t)req->er_asq_entries * 64, &end) ||
	    end > pool->dp_bytes ||
	    __builtin_add_overflow(req->er_acq_handle, (uint64_t)req->er_acq_entries * 16, &end) ||
	    end > pool->dp_bytes)
		return CR_ERANGE;
	if ((nvme_read32(c, NVME_CC) & NVME_CC_EN) || (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY))
		return CR_EBUSY;	/* the provider resets and waits for RDY=0 first */
	broker_teardown(c);		/* disabled: nothing of the old state is in use */
	if (!c->nc_shadow_sq_map) {
		c->nc_shadow_sq_map = kmalloc(DIV_ROUND_UP(pool->dp_bytes / 64, 8));
		c->nc_device_data_map = kmalloc(DIV_ROUND_UP(DIV_ROUND_UP(pool->dp_bytes, PAGE_SIZE), 8));
		if (!c->nc_shadow_sq_map || !c->nc_device_data_map)
			return CR_ENOMEM;
	}
	if ((err = dma_attach_pool(&c->nc_dma, pool)) < 0) {
		kerror("nvme: error enable bdf=%s cannot attach the pool err=%s", c->nc_bdf, cr_err_name(err));
		return err;
	}
	c->nc_provider_pid = pool->dp_mapped_pid;
	/* Both lanes: the admin queue is the manager's (I6); on the direct lane the I/O queues are not. */
	if ((err = broker_admin_start(c, req->er_asq_handle, req->er_asq_entries, req->er_acq_handle,
				      req->er_acq_entries)) < 0)
		return err;
	kprintf("nvme: %s enable bdf=%s writer=manager admin=brokered device_admin_entries=%u shadow_asq_entries=%u shadow_acq_entries=%u page_size=%u io_queues=%s",
		c->nc_lane == DMA_LANE_DIRECT ? "direct" : "brokered", c->nc_bdf, c->nc_admin_entries,
		req->er_asq_entries, req->er_acq_entries, c->nc_page_size,
		c->nc_lane == DMA_LANE_DIRECT ? "provider-rings" : "brokered");
	if (c->nc_fault_irq) {
		c->nc_fault_irq = false;	/* once: the platform "loses" them from here on */
		nvme_irq_fault_mask(c);
	}
	return 0;
}

void nvme_provider_reset(struct nvme_ctrl *c)
{
	/* EN 1 -> 0 resets the controller; queues die with it.  Memory is freed once RDY reads 0. */
	nvme_ctrl_lock(c);
	nvme_write32(c, NVME_CC, nvme_read32(c, NVME_CC) & ~NVME_CC_EN);
	broker_mark_reset(c);
	nvme_ctrl_unlock(c);
}

/* Registers, CAP sanity, and the register window the broker needs. */
static int map_registers(struct nvme_ctrl *c)
{
	const struct pci_bar *bar = &c->nc_pci->pd_bars[0];

	if ((bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->base || bar->size < NVME_REG_PAGE) {
		kerror("nvme: error bdf=%s BAR0 is not an assigned memory BAR of at least 4 KiB", c->nc_bdf);
		return CR_ENODEV;
	}
	c->nc_reg_bytes = NVME_REG_PAGE;
	c->nc_regs = pci_map_bar(c->nc_pci, 0, c->nc_reg_bytes);
	if (!c->nc_regs)
		return CR_ENOMEM;
	c->nc_cap = nvme_read64(c, NVME_CAP);
	c->nc_dstrd = NVME_CAP_DSTRD(c->nc_cap);
	c->nc_mqes = NVME_CAP_MQES(c->nc_cap) + 1;
	c->nc_page_size = 4096u << NVME_CAP_MPSMIN(c->nc_cap);
	if (c->nc_cap == ~0ull || c->nc_page_size > (64u << 10) || c->nc_mqes < 2 ||
	    !(NVME_CAP_CSS(c->nc_cap) & (NVME_CAP_CSS_NVM | NVME_CAP_CSS_IOCS))) {
		kerror("nvme: error bdf=%s unsupported CAP=0x%lx (page size %u, mqes %u, css 0x%x)", c->nc_bdf,
		       c->nc_cap, c->nc_page_size, c->nc_mqes, NVME_CAP_CSS(c->nc_cap));
		return CR_ENODEV;
	}
	/* CAP.MQES bounds I/O queues only; the admin queue's bound is AQA's 4096 entries (NVMe base spec 3.1.4.1). */
	c->nc_admin_entries = BROKER_ADMIN_ENTRIES;
	/* Registers plus the doorbells of every queue the broker may create. */
	uint64_t want = MIN(bar->size, nvme_cq_doorbell(BROKER_MAX_QID, c->nc_dstrd) + 4);
	pci_unmap_bar(c->nc_regs, c->nc_reg_bytes);
	c->nc_reg_bytes = want;
	c->nc_regs = pci_map_bar(c->nc_pci, 0, want);
	return c->nc_regs ? 0 : CR_ENOMEM;
}

static int alloc_ctrl_memory(struct nvme_ctrl *c)
{
	void *buf = NULL;

	c->nc_id_raw = kmalloc(NVME_IDENTIFY_BYTES);
	c->nc_ns_raw = kmalloc(NVME_IDENTIFY_BYTES);
	c->nc_ns = kmalloc(BROKER_MAX_NS * sizeof(*c->nc_ns));
	c->nc_mgr_buf_addr = dma_alloc_coherent(&c->nc_dma, 2 * (uint64_t)c->nc_page_size, &buf);
	c->nc_mgr_buf = buf;
	return c->nc_id_raw && c->nc_ns_raw && c->nc_ns && c->nc_mgr_buf_addr ? 0 : CR_ENOMEM;
}

static int make_irq_objects(struct nvme_ctrl *c)
{
	void *ctx[BROKER_VECTORS];

	for (unsigned i = 0; i < BROKER_VECTORS; i++) {
		c->nc_vec[i] = (struct broker_vector){ c, i };
		ctx[i] = &c->nc_vec[i];
	}
	int err = pci_irq_setup(c->nc_pci, BROKER_VECTORS, irq_allow, broker_irq, ctx, &c->nc_irqs);
	if (err) {
		unsigned a = irq_allow ? irq_allow : PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_MSI | PCI_IRQ_ALLOW_INTX;
		kerror("nvme: error bdf=%s no usable interrupt tried=%s%s%s msix_cap=%s msi_cap=%s intx_pin=%u err=%s",
		       c->nc_bdf, a & PCI_IRQ_ALLOW_MSIX ? "msix," : "", a & PCI_IRQ_ALLOW_MSI ? "msi," : "",
		       a & PCI_IRQ_ALLOW_INTX ? "intx," : "", c->nc_pci->pd_cap_msix ? "yes" : "no",
		       c->nc_pci->pd_cap_msi ? "yes" : "no", c->nc_pci->pd_irq_pin, cr_err_name(err));
		return err;
	}
	for (unsigned i = 0; i < c->nc_irqs.pi_count; i++) {
		c->nc_irq_obj[i] = irq_object_create(i, c->nc_irqs.pi_cpu_vector[i], c->nc_irqs.pi_kind);
		if (!c->nc_irq_obj[i])
			return CR_ENOMEM;
		c->nc_nvectors = i + 1;
	}
	return 0;
}

/*
 * The controller's DMA domain on backend b, the manager's memory, and the
 * manager's own identify, which on the remapping candidate ends with the
 * DMA steps of the IOMMU's verification (lane_verify.c).  Undoes itself on
 * failure, except CR_EBUSY: the controller would not stop, and whatever it
 * may still write to stays allocated.
 */
static int bind_lane(struct nvme_ctrl *c, const struct dma_backend *b, bool in_place, uint64_t staging_bytes,
		     nvme_bind_scan_fn scan, void *scan_ctx)
{
	int err;

	c->nc_lane = b == &dma_bounce_backend ? DMA_LANE_BROKERED : DMA_LANE_DIRECT;
	/* Direct-lane queues are the provider's own rings: the manager cannot poll them (poll.h). */
	c->nc_io_cqs_polled = c->nc_lane == DMA_LANE_BROKERED && nvme_poll_mode() == NVME_POLL_ALWAYS;
	c->nc_lane_step = c->nc_lane_why = NULL;
	c->nc_lane_verified = false;
	if (c->nc_lane == DMA_LANE_BROKERED && (err = dma_lane_prepare_bounce(c->nc_pci, c->nc_bdf)) < 0)
		return err;
	struct dma_domain_req req = {
		.dr_limits = { c->nc_amazon ? AMAZON_DMA_LIMIT : 0, c->nc_page_size },
		.dr_staging_want = staging_bytes ? staging_bytes : STAGING_WANT_BYTES,
		.dr_staging_min = BROKER_MAX_TRANSFER / 4 + 2 * (uint64_t)c->nc_page_size,
		.dr_in_place = in_place,
		.dr_device = c->nc_pci,
		.dr_fail_step = &c->nc_lane_step,
		.dr_fail_why = &c->nc_lane_why,
	};
	if ((err = dma_domain_init(&c->nc_dma, b, &req)) < 0) {
		if (!c->nc_lane_step)
			kerror("nvme: error bdf=%s no memory for the DMA domain (%s)", c->nc_bdf, b->name);
		return err;
	}
	if ((err = alloc_ctrl_memory(c)) < 0) {
		kerror("nvme: error bdf=%s out of memory for identify and namespace tables", c->nc_bdf);
		goto fail_memory;
	}
	if ((err = nvme_identify_at_bind(c, scan, scan_ctx)) < 0) {
		if (nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY) {
			kerror("nvme: error bdf=%s controller left running after a failed bind; its memory is kept", c->nc_bdf);
			return CR_EBUSY;
		}
		/* On the candidate, the manager's identify before the verification was a DMA through the domain too. */
		if (c->nc_lane == DMA_LANE_DIRECT && !c->nc_lane_step && !c->nc_lane_verified) {
			c->nc_lane_step = "dma-lands";
			c->nc_lane_why = "manager-identify-failed";
		}
		goto fail_memory;
	}
	/* While the provider runs, its domain holds its pool and nothing of the manager's. */
	if (c->nc_lane == DMA_LANE_DIRECT)
		free_mgr_buf(c);
	return 0;

fail_memory:
	free_ctrl_memory(c);
	dma_domain_destroy(&c->nc_dma);
	return err;
}

static int reidentify(struct nvme_ctrl *c)
{
	void *buf = NULL;

	if (!c->nc_mgr_buf) {	/* the direct lane gave it back at bind (D: the domain holds only the pool) */
		c->nc_mgr_buf_addr = dma_alloc_coherent(&c->nc_dma, 2 * (uint64_t)c->nc_page_size, &buf);
		c->nc_mgr_buf = buf;
		if (!c->nc_mgr_buf_addr)
			return CR_ENOMEM;
	}
	int err = nvme_identify_at_bind(c, NULL, NULL);
	if (c->nc_lane == DMA_LANE_DIRECT && !(nvme_read32(c, NVME_CSTS) & NVME_CSTS_RDY))
		free_mgr_buf(c);
	return err;
}

int nvme_reidentify(struct nvme_ctrl *c)
{
	nvme_ctrl_lock(c);
	int err = reidentify(c);
	nvme_ctrl_unlock(c);
	return err;
}

struct nvme_ctrl *nvme_bind(struct pci_dev *d, const struct dma_selection *sel, uint64_t staging_bytes,
			    nvme_bind_scan_fn scan, void *scan_ctx, uint32_t fault_rdy_late_ms)
{
	struct nvme_ctrl *c = kmalloc(sizeof(*c));
	char bdf[16];
	int err;

	pci_bdf(d, bdf);
	if (!c) {
		kerror("nvme: error bdf=%s out of memory for the controller state", bdf);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->nc_lock = (struct kspin)KSPIN_INIT("nvme-ctrl", KSPIN_RANK_CTRL);
	nvme_ctrl_lock(c);	/* nobody else knows it yet; the broker's functions check for it (L8) */
	c->nc_obj = (struct kobj){ CAP_TYPE_DEVICE_MMIO, 1, ctrl_release };
	c->nc_pci = d;
	memcpy(c->nc_bdf, bdf, sizeof(bdf));
	c->nc_amazon = d->pd_vendor == AMAZON_VENDOR;
	c->nc_iommu_not_driven = acpi.other_iommu;
	nvme_timeout_policy(d->pd_vendor, d->pd_device, timeout_override_ms, &c->nc_to_policy);
	c->nc_refusal_log = (struct ratelimit)RATELIMIT_INIT(32, 4);
	c->nc_fault_rdy_late_ms = fault_rdy_late_ms;
	pci_set_command_bits(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);

	if ((err = map_registers(c)) < 0)
		goto fail_regs;
	const struct dma_backend *backend = dma_lane_backend(sel, d);
	if (backend != &dma_bounce_backend && !d->pd_cap_msix && !d->pd_cap_msi) {
		/* The direct lane forwards interrupts it cannot acknowledge at the device: edge-triggered only. */
		kprintf("nvme: lane direct not offered bdf=%s reason=no-message-signalled-interrupts", bdf);
		backend = &dma_bounce_backend;
	}
	bool in_place = sel->ds_bounce == DMA_BOUNCE_WHEN_NEEDED;
	err = bind_lane(c, backend, in_place, staging_bytes, scan, scan_ctx);
	if (err < 0 && err != CR_EBUSY && c->nc_lane_step) {
		/* The remapping candidate did not verify on this controller. */
		if (!dma_lane_failed(bdf, c->nc_lane_step, c->nc_lane_why))
			goto fail_regs;
		kprintf("nvme: lane fallback bdf=%s lane=brokered failed_step=%s reason=%s", bdf, c->nc_lane_step,
			c->nc_lane_why);
		err = bind_lane(c, &dma_bounce_backend, in_place, staging_bytes, scan, scan_ctx);
	} else if (!err && c->nc_lane == DMA_LANE_DIRECT) {
		dma_lane_verified(bdf, c->nc_irq_isolation);
	}
	if (err == CR_EBUSY) {
		nvme_ctrl_unlock(c);
		return NULL;
	}
	if (err < 0)
		goto fail_regs;
	if ((err = make_irq_objects(c)) < 0)
		goto fail_irqs;
	if (!track(c, true)) {
		kerror("nvme: error bdf=%s more than %u controllers", bdf, NVME_MAX_CTRL);
		err = CR_ENOMEM;
		goto fail_irqs;
	}
	sched_on_tick(nvme_tick);
	sched_on_idle(nvme_resume);
	kprintf("nvme: manager bind bdf=%s reg_bytes=0x%lx dstrd=%u mqes=%u page_size=%u timeout_ms=%u irq=%s vectors=%u staging_bytes=%lu dma_limit=%s lane=%s",
		bdf, c->nc_reg_bytes, c->nc_dstrd, c->nc_mqes, c->nc_page_size, NVME_CAP_TO(c->nc_cap) * 500,
		irq_kind_name(c->nc_irqs.pi_kind), c->nc_nvectors, c->nc_dma.dd_staging_bytes,
		c->nc_amazon ? "2^48" : "none", c->nc_lane == DMA_LANE_DIRECT ? "direct" : "brokered");
	if (c->nc_lane == DMA_LANE_BROKERED)
		kprintf("dma: data path bdf=%s lane=brokered data=%s bounce=%s dma_limit=%s page_size=%u",
			bdf, c->nc_dma.dd_in_place ? "in-place" : "staged", dma_bounce_choice_name(sel->ds_bounce),
			c->nc_amazon ? "2^48" : "none", c->nc_page_size);
	nvme_ctrl_unlock(c);
	return c;

fail_irqs:
	for (unsigned i = 0; i < c->nc_nvectors; i++)
		kobj_put(&c->nc_irq_obj[i]->io_obj);
	if (c->nc_irqs.pi_count)
		pci_irq_teardown(d, &c->nc_irqs);
	free_ctrl_memory(c);
	dma_domain_destroy(&c->nc_dma);
fail_regs:
	pci_unmap_bar(c->nc_regs, c->nc_reg_bytes);
	pci_set_command_bits(d, 0, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
	nvme_ctrl_unlock(c);
	kfree(c);
	if (err == CR_ENOMEM)
		kerror("nvme: error bdf=%s out of memory or MMIO space while binding", bdf);
	return NULL;
}

void nvme_irq_steer(struct nvme_ctrl *c, unsigned int cpu)
{
	uint32_t apic_id = percpu_blocks[cpu].cpu_apic_id;

	if (smp_cpus_online() < 2)
		return;		/* one CPU: everything is where it was */
	int err = pci_irq_retarget(c->nc_pci, &c->nc_irqs, apic_id);
	if (err < 0) {
		kprintf("nvme: interrupts steered bdf=%s cpu=0 apic_id=%u vectors=%u kind=%s result=kept reason=%s",
			c->nc_bdf, percpu_blocks[0].cpu_apic_id, c->nc_irqs.pi_count, irq_kind_name(c->nc_irqs.pi_kind),
			err == CR_ENOSYS ? "intx-pin-shared" : err == CR_ERANGE ? "apic-id-not-addressable" : "remap-error");
		return;
	}
	c->nc_irq_cpu = cpu;
	kprintf("nvme: interrupts steered bdf=%s cpu=%u apic_id=%u vectors=%u kind=%s remapped=%s result=ok", c->nc_bdf,
		cpu, apic_id, c->nc_irqs.pi_count, irq_kind_name(c->nc_irqs.pi_kind),
		c->nc_irqs.pi_count && c->nc_irqs.pi_remap[0].ir_unit >= 0 ? "yes" : "no");
}
