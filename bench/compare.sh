#!/usr/bin/env bash
# bench/compare.sh - Caprock and Linux's own NVMe driver, side by side, in one run.
#
# Runs the linux-guest anchor (../shared/anchors/linux-guest/run.sh: Debian's
# Linux with fio on the same QEMU configuration, with the same three QEMU
# trace events added) and then bench/caprock-bench.sh, and prints per job
# the two IOPS figures, their ratio, and the device-visible cost per I/O of
# each guest.  The machines are shared and noisy: compare within one run,
# and repeat (ROUNDS) before believing a difference under ~15%.
#
# Env: ANCHOR (path to linux-guest), ROUNDS (1), SECONDS_PER_JOB (5), WORK (build/bench),
#      CAPROCK_KERNEL (build/kernel.elf; KERNEL means something else to the anchor)
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHOR=${ANCHOR:-../shared/anchors/linux-guest}
ROUNDS=${ROUNDS:-1}
SECS=${SECONDS_PER_JOB:-5}
WORK=${WORK:-build/bench}
JOBS=randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32
mkdir -p "$WORK"
TRACES="-trace pci_nvme_mmio_doorbell_sq -trace pci_nvme_mmio_doorbell_cq -trace pci_nvme_irq_msix -D $PWD/$WORK/linux-trace.log"

for round in $(seq 1 "$ROUNDS"); do
	echo "== round $round: linux-guest anchor"
	rm -f "$WORK/linux-trace.log"
	env -u KERNEL ACCEL=tcg RUNTIME=$SECS JOBS=$JOBS QEMU_EXTRA="$TRACES" "$ANCHOR/run.sh" | tee "$WORK/linux-$round.txt" | grep -E '^linux-guest: job='
	echo "== round $round: caprock"
	KERNEL=${CAPROCK_KERNEL:-build/kernel.elf} SECONDS_PER_JOB=$SECS JOBS=$JOBS WORK=$WORK bench/caprock-bench.sh | tee "$WORK/caprock-$round.txt"
	python3 - "$WORK/linux-$round.txt" "$WORK/caprock-$round.txt" "$WORK/linux-trace.log" "$SECS" <<'PY'
import re, sys
linux = {}
for l in open(sys.argv[1]):
    m = re.search(r"job=(\S+) iops=(\d+)", l)
    if m and l.startswith("linux-guest: job="):
        linux[m.group(1)] = int(m.group(2))
cap = {}
for l in open(sys.argv[2]):
    m = re.match(r"bench: job=(\S+) qd=(\d+) iops=(\d+)", l)
    if m:
        cap["%s_qd%s" % (m.group(1), m.group(2))] = int(m.group(3))
# Linux's trace covers all four jobs of its one boot: report the total per I/O.
t = open(sys.argv[3]).read() if sys.argv[3] else ""
sq, cq, irq = (t.count("pci_nvme_mmio_doorbell_sq"), t.count("pci_nvme_mmio_doorbell_cq"),
               t.count("pci_nvme_irq_msix"))
ios = sum(v * (int(sys.argv[4]) + 1) for v in linux.values())  # measured window + 1 s ramp, approximate
for job in sorted(set(linux) | set(cap)):
    a, b = linux.get(job), cap.get(job)
    ratio = "%.2f" % (b / a) if a and b else "n/a"
    print("compare: job=%s linux_iops=%s caprock_iops=%s caprock_over_linux=%s" % (job, a, b, ratio))
if ios:
    print("compare-cost: guest=linux approx_ios=%d sq_db_per_io=%.3f cq_db_per_io=%.3f irq_per_io=%.3f "
          "exits_per_io=%.3f" % (ios, sq / ios, cq / ios, irq / ios, (sq + cq + irq) / ios))
PY
done
