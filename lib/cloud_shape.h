/*
 * lib/cloud_shape.h - the known cloud NVMe device surfaces, as data, and a
 * pure classifier that says which one a bound controller shows and on what
 * evidence (DESIGN.md §1 "Cloud-shape classification", §6).
 *
 * The evidence is four independent facts about one controller: its PCI class
 * triple (01/08/02), its PCI vendor id, its PCI vendor:device pair, and the
 * model string of IDENTIFY CONTROLLER.  Every one of them is reported by the
 * device itself, so the classifier proves a shape, never a location: a QEMU
 * device can carry an Amazon model string and an Amazon id can be emulated.
 * The caller prints what held and what did not.
 *
 * Selection rule (cloud_classify):
 *   - no surface without the NVMe class triple (best = CLOUD_SURFACE_NONE);
 *   - a cloud surface is a candidate only with device-id or model evidence:
 *     a vendor id alone never selects one;
 *   - the candidate with the most evidence wins; on a tie the one whose
 *     vendor:device pair matched wins (the PCI identity is what Linux keys
 *     its quirks and DMA limits on), then table order, and `ambiguous` says
 *     a tie happened;
 *   - no candidate: generic-nvme.
 *
 * Pure and freestanding: no allocation, no kernel calls; every read of the
 * identify pages stays inside their 4096 bytes.  Builds for the kernel, for
 * user space and for the host tests.
 */
#ifndef CAPROCK_LIB_CLOUD_SHAPE_H
#define CAPROCK_LIB_CLOUD_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cloud_surface_id {
	CLOUD_AWS_NITRO_EBS,
	CLOUD_AWS_INSTANCE_STORE,
	CLOUD_GCP_NVME,
	CLOUD_AZURE_NVME,
	CLOUD_QEMU_NVME,
	CLOUD_GENERIC_NVME,
	CLOUD_SURFACE_COUNT,
	/* Not a table row: the controller is not NVMe by its class triple. */
	CLOUD_SURFACE_NONE = CLOUD_SURFACE_COUNT,
};

/* One PCI vendor:device pair that counts as device-id evidence. */
struct cloud_pci_id {
	uint16_t vendor;
	uint16_t device;
};

struct cloud_surface {
	enum cloud_surface_id id;	/* equals the row's index in cloud_surfaces */
	const char *name;		/* "aws-nitro-ebs", ... as printed in cloud_shape= */
	uint16_t vendor;		/* the cloud's own PCI vendor id; 0 = none (generic) */
	const struct cloud_pci_id *devices;	/* pairs; a pair may use another vendor (QEMU's Intel id) */
	unsigned int ndevices;
	/*
	 * IDENTIFY CONTROLLER model strings, compared exactly after the space
	 * padding is removed.  An entry ending in '#' matches its prefix followed
	 * by one or more decimal digits ("nvme_card#" matches "nvme_card0").
	 */
	const char *const *models;
	unsigned int nmodels;
	const char *source;		/* where the identities come from (public references) */
};

extern const struct cloud_surface cloud_surfaces[CLOUD_SURFACE_COUNT];

/* What the manager read from configuration space and the identify pages. */
struct cloud_input {
	uint16_t vendor, device;		/* configuration space 0x00, 0x02 */
	uint16_t subsys_vendor, subsys_device;	/* 0x2c, 0x2e: recorded, not matched on */
	uint8_t class_code, subclass, prog_if;	/* 0x0b, 0x0a, 0x09 */
	const uint8_t *id_ctrl;	/* 4096-byte IDENTIFY CONTROLLER, or NULL */
	const uint8_t *id_ns;	/* 4096-byte IDENTIFY NAMESPACE of the namespace in use, or NULL */
};

struct cloud_surface_match {
	bool class_ok;		/* class triple is 01/08/02 (every row requires it) */
	bool vendor_ok;		/* PCI vendor is the row's own vendor id */
	bool device_ok;		/* PCI vendor:device is one of the row's pairs */
	bool model_ok;		/* IDENTIFY CONTROLLER model is one of the row's models */
	unsigned int evidence;	/* how many of the four hold */
};

struct cloud_result {
	bool is_nvme;			/* class triple 01/08/02 */
	enum cloud_surface_id best;	/* see the selection rule above */
	bool ambiguous;			/* another candidate had the same evidence as best */
	struct cloud_surface_match match[CLOUD_SURFACE_COUNT];

	bool have_identify;		/* id_ctrl was given */
	char model[41];			/* trailing padding removed, non-printables shown as '?' */
	char serial[21];
	bool strings_clean;		/* have_identify and no byte of model/serial needed '?' */

	/*
	 * Shape facts.  Each is "" unless the bytes have exactly the documented
	 * form; each is then safe to print as key=value (no spaces, no quotes).
	 *
	 * ebs_volume_id: from the serial alone ("vol" + 8 or 17 lowercase hex
	 *   digits becomes "vol-..."), whatever the surface, so a QEMU serial set
	 *   to an EBS id exercises it too.
	 * ebs_device_name: IDENTIFY CONTROLLER bytes 3072..3103, read only when
	 *   the EBS row has device-id or model evidence (the layout is Amazon's).
	 * gcp_disk_name: "device_name" of the JSON at IDENTIFY NAMESPACE byte
	 *   384, read only when the GCP row has device-id or model evidence.
	 */
	char ebs_volume_id[32];
	char ebs_device_name[33];
	char gcp_disk_name[64];
};

/* Classify in into *out (fully overwritten). */
void cloud_classify(const struct cloud_input *in, struct cloud_result *out);

/* The row's name, "none" for CLOUD_SURFACE_NONE, "unknown" otherwise. */
const char *cloud_surface_name(enum cloud_surface_id id);

/* ------------------------------------------------------------ layouts (public references) */
/* Amazon's vendor-specific area of IDENTIFY CONTROLLER: the requested block device name. */
#define CLOUD_EBS_IDC_BDEV		3072
#define CLOUD_EBS_IDC_BDEV_LEN		32
/* Google's vendor-specific area of IDENTIFY NAMESPACE: JSON, to the end of the page. */
#define CLOUD_GCP_IDNS_JSON		384

#endif
