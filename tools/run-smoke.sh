#!/usr/bin/env bash
# tools/run-smoke.sh - `make run`: the main job.
#
# Generates a 64 MiB disk image whose sectors name themselves, boots the
# kernel in QEMU with it behind a standard NVMe controller, and shows the
# console: every proof line of DESIGN.md §2.  Exits non-zero unless the run
# ends with "run: complete status=pass".  CMDLINE adds kernel options.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel.elf}
WORK=${WORK:-build/run}
mkdir -p "$WORK"
tools/qemu-version.sh
python3 tools/mkdisk.py "$WORK/disk.img" --size $((64 << 20))
CMDLINE=${CMDLINE:-nvme.read=65536:8,131071:1,1000:2048}
# shellcheck disable=SC2046
timeout 300 qemu-system-x86_64 -M q35 -m 256 $(tools/qemu-accel.sh) -nographic -no-reboot -nic none \
	-kernel "$KERNEL" -append "$CMDLINE" \
	-drive "file=$WORK/disk.img,if=none,id=n0,format=raw" -device nvme,serial=caprock0001,drive=n0 \
	${QEMU_EXTRA:-} | tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$WORK/serial.log"
grep -q '^run: complete status=pass' "$WORK/serial.log"
