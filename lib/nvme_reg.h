/*
 * lib/nvme_reg.h - NVM Express: registers, queue entries, opcodes, status
 * codes and identify data layout.  Spec only: nothing here is Caprock's.
 *
 * References: NVM Express Base Specification 2.0c (§3.1 controller
 * registers, §4 data structures, §5 admin commands), NVM Command Set
 * Specification 1.0c (§3 I/O commands, §4.1.5 Identify Namespace).
 * Shared by the manager's broker (kernel/nvme/), the user-mode provider
 * (drivers/nvme/) and the host tests.
 */
#ifndef CAPROCK_LIB_NVME_REG_H
#define CAPROCK_LIB_NVME_REG_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- registers (§3.1) */
#define NVME_CAP	0x00	/* Controller Capabilities, 64-bit */
#define  NVME_CAP_MQES(c)	((uint32_t)((c) & 0xffff))		/* max queue entries, 0-based */
#define  NVME_CAP_CQR(c)	((uint32_t)(((c) >> 16) & 0x1))		/* contiguous queues required */
#define  NVME_CAP_AMS(c)	((uint32_t)(((c) >> 17) & 0x3))
#define  NVME_CAP_TO(c)		((uint32_t)(((c) >> 24) & 0xff))	/* ready timeout, 500 ms units */
#define  NVME_CAP_DSTRD(c)	((uint32_t)(((c) >> 32) & 0xf))		/* doorbell stride 4 << DSTRD */
#define  NVME_CAP_NSSRS(c)	((uint32_t)(((c) >> 36) & 0x1))
#define  NVME_CAP_CSS(c)	((uint32_t)(((c) >> 37) & 0xff))	/* command sets supported */
#define   NVME_CAP_CSS_NVM	0x01
#define   NVME_CAP_CSS_IOCS	0x40	/* one or more I/O command sets */
#define   NVME_CAP_CSS_NOIO	0x80	/* admin only */
#define  NVME_CAP_MPSMIN(c)	((uint32_t)(((c) >> 48) & 0xf))		/* 2^(12+MPSMIN) */
#define  NVME_CAP_MPSMAX(c)	((uint32_t)(((c) >> 52) & 0xf))
#define NVME_VS		0x08	/* Version */
#define  NVME_VS_MJR(v)		((v) >> 16)
#define  NVME_VS_MNR(v)		(((v) >> 8) & 0xff)
#define  NVME_VS_TER(v)		((v) & 0xff)
#define NVME_INTMS	0x0c	/* Interrupt Mask Set */
#define NVME_INTMC	0x10	/* Interrupt Mask Clear */
#define NVME_CC		0x14	/* Controller Configuration */
#define  NVME_CC_EN		(1u << 0)
#define  NVME_CC_CSS_SHIFT	4
#define   NVME_CC_CSS_NVM	0u
#define   NVME_CC_CSS_IOCS	6u
#define  NVME_CC_MPS_SHIFT	7
#define  NVME_CC_AMS_SHIFT	11
#define  NVME_CC_SHN_SHIFT	14
#define   NVME_CC_SHN_NORMAL	1u
#define  NVME_CC_IOSQES_SHIFT	16
#define  NVME_CC_IOCQES_SHIFT	20
#define NVME_CSTS	0x1c	/* Controller Status */
#define  NVME_CSTS_RDY		(1u << 0)
#define  NVME_CSTS_CFS		(1u << 1)	/* controller fatal status */
#define  NVME_CSTS_SHST(s)	(((s) >> 2) & 0x3)
#define   NVME_CSTS_SHST_DONE	2u
#define  NVME_CSTS_NSSRO	(1u << 4)
#define NVME_NSSR	0x20	/* NVM Subsystem Reset */
#define NVME_AQA	0x24	/* Admin Queue Attributes */
#define  NVME_AQA_ASQS_SHIFT	0	/* 0-based, 12 bits */
#define  NVME_AQA_ACQS_SHIFT	16
#define  NVME_AQ_MAX_ENTRIES	4096
#define NVME_ASQ	0x28	/* Admin Submission Queue base, 64-bit */
#define NVME_ACQ	0x30	/* Admin Completion Queue base, 64-bit */
#define NVME_REG_PAGE	0x1000	/* registers end and doorbells begin here */

/* Doorbells (§3.1.24-25): stride 4 << CAP.DSTRD bytes. */
static inline uint64_t nvme_sq_doorbell(uint16_t qid, uint32_t dstrd)
{
	return NVME_REG_PAGE + (2ull * qid) * (4ull << dstrd);
}

