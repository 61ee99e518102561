/*
 * tests/host/test_vtd_model.c - the VT-d driver (kernel/iommu/vtd/, its real
 * sources) against the unit model in tests/host/model/vtd_model.c.
 *
 * What is checked, in both invalidation modes and with and without caching
 * mode: bring-up (root table, invalidation interface, fault interrupt);
 * that a device reaches its pool only while it is attached and faults
 * before and after (the model's IOTLB keeps translations it used, so a
 * missing invalidation lets the device through); that nothing the kernel
 * frees is still reachable through the caches or tables (checked by the
 * model on every free); that Global Command writes keep queued
 * invalidation on; fault collection (two sources, the F bit cleared, the
 * next fault of a source recorded again, overflow); the verification's
 * DMA steps against a working unit, a unit that translates nothing, and a
 * device that writes too much; a unit that never acknowledges translation
 * (the bounded wait, the step that fails, nothing left behind);
 * translation going off again after a failed first verification but not
 * after a verified one; pass-through for a bounce-lane device; RMRR
 * identity maps, and a controller named by an RMRR refused the domain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd.h"
#include "kernel/iommu/irq_remap.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "tests/host/model/kshim.h"
#include "tests/host/model/vtd_model.h"

#define UNUSED __attribute__((unused))

static struct acpi_dmar_info dmar;
static struct pci_dev nvme0 = { .pd_bus = 0, .pd_dev = 2, .pd_fn = 0, .pd_vendor = 0x1b36, .pd_cap_msix = 0x40 };
static struct pci_dev nvme1 = { .pd_bus = 0, .pd_dev = 3, .pd_fn = 0, .pd_vendor = 0x1b36, .pd_cap_msix = 0x40 };
static struct pci_dev usb = { .pd_bus = 0, .pd_dev = 0x14, .pd_fn = 0, .pd_vendor = 0x8086 };
#define SID0 0x0010
#define SID1 0x0018
#define SID_USB 0x00a0

/* What a test changes on the unit or the platform before the driver first sees it (then reset). */
static struct {
	bool no_ir, no_ioapic_scope, x2apic, sci_open, eim;
} before_init;

static void setup_unit(bool queued, bool cm, unsigned nrmrr)
{
	vtdm_reset(queued, cm);
	memset(&dmar, 0, sizeof(dmar));
	dmar.host_address_width = 51;	/* host "physical" addresses reach 2^48 here */
	dmar.nunits = 1;
	dmar.units[0] = (struct acpi_dmar_unit_info){ .register_base = 0xfed90000, .flags = DRHD_INCLUDE_PCI_ALL,
						      .nscopes = 1 };
	/* The I/O APIC's scope, as QEMU's DMAR lists it: id 0 at ff:00.0. */
	dmar.units[0].scopes[0] = (struct acpi_dmar_scope_info){ .type = DMAR_SCOPE_IOAPIC, .enumeration_id = 0,
								 .start_bus = 0xff, .npath = 1 };
	dmar.nrmrr = nrmrr;
	vtdm_add_device(&nvme0);
	vtdm_add_device(&nvme1);
	vtdm_add_device(&usb);
	kshim_reset_log();
	kshim_errors = 0;
	if (before_init.no_ir)
		vtdm.ecap &= ~VTD_ECAP_IR;
	if (before_init.no_ioapic_scope)
		dmar.units[0].nscopes = 0;
	vtdm.x2apic = before_init.x2apic;
	if (before_init.eim)
		vtdm.ecap |= VTD_ECAP_EIM;	/* QEMU's unit has it only with eim=on */
	vtdm.ioapic_sci_open = before_init.sci_open;
	memset(&before_init, 0, sizeof(before_init));
	assert_int_equal(vtd_init(&dmar, queued ? VTD_INVAL_PREF_AUTO : VTD_INVAL_PREF_REGISTER), 1);
	assert_string_equal(vtdm.failed, "");
}

static int make_domain(struct dma_domain *d, const struct pci_dev *dev, const char **step, const char **why)
{
	struct dma_domain_req req = { .dr_limits = { 0, 4096 }, .dr_device = dev, .dr_fail_step = step,
				      .dr_fail_why = why };
	*step = *why = NULL;
	return dma_domain_init(d, &dma_vtd_backend, &req);
}

static struct dma_pool *pool_for(const struct dma_domain *d, uint64_t bytes)
{
	struct dma_pool *p = kshim_pool_create(bytes);
	p->dp_iova_base = d->dd_pool_iova;
	p->dp_obj.ko_refs = 1;
	return p;
}

