/*
 * lib/vtd_fault.c - fault record decoding (see header).
 */
#include "lib/vtd_fault.h"

#include "lib/vtd_reg.h"

bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out)
{
	if (!(hi & VTD_FRCD_HI_F))
		return false;
	*out = (struct vtd_fault){
		.sid = VTD_FRCD_HI_SID(hi),
		.reason = VTD_FRCD_HI_FR(hi),
		.write = !(hi & VTD_FRCD_HI_T),
		.addr = VTD_FRCD_LO_FI(lo),
	};
	return true;
}

const char *vtd_fault_reason_name(uint8_t reason)
{
	switch (reason) {
	case VTD_FR_ROOT_NOT_PRESENT:		return "root-entry-not-present";
	case VTD_FR_CONTEXT_NOT_PRESENT:	return "context-entry-not-present";
	case VTD_FR_CONTEXT_INVALID:		return "context-entry-invalid";
	case VTD_FR_BEYOND_AGAW:		return "address-beyond-agaw";
	case VTD_FR_WRITE:			return "write-denied";
	case VTD_FR_READ:			return "read-denied";
	case VTD_FR_PAGING_ENTRY_INVALID:	return "paging-entry-invalid";
	case VTD_FR_ROOT_TABLE_INVALID:		return "root-table-unreadable";
	case VTD_FR_CONTEXT_TABLE_INVALID:	return "context-table-unreadable";
	case VTD_FR_ROOT_RSVD:			return "root-entry-reserved-bits";
	case VTD_FR_CONTEXT_RSVD:		return "context-entry-reserved-bits";
	case VTD_FR_PAGING_RSVD:		return "paging-entry-reserved-bits";
	case VTD_FR_CONTEXT_TT:			return "translation-type-invalid";
	case VTD_FR_IR_RSVD_REQUEST:		return "interrupt-request-reserved-bits";
	case VTD_FR_IR_INDEX_OVER:		return "interrupt-index-beyond-table";
	case VTD_FR_IR_NOT_PRESENT:		return "irte-not-present";
	case VTD_FR_IR_TABLE_ACCESS:		return "irt-unreadable";
	case VTD_FR_IR_IRTE_RSVD:		return "irte-reserved-bits";
	case VTD_FR_IR_COMPAT_BLOCKED:		return "compatibility-interrupt-blocked";
	case VTD_FR_IR_SID_MISMATCH:		return "interrupt-source-id-mismatch";
	}
	return "unknown";
}