static inline uint64_t nvme_cq_doorbell(uint16_t qid, uint32_t dstrd)
{
	return NVME_REG_PAGE + (2ull * qid + 1) * (4ull << dstrd);
}

/* ---------------------------------------------------------------- queue entries (§4.2, §4.6) */
struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;		/* FUSE bits 1:0, PSDT bits 7:6 */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "submission queue entry is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, nsid) == 4, "SQE NSID offset");
_Static_assert(offsetof(struct nvme_sqe, mptr) == 16, "SQE MPTR offset");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "SQE PRP1 offset");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "SQE CDW10 offset");

#define NVME_SQE_FUSE_MASK	0x03
#define NVME_SQE_PSDT_MASK	0xc0
#define  NVME_SQE_PSDT_SGL	0x40	/* PSDT 01b: SGLs for data, MPTR a contiguous buffer (§4.2) */
#define NVME_SQE_SIZE_LOG2	6

/* Scatter Gather List descriptor (NVMe 1.4 §4.4): the SQE's DPTR holds the first one. */
struct nvme_sgl_desc {
	uint64_t addr;
	uint32_t len;
	uint8_t rsvd12[3];
	uint8_t id;		/* type bits 7:4, subtype bits 3:0 */
};
_Static_assert(sizeof(struct nvme_sgl_desc) == 16, "SGL descriptor is 16 bytes");
#define NVME_SGL_DATA_BLOCK	0x00	/* type 0h, subtype address */
#define NVME_SGL_LAST_SEGMENT	0x30	/* type 3h, subtype address: the list that ends the SGL */

