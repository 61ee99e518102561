/*
 * kernel/nvme/classify.c - say which cloud NVMe surface the bound controller shows.
 *
 * The facts come from enumeration (class triple, PCI ids) and from the
 * IDENTIFY data the manager read itself at bind; the judgement is
 * lib/cloud_shape.c's table.  Two lines: the AWS Nitro EBS line of
 * DESIGN.md §2 (the shape we build for, with what did and did not match
 * and what this run can and cannot claim), then the table's verdict with
 * the evidence for every surface.
 */
#include "kernel/nvme/classify.h"

#include "kernel/core/log.h"
#include "kernel/dma/dma_select.h"
#include "lib/cloud_shape.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define AWS_EBS_VENDOR 0x1d0f
#define AWS_EBS_DEVICE 0x8061

static bool qemu_identity(const struct pci_dev *d)
{
	return (d->pd_vendor == 0x1b36 && d->pd_device == 0x0010) ||
	       (d->pd_vendor == 0x8086 && d->pd_device == 0x5845);
}

/* "class+vendor+device+model" for one surface's evidence, or "none". */
static void evidence(const struct cloud_surface_match *m, char *buf, size_t n)
{
	fmt_snprintf(buf, n, "%s%s%s%s", m->class_ok ? "+class" : "", m->vendor_ok ? "+vendor" : "",
		     m->device_ok ? "+device" : "", m->model_ok ? "+model" : "");
	if (!buf[0])
		fmt_snprintf(buf, n, "+none");
}

void nvme_classify(struct nvme_ctrl *c)
{
	const struct pci_dev *d = c->nc_pci;
	struct cloud_input in = {
		.vendor = d->pd_vendor, .device = d->pd_device,
		.subsys_vendor = d->pd_subsys_vendor, .subsys_device = d->pd_subsys_id,
		.class_code = d->pd_class, .subclass = d->pd_subclass, .prog_if = d->pd_prog_if,
		.id_ctrl = c->nc_have_id ? c->nc_id_raw : NULL,	/* the manager's own IDENTIFY (I4) */
		.id_ns = c->nc_ns_raw_nsid ? c->nc_ns_raw : NULL,
	};
	struct cloud_result r;
	const struct cloud_surface_match *ebs;
	bool amazon = d->pd_vendor == AWS_EBS_VENDOR;
	bool brokered = c->nc_lane == DMA_LANE_BROKERED;
	char extra[160] = "";

	cloud_classify(&in, &r);
	ebs = &r.match[CLOUD_AWS_NITRO_EBS];
	if (r.ebs_volume_id[0] || r.ebs_device_name[0])
		fmt_snprintf(extra, sizeof(extra), "%s%s%s%s", r.ebs_volume_id[0] ? " ebs_volume_id=" : "",
			     r.ebs_volume_id, r.ebs_device_name[0] ? " ebs_device_name=" : "", r.ebs_device_name);
	/*
	 * The EBS surface is matched on the class triple and the brokered
	 * bounce DMA shape; the vendor id only adds evidence.  What this run
	 * may claim follows what was enumerated: Amazon's identity on the bus,
	 * or QEMU's (a local precursor), or neither.
	 */
	kprintf("nvme: cloud shape classification cloud_shape=aws-nitro-ebs pci_vendor=0x%04x pci_device_id=0x%04x class=0x%02x subclass=0x%02x prog_if=0x%02x aws_nitro_ebs_vendor=0x%04x aws_nitro_ebs_device=0x%04x vendor_match=%s aws_labeled_dma_backend=bounce-buffer dma_backend_policy=%s local_qemu_precursor=%s real_aws_enumeration=%s ena=separate-nic-driver-out-of-scope class_match=%s dma_shape=%s device_match=%s model_match=%s identify=%s%s bdf=%s",
		d->pd_vendor, d->pd_device, d->pd_class, d->pd_subclass, d->pd_prog_if, AWS_EBS_VENDOR,
		AWS_EBS_DEVICE, amazon ? "true" : "false", DMA_POLICY, qemu_identity(d) ? "true" : "false",
		amazon ? (ebs->device_ok || ebs->model_ok ? "amazon-ebs-identity-enumerated" : "amazon-vendor-enumerated")
		       : "not-claimed",
		r.is_nvme ? "true" : "false", brokered ? "brokered-bounce" : "direct-remapping",
		ebs->device_ok ? "true" : "false", ebs->model_ok ? "true" : "false",
		r.have_identify ? "observed" : "not-observed", extra, c->nc_bdf);

	char ev[CLOUD_SURFACE_COUNT][40];
	for (unsigned i = 0; i < CLOUD_SURFACE_COUNT; i++)
		evidence(&r.match[i], ev[i], sizeof(ev[i]));
	kprintf("nvme: cloud surface best=%s ambiguous=%s model=\"%s\" strings=%s %s=%s %s=%s %s=%s %s=%s %s=%s %s=%s%s%s bdf=%s",
		cloud_surface_name(r.best), r.ambiguous ? "yes" : "no", r.have_identify ? r.model : "",
		r.have_identify ? (r.strings_clean ? "clean" : "repaired") : "unknown",
		cloud_surface_name(CLOUD_AWS_NITRO_EBS), ev[0] + 1, cloud_surface_name(CLOUD_AWS_INSTANCE_STORE), ev[1] + 1,
		cloud_surface_name(CLOUD_GCP_NVME), ev[2] + 1, cloud_surface_name(CLOUD_AZURE_NVME), ev[3] + 1,
		cloud_surface_name(CLOUD_QEMU_NVME), ev[4] + 1, cloud_surface_name(CLOUD_GENERIC_NVME), ev[5] + 1,
		r.gcp_disk_name[0] ? " gcp_disk_name=" : "", r.gcp_disk_name, c->nc_bdf);
}
