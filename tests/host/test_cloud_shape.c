/*
 * tests/host/test_cloud_shape.c - host tests for lib/cloud_shape.c: every
 * row of the surface table on synthetic configuration-space ids and
 * IDENTIFY pages built from the documented layouts, the selection rule
 * (class triple first, no vendor-only selection, evidence count, device-id
 * tie-break), and hostile identify bytes.
 *
 * Every identify page lives in its own malloc(4096) so AddressSanitizer
 * catches a read one byte past the page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cloud_shape.h"
#include "lib/nvme_reg.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

static uint8_t *ctrl;	/* IDENTIFY CONTROLLER page */
static uint8_t *ns;	/* IDENTIFY NAMESPACE page */
static struct cloud_result res;

static int setup(void **state UNUSED)
{
	ctrl = malloc(NVME_IDENTIFY_BYTES);
	ns = malloc(NVME_IDENTIFY_BYTES);
	if (!ctrl || !ns)
		return -1;
	memset(ctrl, 0, NVME_IDENTIFY_BYTES);
	memset(ns, 0, NVME_IDENTIFY_BYTES);
	memset(&res, 0xa5, sizeof(res));	/* classify must overwrite everything */
	return 0;
}

static int teardown(void **state UNUSED)
{
	free(ctrl);
	free(ns);
	ctrl = ns = NULL;
	return 0;
}

/* ------------------------------------------------------------ page builders */

/* Copy s into [off, off+len) and pad with spaces, as the spec pads identify strings. */
static void put_padded(uint8_t *page, size_t off, size_t len, const char *s)
{
	size_t n = strlen(s);

	assert_true(n <= len);
	memset(page + off, ' ', len);
	memcpy(page + off, s, n);
}

/* Raw bytes, no padding (for unterminated fields and embedded NULs). */
static void put_raw(uint8_t *page, size_t off, const void *bytes, size_t n)
{
	memcpy(page + off, bytes, n);
}

static void make_ctrl(uint16_t vid, const char *sn, const char *mn)
{
	memset(ctrl, 0, NVME_IDENTIFY_BYTES);
	ctrl[NVME_IDC_VID] = (uint8_t)vid;
	ctrl[NVME_IDC_VID + 1] = (uint8_t)(vid >> 8);
	ctrl[NVME_IDC_SSVID] = (uint8_t)vid;
	ctrl[NVME_IDC_SSVID + 1] = (uint8_t)(vid >> 8);
	put_padded(ctrl, NVME_IDC_SN, NVME_IDC_SN_LEN, sn);
	put_padded(ctrl, NVME_IDC_MN, NVME_IDC_MN_LEN, mn);
	put_padded(ctrl, NVME_IDC_FR, NVME_IDC_FR_LEN, "1.0");
	ctrl[NVME_IDC_MDTS] = 5;
	ctrl[NVME_IDC_NN] = 1;
}

/* Amazon's vendor area: the block device name, space padded (ebsnvme-id layout). */
static void put_ebs_bdev(const char *name)
{
	put_padded(ctrl, CLOUD_EBS_IDC_BDEV, CLOUD_EBS_IDC_BDEV_LEN, name);
}

/* Google's vendor area of IDENTIFY NAMESPACE: NUL-terminated JSON at 384. */
static void put_gcp_json(const char *json)
{
	size_t n = strlen(json);

	memset(ns + CLOUD_GCP_IDNS_JSON, 0, NVME_IDENTIFY_BYTES - CLOUD_GCP_IDNS_JSON);
	assert_true(n <= NVME_IDENTIFY_BYTES - CLOUD_GCP_IDNS_JSON);
	memcpy(ns + CLOUD_GCP_IDNS_JSON, json, n);
}

static struct cloud_input nvme_input(uint16_t vendor, uint16_t device, const uint8_t *c, const uint8_t *n)
{
	struct cloud_input in = {
		.vendor = vendor, .device = device,
		.subsys_vendor = vendor, .subsys_device = device,
		.class_code = 0x01, .subclass = 0x08, .prog_if = 0x02,
		.id_ctrl = c, .id_ns = n,
	};
	return in;
}

static void classify(uint16_t vendor, uint16_t device, const uint8_t *c, const uint8_t *n)
{
	struct cloud_input in = nvme_input(vendor, device, c, n);

	memset(&res, 0xa5, sizeof(res));
	cloud_classify(&in, &res);
}

