/*
 * lib/nvme_reg_access.h - which controller registers a provider may read (I5).
 *
 * An allow-list: what an honest provider needs to bring a controller up
 * and watch it (capabilities, version, interrupt mask, configuration,
 * status, admin queue sizes, ready timeouts).  No register that holds or
 * reveals a memory address (ASQ, ACQ, CMBMSC, BPMBL, PMRMSC, ...) is on it.
 */
#ifndef CAPROCK_LIB_NVME_REG_ACCESS_H
#define CAPROCK_LIB_NVME_REG_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

/* May a provider read width (4 or 8) bytes at register offset off? */
bool nvme_provider_may_read(uint64_t off, uint64_t width);

#endif
