/*
 * lib/cap_table.h - a process's capability table (pure logic).
 *
 * Slots hold a type, rights, and an opaque object pointer the kernel
 * manages.  cap_lookup is the "decode" half of every invocation: it checks
 * slot, type and rights and changes nothing.
 */
#ifndef CAPROCK_LIB_CAP_TABLE_H
#define CAPROCK_LIB_CAP_TABLE_H

#include <stdint.h>

#include "include/abi/cap.h"

struct cap {
	uint32_t c_type;	/* enum cap_type; CAP_TYPE_NONE = empty */
	uint32_t c_rights;
	void *c_object;
};

struct cap_table {
	struct cap ct_slots[CAP_SLOTS];
};

void cap_table_init(struct cap_table *t);
/* Put an object in the lowest free slot; returns the slot or CR_ENOMEM. */
int cap_insert(struct cap_table *t, uint32_t type, uint32_t rights, void *object);
/*
 * The capability in slot, if it has type (CAP_TYPE_NONE: any type) and all
 * of rights.  Returns 0 and sets *out, CR_EBADCAP (empty, out of range,
 * wrong type) or CR_EPERM (missing right).
 */
int cap_lookup(const struct cap_table *t, uint64_t slot, uint32_t type, uint32_t rights,
	       const struct cap **out);
/* Empty a slot; returns the object it held (NULL if empty). */
void *cap_remove(struct cap_table *t, uint64_t slot);

#endif