static void assert_match(enum cloud_surface_id id, bool cls, bool vendor, bool device, bool model)
{
	const struct cloud_surface_match *m = &res.match[id];

	assert_int_equal(m->class_ok, cls);
	assert_int_equal(m->vendor_ok, vendor);
	assert_int_equal(m->device_ok, device);
	assert_int_equal(m->model_ok, model);
	assert_int_equal(m->evidence, (unsigned)cls + vendor + device + model);
}

/* strnlen is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t size)
{
	size_t n = 0;

	while (n < size && s[n])
		n++;
	return n;
}

/* Every string in the result is terminated inside its array and printable. */
static void assert_strings_sane(void)
{
	const struct { const char *s; size_t size; } f[] = {
		{ res.model, sizeof(res.model) }, { res.serial, sizeof(res.serial) },
		{ res.ebs_volume_id, sizeof(res.ebs_volume_id) },
		{ res.ebs_device_name, sizeof(res.ebs_device_name) },
		{ res.gcp_disk_name, sizeof(res.gcp_disk_name) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t n = bounded_len(f[i].s, f[i].size);
		assert_true(n < f[i].size);
		for (size_t j = 0; j < n; j++)
			assert_true(f[i].s[j] >= 0x20 && f[i].s[j] < 0x7f);
	}
	/* The key=value facts never hold a space or a quote. */
	for (size_t i = 2; i < sizeof(f) / sizeof(f[0]); i++)
		assert_null(strpbrk(f[i].s, " \"'\\"));
}

/* ------------------------------------------------------------ the table */

static void test_table_rows(void **state UNUSED)
{
	static const char *const names[CLOUD_SURFACE_COUNT] = {
		"aws-nitro-ebs", "aws-nitro-instance-store", "gcp-nvme",
		"azure-nvme", "qemu-nvme", "generic-nvme",
	};

	for (unsigned i = 0; i < CLOUD_SURFACE_COUNT; i++) {
		const struct cloud_surface *s = &cloud_surfaces[i];
		assert_int_equal(s->id, i);
		assert_string_equal(s->name, names[i]);
		assert_string_equal(cloud_surface_name((enum cloud_surface_id)i), names[i]);
		assert_non_null(s->source);
		assert_true(strlen(s->source) > 0);
		for (unsigned m = 0; m < s->nmodels; m++)
			assert_true(strlen(s->models[m]) <= NVME_IDC_MN_LEN);
		if (i != CLOUD_GENERIC_NVME) {
			assert_true(s->vendor != 0);
			assert_true(s->nmodels > 0);
		}
	}
	assert_int_equal(cloud_surfaces[CLOUD_GENERIC_NVME].ndevices, 0);
	assert_int_equal(cloud_surfaces[CLOUD_GENERIC_NVME].nmodels, 0);
	assert_int_equal(cloud_surfaces[CLOUD_AWS_NITRO_EBS].vendor, 0x1d0f);
	assert_int_equal(cloud_surfaces[CLOUD_GCP_NVME].vendor, 0x1ae0);
	assert_int_equal(cloud_surfaces[CLOUD_AZURE_NVME].vendor, 0x1414);
	assert_int_equal(cloud_surfaces[CLOUD_QEMU_NVME].vendor, 0x1b36);
	assert_string_equal(cloud_surface_name(CLOUD_SURFACE_NONE), "none");
	assert_string_equal(cloud_surface_name((enum cloud_surface_id)42), "unknown");
}

/* No vendor:device pair belongs to two rows: device-id evidence is never split. */
static void test_table_pairs_unique(void **state UNUSED)
{
	for (unsigned a = 0; a < CLOUD_SURFACE_COUNT; a++)
		for (unsigned i = 0; i < cloud_surfaces[a].ndevices; i++)
			for (unsigned b = 0; b < CLOUD_SURFACE_COUNT; b++)
				for (unsigned j = 0; j < cloud_surfaces[b].ndevices; j++) {
					if (a == b && i == j)
						continue;
					assert_false(cloud_surfaces[a].devices[i].vendor ==
							     cloud_surfaces[b].devices[j].vendor &&
						     cloud_surfaces[a].devices[i].device ==
							     cloud_surfaces[b].devices[j].device);
				}
}

/* ------------------------------------------------------------ AWS */

static void test_ebs_full_shape(void **state UNUSED)
{
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	put_ebs_bdev("/dev/sdf");
	classify(0x1d0f, 0x8061, ctrl, ns);

	assert_true(res.is_nvme);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_false(res.ambiguous);
	assert_match(CLOUD_AWS_NITRO_EBS, true, true, true, true);
	assert_match(CLOUD_AWS_INSTANCE_STORE, true, true, false, false);
	assert_match(CLOUD_QEMU_NVME, true, false, false, false);
	assert_match(CLOUD_GENERIC_NVME, true, false, false, false);
	assert_true(res.have_identify);
	assert_true(res.strings_clean);
	assert_string_equal(res.model, "Amazon Elastic Block Store");
	assert_string_equal(res.serial, "vol0123456789abcdef0");
	assert_string_equal(res.ebs_volume_id, "vol-0123456789abcdef0");
	assert_string_equal(res.ebs_device_name, "/dev/sdf");
	assert_string_equal(res.gcp_disk_name, "");
	assert_strings_sane();
}

/* The bytes sit exactly at 3072..3103 (ebsnvme-id: 32 descriptors x 32 B from 2048). */
static void test_ebs_device_name_offset(void **state UNUSED)
{
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	memset(ctrl + 3072, ' ', 32);
	memcpy(ctrl + 3072, "sdf", 3);
	memcpy(ctrl + 3104, "garbage after the field", 23);	/* not part of the name */
	memcpy(ctrl + 3040, "xvdz", 4);				/* nor is the byte before */
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_string_equal(res.ebs_device_name, "sdf");
}

static void test_ebs_older_device_ids(void **state UNUSED)
{
	static const uint16_t ids[] = { 0x0061, 0x0065 };

	for (unsigned i = 0; i < 2; i++) {
		make_ctrl(0x1d0f, "vol1234abcd", "Amazon Elastic Block Store");
		put_ebs_bdev("sdf");
		classify(0x1d0f, ids[i], ctrl, ns);
		assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
		assert_match(CLOUD_AWS_NITRO_EBS, true, true, true, true);
		assert_string_equal(res.ebs_volume_id, "vol-1234abcd");	/* 8-digit legacy id */
		assert_string_equal(res.ebs_device_name, "sdf");
	}
}

static void test_instance_store(void **state UNUSED)
{
	static const uint16_t ids[] = { 0xcd00, 0xcd01, 0xcd02 };

	for (unsigned i = 0; i < 3; i++) {
		make_ctrl(0x1d0f, "AWS271A679A97BB1AC18", "Amazon EC2 NVMe Instance Storage");
		put_ebs_bdev("/dev/sdb");	/* Amazon's EBS layout is not read for instance store */
		classify(0x1d0f, ids[i], ctrl, ns);
		assert_int_equal(res.best, CLOUD_AWS_INSTANCE_STORE);
		assert_false(res.ambiguous);
		assert_match(CLOUD_AWS_INSTANCE_STORE, true, true, true, true);
		assert_match(CLOUD_AWS_NITRO_EBS, true, true, false, false);
		assert_string_equal(res.ebs_volume_id, "");
		assert_string_equal(res.ebs_device_name, "");
		assert_true(res.strings_clean);
	}
}

/* ------------------------------------------------------------ GCP */

static void test_gcp_persistent_disk(void **state UNUSED)
{
	make_ctrl(0x1ae0, "nvme_card-pd", "nvme_card-pd");
	put_gcp_json("{\"device_name\":\"data-disk_1\",\"disk_type\":\"PERSISTENT\"}");
	classify(0x1ae0, 0x001f, ctrl, ns);

	assert_int_equal(res.best, CLOUD_GCP_NVME);
	assert_match(CLOUD_GCP_NVME, true, true, true, true);
	assert_string_equal(res.gcp_disk_name, "data-disk_1");
	assert_string_equal(res.ebs_volume_id, "");
	assert_string_equal(res.ebs_device_name, "");
	assert_strings_sane();
}

/* google_nvme_id's sed allows blanks after the colon; JSON allows them around it too. */
static void test_gcp_json_whitespace_and_order(void **state UNUSED)
{
	make_ctrl(0x1ae0, "nvme_card-pd", "nvme_card-pd");
	put_gcp_json("{ \"disk_type\" : \"PD\",\n\t\"device_name\" :\t \"boot\" }");
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, "boot");

	/* A 63-character name fills gcp_disk_name exactly. */
	char json[128], name[64];
	memset(name, 'a', 63);
	name[63] = '\0';
	snprintf(json, sizeof(json), "{\"device_name\":\"%s\"}", name);
	put_gcp_json(json);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, name);
}