struct nvme_cqe {
	uint32_t dw0;		/* command specific result */
	uint32_t dw1;
	uint16_t sqhd;		/* SQ head pointer */
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* phase bit 0, status field bits 15:1 */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "completion queue entry is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, sqhd) == 8, "CQE SQHD offset");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "CQE status offset");

#define NVME_CQE_SIZE_LOG2	4
#define NVME_CQE_PHASE		0x0001
/* Status field (§4.6.1.2), as it sits in cqe.status (phase in bit 0). */
#define NVME_STATUS_SC(s)	(((s) >> 1) & 0xff)
#define NVME_STATUS_SCT(s)	(((s) >> 9) & 0x7)
#define NVME_STATUS_CRD(s)	(((s) >> 12) & 0x3)
#define NVME_STATUS_MORE(s)	(((s) >> 14) & 0x1)
#define NVME_STATUS_DNR(s)	(((s) >> 15) & 0x1)
#define NVME_STATUS_MAKE(sct, sc, dnr) \
	((uint16_t)(((sc) & 0xff) << 1 | ((sct) & 0x7) << 9 | ((dnr) ? 1u << 15 : 0)))

/* Status code types */
#define NVME_SCT_GENERIC	0x0
#define NVME_SCT_COMMAND	0x1
#define NVME_SCT_MEDIA		0x2
#define NVME_SCT_PATH		0x3
#define NVME_SCT_VENDOR		0x7

/* Generic command status (§4.6.1.2.1) */
#define NVME_SC_SUCCESS			0x00
#define NVME_SC_INVALID_OPCODE		0x01
#define NVME_SC_INVALID_FIELD		0x02
#define NVME_SC_CID_CONFLICT		0x03
#define NVME_SC_DATA_XFER_ERROR		0x04
#define NVME_SC_ABORTED_POWER_LOSS	0x05
#define NVME_SC_INTERNAL		0x06
#define NVME_SC_ABORT_REQUESTED		0x07
#define NVME_SC_ABORTED_SQ_DELETION	0x08
#define NVME_SC_INVALID_NS		0x0b
#define NVME_SC_PRP_OFFSET_INVALID	0x13
#define NVME_SC_COMMAND_INTERRUPTED	0x1e
#define NVME_SC_TRANSIENT_TRANSPORT	0x1f
#define NVME_SC_LBA_RANGE		0x80
#define NVME_SC_CAP_EXCEEDED		0x81
#define NVME_SC_NS_NOT_READY		0x82

/* Command specific status (§5, SCT 1) */
#define NVME_SC_CQ_INVALID		0x00
#define NVME_SC_QID_INVALID		0x01
#define NVME_SC_QUEUE_SIZE		0x02
#define NVME_SC_INVALID_VECTOR		0x08

/* Media and data integrity errors (SCT 2) */
#define NVME_SC_WRITE_FAULT		0x80
#define NVME_SC_UNRECOVERED_READ	0x81

/* ---------------------------------------------------------------- admin commands (§5) */
#define NVME_ADMIN_DELETE_SQ		0x00
#define NVME_ADMIN_CREATE_SQ		0x01
#define NVME_ADMIN_GET_LOG_PAGE		0x02
#define NVME_ADMIN_DELETE_CQ		0x04
#define NVME_ADMIN_CREATE_CQ		0x05
#define NVME_ADMIN_IDENTIFY		0x06
#define NVME_ADMIN_ABORT		0x08
#define NVME_ADMIN_SET_FEATURES		0x09
#define NVME_ADMIN_GET_FEATURES		0x0a
#define NVME_ADMIN_ASYNC_EVENT		0x0c
#define NVME_ADMIN_NS_MGMT		0x0d
#define NVME_ADMIN_FW_COMMIT		0x10
#define NVME_ADMIN_FW_DOWNLOAD		0x11
#define NVME_ADMIN_NS_ATTACH		0x15
#define NVME_ADMIN_KEEP_ALIVE		0x18
#define NVME_ADMIN_DOORBELL_BUF_CFG	0x7c
#define NVME_ADMIN_FORMAT_NVM		0x80
#define NVME_ADMIN_SECURITY_SEND	0x81
#define NVME_ADMIN_SECURITY_RECV	0x82
#define NVME_ADMIN_SANITIZE		0x84

/* Create I/O Completion/Submission Queue (§5.4, §5.5) */
#define NVME_QUEUE_PC			(1u << 0)	/* physically contiguous */
#define NVME_CQ_IEN			(1u << 1)	/* interrupts enabled */
#define NVME_SQ_QPRIO_MASK		(3u << 1)	/* SQ priority for weighted round robin */

/* Identify (§5.17): CNS in CDW10 bits 7:0 */
#define NVME_CNS_NAMESPACE		0x00
#define NVME_CNS_CONTROLLER		0x01
#define NVME_CNS_ACTIVE_NS_LIST		0x02
#define NVME_CNS_NS_DESCRIPTORS		0x03
#define NVME_CNS_NVM_SET_LIST		0x04
#define NVME_CNS_CSI_NAMESPACE		0x05	/* I/O command set specific */
#define NVME_CNS_CSI_CONTROLLER		0x06
#define NVME_CNS_CSI_ACTIVE_NS_LIST	0x07
#define NVME_CNS_INDEPENDENT_NS		0x08	/* I/O command set independent */
#define NVME_IDENTIFY_BYTES		4096

/* Get Log Page (§5.16): LID in CDW10 bits 7:0 */
#define NVME_LOG_ERROR			0x01
#define NVME_LOG_SMART			0x02
#define NVME_LOG_FW_SLOT		0x03
#define NVME_LOG_CHANGED_NS		0x04
#define NVME_LOG_CMD_EFFECTS		0x05
#define NVME_LOG_AMAZON_EBS_STATS	0xd0	/* vendor specific: Amazon EBS statistics (DESIGN.md §6) */

/* Set Features CDW10 bit 31: save the value across resets */
#define NVME_FEAT_SV			(1u << 31)

/* Features (§5.27.1) */
#define NVME_FEAT_ARBITRATION		0x01
#define NVME_FEAT_POWER_MGMT		0x02
#define NVME_FEAT_TEMP_THRESHOLD	0x04
#define NVME_FEAT_ERROR_RECOVERY	0x05
#define NVME_FEAT_VOLATILE_WC		0x06
#define NVME_FEAT_NUM_QUEUES		0x07
#define NVME_FEAT_IRQ_COALESCE		0x08
#define NVME_FEAT_IRQ_CONFIG		0x09
#define NVME_FEAT_WRITE_ATOMICITY	0x0a
#define NVME_FEAT_ASYNC_EVENT		0x0b
#define NVME_FEAT_TIMESTAMP		0x0e	/* 8 bytes: 48-bit milliseconds, attributes, reserved (§5.27.1.10) */

/* ---------------------------------------------------------------- NVM command set (NVM CS §3) */
#define NVME_CMD_FLUSH			0x00
#define NVME_CMD_WRITE			0x01
#define NVME_CMD_READ			0x02
#define NVME_CMD_WRITE_UNCOR		0x04
#define NVME_CMD_COMPARE		0x05
#define NVME_CMD_WRITE_ZEROES		0x08
#define NVME_CMD_DSM			0x09
#define NVME_CMD_VERIFY			0x0c

#define NVME_RW_NLB_MASK		0xffffu		/* CDW12 bits 15:0, 0-based */
#define NVME_RW_PRACT			(1u << 29)	/* protection information action */
#define NVME_RW_FUA			(1u << 30)
#define NVME_DSM_RANGE_BYTES		16
#define NVME_DSM_MAX_RANGES		256
#define NVME_NSID_BROADCAST		0xffffffffu

/* ---------------------------------------------------------------- identify data (§5.17.2) */
/* Identify Controller */
#define NVME_IDC_VID		0	/* u16 PCI vendor id */
#define NVME_IDC_SSVID		2	/* u16 */
#define NVME_IDC_SN		4	/* 20 ASCII, space padded */
#define NVME_IDC_SN_LEN		20
#define NVME_IDC_MN		24	/* 40 ASCII */
#define NVME_IDC_MN_LEN		40
#define NVME_IDC_FR		64	/* 8 ASCII */
#define NVME_IDC_FR_LEN		8
#define NVME_IDC_CMIC		76	/* u8: bit 1 two or more controllers (namespaces may be shared) */
#define NVME_IDC_MDTS		77	/* u8: max transfer 2^MDTS * CAP.MPSMIN page, 0 = no limit */
#define NVME_IDC_CNTLID		78	/* u16 */
#define NVME_IDC_VER		80	/* u32 */
#define NVME_IDC_OACS		256	/* u16 */
#define NVME_IDC_AERL		259	/* u8, 0-based */
#define NVME_IDC_SQES		512	/* u8 */
#define NVME_IDC_CQES		513	/* u8 */
#define NVME_IDC_NN		516	/* u32 number of namespaces (highest NSID) */
#define NVME_IDC_ONCS		520	/* u16 optional NVM commands */
#define  NVME_ONCS_WRITE_ZEROES	(1u << 3)
#define  NVME_ONCS_DSM		(1u << 2)
#define  NVME_ONCS_TIMESTAMP	(1u << 6)
#define NVME_IDC_VWC		525	/* u8 volatile write cache */
#define  NVME_VWC_PRESENT	0x01
#define  NVME_VWC_FLUSH_BROADCAST(v) (((v) >> 1) & 0x3)	/* 3: broadcast NSID supported */
#define NVME_IDC_SGLS		536	/* u32 */
#define  NVME_SGLS_SUPPORTED(s)	((s) & 0x3)	/* 01b any alignment, 10b dword aligned */
#define NVME_IDC_SUBNQN		768	/* 256 bytes, UTF-8, NUL-terminated: the NVM subsystem's name */
#define NVME_IDC_SUBNQN_LEN	256
#define NVME_IDC_VS_AREA	3072	/* vendor specific, to 4095 */

/* Identify Namespace (NVM CS §4.1.5.1) */
#define NVME_IDNS_NSZE		0	/* u64 size in logical blocks */
#define NVME_IDNS_NCAP		8	/* u64 */
#define NVME_IDNS_NUSE		16	/* u64 */
#define NVME_IDNS_NSFEAT	24	/* u8 */
#define NVME_IDNS_NLBAF		25	/* u8 number of LBA formats, 0-based */
#define NVME_IDNS_FLBAS		26	/* u8 formatted LBA size */
#define  NVME_FLBAS_INDEX(f)	((unsigned)(((f) & 0xf) | (((f) >> 5) & 0x3) << 4))
#define  NVME_FLBAS_EXTENDED	(1u << 4)	/* metadata at the end of each block */
#define NVME_IDNS_MC		27	/* u8 metadata capabilities */
#define NVME_IDNS_DPC		28	/* u8 */
#define NVME_IDNS_DPS		29	/* u8 end-to-end protection type settings */
#define NVME_IDNS_NMIC		30	/* u8: bit 0 the namespace may be reached through other controllers */
#define  NVME_NMIC_SHARED	0x01
#define NVME_IDNS_NGUID		104	/* 16 bytes */
#define NVME_IDNS_EUI64		120	/* 8 bytes */
#define NVME_IDNS_LBAF		128	/* 64 x u32: MS bits 15:0, LBADS 23:16, RP 25:24 */
#define NVME_IDNS_LBAF_MAX	64
#define NVME_IDNS_VS_AREA	3072

#endif
