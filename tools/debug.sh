#!/usr/bin/env bash
# tools/debug.sh - boot the kernel halted with a gdb stub on :1234 (make debug).
#
#   terminal 1:  make debug CMDLINE="mode=boot"
#   terminal 2:  gdb build/kernel.elf -ex 'target remote :1234' -ex 'break kernel_main' -ex continue
#
# Hardware breakpoints (hbreak) work before paging_init; software ones need the
# higher-half mapping, which the boot code sets up before kernel_main.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel.elf}
CMDLINE=${CMDLINE:-mode=boot}
tools/qemu-version.sh
echo "debug: qemu waits for gdb on :1234; in another terminal:"
echo "  gdb $KERNEL -ex 'target remote :1234' -ex 'break kernel_main' -ex continue"
exec qemu-system-x86_64 -M q35 -m 256 -accel tcg -cpu max -nographic -no-reboot -nic none \
	-kernel "$KERNEL" -append "$CMDLINE" -s -S ${QEMU_EXTRA:-}
