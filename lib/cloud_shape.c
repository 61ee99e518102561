/*
 * lib/cloud_shape.c - the cloud NVMe surface table and the classifier (see
 * the header for the selection rule).
 *
 * Every identity below comes from a public reference, cited next to it.
 * What the references do not establish is said so, rather than filled in.
 */
#include "lib/cloud_shape.h"

#include "lib/bits.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"
#include "lib/string.h"

/* NVM Express class triple (PCI Code and ID Assignment spec, class 01h/08h/02h). */
#define CLOUD_CLASS_STORAGE	0x01
#define CLOUD_SUBCLASS_NVM	0x08
#define CLOUD_PROG_IF_NVME	0x02

/* ---------------------------------------------------------------- AWS Nitro EBS */
/*
 * Vendor 0x1d0f (Amazon).  Device ids: Filippo Sironi (Amazon), "nvme: Add
 * 48-bit DMA address quirk for Amazon NVMe controllers" (linux-nvme,
 * 2021-02-10), now NVME_QUIRK_DMA_ADDRESS_BITS_48 in torvalds/linux
 * drivers/nvme/host/pci.c: "all Amazon NVMe controllers that expose EBS
 * volumes (0x0061, 0x0065, 0x8061) and local instance storage (0xcd00,
 * 0xcd01, 0xcd02)".  pciutils/pciids pci.ids names 1d0f:8061 "NVMe EBS
 * Controller".
 */
static const struct cloud_pci_id aws_ebs_ids[] = {
	{ 0x1d0f, 0x8061 },	/* "NVMe EBS Controller" (pci.ids) */
	{ 0x1d0f, 0x0061 },	/* EBS per the 2021 quirk patch */
	{ 0x1d0f, 0x0065 },	/* EBS per the 2021 quirk patch */
};
/*
 * Model: amazonlinux/amazon-ec2-utils ebsnvme-id (AMZN_NVME_EBS_MN, checked
 * together with vid 0x1D0F) and 70-ec2-nvme-devices.rules (ATTRS{model}).
 */
static const char *const aws_ebs_models[] = {
	"Amazon Elastic Block Store",
};

/* ---------------------------------------------------------------- AWS instance store */
/*
 * 0xcd00/0xcd01/0xcd02: the same 2021 quirk patch ("local instance
 * storage").  pci.ids names 1d0f:cd01 "NVMe SSD Controller"; an i3.8xlarge
 * shows its four NVMe instance-store SSDs as "Device 1d0f:cd01"
 * (awsdocs/amazon-ec2-user-guide doc_source/ssd-instance-store.md).
 */
static const struct cloud_pci_id aws_instance_store_ids[] = {
	{ 0x1d0f, 0xcd00 },
	{ 0x1d0f, 0xcd01 },	/* i3.8xlarge, awsdocs ssd-instance-store.md */
	{ 0x1d0f, 0xcd02 },
};
/* Model: amazonlinux/amazon-ec2-utils 70-ec2-nvme-devices.rules ("instance store nvme devices"). */
static const char *const aws_instance_store_models[] = {
	"Amazon EC2 NVMe Instance Storage",
};

/* ---------------------------------------------------------------- Google Cloud */
/*
 * Vendor 0x1ae0 (Google, Inc.: pci.ids; PCI_VENDOR_ID_GOOGLE in
 * torvalds/linux drivers/net/ethernet/google/gve/gve.h).  Google documents
 * a persistent disk's by-id link as "nvme-nvme.1ae0-6e766d655f636172642d7064-..."
 * (https://cloud.google.com/compute/docs/disks/disk-symlinks): Linux builds
 * it from IDENTIFY CONTROLLER vid 0x1ae0 and the hex of "nvme_card-pd".
 * Device 0x001f: pci.ids "# NVMe drive in GCP / 001f NVMe device" - one id
 * for the controller, whatever disk type is behind it.
 */
static const struct cloud_pci_id gcp_ids[] = {
	{ 0x1ae0, 0x001f },	/* "NVMe device", NVMe drive in GCP (pci.ids) */
};
/*
 * Models: GoogleCloudPlatform/guest-configs
 * src/lib/udev/rules.d/65-gce-disk-naming.rules: "nvme_card" = Local SSD
 * (Google_EphemeralDisk), "nvme_card-pd" = Persistent Disk (Hyperdisk uses
 * the same link rules), and "nvme_card[0-9]*" = Local SSD on a machine with
 * one controller per disk ("Support for local SSD multi-controller").
 */