static void test_gcp_local_ssd(void **state UNUSED)
{
	static const char *const models[] = { "nvme_card", "nvme_card0", "nvme_card15" };

	for (unsigned i = 0; i < 3; i++) {
		make_ctrl(0x1ae0, "nvme_card", models[i]);
		classify(0x1ae0, 0x001f, ctrl, NULL);
		assert_int_equal(res.best, CLOUD_GCP_NVME);
		assert_match(CLOUD_GCP_NVME, true, true, true, true);
		assert_string_equal(res.gcp_disk_name, "");	/* no namespace page given */
	}
	/* The digits rule is strict: "nvme_card-x", "nvme_card1a" are no Google model. */
	make_ctrl(0x1ae0, "x", "nvme_card1a");
	classify(0x1ae0, 0x001f, ctrl, NULL);
	assert_match(CLOUD_GCP_NVME, true, true, true, false);
	assert_int_equal(res.best, CLOUD_GCP_NVME);	/* still selected by its device id */
	make_ctrl(0x1ae0, "x", "nvme_card-x");
	classify(0x1234, 0x0001, ctrl, NULL);
	assert_match(CLOUD_GCP_NVME, true, false, false, false);
	assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	/* The model alone selects GCP on an id the table does not know. */
	make_ctrl(0x1ae0, "x", "nvme_card3");
	classify(0x1ae0, 0x0099, ctrl, NULL);
	assert_match(CLOUD_GCP_NVME, true, true, false, true);
	assert_int_equal(res.best, CLOUD_GCP_NVME);
}