/* ------------------------------------------------------------ bring-up */

static void test_bringup(void **state UNUSED)
{
	for (int queued = 0; queued <= 1; queued++) {
		setup_unit(queued, false, 0);
		assert_int_equal(vtdm.srtp, 1);
		assert_true(vtdm.gsts & VTD_GCMD_SRTP);
		assert_false(vtdm.gsts & VTD_GCMD_TE);	/* translation waits for the first domain */
		assert_int_equal(!!(vtdm.gsts & VTD_GCMD_QIE), queued);
		/* The new root: context cache and IOTLB dropped, globally, by the chosen interface. */
		assert_true(vtdm.cc_inval >= 1 && vtdm.iotlb_inval >= 1);
		if (queued)
			assert_true(vtdm.qi_waits >= 1);
		assert_false(vtdm.fectl & VTD_FECTL_IM);
		assert_int_equal(vtdm.fedata, 0x50);
		assert_int_equal(vtdm.feaddr, 0xfee00000u);
		assert_true(kshim_logged(queued ? "invalidation=queued" : "invalidation=register"));
	}
}

/* ------------------------------------------------------------ reach: only the pool, only while attached */

static void reach(bool queued, bool cm)
{
	struct dma_domain d;
	const char *step, *why;
	uint8_t buf[64];

	setup_unit(queued, cm, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(vtdm.te_on, 1);
	assert_true(kshim_logged("iommu: verify step=translation result=ok"));
	struct dma_pool *pool = pool_for(&d, 64 * 4096);
	uint64_t iova = d.dd_pool_iova + 8192;

	/* Before the pool is attached: blocked (and in caching mode, the miss is cached). */
	assert_int_equal(vtdm_dma(SID0, iova, buf, sizeof(buf), true), CR_EFAULT);
	vtd_fault_collect(d.dd_priv ? ((struct vtd_domain *)d.dd_priv)->vd_unit : NULL, "poll");
	assert_int_equal(dma_attach_pool(&d, pool), 0);
	memset(buf, 0x42, sizeof(buf));
	assert_int_equal(vtdm_dma(SID0, iova, buf, sizeof(buf), true), 0);
	assert_int_equal(pool->dp_virt[8192], 0x42);
	/* Another device, another domain (or none): not this pool. */
	assert_int_equal(vtdm_dma(SID1, iova, buf, sizeof(buf), true), CR_EFAULT);
	/* A manager page: reachable at its IOVA while it is allocated. */
	void *virt = NULL;
	uint64_t m = dma_alloc_coherent(&d, 4096, &virt);
	assert_true(m >= d.dd_pool_iova + VTD_MGR_OFFSET);
	assert_int_equal(vtdm_dma(SID0, m, buf, 8, true), 0);
	assert_int_equal(((uint8_t *)virt)[0], 0x42);
	dma_free_coherent(&d, m, virt, 4096);
	assert_int_equal(vtdm_dma(SID0, m, buf, 8, true), CR_EFAULT);
	/* A submission ring: the device reads it, and no DMA can write a command into it. */
	uint64_t sq = dma_alloc_device_reads(&d, 4096, &virt);
	assert_true(sq >= d.dd_pool_iova + VTD_MGR_OFFSET);
	((uint8_t *)virt)[0] = 0x5a;
	assert_int_equal(vtdm_dma(SID0, sq, buf, 8, false), 0);
	assert_int_equal(buf[0], 0x5a);
	memset(buf, 0x42, sizeof(buf));
	assert_int_equal(vtdm_dma(SID0, sq, buf, 8, true), CR_EFAULT);
	assert_int_equal(((uint8_t *)virt)[0], 0x5a);
	vtd_fault_collect(((struct vtd_domain *)d.dd_priv)->vd_unit, "poll");
	dma_free_coherent(&d, sq, virt, 4096);
	/* Mappings of the pool (the brokered admin queue's data): its place in IOVA space, page by page. */
	struct dma_map pm = { .dm_pool = pool, .dm_handle = 4096 + 512, .dm_len = 4096, .dm_dir = DMA_DIR_FROM_DEVICE };
	assert_int_equal(dma_map(&d, &pm), 0);
	assert_int_equal(pm.dm_npages, 2);
	assert_int_equal(pm.dm_offset, 512);
	struct dma_cursor cur;
	struct dma_page pg;
	dma_cursor_start(&cur, &pm);
	assert_true(dma_next_page(&d, &cur, &pg));
	assert_int_equal(pg.dp_addr, d.dd_pool_iova + 4096);
	assert_true(dma_next_page(&d, &cur, &pg));
	assert_int_equal(pg.dp_addr, d.dd_pool_iova + 8192);
	assert_false(dma_next_page(&d, &cur, &pg));
	assert_true(dma_owns(&d, &pm, d.dd_pool_iova + 4096 + 512, 4096));
	assert_false(dma_owns(&d, &pm, d.dd_pool_iova + 3 * 4096, 8));
	dma_unmap(&d, &pm);
	struct dma_map past = { .dm_pool = pool, .dm_handle = 64 * 4096 - 8, .dm_len = 16, .dm_dir = DMA_DIR_TO_DEVICE };
	assert_int_equal(dma_map(&d, &past), CR_ENOSYS);	/* beyond the pool */
	struct dma_map scratch = { .dm_len = 4096, .dm_scratch = true, .dm_dir = DMA_DIR_TO_DEVICE };
	assert_int_equal(dma_map(&d, &scratch), CR_ENOSYS);	/* no manager scratch pages on this lane */
	/* A block session's region at its space (3): reachable there, at no other space, and not after. */
	struct dma_pool *region = kshim_pool_create(8 * 4096);
	uint64_t r3 = d.dd_pool_iova + 3 * DMA_DIRECT_SPACE_STRIDE;
	assert_int_equal(d.dd_ops->map_space(&d, 3, region), 0);
	assert_int_equal(d.dd_ops->map_space(&d, 3, region), CR_EINVAL);
	assert_int_equal(vtdm_dma(SID0, r3 + 4096, buf, 8, true), 0);
	assert_int_equal(region->dp_virt[4096], 0x42);
	assert_int_equal(vtdm_dma(SID0, r3 + 8 * 4096, buf, 8, true), CR_EFAULT);	/* past its end */
	assert_int_equal(vtdm_dma(SID0, r3 - DMA_DIRECT_SPACE_STRIDE, buf, 8, true), CR_EFAULT);
	d.dd_ops->unmap_space(&d, 3);
	assert_int_equal(vtdm_dma(SID0, r3 + 4096, buf, 8, false), CR_EFAULT);
	kshim_pool_destroy(region);
	/* A region as large as the stride would reach the next space: refused. */
	struct dma_pool *big = kshim_pool_create(DMA_DIRECT_SPACE_STRIDE);
	assert_int_equal(d.dd_ops->map_space(&d, 4, big), CR_ERANGE);
	kshim_pool_destroy(big);
	/* Detached: the translation the device just used (cached) must be gone. */
	dma_detach_pool(&d);
	assert_int_equal(vtdm_dma(SID0, iova, buf, sizeof(buf), false), CR_EFAULT);
	kshim_pool_destroy(pool);
	struct vtd_unit *u = ((struct vtd_domain *)d.dd_priv)->vd_unit;
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_false(vtd_context_present(u, SID0));
	assert_true(kshim_logged("iommu: domain destroyed bdf=0000:00:02.0"));
	/* No domain was verified on the unit: translation is off again. */
	assert_int_equal(vtdm.te_off, 1);
	assert_string_equal(vtdm.failed, "");
	assert_int_equal(kshim_errors, 0);
}

static void test_reach_queued(void **state UNUSED) { reach(true, false); }
static void test_reach_register(void **state UNUSED) { reach(false, false); }
static void test_reach_caching_mode_queued(void **state UNUSED) { reach(true, true); }
static void test_reach_caching_mode_register(void **state UNUSED) { reach(false, true); }

/* ------------------------------------------------------------ faults */

static void test_fault_collection(void **state UNUSED)
{
	struct dma_domain d0, d1;
	const char *step, *why;
	uint8_t b[8] = { 0 };

	setup_unit(true, false, 0);
	assert_int_equal(make_domain(&d0, &nvme0, &step, &why), 0);
	assert_int_equal(make_domain(&d1, &nvme1, &step, &why), 0);
	struct vtd_unit *u = ((struct vtd_domain *)d0.dd_priv)->vd_unit;
	vtdm_take_events();
	assert_int_equal(vtdm_dma(SID0, 0x1000, b, 8, true), CR_EFAULT);
	assert_int_equal(vtdm_dma(SID1, 0x2000, b, 8, false), CR_EFAULT);
	assert_int_equal(vtdm_take_events(), 1);	/* one event until software looks */
	assert_int_equal(vtd_fault_collect(u, "poll"), 2);
	assert_true(kshim_logged("iommu: fault unit=0 source=0000:00:02.0 addr=0x1000 reason=write-denied"));
	assert_true(kshim_logged("source=0000:00:03.0 addr=0x2000 reason=read-denied fault_reason=0x06 type=read"));
	assert_false(vtdm.fsts & VTD_FSTS_PPF);
	/* Cleared: the same source's next fault is recorded, not collapsed. */
	assert_int_equal(vtdm_dma(SID0, 0x3000, b, 8, true), CR_EFAULT);
	assert_int_equal(vtdm.faults_collapsed, 0);
	assert_int_equal(vtd_fault_collect(u, "poll"), 1);
	assert_int_equal(vtdm_take_events(), 1);
	/* Not cleared: collapsed; then every record full: overflow, reported and cleared. */
	assert_int_equal(vtdm_dma(SID0, 0x4000, b, 8, true), CR_EFAULT);
	assert_int_equal(vtdm_dma(SID0, 0x5000, b, 8, true), CR_EFAULT);
	assert_int_equal(vtdm.faults_collapsed, 1);
	for (uint16_t s = 0x100; s < 0x100 + VTDM_NFR; s++)
		vtdm_dma(s, 0x6000, b, 8, true);
	assert_true(vtdm.fsts & VTD_FSTS_PFO);
	assert_int_equal(vtd_fault_collect(u, "poll"), VTDM_NFR);
	assert_true(kshim_logged("iommu: fault overflow unit=0"));
	assert_false(vtdm.fsts & VTD_FSTS_PFO);
	assert_int_equal(dma_domain_destroy(&d0), 0);
	assert_int_equal(dma_domain_destroy(&d1), 0);
	assert_string_equal(vtdm.failed, "");
}

/* ------------------------------------------------------------ verification */

struct probe_dev {
	uint16_t sid;
	uint32_t write_len;		/* bytes the device really writes */
};

static int probe_write(void *ctx, uint64_t addr, uint32_t len)
{
	struct probe_dev *p = ctx;
	static uint8_t data[8192];

	(void)len;
	memset(data, 0x11, sizeof(data));
	data[0] = 0x36;		/* VID 0x1b36, little-endian */
	data[1] = 0x1b;
	vtdm_dma(p->sid, addr, data, p->write_len, true);	/* a blocked DMA still completes the command */
	return 0;
}

static bool probe_check(void *ctx, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	return len >= 2 && data[0] == 0x36 && data[1] == 0x1b;
}

/*
 * The interrupt probe as lane_verify.c drives an NVMe controller: at a
 * page-aligned address GET FEATURES Timestamp (the running milliseconds to
 * the scratch page's end, data_lo | 0x00020000 at the address), elsewhere
 * one dword of the firmware slot log.
 */
static int probe_irq_write(void *ctx, uint64_t scratch, uint64_t addr, uint16_t data_lo)
{
	struct probe_dev *p = ctx;
	uint32_t words[2] = { 0x00000513u, 0x00020000u | data_lo };	/* 0x513: NMI to vector 0x13, if it ever got out */

	uint32_t fw_slot = 1;

	if (addr % 4096 == 0) {
		vtdm_dma(p->sid, scratch + 4092, &words[0], 4, true);
		vtdm_dma(p->sid, addr, &words[1], 4, true);
	} else {
		vtdm_dma(p->sid, addr, &fw_slot, 4, true);
	}
	return 0;
}

static int verify_irq_policy(struct dma_domain *d, uint32_t write_len, bool irq_required, const char **isolation,
			     const char **step, const char **why)
{
	struct probe_dev pd = { SID0, write_len };
	struct vtd_probe p = { probe_write, probe_check, 4096, &pd, probe_irq_write, irq_required, NULL };

	int err = vtd_verify_dma(d, &p, step, why);
	if (isolation)
		*isolation = p.irq_isolation;
	return err;
}

static int verify(struct dma_domain *d, uint32_t write_len, const char **step, const char **why)
{
	return verify_irq_policy(d, write_len, true, NULL, step, why);
}

static void test_verify_passes_and_keeps_translation(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why;

	setup_unit(true, true, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(verify(&d, 4096, &step, &why), 0);
	assert_true(kshim_logged("iommu: verify step=dma-lands result=ok"));
	assert_true(kshim_logged("iommu: verify step=blocked-dma result=ok"));
	assert_true(kshim_logged("event=pending-in-lapic"));
	assert_true(kshim_logged("iommu: verify step=carries-on result=ok"));
	/* The probe pages went, unmapped and invalidated (the model checked at the free). */
	assert_int_equal(dma_live_pages(&d), 0);
	/* The device uses its domain (the unit caches the context entry), then the domain goes. */
	struct dma_pool *pool = pool_for(&d, 4 * 4096);
	uint8_t b[8] = { 0 };
	assert_int_equal(dma_attach_pool(&d, pool), 0);
	assert_int_equal(vtdm_dma(SID0, d.dd_pool_iova, b, 8, false), 0);
	dma_detach_pool(&d);
	kshim_pool_destroy(pool);
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_int_equal(vtdm.te_off, 0);	/* verified once: translation stays on */
	/* ... and the device is blocked: its cached context went with the entry. */
	assert_int_equal(vtdm_dma(SID0, 0x1000, b, 8, false), CR_EFAULT);
	assert_int_equal(VTD_FRCD_HI_FR(vtdm.frcd_hi[(vtdm.next_frcd + VTDM_NFR - 1) % VTDM_NFR]), VTD_FR_CONTEXT_NOT_PRESENT);
	assert_string_equal(vtdm.failed, "");
}

static void test_verify_catches_a_unit_that_does_not_translate(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why;

	setup_unit(true, false, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	vtdm.ignore_te = true;
	assert_int_equal(verify(&d, 4096, &step, &why), CR_EIO);
	assert_string_equal(step, "dma-lands");
	assert_string_equal(why, "nothing-written-to-the-mapped-page");
	assert_int_equal(dma_domain_destroy(&d), 0);
	/* Nothing verified on the unit: translation goes off again (the boot falls back to bounce). */
	assert_int_equal(vtdm.te_off, 1);
	assert_string_equal(vtdm.failed, "");
}

static void test_verify_catches_a_device_writing_too_much(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why;

	setup_unit(true, false, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(verify(&d, 8192, &step, &why), CR_EIO);
	assert_string_equal(step, "dma-lands");
	assert_string_equal(why, "write-outside-the-mapped-page");
	assert_int_equal(dma_domain_destroy(&d), 0);
}

/* ------------------------------------------------------------ interrupt remapping */

static uint8_t last_fault_reason(void)
{
	return VTD_FRCD_HI_FR(vtdm.frcd_hi[(vtdm.next_frcd + VTDM_NFR - 1) % VTDM_NFR]);
}

static void clear_faults(void)
{
	vtd_fault_collect(&vtd_units[0], "poll");
}

static void test_ir_bringup_and_sci(void **state UNUSED)
{
	setup_unit(true, false, 0);
	assert_true(vtdm.gsts & VTD_GCMD_IRE);
	assert_false(vtdm.gsts & VTD_GCMD_CFI);
	assert_int_equal(vtdm.sirtp, 1);
	assert_true(vtdm.iec_global >= 1);
	assert_false(vtdm.irta_live & VTD_IRTA_EIME);
	assert_true(kshim_logged("iommu: interrupt remapping unit=0 enabled=yes entries=1024 mode=xapic eime=no cfi=blocked"));
	assert_true(kshim_logged("iommu: interrupt remapping ioapic id=0 source=ff:00.0 unit=0"));
	/* A compatibility-format message is blocked now, with the fault recorded. */
	assert_false(vtdm_irq(SID0, 0xfee00000u, 0x41));
	assert_int_equal(last_fault_reason(), VTD_FR_IR_COMPAT_BLOCKED);
	clear_faults();
	assert_string_equal(vtdm.failed, "");
}

static void test_ir_sci_moves_to_remappable_format(void **state UNUSED)
{
	/* The SCI pin was open before the unit came up: rewritten in remappable format before IRE. */
	before_init.sci_open = true;
	setup_unit(true, false, 0);
	assert_true(vtdm.sci_rte & VTD_RTE_IF_REMAP);
	assert_int_equal(vtdm.sci_rte & 0xff, VTDM_SCI_VECTOR);
	assert_true(vtdm.sci_rte & VTD_RTE_LEVEL);
	uint16_t handle = (uint16_t)(vtdm.sci_rte >> 49 | ((vtdm.sci_rte >> 11) & 1) << 15);
	vtdm.irr[VTDM_SCI_VECTOR] = 0;
	/* The I/O APIC's message reaches the SCI vector; the same message from a device does not. */
	assert_true(vtdm_irq(VTDM_IOAPIC_SID, vtd_msi_remap_addr(handle), 0));
	assert_int_equal(vtdm.irr[VTDM_SCI_VECTOR], 1);
	assert_false(vtdm_irq(SID0, vtd_msi_remap_addr(handle), 0));
	assert_int_equal(last_fault_reason(), VTD_FR_IR_SID_MISMATCH);
	clear_faults();
	assert_string_equal(vtdm.failed, "");
}

static void test_ir_msi_entries(void **state UNUSED)
{
	setup_unit(true, false, 0);
	uint32_t addr, data;
	struct irq_remap_handle h;

	assert_int_equal(irq_remap_msi(&nvme0, 0x61, &addr, &data, &h), 0);
	assert_true(addr & VTD_MSI_IF_REMAP);
	assert_int_equal(data, 0);
	/* The controller's message: its vector.  Another requester with the same message: blocked. */
	assert_true(vtdm_irq(SID0, addr, data));
	assert_int_equal(vtdm.irr[0x61], 1);
	assert_false(vtdm_irq(SID1, addr, data));
	assert_int_equal(last_fault_reason(), VTD_FR_IR_SID_MISMATCH);
	clear_faults();
	/* Given back: the entry is gone from the table and from the unit's cache. */
	irq_remap_free(&h);
	assert_false(vtdm_irq(SID0, addr, data));
	assert_int_equal(last_fault_reason(), VTD_FR_IR_NOT_PRESENT);
	clear_faults();
	/* An index beyond the table. */
	assert_false(vtdm_irq(SID0, vtd_msi_remap_addr(0x7fff), 0));
	assert_int_equal(last_fault_reason(), VTD_FR_IR_INDEX_OVER);
	clear_faults();
	assert_string_equal(vtdm.failed, "");
}

static void test_ir_x2apic(void **state UNUSED)
{
	before_init.x2apic = true;
	before_init.eim = true;
	setup_unit(true, false, 0);
	assert_true(vtdm.irta_live & VTD_IRTA_EIME);
	assert_true(kshim_logged("mode=x2apic eime=yes cfi=blocked"));
	uint32_t addr, data;
	struct irq_remap_handle h;
	assert_int_equal(irq_remap_msi(&nvme0, 0x62, &addr, &data, &h), 0);
	assert_true(vtdm_irq(SID0, addr, data));
	assert_int_equal(vtdm.irr[0x62], 1);
	assert_string_equal(vtdm.failed, "");
}

/*
 * x2APIC on a unit without extended interrupt mode (ECAP.EIM clear, QEMU's
 * default): EIME is reserved there, so the table runs in xAPIC format and
 * its entries name 8-bit ids, which reach the x2APIC ids below 255; a CPU
 * above that cannot be named and a retarget to it is refused.
 */
static void test_ir_x2apic_without_eim(void **state UNUSED)
{
	before_init.x2apic = true;
	setup_unit(true, false, 0);
	assert_false(vtdm.irta_live & VTD_IRTA_EIME);
	assert_true(kshim_logged("mode=xapic eime=no cfi=blocked"));
	assert_true(kshim_logged("lapic=x2apic unit_eim=no"));
	uint32_t addr, data;
	struct irq_remap_handle h;
	assert_int_equal(irq_remap_msi(&nvme0, 0x63, &addr, &data, &h), 0);
	assert_true(vtdm_irq(SID0, addr, data));
	assert_int_equal(vtdm.irr[0x63], 1);
	assert_int_equal(irq_remap_retarget(&h, 300), CR_ERANGE);
	assert_int_equal(irq_remap_retarget(&h, 0), 0);
	assert_string_equal(vtdm.failed, "");
}

static void ir_off(bool queued, bool with_ir, bool ioapic_scope, const char *reason)
{
	before_init.no_ir = !with_ir;
	before_init.no_ioapic_scope = !ioapic_scope;
	setup_unit(queued, false, 0);
	assert_false(vtdm.gsts & VTD_GCMD_IRE);
	char line[128];
	snprintf(line, sizeof(line), "iommu: interrupt remapping unit=0 enabled=no reason=%s", reason);
	assert_true(kshim_logged(line));
	/* MSI programming falls back to compatibility format (the caller's job). */
	uint32_t addr, data;
	struct irq_remap_handle h;
	assert_int_equal(irq_remap_msi(&nvme0, 0x63, &addr, &data, &h), CR_ENOENT);
	assert_string_equal(vtdm.failed, "");
}

static void test_ir_off_where_it_cannot_be_on(void **state UNUSED)
{
	ir_off(true, false, true, "unit-has-no-interrupt-remapping");
	ir_off(false, true, true, "needs-queued-invalidation");
	/* An I/O APIC no scope names would have its compatibility messages blocked: remapping stays off. */
	ir_off(true, true, false, "ioapic-not-in-dmar-scope");
	assert_true(kshim_logged("iommu: interrupt remapping ioapic id=0 scope=none"));
}

static void test_verify_interrupt_isolation_on_a_blocking_unit(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why, *isolation = NULL;

	setup_unit(true, false, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(verify_irq_policy(&d, 4096, true, &isolation, &step, &why), 0);
	assert_string_equal(isolation, "verified");
	assert_true(kshim_logged("iommu: verify step=interrupt-blocked bdf=0000:00:02.0 compat=blocked foreign_irte=blocked "
				 "fault_reason=0x25 delivered=none result=pass unit=0 fault_source=0010 "));
	/* Nothing reached a CPU: not the probe vectors, not the NMI the first dword would have been. */
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(vtdm.irr[v], 0);
	/* The probe's entry went, from the unit's cache too. */
	assert_false(vtdm_irq(0, vtd_msi_remap_addr(0), 0));
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_string_equal(vtdm.failed, "");
}

static void verify_on_leaky_unit(bool compat_passes, bool no_sid_check, const char *line)
{
	struct dma_domain d;
	const char *step, *why, *isolation = NULL;

	setup_unit(true, false, 0);
	vtdm.ir_compat_passes = compat_passes;
	vtdm.ir_no_sid_check = no_sid_check;
	vtdm.ir_no_fault_records = true;	/* as QEMU: nothing recorded for the blocked half either */
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	/* Required (the default): the verification fails at the interrupt step, and says why. */
	assert_int_equal(verify_irq_policy(&d, 4096, true, &isolation, &step, &why), CR_EIO);
	assert_string_equal(step, "interrupt-blocked");
	assert_string_equal(why, "interrupt-isolation-unverified");
	assert_true(kshim_logged(line));
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_int_equal(vtdm.te_off, 1);	/* nothing verified: translation off again */
	/* Optional: the DMA isolation carries the lane, labelled unverified. */
	kshim_reset_log();
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(verify_irq_policy(&d, 4096, false, &isolation, &step, &why), 0);
	assert_string_equal(isolation, "unverified");
	assert_true(kshim_logged(line));
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_string_equal(vtdm.failed, "");
}

static void test_verify_catches_compat_passed_through(void **state UNUSED)
{
	verify_on_leaky_unit(true, false, "compat=delivered foreign_irte=blocked fault_reason=none delivered=compat result=fail");
}

static void test_verify_catches_no_source_id_check(void **state UNUSED)
{
	verify_on_leaky_unit(false, true, "compat=blocked foreign_irte=delivered fault_reason=none delivered=foreign-irte result=fail");
}

static void test_verify_without_ir(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why, *isolation = NULL;

	before_init.no_ir = true;
	setup_unit(true, false, 0);
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(verify_irq_policy(&d, 4096, true, &isolation, &step, &why), CR_EIO);
	assert_string_equal(why, "no-interrupt-remapping");
	assert_true(kshim_logged("iommu: verify step=interrupt-blocked bdf=0000:00:02.0 result=fail reason=no-interrupt-remapping"));
	assert_int_equal(dma_domain_destroy(&d), 0);
}

/* ------------------------------------------------------------ a unit that hangs */

static void test_translation_enable_times_out(void **state UNUSED)
{
	struct dma_domain d = { 0 };
	const char *step, *why;

	setup_unit(true, false, 0);
	vtdm.stuck_te = true;
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), CR_ENODEV);
	assert_string_equal(step, "translation");
	assert_string_equal(why, "translation-enable-not-acknowledged");
	assert_true(kshim_logged("iommu: error timeout unit=0 waiting for translation enable (GSTS.TES)"));
	assert_true(kshim_errors >= 1);
	/* Nothing left: no context entry, the domain id free again, a later domain gets id 1. */
	assert_null(d.dd_ops);
	vtdm.stuck_te = false;
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(((struct vtd_domain *)d.dd_priv)->vd_did, 1);
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_string_equal(vtdm.failed, "");
}

/* ------------------------------------------------------------ bounce-lane devices, RMRRs */

static void test_bypass_for_bounce_lane_device(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why = NULL;
	uint64_t pa = pmm_alloc(1, 1, 0);
	uint8_t b[4] = { 1, 2, 3, 4 };

	setup_unit(true, false, 0);
	assert_int_equal(vtd_bypass(&nvme1, &why), 0);	/* installed while translation is still off */
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	assert_int_equal(vtdm_dma(SID1, pa, b, 4, true), 0);	/* untranslated through pass-through */
	assert_int_equal(((uint8_t *)phys_to_virt(pa))[3], 4);
	assert_true(kshim_logged("iommu: pass-through bdf=0000:00:03.0 requester=0000:00:03.0 unit=0"));
	assert_int_equal(dma_domain_destroy(&d), 0);
	pmm_free(pa, 1);
	assert_string_equal(vtdm.failed, "");
}

static void test_rmrr(void **state UNUSED)
{
	struct dma_domain d;
	const char *step, *why;
	uint64_t pa = pmm_alloc(2, 1, 0);
	uint8_t b[4] = { 9, 9, 9, 9 };

	vtdm_reset(true, false);
	setup_unit(true, false, 2);
	/* The USB controller's legacy buffers (two pages), and an RMRR naming the second NVMe. */
	dmar.rmrr[0] = (struct acpi_dmar_rmrr_info){ .base = pa, .limit = pa + 8191, .nscopes = 1 };
	dmar.rmrr[0].scopes[0] = (struct acpi_dmar_scope_info){ DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, { { 0x14, 0 } } };
	dmar.rmrr[1] = (struct acpi_dmar_rmrr_info){ .base = pa, .limit = pa + 4095, .nscopes = 1 };
	dmar.rmrr[1].scopes[0] = (struct acpi_dmar_scope_info){ DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, { { 3, 0 } } };
	assert_int_equal(make_domain(&d, &nvme0, &step, &why), 0);
	/* Translation is on; firmware's region is still reachable by its device, 1:1, and only by it. */
	assert_true(kshim_logged("iommu: rmrr identity map bdf=0000:00:14.0"));
	assert_int_equal(vtdm_dma(SID_USB, pa + 4096, b, 4, true), 0);
	assert_int_equal(((uint8_t *)phys_to_virt(pa))[4096], 9);
	assert_int_equal(vtdm_dma(SID0, pa, b, 4, true), CR_EFAULT);
	/* A controller named by an RMRR gets no domain. */
	struct dma_domain d1;
	assert_int_equal(make_domain(&d1, &nvme1, &step, &why), CR_ENODEV);
	assert_string_equal(step, "unit");
	assert_string_equal(why, "device-has-rmrr");
	assert_int_equal(dma_domain_destroy(&d), 0);
	assert_string_equal(vtdm.failed, "");
}

/* A unit's root table, queue and context tables live as long as the kernel does: not leaks here either. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bringup),
		cmocka_unit_test(test_reach_queued),
		cmocka_unit_test(test_reach_register),
		cmocka_unit_test(test_reach_caching_mode_queued),
		cmocka_unit_test(test_reach_caching_mode_register),
		cmocka_unit_test(test_fault_collection),
		cmocka_unit_test(test_verify_passes_and_keeps_translation),
		cmocka_unit_test(test_verify_catches_a_unit_that_does_not_translate),
		cmocka_unit_test(test_verify_catches_a_device_writing_too_much),
		cmocka_unit_test(test_translation_enable_times_out),
		cmocka_unit_test(test_bypass_for_bounce_lane_device),
		cmocka_unit_test(test_rmrr),
		cmocka_unit_test(test_ir_bringup_and_sci),
		cmocka_unit_test(test_ir_sci_moves_to_remappable_format),
		cmocka_unit_test(test_ir_msi_entries),
		cmocka_unit_test(test_ir_x2apic),
		cmocka_unit_test(test_ir_x2apic_without_eim),
		cmocka_unit_test(test_ir_off_where_it_cannot_be_on),
		cmocka_unit_test(test_verify_interrupt_isolation_on_a_blocking_unit),
		cmocka_unit_test(test_verify_catches_compat_passed_through),
		cmocka_unit_test(test_verify_catches_no_source_id_check),
		cmocka_unit_test(test_verify_without_ir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