static const char *const gcp_models[] = {
	"nvme_card-pd",		/* Persistent Disk */
	"nvme_card",		/* Local SSD */
	"nvme_card#",		/* Local SSD, one controller per disk */
};

/* ---------------------------------------------------------------- Azure */
/*
 * Vendor 0x1414 (Microsoft): IDENTIFY CONTROLLER "vid : 0x1414" with
 * "mn : Microsoft NVMe Direct Disk" in spdk/spdk issue #2532 (nvme id-ctrl
 * on Azure).  Device 0xb111: "Microsoft Corporation Device b111", the local
 * NVMe of an Azure L80sv2, in Ming Lei's "nvme-pci: check CQ after batch
 * submission for Microsoft device" (linux-nvme, 2019-11-13, v2 of a
 * series; whether it was merged was not established), which keys
 * NVME_QUIRK_CHECK_CQ on PCI_DEVICE(0x1414, 0xb111).  DESIGN.md §6 says the
 * admin queue of 0xb111 must be a multiple of 64 entries: the search found
 * no public source for that quirk, so it stays a design note, not a fact
 * this table relies on.  pci.ids lists no Microsoft NVMe device, and no
 * device id was found for the Accelerator.
 */
static const struct cloud_pci_id azure_ids[] = {
	{ 0x1414, 0xb111 },	/* Azure local NVMe (L80sv2), linux-nvme 2019 */
};
/*
 * Models: Azure/azure-vm-utils udev/80-azure-disk.rules and
 * doc/disk-identification.md: "MSFT NVMe Accelerator v1.0" (remote OS and
 * data disks, one controller), "Microsoft NVMe Direct Disk" (local, LSv2/
 * LSv3), "Microsoft NVMe Direct Disk v2" (local, v6 and newer sizes).
 */
static const char *const azure_models[] = {
	"MSFT NVMe Accelerator v1.0",
	"Microsoft NVMe Direct Disk",
	"Microsoft NVMe Direct Disk v2",
};

/* ---------------------------------------------------------------- QEMU */
/*
 * QEMU hw/nvme (formerly hw/block/nvme.c), nvme_init_pci: Red Hat 0x1b36 /
 * PCI_DEVICE_ID_REDHAT_NVME 0x0010 by default; with use-intel-id=on (the
 * compat default for machine types 5.0 and older, "x-use-intel-id" in the
 * 2020 patch "hw/block/nvme: change controller pci id") Intel 0x8086 /
 * PCI_DEVICE_ID_INTEL_NVME 0x5845 (include/hw/pci/pci_ids.h).  nvme_init_ctrl
 * pads "QEMU NVMe Ctrl" into the model and copies the PCI vendor into vid.
 * pci.ids: 1b36:0010 "QEMU NVM Express Controller".
 */
static const struct cloud_pci_id qemu_ids[] = {
	{ 0x1b36, 0x0010 },	/* default */
	{ 0x8086, 0x5845 },	/* -device nvme,use-intel-id=on */
};
static const char *const qemu_models[] = {
	"QEMU NVMe Ctrl",
};