static void gcp_json_gives(const char *json, const char *want)
{
	make_ctrl(0x1ae0, "nvme_card-pd", "nvme_card-pd");
	put_gcp_json(json);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_int_equal(res.best, CLOUD_GCP_NVME);
	assert_string_equal(res.gcp_disk_name, want);
	assert_strings_sane();
}

static void test_gcp_json_malformed(void **state UNUSED)
{
	gcp_json_gives("", "");
	gcp_json_gives("{\"disk_name\":\"x\"}", "");			/* other key */
	gcp_json_gives("{\"device_name\":\"a b\"}", "");		/* space */
	gcp_json_gives("{\"device_name\":\"a\\\"b\"}", "");		/* escaped quote */
	gcp_json_gives("{\"device_name\":\"a'b\"}", "");		/* quote */
	gcp_json_gives("{\"device_name\":\"\"}", "");			/* empty */
	gcp_json_gives("{\"device_name\":disk}", "");			/* not a string */
	gcp_json_gives("{\"device_name\" \"disk\"}", "");		/* no colon */
	gcp_json_gives("{\"device_name\":\"disk", "");			/* unterminated */
	gcp_json_gives("\"device_name\":\"disk\"", "");			/* key where none can start */
	gcp_json_gives("{\"x\":\"\\\"device_name\\\":\\\"evil\\\"\"}", "");	/* escaped, inside a value */
	gcp_json_gives("{\"x\":[\"device_name\":\"evil\"]}", "");	/* not where a key starts */
	gcp_json_gives("{\"x\":\"v\" \"device_name\":\"evil\"}", "");
	gcp_json_gives("{\"device_name\":\"a\",\"device_name\":\"b\"}", "");	/* ambiguous */
	gcp_json_gives("{\"device_name\":\"caf\xc3\xa9\"}", "");	/* non-ASCII */

	char json[128], name[65];
	memset(name, 'b', 64);
	name[64] = '\0';
	snprintf(json, sizeof(json), "{\"device_name\":\"%s\"}", name);
	gcp_json_gives(json, "");					/* 64 > 63 characters */

	/* A NUL ends the text: what follows it is not read. */
	make_ctrl(0x1ae0, "nvme_card-pd", "nvme_card-pd");
	put_gcp_json("{\"a\":1}");
	memcpy(ns + CLOUD_GCP_IDNS_JSON + 8, ",\"device_name\":\"late\"}", 22);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, "");

	/* No NUL at all and a value running into the end of the page. */
	memset(ns + CLOUD_GCP_IDNS_JSON, ' ', NVME_IDENTIFY_BYTES - CLOUD_GCP_IDNS_JSON);
	static const char tail[] = "{\"device_name\":\"runs-off-the-end";
	memcpy(ns + NVME_IDENTIFY_BYTES - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, "");
	/* ... and a key cut by the end of the page. */
	memcpy(ns + NVME_IDENTIFY_BYTES - 6, "{\"devi", 6);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, "");
	/* A well-formed value ending on the page's last byte is still read. */
	static const char last[] = "{\"device_name\":\"edge\"";
	memset(ns + CLOUD_GCP_IDNS_JSON, ' ', NVME_IDENTIFY_BYTES - CLOUD_GCP_IDNS_JSON);
	memcpy(ns + NVME_IDENTIFY_BYTES - (sizeof(last) - 1), last, sizeof(last) - 1);
	classify(0x1ae0, 0x001f, ctrl, ns);
	assert_string_equal(res.gcp_disk_name, "edge");
}

