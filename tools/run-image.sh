#!/usr/bin/env bash
# tools/run-image.sh - `make run-image`: boot build/caprock.img the way a
# Nitro instance would, from an NVMe root volume, through real firmware.
#
#   FIRMWARE=seabios (default) | ovmf     legacy BIOS or UEFI (Debian's OVMF, 4M pflash)
#   MACHINE=pc,pit=off,hpet=off (default) | q35 | ...   i440FX without PIT/HPET is Nitro's shape
#   DATA_VOLUME=1                         a second NVMe controller with a data volume
#   QEMU_EXTRA="..."                      more QEMU arguments
#
# The image is used through a copy (writes do not touch the build output);
# the serial console is on stdio (Ctrl-A X quits; `system_powerdown` on the
# QEMU monitor, Ctrl-A C, presses the ACPI power button).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-build/caprock.img}
FIRMWARE=${FIRMWARE:-seabios}
MACHINE=${MACHINE:-pc,pit=off,hpet=off}
WORK=${WORK:-build/run-image}
mkdir -p "$WORK"
tools/qemu-version.sh
cp --sparse=always "$IMAGE" "$WORK/root.img"
# shellcheck disable=SC2046  # the accelerator flags are words
args=(-M "$MACHINE" -m 512 $(tools/qemu-accel.sh) -nographic -no-reboot -nic none
	-drive "file=$WORK/root.img,if=none,id=root,format=raw"
	-device "nvme,serial=vol0123456789abcdef0,drive=root,bootindex=0")
case "$FIRMWARE" in
seabios) ;;
ovmf)
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/OVMF_VARS_4M.fd"
	args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
		-drive "if=pflash,format=raw,unit=1,file=$WORK/OVMF_VARS_4M.fd")
	;;
*) echo "run-image: FIRMWARE must be seabios or ovmf" >&2; exit 2 ;;
esac
if [ -n "${DATA_VOLUME:-}" ]; then
	python3 tools/mkdisk.py "$WORK/data.img" --size $((64 << 20)) --tag CAPVOL02
	args+=(-drive "file=$WORK/data.img,if=none,id=data,format=raw" -device "nvme,serial=vol0fedcba9876543210,drive=data")
fi
# shellcheck disable=SC2086
exec qemu-system-x86_64 "${args[@]}" ${QEMU_EXTRA:-}
