#!/usr/bin/env bash
# tools/qemu-pci-nvme-smoke.sh - `make run-pci-nvme`: boot, then assert.
#
# Boots the kernel against QEMU's -device nvme on a generated image and
# asserts, all of them (conjunctively): the proof lines of DESIGN.md §2, the
# read checksums against the image on the host (LBA 0, the middle, the last
# LBA, across MDTS), and the cloud-shape classification line consistent
# with the DMA backend selection of the same boot.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel.elf}
WORK=${WORK:-build/run-pci-nvme}
LOG=$WORK/serial.log
SIZE=$((64 << 20))
LBAS=$((SIZE / 512))
mkdir -p "$WORK"
tools/qemu-version.sh
python3 tools/mkdisk.py "$WORK/disk.img" --size "$SIZE"

CMDLINE="nvme.read=$((LBAS / 2)):8,$((LBAS - 1)):1,1000:2048 ${CMDLINE_EXTRA:-}"
# shellcheck disable=SC2046
timeout 300 qemu-system-x86_64 -M q35 -m 256 $(tools/qemu-accel.sh) -nographic -no-reboot -nic none \
	-kernel "$KERNEL" -append "$CMDLINE" \
	-drive "file=$WORK/disk.img,if=none,id=n0,format=raw" -device "nvme,serial=caprock0001,drive=n0${NVME_PROPS:-}" \
	${QEMU_EXTRA:-} | tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$LOG" || true

failures=0
checks=0
fail() { echo "run-pci-nvme: FAIL $*"; failures=$((failures + 1)); }
assert_line() {	# regex, description
	checks=$((checks + 1))
	grep -Eq -- "$1" "$LOG" || fail "missing $2: /$1/"
}
value() {	# key, line
	sed -nE "s/.*[ ^]$1=(\"[^\"]*\"|[^ ]*).*/\1/p" <<<" $2" | tr -d '"'
}

assert_line '^pci: nvme controller bdf=[0-9a-f:.]+ vendor=0x[0-9a-f]{4} device=0x[0-9a-f]{4} class=0x01 subclass=0x08 prog_if=0x02$' "pci line"
assert_line '^dma: backend selection backend=bounce-buffer iommu=none verified=false reason=no-dmar-table policy=direct-remapping-if-verified-else-bounce-buffer host_physical_user_visible=false$' "dma line"
assert_line '^provider: nvme started cpl=3 caps=DeviceMmio,Interrupt,DMAPool ' "provider line"
assert_line '^nvme: bound bdf=[0-9a-f:.]+ lane=brokered version=[0-9]+\.[0-9]+\.[0-9]+ mqes=[0-9]+ dstrd=[0-9]+ ioqpairs=[0-9]+ pid=[0-9]+$' "bound line"
assert_line '^nvme: admin completion wake=interrupt vector=[0-9]+ ' "admin completion line"
assert_line '^nvme: identify controller vid=0x[0-9a-f]{4} .*model="[^"]*" serial="caprock0001" firmware="[^"]*" mdts_bytes=[0-9]+ nn=[0-9]+' "identify controller line"
assert_line "^nvme: identify namespace nsid=1 lbas=$LBAS lba_bytes=512 " "identify namespace line"
assert_line '^nvme: read ok dev=[a-z0-9]+ bdf=[0-9a-f:.]+ nsid=1 lba=0 blocks=8 bytes=4096 crc32=0x[0-9a-f]{8}' "LBA 0 read"
assert_line "^nvme: read ok dev=[a-z0-9]+ bdf=[0-9a-f:.]+ nsid=1 lba=$((LBAS / 2)) blocks=8 bytes=4096 " "middle read"
assert_line "^nvme: read ok dev=[a-z0-9]+ bdf=[0-9a-f:.]+ nsid=1 lba=$((LBAS - 1)) blocks=1 bytes=512 " "last-LBA read"
assert_line '^nvme: read ok dev=[a-z0-9]+ bdf=[0-9a-f:.]+ nsid=1 lba=1000 blocks=2048 bytes=1048576 crc32=0x[0-9a-f]{8} commands=2 ' "read across MDTS"
assert_line '^nvme: controller released bdf=[0-9a-f:.]+ stopped=yes ledger_live=0 ' "controller release"
assert_line '^run: complete status=pass errors=0' "final line"
if grep -Eq '^(panic|trap: kernel exception)' "$LOG"; then fail "kernel panic or exception"; fi

# Every read's crc32 against the image, computed on the host with zlib.
while IFS= read -r l; do
	checks=$((checks + 1))
	lba=$(value lba "$l"); blocks=$(value blocks "$l"); crc=$(value crc32 "$l")
	want=$(python3 -c 'import sys,zlib
f=open(sys.argv[1],"rb"); f.seek(int(sys.argv[2])*512); print("0x%08x" % zlib.crc32(f.read(int(sys.argv[3])*512)))' \
		"$WORK/disk.img" "$lba" "$blocks")
	[ "$crc" = "$want" ] || fail "crc of lba=$lba blocks=$blocks: console $crc, image $want"
done < <(grep -E '^nvme: read ok ' "$LOG")

# shellcheck source=tools/assert-cloud-shape.sh
. tools/assert-cloud-shape.sh
assert_nvme_cloud_shape "$LOG"

if [ "$failures" -ne 0 ]; then
	echo "run-pci-nvme: $failures of $checks checks failed; console in $LOG"
	exit 1
fi
echo "run-pci-nvme: PASS ($checks checks; console in $LOG)"
