#!/usr/bin/env bash
# bench/vtd-lanes.sh - the direct-remapping lane against the bounce lane, on the same IOMMU machine.
#
# The anchor's configuration (q35, -smp 1 -m 1024, a 1 GiB raw image with cache=none,aio=native,
# -device nvme; bench/caprock-bench.sh) plus QEMU's VT-d unit (kernel-irqchip=split,
# -device intel-iommu,intremap=on, before the NVMe device).  One boot per job and lane; the
# lanes alternate within each job and the order flips every round, so drift on a shared machine
# hits both alike.  Each boot prints its `bench:` line and the device-visible cost per I/O that
# QEMU itself counts (doorbell writes and MSI-X interrupts per read or write command).  The
# summary gives min/median/max IOPS per job and lane over the rounds, and the ratio of medians.
# Under TCG this compares guest CPU cost per I/O: say so next to any figure.
#
# Env: ROUNDS (3), JOBS (randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32),
#      SECONDS_PER_JOB (5), PATH_KIND (provider|client), WORK (build/bench-vtd), KERNEL (build/kernel.elf)
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel.elf}
WORK=${WORK:-build/bench-vtd}
ROUNDS=${ROUNDS:-3}
JOBS=${JOBS:-randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32}
SECS=${SECONDS_PER_JOB:-5}
PATH_KIND=${PATH_KIND:-provider}
mkdir -p "$WORK"
tools/qemu-version.sh
[ -f "$KERNEL" ] || make -s
[ -f "$WORK/pristine.img" ] || python3 tools/mkdisk.py "$WORK/pristine.img" --size $((1 << 30)) --tag ANCHOR01
RESULTS="$WORK/results.txt"
: > "$RESULTS"

run_one() {	# round job lane
	local round=$1 job=$2 lane=$3 spec=${2%_qd*} qd=${2##*_qd} extra=""
	# QEMU's unit cannot show interrupt isolation (README): the direct lane needs the opt-in there.
	extra="iommu.interrupt_isolation=optional"
	[ "$lane" = bounce ] && extra="dma.backend=bounce"
	dd if="$WORK/pristine.img" of="$WORK/disk.img" bs=4M iflag=direct oflag=direct status=none
	rm -f "$WORK/trace.log"
	# shellcheck disable=SC2046
	timeout 600 qemu-system-x86_64 -M q35,kernel-irqchip=split $(tools/qemu-accel.sh) -smp 1 -m 1024 -nographic \
		-no-reboot -nic none -kernel "$KERNEL" \
		-append "mode=bench bench.job=$spec bench.qd=$qd bench.seconds=$SECS bench.path=$PATH_KIND $extra" \
		-device intel-iommu,intremap=on \
		-drive "file=$WORK/disk.img,if=none,id=nvm,format=raw,cache=none,aio=native" \
		-device nvme,serial=anchor,drive=nvm \
		-trace pci_nvme_mmio_doorbell_sq -trace pci_nvme_mmio_doorbell_cq -trace pci_nvme_irq_msix \
		-trace pci_nvme_read -trace pci_nvme_write \
		-D "$WORK/trace.log" | tr -d '\r' > "$WORK/r$round-$job-$lane.log" || true
	local line cmds sq cq irq sel
	line=$(grep -E '^bench: ' "$WORK/r$round-$job-$lane.log" | head -n 1 || true)
	sel=$(grep -E '^dma: backend selection ' "$WORK/r$round-$job-$lane.log" | sed -E 's/.*backend=([^ ]+).*/\1/' || true)
	cmds=$(grep -cE '^pci_nvme_(read|write) ' "$WORK/trace.log" || true)
	sq=$(grep -c '^pci_nvme_mmio_doorbell_sq' "$WORK/trace.log" || true)
	cq=$(grep -c '^pci_nvme_mmio_doorbell_cq' "$WORK/trace.log" || true)
	irq=$(grep -c '^pci_nvme_irq_msix' "$WORK/trace.log" || true)
	echo "round=$round job=$job run=$lane selected=$sel commands=$cmds sq_doorbells=$sq cq_doorbells=$cq msix_irqs=$irq $line" |
		tee -a "$RESULTS"
}

for round in $(seq 1 "$ROUNDS"); do
	for job in ${JOBS//,/ }; do
		if [ $((round % 2)) -eq 1 ]; then order="direct bounce"; else order="bounce direct"; fi
		for lane in $order; do
			run_one "$round" "$job" "$lane"
		done
	done
done

python3 - "$RESULTS" "$SECS" "$PATH_KIND" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", l)) for l in open(sys.argv[1])]
# "job" appears twice (the row's, then the bench line's without _qd): keep the row's.
for r, l in zip(rows, open(sys.argv[1])):
    r["job"] = re.match(r"round=\S+ job=(\S+)", l).group(1)
print("\nsummary: seconds_per_job=%s path=%s rounds=%d (TCG: guest CPU cost per I/O, shared noisy machine)"
      % (sys.argv[2], sys.argv[3], max(int(r["round"]) for r in rows)))
print("%-18s %-7s %8s %8s %8s  %9s  %s" % ("job", "lane", "min", "median", "max", "exits/io", "lat_us_p50 (median)"))
med = {}
for job in dict.fromkeys(r["job"] for r in rows):
    for lane in ("direct", "bounce"):
        rs = [r for r in rows if r["job"] == job and r["run"] == lane and "iops" in r]
        if not rs:
            print("%-18s %-7s no result" % (job, lane))
            continue
        iops = sorted(int(r["iops"]) for r in rs)
        exits = statistics.median((int(r["sq_doorbells"]) + int(r["cq_doorbells"]) + int(r["msix_irqs"])) /
                                  max(1, int(r["commands"])) for r in rs)
        med[job, lane] = statistics.median(iops)
        print("%-18s %-7s %8d %8d %8d  %9.3f  %s" % (job, lane, iops[0], med[job, lane], iops[-1], exits,
                                                    statistics.median(int(r["lat_us_p50"]) for r in rs)))
    if (job, "direct") in med and (job, "bounce") in med:
        print("%-18s ratio direct/bounce (medians) = %.2f" % (job, med[job, "direct"] / med[job, "bounce"]))
PY
