/*
 * kernel/core/run_modes.h - what a boot does once the machine is up.
 */
#ifndef CAPROCK_CORE_RUN_MODES_H
#define CAPROCK_CORE_RUN_MODES_H

#include <stdbool.h>

#include "lib/cmdline.h"

/* mode=boot: ring-3 self-test (CPL report, privileged instruction caught). */
bool run_boot_selftest(const struct boot_options *opts);
/* mode=smoke and mode=bench: bind the first NVMe controller to the provider. */
bool run_storage(const struct boot_options *opts);
/*
 * mode=serve (kernel/core/serve.c): the storage jobs when there is a
 * controller, then serve_wait until the power button or serve.seconds.
 */
bool run_serve(const struct boot_options *opts);

#endif