/* The namespace JSON is Google's layout: never read without GCP evidence. */
static void test_gcp_json_needs_gcp_evidence(void **state UNUSED)
{
	make_ctrl(0x1b36, "deadbeef", "QEMU NVMe Ctrl");
	put_gcp_json("{\"device_name\":\"spoof\"}");
	classify(0x1b36, 0x0010, ctrl, ns);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	assert_string_equal(res.gcp_disk_name, "");
}

/* ------------------------------------------------------------ Azure */

static void test_azure_models(void **state UNUSED)
{
	make_ctrl(0x1414, "00291dc4278300000001", "Microsoft NVMe Direct Disk");
	classify(0x1414, 0xb111, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AZURE_NVME);
	assert_match(CLOUD_AZURE_NVME, true, true, true, true);
	assert_true(res.strings_clean);

	/* The Accelerator: no PCI device id is known, the model selects it. */
	make_ctrl(0x1414, "SN: 000001", "MSFT NVMe Accelerator v1.0");
	classify(0x1414, 0x00a9, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AZURE_NVME);
	assert_match(CLOUD_AZURE_NVME, true, true, false, true);
	assert_string_equal(res.serial, "SN: 000001");

	make_ctrl(0x1414, "ebeb91bd841bceb90001", "Microsoft NVMe Direct Disk v2");
	classify(0x1414, 0x00b2, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AZURE_NVME);
	assert_match(CLOUD_AZURE_NVME, true, true, false, true);

	/* 0xb111 without identify data is still Azure by its PCI identity. */
	classify(0x1414, 0xb111, NULL, NULL);
	assert_int_equal(res.best, CLOUD_AZURE_NVME);
	assert_match(CLOUD_AZURE_NVME, true, true, true, false);
}

/* ------------------------------------------------------------ QEMU */

static void test_qemu_default(void **state UNUSED)
{
	make_ctrl(0x1b36, "deadbeef", "QEMU NVMe Ctrl");
	classify(0x1b36, 0x0010, ctrl, ns);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	assert_match(CLOUD_QEMU_NVME, true, true, true, true);
	assert_false(res.ambiguous);
	assert_string_equal(res.model, "QEMU NVMe Ctrl");
	assert_string_equal(res.serial, "deadbeef");
	assert_string_equal(res.ebs_volume_id, "");
	assert_string_equal(res.ebs_device_name, "");
}

/* -device nvme,use-intel-id=on: Intel's vendor id, not QEMU's own (vendor_ok false). */
static void test_qemu_intel_id(void **state UNUSED)
{
	make_ctrl(0x8086, "deadbeef", "QEMU NVMe Ctrl");
	classify(0x8086, 0x5845, ctrl, ns);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	assert_match(CLOUD_QEMU_NVME, true, false, true, true);
}

/* QEMU lets the serial be set: an EBS-shaped serial gives an EBS-shaped id, nothing more. */
static void test_qemu_with_ebs_serial(void **state UNUSED)
{
	make_ctrl(0x1b36, "vol0123456789abcdef0", "QEMU NVMe Ctrl");
	put_ebs_bdev("/dev/sdf");
	classify(0x1b36, 0x0010, ctrl, ns);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	assert_string_equal(res.ebs_volume_id, "vol-0123456789abcdef0");
	assert_string_equal(res.ebs_device_name, "");	/* no EBS evidence: layout not read */
}

/* ------------------------------------------------------------ no surface / generic */

static void test_not_nvme_class(void **state UNUSED)
{
	struct cloud_input in = nvme_input(0x1d0f, 0x8061, ctrl, ns);

	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	put_ebs_bdev("/dev/sdf");
	in.prog_if = 0x01;	/* AHCI-like 01/08/01: NVM subclass, not NVM Express */
	memset(&res, 0xa5, sizeof(res));
	cloud_classify(&in, &res);
	assert_false(res.is_nvme);
	assert_int_equal(res.best, CLOUD_SURFACE_NONE);
	assert_string_equal(cloud_surface_name(res.best), "none");
	for (unsigned i = 0; i < CLOUD_SURFACE_COUNT; i++)
		assert_false(res.match[i].class_ok);
	/* The other evidence is still reported, for the log line. */
	assert_match(CLOUD_AWS_NITRO_EBS, false, true, true, true);

	in.class_code = 0x02;	/* a network controller */
	in.subclass = 0x00;
	in.prog_if = 0x00;
	cloud_classify(&in, &res);
	assert_false(res.is_nvme);
	assert_int_equal(res.best, CLOUD_SURFACE_NONE);
	assert_strings_sane();
}