const struct cloud_surface cloud_surfaces[CLOUD_SURFACE_COUNT] = {
	[CLOUD_AWS_NITRO_EBS] = {
		.id = CLOUD_AWS_NITRO_EBS,
		.name = "aws-nitro-ebs",
		.vendor = 0x1d0f,
		.devices = aws_ebs_ids, .ndevices = ARRAY_SIZE(aws_ebs_ids),
		.models = aws_ebs_models, .nmodels = ARRAY_SIZE(aws_ebs_models),
		.source = "linux drivers/nvme/host/pci.c NVME_QUIRK_DMA_ADDRESS_BITS_48 (2021); pci.ids; "
			  "amazonlinux/amazon-ec2-utils ebsnvme-id, 70-ec2-nvme-devices.rules; "
			  "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/nvme-ebs-volumes.html",
	},
	[CLOUD_AWS_INSTANCE_STORE] = {
		.id = CLOUD_AWS_INSTANCE_STORE,
		.name = "aws-nitro-instance-store",
		.vendor = 0x1d0f,
		.devices = aws_instance_store_ids, .ndevices = ARRAY_SIZE(aws_instance_store_ids),
		.models = aws_instance_store_models, .nmodels = ARRAY_SIZE(aws_instance_store_models),
		.source = "linux drivers/nvme/host/pci.c NVME_QUIRK_DMA_ADDRESS_BITS_48 (2021); pci.ids; "
			  "amazonlinux/amazon-ec2-utils 70-ec2-nvme-devices.rules; "
			  "awsdocs/amazon-ec2-user-guide doc_source/ssd-instance-store.md",
	},
	[CLOUD_GCP_NVME] = {
		.id = CLOUD_GCP_NVME,
		.name = "gcp-nvme",
		.vendor = 0x1ae0,
		.devices = gcp_ids, .ndevices = ARRAY_SIZE(gcp_ids),
		.models = gcp_models, .nmodels = ARRAY_SIZE(gcp_models),
		.source = "pci.ids 1ae0:001f; GoogleCloudPlatform/guest-configs src/lib/udev/google_nvme_id, "
			  "src/lib/udev/rules.d/65-gce-disk-naming.rules; "
			  "https://cloud.google.com/compute/docs/disks/disk-symlinks",
	},
	[CLOUD_AZURE_NVME] = {
		.id = CLOUD_AZURE_NVME,
		.name = "azure-nvme",
		.vendor = 0x1414,
		.devices = azure_ids, .ndevices = ARRAY_SIZE(azure_ids),
		.models = azure_models, .nmodels = ARRAY_SIZE(azure_models),
		.source = "Azure/azure-vm-utils udev/80-azure-disk.rules, doc/disk-identification.md; "
			  "spdk/spdk#2532; linux-nvme 2019-11-13 NVME_QUIRK_CHECK_CQ 1414:b111",
	},
	[CLOUD_QEMU_NVME] = {
		.id = CLOUD_QEMU_NVME,
		.name = "qemu-nvme",
		.vendor = 0x1b36,
		.devices = qemu_ids, .ndevices = ARRAY_SIZE(qemu_ids),
		.models = qemu_models, .nmodels = ARRAY_SIZE(qemu_models),
		.source = "qemu hw/nvme/ctrl.c nvme_init_pci, nvme_init_ctrl; include/hw/pci/pci_ids.h; pci.ids",
	},
	/* Any NVM Express controller: the class triple is the whole of it. */
	[CLOUD_GENERIC_NVME] = {
		.id = CLOUD_GENERIC_NVME,
		.name = "generic-nvme",
		.vendor = 0,
		.devices = NULL, .ndevices = 0,
		.models = NULL, .nmodels = 0,
		.source = "PCI class 01h/08h/02h (NVM Express)",
	},
};

const char *cloud_surface_name(enum cloud_surface_id id)
{
	if (id == CLOUD_SURFACE_NONE)
		return "none";
	if ((unsigned int)id < CLOUD_SURFACE_COUNT)
		return cloud_surfaces[id].name;
	return "unknown";
}

/* ---------------------------------------------------------------- helpers */

static bool is_lower_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Printable, and harmless as a key=value token in a log line. */
static bool is_token_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '\\';
}

/* model is a cleaned NUL-terminated string; see struct cloud_surface for '#'. */
static bool model_matches(const char *model, const char *pattern)
{
	size_t plen = strlen(pattern);

	if (plen > 0 && pattern[plen - 1] == '#') {
		size_t prefix = plen - 1;
		if (strncmp(model, pattern, prefix) != 0 || model[prefix] == '\0')
			return false;
		for (const char *p = model + prefix; *p; p++)
			if (!is_digit(*p))
				return false;
		return true;
	}
	return strcmp(model, pattern) == 0;
}

/*
 * The serial of an EBS controller is the volume id without its dash
 * (awsdocs nvme-ebs-volumes.md: "sn : vol01234567890abcdef"; ebsnvme-id
 * get_volume_id re-inserts it).  Ids are "vol-" + 8 or, since 2016-2018,
 * 17 characters (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html);
 * every EBS id seen is lowercase hex, so that is all we accept.  sn is the
 * raw 20-byte field: "vol", the digits, then only space padding.
 */
