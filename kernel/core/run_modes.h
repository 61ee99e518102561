/*
 * kernel/core/run_modes.h - what a boot does once the machine is up.
 */
#ifndef CAPROCK_CORE_RUN_MODES_H
#define CAPROCK_CORE_RUN_MODES_H

#include <stdbool.h>

#include "lib/cmdline.h"

/* mode=boot: ring-3 self-test (CPL report, privileged instruction caught). */
bool run_boot_selftest(const struct boot_options *opts);
/* mode=boot selftest=tlb-shootdown: a page unmapped on the boot CPU stops working on the others at once. */
bool run_tlb_selftest(const struct boot_options *opts);

/* mode=boot selftest=lazy-root: a process's root an idle CPU kept loaded is let go there before it is freed. */
bool run_lazy_root_selftest(void);
/* mode=boot selftest=lock-order: the lock order check refuses what L5 forbids. */
bool run_lock_order_selftest(void);
/* mode=smoke, bench and serve: kernel/nvme/units.h's nvme_run. */

#endif