static void test_unknown_vendor_is_generic(void **state UNUSED)
{
	make_ctrl(0x144d, "S4EWNX0N123456", "Samsung SSD 970 EVO Plus 1TB");
	classify(0x144d, 0xa808, ctrl, ns);
	assert_true(res.is_nvme);
	assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	assert_false(res.ambiguous);
	assert_match(CLOUD_GENERIC_NVME, true, false, false, false);
	for (unsigned i = 0; i < CLOUD_GENERIC_NVME; i++)
		assert_match((enum cloud_surface_id)i, true, false, false, false);
}

/* A cloud's vendor id with neither a known device id nor a known model selects nothing. */
static void test_vendor_alone_selects_nothing(void **state UNUSED)
{
	static const struct { uint16_t vendor; enum cloud_surface_id row; } v[] = {
		{ 0x1d0f, CLOUD_AWS_NITRO_EBS }, { 0x1ae0, CLOUD_GCP_NVME },
		{ 0x1414, CLOUD_AZURE_NVME }, { 0x1b36, CLOUD_QEMU_NVME },
	};

	for (unsigned i = 0; i < 4; i++) {
		make_ctrl(v[i].vendor, "SN123", "Some Other Controller");
		classify(v[i].vendor, 0x7777, ctrl, ns);
		assert_int_equal(res.best, CLOUD_GENERIC_NVME);
		assert_true(res.match[v[i].row].vendor_ok);
		assert_int_equal(res.match[v[i].row].evidence, 2);
		/* ... and without any identify data either. */
		classify(v[i].vendor, 0x7777, NULL, NULL);
		assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	}
	/* Both Amazon rows share the vendor: still nothing without more evidence. */
	classify(0x1d0f, 0x7777, NULL, NULL);
	assert_true(res.match[CLOUD_AWS_INSTANCE_STORE].vendor_ok);
	assert_false(res.ambiguous);
}

/*
 * The EBS model on QEMU's PCI identity: QEMU has class+vendor+device (3),
 * EBS has class+model (2), so QEMU wins - the configuration-space identity
 * is two facts against one string.  The EBS evidence is still reported, and
 * because the EBS row has model evidence its vendor area is read.
 */