static void ebs_volume_id(const uint8_t *sn, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	if (sn[0] != 'v' || sn[1] != 'o' || sn[2] != 'l')
		return;
	while (3 + n < NVME_IDC_SN_LEN && is_lower_hex(sn[3 + n]))
		n++;
	for (size_t i = 3 + n; i < NVME_IDC_SN_LEN; i++)
		if (sn[i] != ' ')
			return;
	if ((n != 8 && n != 17) || 4 + n + 1 > outlen)
		return;
	memcpy(out, "vol-", 4);
	memcpy(out + 4, sn + 3, n);
	out[4 + n] = '\0';
}

/*
 * The block device name requested at attach time ("/dev/sdf" or "sdf"),
 * space padded in the first 32 bytes of Amazon's vendor area of IDENTIFY
 * CONTROLLER.  Offset from amazonlinux/amazon-ec2-utils ebsnvme-id: its
 * nvme_identify_controller puts 32 power state descriptors of 32 bytes at
 * 2048, so the vendor area "vs" and its field "bdev" (c_char * 32) start
 * at 3072.  (awsdocs nvme-ebs-volumes.md says "bytes 384:4095" - that range
 * is the vendor area of IDENTIFY NAMESPACE, where newer ebsnvme-id versions
 * look first; only the controller copy is read here.)  ebsnvme-id strips
 * the spaces; ctypes stops at a NUL.  Here a NUL ends the name only if
 * nothing but NULs and spaces follows it, and the name must be one token.
 */
static void ebs_device_name(const uint8_t *vs, char *out, size_t outlen)
{
	size_t start = 0, end = CLOUD_EBS_IDC_BDEV_LEN;

	out[0] = '\0';
	for (size_t i = 0; i < CLOUD_EBS_IDC_BDEV_LEN; i++) {
		if (vs[i] == '\0') {
			end = i;
			break;
		}
	}
	for (size_t i = end; i < CLOUD_EBS_IDC_BDEV_LEN; i++)
		if (vs[i] != '\0' && vs[i] != ' ')
			return;
	while (start < end && vs[start] == ' ')
		start++;
	while (end > start && vs[end - 1] == ' ')
		end--;
	if (end == start || end - start + 1 > outlen)
		return;
	for (size_t i = start; i < end; i++)
		if (!is_token_char(vs[i]))
			return;
	memcpy(out, vs + start, end - start);
	out[end - start] = '\0';
}

static bool is_json_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* google_nvme_id keeps [a-zA-Z0-9_-]+ from "device_name":[ \t]*"...". */
static bool is_gcp_name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
	       c == '_' || c == '-';
}

/*
 * Parse the value after the key that ends at j (exclusive); returns its
 * length (0 = not a well-formed name) and leaves it in out.
 */
static size_t gcp_value(const uint8_t *p, size_t len, size_t j, char *out, size_t outlen)
{
	size_t n = 0;

	while (j < len && is_json_space(p[j]))
		j++;
	if (j >= len || p[j] != ':')
		return 0;
	j++;
	while (j < len && is_json_space(p[j]))
		j++;
	if (j >= len || p[j] != '"')
		return 0;
	j++;
	while (j + n < len && is_gcp_name_char(p[j + n]))
		n++;
	if (n == 0 || n + 1 > outlen || j + n >= len || p[j + n] != '"')
		return 0;
	memcpy(out, p + j, n);
	out[n] = '\0';
	return n;
}

/*
 * The disk name in the JSON that Google puts at byte 384 of IDENTIFY
 * NAMESPACE (GoogleCloudPlatform/guest-configs src/lib/udev/google_nvme_id:
 * `nvme id-ns -b | xxd -p -seek 384`, then the "device_name" string).  No
 * JSON parser: the text ends at the first NUL or the end of the page; a key
 * counts only where one can start (after '{' or ','); a key that appears
 * twice, or a value that is not a plain [A-Za-z0-9_-] string, gives "".
 */
