#!/usr/bin/env bash
# bench/caprock-bench.sh - Caprock's in-guest benchmark on the anchor's QEMU configuration.
#
# Same machine, disk and device as ../shared/anchors/linux-guest/run.sh
# (q35, TCG, -smp 1 -m 1024, a 1 GiB raw image with cache=none,aio=native,
# -device nvme), one boot per job.  Prints each job's `bench:` line and the
# device-visible cost per I/O that QEMU itself counts: SQ and CQ doorbell
# writes and MSI-X interrupts (-trace pci_nvme_mmio_doorbell_sq,
# pci_nvme_mmio_doorbell_cq, pci_nvme_irq_msix), divided by QEMU's own count of
# read and write commands (pci_nvme_read, pci_nvme_write).  The image is
# rewritten with an O_DIRECT copy before every boot, as the anchor does.
# A quick look only: figures mean something side by side, measured by
# bench/compare.sh (rounds, validity checks, Linux on the same command line).
#
# Env: JOBS (default randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32),
#      SECONDS_PER_JOB (5), WORK (build/bench), KERNEL (build/kernel.elf)
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel.elf}
WORK=${WORK:-build/bench}
JOBS=${JOBS:-randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32}
SECS=${SECONDS_PER_JOB:-5}
mkdir -p "$WORK"
tools/qemu-version.sh
[ -f "$KERNEL" ] || make -s
[ -f "$WORK/pristine.img" ] || python3 tools/mkdisk.py "$WORK/pristine.img" --size $((1 << 30)) --tag ANCHOR01

for job in ${JOBS//,/ }; do
	spec=${job%_qd*}
	qd=${job##*_qd}
	dd if="$WORK/pristine.img" of="$WORK/disk.img" bs=4M iflag=direct oflag=direct status=none
	rm -f "$WORK/trace.log"
	# shellcheck disable=SC2046
	timeout 600 qemu-system-x86_64 -M q35 $(tools/qemu-accel.sh) -smp 1 -m 1024 -nographic -no-reboot -nic none \
		-kernel "$KERNEL" -append "mode=bench bench.job=$spec bench.qd=$qd bench.seconds=$SECS" \
		-drive "file=$WORK/disk.img,if=none,id=nvm,format=raw,cache=none,aio=native" \
		-device nvme,serial=anchor,drive=nvm \
		-trace pci_nvme_mmio_doorbell_sq -trace pci_nvme_mmio_doorbell_cq -trace pci_nvme_irq_msix \
		-trace pci_nvme_read -trace pci_nvme_write \
		-D "$WORK/trace.log" | tr -d '\r' > "$WORK/$job.log" || true
	line=$(grep -E '^bench: ' "$WORK/$job.log" || echo "bench: job=$spec qd=$qd error=no-result")
	cmds=$(grep -cE '^pci_nvme_(read|write) ' "$WORK/trace.log" || true)
	sq=$(grep -c '^pci_nvme_mmio_doorbell_sq' "$WORK/trace.log" || true)
	cq=$(grep -c '^pci_nvme_mmio_doorbell_cq' "$WORK/trace.log" || true)
	irq=$(grep -c '^pci_nvme_irq_msix' "$WORK/trace.log" || true)
	echo "$line"
	python3 - "$job" "${cmds:-0}" "$sq" "$cq" "$irq" <<'PY'
import sys
job, cmds, sq, cq, irq = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
per = lambda n: "%.3f" % (n / cmds) if cmds else "nan"
print("bench-cost: job=%s guest=caprock commands=%d sq_doorbells=%d cq_doorbells=%d msix_irqs=%d "
      "sq_db_per_io=%s cq_db_per_io=%s irq_per_io=%s exits_per_io=%s"
      % (job, cmds, sq, cq, irq, per(sq), per(cq), per(irq), per(sq + cq + irq)))
PY
done