static void test_model_alone_on_qemu_ids(void **state UNUSED)
{
	make_ctrl(0x1b36, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	put_ebs_bdev("/dev/sdf");
	classify(0x1b36, 0x0010, ctrl, ns);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	assert_false(res.ambiguous);
	assert_match(CLOUD_QEMU_NVME, true, true, true, false);
	assert_match(CLOUD_AWS_NITRO_EBS, true, false, false, true);
	assert_string_equal(res.ebs_volume_id, "vol-0123456789abcdef0");
	assert_string_equal(res.ebs_device_name, "/dev/sdf");

	/* QEMU's vendor but not its NVMe device id: QEMU is no candidate, the model decides. */
	classify(0x1b36, 0x0011, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_match(CLOUD_QEMU_NVME, true, true, false, false);
	assert_match(CLOUD_AWS_NITRO_EBS, true, false, false, true);

	/* The mirror image: QEMU's model on Amazon's EBS id - EBS wins 3 to 2. */
	make_ctrl(0x1d0f, "deadbeef", "QEMU NVMe Ctrl");
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_match(CLOUD_QEMU_NVME, true, false, false, true);
}

/* Equal evidence: the vendor:device pair beats the model string, and it is flagged. */
static void test_tie_prefers_device_id(void **state UNUSED)
{
	make_ctrl(0x1d0f, "AWS271A679A97BB1AC18", "Amazon EC2 NVMe Instance Storage");
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_match(CLOUD_AWS_NITRO_EBS, true, true, true, false);
	assert_match(CLOUD_AWS_INSTANCE_STORE, true, true, false, true);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_true(res.ambiguous);

	/* Same the other way round: table order does not decide it. */
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	classify(0x1d0f, 0xcd01, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AWS_INSTANCE_STORE);
	assert_true(res.ambiguous);
}

static void test_null_identify(void **state UNUSED)
{
	classify(0x1d0f, 0x8061, NULL, NULL);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_match(CLOUD_AWS_NITRO_EBS, true, true, true, false);
	assert_false(res.have_identify);
	assert_false(res.strings_clean);
	assert_string_equal(res.model, "");
	assert_string_equal(res.serial, "");
	assert_string_equal(res.ebs_volume_id, "");
	assert_string_equal(res.ebs_device_name, "");
	assert_string_equal(res.gcp_disk_name, "");

	classify(0x1b36, 0x0010, NULL, NULL);
	assert_int_equal(res.best, CLOUD_QEMU_NVME);
	classify(0x1ae0, 0x001f, NULL, ns);	/* namespace page alone */
	assert_int_equal(res.best, CLOUD_GCP_NVME);
	assert_false(res.have_identify);
	classify(0x144d, 0xa808, NULL, NULL);
	assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	assert_strings_sane();
}

/* ------------------------------------------------------------ hostile identify bytes */

static void test_model_unterminated_40_bytes(void **state UNUSED)
{
	/* 40 bytes, no NUL and no padding in the field */
	static const char mn[] = "Amazon Elastic Block StoreXXXXXXXXXXXXXX";

	assert_int_equal(sizeof(mn) - 1, NVME_IDC_MN_LEN);
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "");
	put_raw(ctrl, NVME_IDC_MN, mn, NVME_IDC_MN_LEN);
	classify(0x1d0f, 0x7777, ctrl, ns);
	assert_int_equal(strlen(res.model), 40);
	assert_memory_equal(res.model, mn, 40);
	assert_false(res.match[CLOUD_AWS_NITRO_EBS].model_ok);
	assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	assert_true(res.strings_clean);
	/* A serial of 20 bytes fills its field: still terminated. */
	assert_int_equal(strlen(res.serial), 20);
}

static void test_model_non_ascii(void **state UNUSED)
{
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block St\xf6re");
	classify(0x1d0f, 0x7777, ctrl, ns);
	assert_false(res.match[CLOUD_AWS_NITRO_EBS].model_ok);
	assert_false(res.strings_clean);
	assert_string_equal(res.model, "Amazon Elastic Block St?re");
	assert_int_equal(res.best, CLOUD_GENERIC_NVME);
	assert_strings_sane();

	make_ctrl(0x1b36, "dead\x01\x7f", "QEMU NVMe Ctrl");
	classify(0x1b36, 0x0010, ctrl, ns);
	assert_false(res.strings_clean);
	assert_string_equal(res.serial, "dead??");
}

static void test_model_nul_inside(void **state UNUSED)
{
	static const char mn[] = "Amazon Elastic Block Store\0junk";

	make_ctrl(0x1d0f, "vol0123456789abcdef0", "");
	put_raw(ctrl, NVME_IDC_MN, mn, sizeof(mn) - 1);
	classify(0x1d0f, 0x7777, ctrl, ns);
	assert_false(res.match[CLOUD_AWS_NITRO_EBS].model_ok);
	assert_false(res.strings_clean);
	assert_string_equal(res.model, "Amazon Elastic Block Store?junk");

	/* NUL padding instead of spaces is only padding: the model still matches. */
	memset(ctrl + NVME_IDC_MN, 0, NVME_IDC_MN_LEN);
	memcpy(ctrl + NVME_IDC_MN, "Amazon Elastic Block Store", 26);
	classify(0x1d0f, 0x7777, ctrl, ns);
	assert_true(res.match[CLOUD_AWS_NITRO_EBS].model_ok);
	assert_true(res.strings_clean);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
}

static void serial_gives(const char *sn, size_t n, const char *want)
{
	make_ctrl(0x1d0f, "", "Amazon Elastic Block Store");
	put_raw(ctrl, NVME_IDC_SN, sn, n);
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_string_equal(res.ebs_volume_id, want);
	assert_strings_sane();
}

static void test_ebs_volume_id_validation(void **state UNUSED)
{
	serial_gives("vol0123456789abcdef0", 20, "vol-0123456789abcdef0");
	serial_gives("vol1234abcd         ", 20, "vol-1234abcd");
	serial_gives("vol-xyz             ", 20, "");
	serial_gives("volZZZ              ", 20, "");
	serial_gives("vol-0123456789abcdef", 20, "");	/* already dashed: not the serial form */
	serial_gives("vol0123456789ABCDEF0", 20, "");	/* uppercase */
	serial_gives("vol0123456789abcdef ", 20, "");	/* 16 digits */
	serial_gives("vol123456789        ", 20, "");	/* 9 digits */
	serial_gives("vol1234abc          ", 20, "");	/* 7 digits */
	serial_gives("vol                 ", 20, "");
	serial_gives("vol1234abcd  x      ", 20, "");	/* junk after the padding */
	serial_gives("vol1234abcd\0\0\0\0\0\0\0\0\0", 20, "");	/* NUL padding is not the form */
	serial_gives("vol1234\0abcd        ", 20, "");	/* NUL inside */
	serial_gives("VOL1234abcd         ", 20, "");
	serial_gives(" vol1234abcd        ", 20, "");
	serial_gives("vol1234abc\xe9        ", 20, "");
	serial_gives("AWS271A679A97BB1AC18", 20, "");
}

static void device_name_gives(const void *bytes, size_t n, const char *want)
{
	make_ctrl(0x1d0f, "vol0123456789abcdef0", "Amazon Elastic Block Store");
	memset(ctrl + CLOUD_EBS_IDC_BDEV, ' ', CLOUD_EBS_IDC_BDEV_LEN);
	put_raw(ctrl, CLOUD_EBS_IDC_BDEV, bytes, n);
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_string_equal(res.ebs_device_name, want);
	assert_strings_sane();
}

static void test_ebs_device_name_validation(void **state UNUSED)
{
	char full[CLOUD_EBS_IDC_BDEV_LEN + 1];

	device_name_gives("/dev/sdf", 8, "/dev/sdf");
	device_name_gives("  sdf", 5, "sdf");				/* ebsnvme-id strips both ends */
	device_name_gives("/dev/sdf\0\0\0\0", 12, "/dev/sdf");		/* NUL ends it, pad follows */
	device_name_gives("/dev/\"sdf", 9, "");				/* quote */
	device_name_gives("sdf'", 4, "");
	device_name_gives("sd\\f", 4, "");
	device_name_gives("sd f", 4, "");				/* space inside */
	device_name_gives("sd\0f", 4, "");				/* NUL inside */
	device_name_gives("sd\tf", 4, "");
	device_name_gives("sd\xe6", 3, "");
	device_name_gives("", 0, "");					/* all spaces */
	memset(ctrl + CLOUD_EBS_IDC_BDEV, 0, CLOUD_EBS_IDC_BDEV_LEN);	/* all NUL */
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_string_equal(res.ebs_device_name, "");

	memset(full, 'x', CLOUD_EBS_IDC_BDEV_LEN);			/* 32 bytes, no padding */
	full[CLOUD_EBS_IDC_BDEV_LEN] = '\0';
	device_name_gives(full, CLOUD_EBS_IDC_BDEV_LEN, full);
}

/* Pages of all-ones and of pseudo-random bytes: bounded, terminated, no overread. */
static void test_garbage_pages(void **state UNUSED)
{
	uint32_t x = 0x12345678;

	memset(ctrl, 0xff, NVME_IDENTIFY_BYTES);
	memset(ns, 0xff, NVME_IDENTIFY_BYTES);
	classify(0x1d0f, 0x8061, ctrl, ns);
	assert_int_equal(res.best, CLOUD_AWS_NITRO_EBS);
	assert_false(res.strings_clean);
	assert_string_equal(res.ebs_volume_id, "");
	assert_string_equal(res.ebs_device_name, "");
	assert_strings_sane();

	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < NVME_IDENTIFY_BYTES; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			ctrl[i] = (uint8_t)x;
			ns[i] = (uint8_t)(x >> 8);
		}
		/* Now and then a plausible page, so the extractors run on noise. */
		if (round % 3 == 0)
			put_padded(ctrl, NVME_IDC_MN, NVME_IDC_MN_LEN, "Amazon Elastic Block Store");
		if (round % 3 == 1) {
			put_padded(ctrl, NVME_IDC_MN, NVME_IDC_MN_LEN, "nvme_card-pd");
			memcpy(ns + CLOUD_GCP_IDNS_JSON + (x % 3000), "{\"device_name\":\"", 16);
		}
		classify((uint16_t)x, (uint16_t)(x >> 16), ctrl, ns);
		assert_true(res.best == CLOUD_SURFACE_NONE || res.best < CLOUD_SURFACE_COUNT);
		assert_strings_sane();
		size_t vl = strlen(res.ebs_volume_id);
		assert_true(vl == 0 || vl == 12 || vl == 21);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_pairs_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebs_full_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebs_device_name_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebs_older_device_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcp_persistent_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcp_json_whitespace_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcp_local_ssd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcp_json_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcp_json_needs_gcp_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_azure_models, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_intel_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_with_ebs_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_nvme_class, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_vendor_is_generic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_alone_selects_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_alone_on_qemu_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tie_prefers_device_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_unterminated_40_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_non_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_nul_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebs_volume_id_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebs_device_name_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_pages, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