static void gcp_disk_name(const uint8_t *id_ns, char *out, size_t outlen)
{
	static const char key[] = "\"device_name\"";
	const size_t klen = sizeof(key) - 1;
	const uint8_t *p = id_ns + CLOUD_GCP_IDNS_JSON;
	size_t len = NVME_IDENTIFY_BYTES - CLOUD_GCP_IDNS_JSON;
	unsigned int keys = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0') {
			len = i;
			break;
		}
	}
	for (size_t i = 0; i + klen <= len; i++) {
		if (memcmp(p + i, key, klen) != 0)
			continue;
		size_t b = i;
		while (b > 0 && is_json_space(p[b - 1]))
			b--;
		if (b == 0 || (p[b - 1] != '{' && p[b - 1] != ','))
			continue;
		if (++keys > 1 || gcp_value(p, len, i + klen, out, outlen) == 0) {
			out[0] = '\0';
			return;
		}
	}
}

/* ---------------------------------------------------------------- classify */

static void match_surface(const struct cloud_surface *s, const struct cloud_input *in,
			  const struct cloud_result *r, struct cloud_surface_match *m)
{
	m->class_ok = r->is_nvme;
	m->vendor_ok = s->vendor != 0 && in->vendor == s->vendor;
	m->device_ok = false;
	for (unsigned int i = 0; i < s->ndevices; i++)
		if (s->devices[i].vendor == in->vendor && s->devices[i].device == in->device)
			m->device_ok = true;
	m->model_ok = false;
	if (r->have_identify)
		for (unsigned int i = 0; i < s->nmodels; i++)
			if (model_matches(r->model, s->models[i]))
				m->model_ok = true;
	m->evidence = (unsigned int)m->class_ok + m->vendor_ok + m->device_ok + m->model_ok;
}

/* Does candidate a beat the current best b?  (More evidence; then a device-id match.) */
static bool beats(const struct cloud_surface_match *a, const struct cloud_surface_match *b)
{
	if (a->evidence != b->evidence)
		return a->evidence > b->evidence;
	return a->device_ok && !b->device_ok;
}

void cloud_classify(const struct cloud_input *in, struct cloud_result *out)
{
	memset(out, 0, sizeof(*out));
	out->is_nvme = in->class_code == CLOUD_CLASS_STORAGE && in->subclass == CLOUD_SUBCLASS_NVM &&
		       in->prog_if == CLOUD_PROG_IF_NVME;

	if (in->id_ctrl) {
		unsigned int repaired;
		out->have_identify = true;
		repaired = nvme_copy_ascii(out->model, in->id_ctrl + NVME_IDC_MN, NVME_IDC_MN_LEN);
		repaired += nvme_copy_ascii(out->serial, in->id_ctrl + NVME_IDC_SN, NVME_IDC_SN_LEN);
		out->strings_clean = repaired == 0;
		ebs_volume_id(in->id_ctrl + NVME_IDC_SN, out->ebs_volume_id, sizeof(out->ebs_volume_id));
	}

	for (unsigned int s = 0; s < CLOUD_SURFACE_COUNT; s++)
		match_surface(&cloud_surfaces[s], in, out, &out->match[s]);

	out->best = out->is_nvme ? CLOUD_GENERIC_NVME : CLOUD_SURFACE_NONE;
	if (out->is_nvme) {
		const struct cloud_surface_match *bm = NULL;
		for (unsigned int s = 0; s < CLOUD_SURFACE_COUNT; s++) {
			const struct cloud_surface_match *m = &out->match[s];
			if (s == CLOUD_GENERIC_NVME || !(m->device_ok || m->model_ok))
				continue;
			if (!bm || beats(m, bm)) {
				out->ambiguous = bm && m->evidence == bm->evidence;
				out->best = (enum cloud_surface_id)s;
				bm = m;
			} else if (m->evidence == bm->evidence) {
				out->ambiguous = true;
			}
		}
	}

	const struct cloud_surface_match *ebs = &out->match[CLOUD_AWS_NITRO_EBS];
	if (in->id_ctrl && (ebs->device_ok || ebs->model_ok))
		ebs_device_name(in->id_ctrl + CLOUD_EBS_IDC_BDEV, out->ebs_device_name,
				sizeof(out->ebs_device_name));
	const struct cloud_surface_match *gcp = &out->match[CLOUD_GCP_NVME];
	if (in->id_ns && (gcp->device_ok || gcp->model_ok))
		gcp_disk_name(in->id_ns, out->gcp_disk_name, sizeof(out->gcp_disk_name));
}
