/*
 * kernel/nvme/units.h - the storage run: every controller bound and served,
 * clients given their devices (mode=smoke, bench and serve).
 */
#ifndef CAPROCK_NVME_UNITS_H
#define CAPROCK_NVME_UNITS_H

#include <stdbool.h>

#include "lib/cmdline.h"

/* Bind every NVMe controller, run providers and clients to the end; true if all went well. */
bool nvme_run(const struct boot_options *o);

#endif
