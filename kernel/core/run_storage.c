/*
 * kernel/core/run_storage.c - mode=smoke and mode=bench.
 */
#include "kernel/core/log.h"
#include "kernel/core/run_modes.h"
#include "kernel/pci/pci.h"

bool run_storage(const struct boot_options *opts)
{
	(void)opts;
	if (!pci_find_nvme(0)) {
		kerror("nvme: error no controller found (class 0x01/0x08/0x02)");
		return false;
	}
	kerror("nvme: error storage provider not built into this kernel yet");
	return false;
}
