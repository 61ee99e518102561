#!/usr/bin/env bash
# bench/compare.sh - Caprock and Linux's own NVMe driver (fio), side by side,
# measured so that the ratio means what it says (DESIGN.md §4).
#
#   bench/compare.sh                                   # 3 rounds, 4 jobs, 4 sides, 5 s each: 48 boots (~15 min under TCG, quiet host)
#   ROUNDS=1 RUNTIME=2 JOBS=randread4k_qd32 bench/compare.sh        # a quick look while developing
#   USERS=0 bench/compare.sh                           # only the provider path against Linux IRQ (the old table)
#
# The headline (issue 19 §4, DESIGN.md §4) is what users get: Caprock's client
# path (bench.path=client) against Linux at its best for each job, the better of
# interrupt-driven fio with matched batching (`linux`) and polled io_uring
# (`linux-polled`: nvme.poll_queues=1, fio --hipri, unbatched); the provider
# path (`caprock`) is the second row.  Per job: IOPS median (min-max), latency
# p50/p99, guest CPU cost (Caprock's cpu_busy_pct, fio's usr+sys) and IOPS per
# busy CPU-second, device events per I/O (QEMU's own count), and the issue's goals.
#   CEILING=1 bench/compare.sh                         # also Caprock on QEMU's null-co backend
#   SIDES=caprock-null JOBS=randread4k_qd32 bench/compare.sh         # only the ceiling
#
# Method:
#   * one job per boot on each side, interleaved: caprock A, linux A, caprock B,
#     linux B, ... repeated ROUNDS times (ORDER=alternate swaps the sides in even
#     rounds so neither always goes first); min / median / max per job and side;
#   * the exact same QEMU command line on both sides apart from -kernel, -initrd
#     and -append (checked on every Linux run from the anchor's logged command;
#     a difference stops the script);
#   * the same image file, cache=none,aio=native on both sides, rewritten before
#     every boot with an O_DIRECT copy of one pristine image and checked (size and
#     the pattern at 16 LBAs); no fallback: if O_DIRECT or cache=none is refused
#     the script stops;
#   * matched batching: at QD > 1 fio gets --iodepth_batch_submit=QD
#     --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=QD through the
#     anchor's FIO_EXTRA (Caprock rings one doorbell per reaped batch);
#   * device events per I/O counted by QEMU itself (-trace) on both sides;
#   * stall detection: a run is INVALID, listed and excluded, on fio's max latency
#     or any p999 above a limit, a job taking far longer than its runtime, a
#     controller timeout/abort/reset/I/O error in the Linux log, an abort or a
#     controller re-enable seen by QEMU, `bench: error` or a missing result line.
#
# Env (defaults in brackets):
#   ROUNDS [3]  JOBS [randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32]
#   RUNTIME     seconds measured per job, after a 1 s ramp on both sides [5]
#   SIDES       comma list of caprock (provider path), linux, caprock-null, linux-null, caprock-client (a
#               client process through its BlockDevice session: what users get), linux-polled
#               (nvme.poll_queues=1 and fio --hipri, unbatched: Linux at its best at low depth),
#               caprock-client-polled (the client path with nvme.poll=always on Caprock's -append: the provider
#               polls continuously, the client spins; meant for SMP >= 2, the provider on a CPU of its own)
#               [caprock-client,linux,linux-polled,caprock; with USERS=0: caprock,linux]
#   USERS       1: the users' table (client path vs Linux's best) with the provider path as second row;
#               0: provider path vs Linux IRQ only (ignored when SIDES is given) [1]
#   SMP         vCPUs of both guests: Caprock places its provider and client on different CPUs
#               when there are two or more, Linux spreads its queues [1]
#   CEILING     1: add caprock-null to SIDES; 2: add caprock-null and linux-null [0]
#   NULL_DRIVE  the -drive of the null-co runs
#               [driver=null-co,size=1G,read-zeroes=on,if=none,id=nvm,cache=none,aio=native]
#   KERNEL      Caprock kernel [build/kernel.elf of this tree; built with make -j2 if missing]
#   ANCHOR      the linux-guest harness [../shared/anchors/linux-guest]
#   ANCHOR_WORK the anchor's WORK (initramfs, its logs are not used) [/tmp/linux-anchor]
#   BATCH       1: matched fio batching at QD > 1; 0: fio's defaults (printed either way) [1]
#   TRACE       1: QEMU trace on every boot (events per I/O); 0: none [1]
#   ORDER       alternate | fixed [alternate]
#   P999_LIMIT_MS [100]  MAX_LIMIT_MS [1000] (fio's max; Caprock prints no max)
#   ELAPSED_SLACK seconds a job may take beyond ramp + runtime [10]
#   LINUX_APPEND  extra Linux kernel arguments; loglevel=5 puts nvme timeout/abort/reset
#               warnings (hidden by the anchor's "quiet") on the serial log [loglevel=5]
#   HOST_BUSY_LIMIT  cores of other host CPU use (+ steal) above which a run is "noisy" [0.5]
#   QUIET_WAIT  seconds to wait before each boot for the host to fall below HOST_BUSY_LIMIT [60]
#   EXCLUDE_NOISY 1: noisy runs are invalid too; 0: kept and counted [0]
#   ACCEL [tcg]  CPU [max]  BENCH_WORK scratch [build/compare]  KEEP_TRACE [0]
#   OUT         results file [bench/results/<UTC date>-compare[-TAG].txt] (PNG next to it)
#   TAG         file-name suffix, e.g. validation; LABEL  a line printed in the header
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$(cd "$HERE/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
HELPER=$HERE/compare.py
die() { echo "compare.sh: error: $*" >&2; exit 1; }

ROUNDS=${ROUNDS:-3}
JOBS=${JOBS:-randread4k_qd1,randread4k_qd32,seqread128k_qd8,randwrite4k_qd32}
RUNTIME=${RUNTIME:-5}
RAMP=1   # Caprock's bench ramps for 1 s (ramp_s=1); the anchor is given the same
USERS=${USERS:-1}
case "$USERS" in
	1) SIDES=${SIDES:-caprock-client,linux,linux-polled,caprock} ;;
	0) SIDES=${SIDES:-caprock,linux} ;;
	*) echo "compare.sh: error: USERS must be 0 or 1" >&2; exit 1 ;;
esac
case "${CEILING:-0}" in
	0) ;;
	1) SIDES="$SIDES,caprock-null" ;;
	2) SIDES="$SIDES,caprock-null,linux-null" ;;
	*) die "CEILING must be 0, 1 or 2" ;;
esac
NULL_DRIVE=${NULL_DRIVE:-driver=null-co,size=1G,read-zeroes=on,if=none,id=nvm,cache=none,aio=native}
KERNEL=${KERNEL:-$TREE/build/kernel.elf}
ANCHOR=${ANCHOR:-$TREE/../shared/anchors/linux-guest}
[ -d "$ANCHOR" ] && ANCHOR=$(cd "$ANCHOR" && pwd)
ANCHOR_WORK=${ANCHOR_WORK:-/tmp/linux-anchor}
BATCH=${BATCH:-1}
TRACE=${TRACE:-1}
ORDER=${ORDER:-alternate}
P999_LIMIT_MS=${P999_LIMIT_MS:-100}
MAX_LIMIT_MS=${MAX_LIMIT_MS:-1000}
ELAPSED_SLACK=${ELAPSED_SLACK:-10}
LINUX_APPEND=${LINUX_APPEND-loglevel=5}
HOST_BUSY_LIMIT=${HOST_BUSY_LIMIT:-0.5}
QUIET_WAIT=${QUIET_WAIT:-60}
EXCLUDE_NOISY=${EXCLUDE_NOISY:-0}
ACCEL=${ACCEL:-tcg}
CPU=${CPU:-max}
SMP=${SMP:-1}	# vCPUs of both guests (Caprock's providers and clients spread over them; Linux's blk-mq)
BENCH_WORK=${BENCH_WORK:-$TREE/build/compare}
KEEP_TRACE=${KEEP_TRACE:-0}
TAG=${TAG:-}
LABEL=${LABEL:-}
QEMU=qemu-system-x86_64
DATE=$(date -u +%F)
OUT=${OUT:-$TREE/bench/results/$DATE-compare${TAG:+-$TAG}.txt}
PNG=${OUT%.txt}.png
IMG_BYTES=$((1 << 30))

# ------------------------------------------------------------ preconditions
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $RUNTIME =~ ^[1-9][0-9]*$ ]] || die "RUNTIME must be a positive integer (seconds)"
[[ $OUT == *.txt ]] || die "OUT must end in .txt (the plot goes next to it as .png)"
for j in ${JOBS//,/ }; do
	[[ $j =~ ^(randread|randwrite|seqread|seqwrite)[0-9]+k_qd[0-9]+$ ]] || die "job '$j' is not <randread|randwrite|seqread|seqwrite><N>k_qd<N>"
done
for s in ${SIDES//,/ }; do
	case "$s" in caprock | linux | caprock-null | linux-null | caprock-client | caprock-client-polled | linux-polled) ;; *) die "unknown side '$s' in SIDES" ;; esac
done
command -v "$QEMU" >/dev/null || die "$QEMU not found (tools/install-deps.sh installs QEMU 10 from bookworm-backports)"
"$TREE/tools/qemu-version.sh" "$QEMU" >&2 || die "not the QEMU this project measures on (see above)"
command -v gnuplot >/dev/null || die "gnuplot not found (apt-get install gnuplot-nox)"
[ -x "$PY" ] || die "$PY not found (set PYTHON=)"
if [[ ,$SIDES, == *,linux* ]]; then
	[ -x "$ANCHOR/run.sh" ] || die "no linux-guest anchor at $ANCHOR (set ANCHOR=)"
fi
if [[ ,$SIDES, == *,caprock* ]]; then
	if [ "$KERNEL" = "$TREE/build/kernel.elf" ]; then
		if ! make -C "$TREE" -q >/dev/null 2>&1; then
			echo "compare.sh: building $KERNEL (make -j2)" >&2
			make -C "$TREE" -j2 -s >&2 || die "make failed"
		fi
	fi
	[ -f "$KERNEL" ] || die "KERNEL=$KERNEL does not exist"
fi
mkdir -p "$BENCH_WORK" "$(dirname "$OUT")"
[ -e "$OUT" ] && die "$OUT exists; set TAG= or OUT= (results are never overwritten)"

# ------------------------------------------------------------ the image
PRISTINE=$BENCH_WORK/pristine-ANCHOR01-1024M.img
DISK=$BENCH_WORK/disk.img
if [ ! -f "$PRISTINE" ] || [ "$(stat -c %s "$PRISTINE")" != "$IMG_BYTES" ]; then
	echo "compare.sh: generating $PRISTINE (the anchor's ANCHOR01 pattern)" >&2
	"$PY" "$TREE/tools/mkdisk.py" "$PRISTINE.tmp" --size "$IMG_BYTES" --tag ANCHOR01
	sync "$PRISTINE.tmp"
	mv "$PRISTINE.tmp" "$PRISTINE"
fi
"$PY" "$HELPER" check-image "$PRISTINE" --tag ANCHOR01 --size "$IMG_BYTES" >/dev/null ||
	die "$PRISTINE does not hold the ANCHOR01 pattern; delete it and rerun"
PRISTINE_SHA=$(sha256sum "$PRISTINE" | cut -d' ' -f1)
FILE_DRIVE="file=$DISK,if=none,id=nvm,format=raw,cache=none,aio=native"
# The copy before every boot, exactly as the anchor writes its disk: O_DIRECT both ways.
copy_image() {
	dd if="$PRISTINE" of="$DISK" bs=4M iflag=direct oflag=direct status=none ||
		die "O_DIRECT copy of $PRISTINE to $DISK failed (does $(dirname "$DISK")'s filesystem support O_DIRECT?)"
	"$PY" "$HELPER" check-image "$DISK" --tag ANCHOR01 --size "$IMG_BYTES" ||
		die "the copy $DISK does not match the pristine image"
}
copy_image >/dev/null
if ! probe=$(echo quit | timeout 30 "$QEMU" -M none -nodefaults -display none -monitor stdio -drive "$FILE_DRIVE" 2>&1); then
	die "QEMU refuses cache=none,aio=native on $DISK (no fallback, by design): $(echo "$probe" | grep -v '^(qemu)\|^QEMU' | head -3)"
fi
if [[ $SIDES == *-null* ]] && ! probe=$(echo quit | timeout 30 "$QEMU" -M none -nodefaults -display none -monitor stdio -drive "$NULL_DRIVE" 2>&1); then
	die "QEMU refuses NULL_DRIVE=$NULL_DRIVE: $(echo "$probe" | grep -v '^(qemu)\|^QEMU' | head -3)"
fi

# ------------------------------------------------------------ QEMU command lines
EVENTS=$BENCH_WORK/trace-events
cat >"$EVENTS" <<'EOF'
pci_nvme_mmio_doorbell_sq
pci_nvme_mmio_doorbell_cq
pci_nvme_irq_msix
pci_nvme_irq_pin
pci_nvme_read
pci_nvme_write
pci_nvme_create_cq
pci_nvme_admin_cmd
pci_nvme_mmio_start_success
pci_nvme_mmio_stopped
pci_nvme_dbbuf_config
pci_nvme_err_*
pci_nvme_ub_*
EOF
TRACE_OUT=$BENCH_WORK/trace.out
EXTRA=(-name "caprock-compare,debug-threads=on")
[ "$TRACE" = 1 ] && EXTRA+=(-trace "events=$EVENTS" -D "$TRACE_OUT")
# the anchor word-splits QEMU_EXTRA
[[ "${EXTRA[*]}" == *"$BENCH_WORK"* && "$BENCH_WORK" == *" "* ]] && die "BENCH_WORK must not contain spaces"
drive_for() { if [ "$1" = null ]; then echo "$NULL_DRIVE"; else echo "$FILE_DRIVE"; fi; }
# The anchor builds: qemu -M q35 <accel> -cpu C -smp N -m 1024 -nographic -no-reboot
#   -kernel K -initrd I -append A -nic none -drive D -device nvme,serial=anchor,drive=nvm <QEMU_EXTRA>
caprock_cmd() { # backend job [path [extra kernel arguments]]
	local spec=${2%_qd*} qd=${2##*_qd} path=${3:-provider} extra=${4:-}
	CMD=("$QEMU" -M q35 -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m 1024 -nographic -no-reboot
		-kernel "$KERNEL" -append "mode=bench bench.job=$spec bench.qd=$qd bench.seconds=$RUNTIME bench.path=$path${extra:+ $extra}"
		-nic none -drive "$(drive_for "$1")" -device "nvme,serial=anchor,drive=nvm" "${EXTRA[@]}")
}
fio_extra_for() { # job
	local qd=${1##*_qd}
	if [ "$BATCH" = 1 ] && [ "$qd" -gt 1 ]; then
		echo "--iodepth_batch_submit=$qd --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=$qd"
	fi
}
for b in file null; do
	caprock_cmd "$b" randread4k_qd1
	"$PY" "$HELPER" norm-argv -- "${CMD[@]}" >"$BENCH_WORK/argv-$b.json"
done

# ------------------------------------------------------------ header
KSHA=none KDESC=none
if [[ ,$SIDES, == *,caprock* ]]; then
	KSHA=$(sha256sum "$KERNEL" | cut -d' ' -f1)
	KDESC="not-from-this-tree"
	if [ "$(cd "$(dirname "$KERNEL")/.." && pwd)" = "$TREE" ]; then
		KDESC="$(git -C "$TREE" describe --always --tags 2>/dev/null || git -C "$TREE" rev-parse --short HEAD)$(git -C "$TREE" diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo -dirty) ($(git -C "$TREE" log -1 --format=%s | cut -c1-70))"
	fi
fi
START=$(date -u +%FT%TZ)
others=$(pgrep -c -x qemu-system-x86 2>/dev/null || true)
caprock_cmd file randread4k_qd32
{
	echo "# Caprock vs Linux NVMe, side by side: bench/compare.sh"
	echo
	echo "date: $START (UTC), results file $(basename "$OUT")"
	[ -n "$LABEL" ] && echo "label: $LABEL"
	echo "accel: $ACCEL.  Under TCG every guest instruction is emulated: these figures mostly compare guest CPU"
	echo "       cost per I/O (driver, kernel, copies), not what a device or hardware virtualisation would give."
	echo "       (/dev/kvm on this host is kvm_pvm, on which Debian's Linux does not boot.)"
	echo "tree: $(git -C "$TREE" describe --always --dirty --tags 2>/dev/null || echo unknown) (bench scripts included; branch $(git -C "$TREE" rev-parse --abbrev-ref HEAD 2>/dev/null || echo ?))"
	if [[ ,$SIDES, == *,caprock-client,* ]]; then
		echo "headline: what users get - Caprock's client path (bench.path=client) against Linux at its best per job"
		echo "          (the better median of linux = IRQ with matched batching, linux-polled = nvme.poll_queues=1 + fio --hipri, unbatched);"
		echo "          the provider path (side caprock) is the second row"
	fi
	if [[ ,$SIDES, == *,caprock-client-polled,* ]]; then
		echo "polled client: side caprock-client-polled = the client path with nvme.poll=always appended to -append"
		echo "          (the provider polls continuously, the client spins; meant for -smp >= 2); a second client row"
	fi
	[ "$ROUNDS" -lt 3 ] && echo "WARNING: rounds=$ROUNDS < 3: a smoke run, not a result (DESIGN.md §4 asks for >= 3 interleaved rounds)"
	echo "vcpus: -smp $SMP on both sides"
	echo "method: one job per boot per side, interleaved (order: $ORDER), rounds=$ROUNDS, jobs=$JOBS,"
	echo "        runtime=${RUNTIME}s after a ${RAMP}s ramp on both sides, sides=$SIDES"
	if [ "$BATCH" = 1 ]; then
		echo "batching: matched - at QD > 1 fio gets --iodepth_batch_submit=QD --iodepth_batch_complete_min=1"
		echo "          --iodepth_batch_complete_max=QD via the anchor's FIO_EXTRA (Caprock rings one doorbell per reaped batch)"
	else
		echo "batching: NOT matched (BATCH=0): fio submits and reaps one I/O at a time"
	fi
	echo "image: one pristine image $PRISTINE size=$IMG_BYTES sha256=$PRISTINE_SHA"
	echo "       (every 16 bytes of sector N: 'ANCHOR01' + le64 N); before every file-backed boot, on both sides:"
	echo "       dd if=pristine of=$DISK bs=4M iflag=direct oflag=direct, then size + pattern at 14 fixed LBAs (0, 1, 12345, the last, 10 between) read with O_DIRECT"
	echo "drive: $FILE_DRIVE (QEMU probe accepted it; no fallback)"
	[[ $SIDES == *-null* ]] && echo "ceiling drive: $NULL_DRIVE"
	echo "qemu: $(command -v "$QEMU") $("$QEMU" --version | head -1)"
	printf 'caprock cmd:'; printf ' %q' "${CMD[@]}"; echo
	echo "linux cmd: the anchor's run.sh builds the same argv with -kernel vmlinuz -initrd initramfs.cpio (checked per run)"
	echo "caprock kernel: $KERNEL sha256=$KSHA tree=$KDESC"
	echo "linux guest: $(cat "$ANCHOR_WORK/build/kver" 2>/dev/null || echo '(anchor not built yet)') via $ANCHOR/run.sh, fio inside; extra kernel args: ${LINUX_APPEND:-none}"
	echo "trace: $([ "$TRACE" = 1 ] && echo "on, every boot, both sides: -trace events=<$(tr '\n' ' ' <"$EVENTS")> -D <file>" || echo off)"
	echo "       events/IO = (I/O-queue SQ + CQ doorbell writes + MSI-X on I/O-queue vectors) / (pci_nvme_read + pci_nvme_write),"
	echo "       counted from the guest OS's controller enable on (SeaBIOS enables the controller first and polls)"
	echo "validity: invalid (and excluded) on: no result line, bench: error, I/O errors, timeout, p999 > ${P999_LIMIT_MS} ms,"
	echo "       fio max latency > ${MAX_LIMIT_MS} ms, job elapsed > ramp + runtime + ${ELAPSED_SLACK} s, fio runtime > 1.1 x runtime,"
	echo "       timeout/abort/reset/I/O error lines in the Linux serial log, abort/controller re-enable/error events in QEMU's trace,"
	echo "       a failed pattern check, fio options not as intended, a QEMU command line that differs"
	echo "noise: before each boot wait up to ${QUIET_WAIT}s for the host to use < $HOST_BUSY_LIMIT cores; a run whose window saw more"
	echo "       other host CPU (+ steal) is marked noisy=yes and is $([ "$EXCLUDE_NOISY" = 1 ] && echo "excluded" || echo "kept (EXCLUDE_NOISY=0)")"
	echo "host: $(uname -r) nproc=$(nproc) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\" other_qemu_at_start=${others:-0} cpuidle=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none) guest_halt_poll_ns=$(cat /sys/module/haltpoll/parameters/guest_halt_poll_ns 2>/dev/null || echo n/a)"
	echo
	echo "## Runs (raw)"
	echo
} | tee "$OUT"

# ------------------------------------------------------------ one boot
seq_no=0
run_one() { # round side-spec job
	local round=$1 spec=$2 job=$3 side=${2%-null} backend=file rec
	[[ $spec == *-null ]] && backend=null
	seq_no=$((seq_no + 1))
	local rundir=$BENCH_WORK/run-$round-$seq_no
	rm -rf "$rundir"
	mkdir -p "$rundir"
	if [ "$backend" = file ]; then
		copy_image | sed "s/^/  /" | tee -a "$OUT"
	fi
	"$PY" "$HELPER" wait-quiet --limit "$HOST_BUSY_LIMIT" --max-wait "$QUIET_WAIT" | sed "s/^/  /" | tee -a "$OUT"
	local tr=()
	[ "$EXCLUDE_NOISY" = 1 ] && tr+=(--exclude-noisy)
	[ "$TRACE" = 1 ] && tr+=(--trace-out "$TRACE_OUT")
	[ "$KEEP_TRACE" = 1 ] && tr+=(--keep-trace)
	local common=(--side "$side" --backend "$backend" --job "$job" --round "$round" --seq "$seq_no"
		--runtime "$RUNTIME" --ramp "$RAMP" --workdir "$rundir" "${tr[@]}"
		--p999-limit-ms "$P999_LIMIT_MS" --max-limit-ms "$MAX_LIMIT_MS" --elapsed-slack "$ELAPSED_SLACK" --host-busy-limit "$HOST_BUSY_LIMIT")
	if [[ $side == caprock* ]]; then
		case "$side" in
		caprock-client) caprock_cmd "$backend" "$job" client ;;
		caprock-client-polled) caprock_cmd "$backend" "$job" client nvme.poll=always ;;
		*) caprock_cmd "$backend" "$job" provider ;;
		esac
		rec=$("$PY" "$HELPER" run "${common[@]}" --timeout $((90 + 2 * (RAMP + RUNTIME))) -- "${CMD[@]}")
	else
		local fx qextra append=$LINUX_APPEND
		fx=$(fio_extra_for "$job")
		if [ "$side" = linux-polled ]; then
			fx="--hipri"	# fio's batching options break polling: unbatched
			append="$append nvme.poll_queues=1"
		fi
		qextra="${EXTRA[*]}"
		rec=$("$PY" "$HELPER" run "${common[@]}" --timeout $((300 + 3 * (RAMP + RUNTIME))) \
			--tail-glob "$rundir/anchor-log/*.log" --expect-argv "$BENCH_WORK/argv-$backend.json" \
			--fio-extra="$fx" -- \
			env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 WORK="$ANCHOR_WORK" LOGDIR="$rundir/anchor-log" \
			ACCEL="$ACCEL" CPU="$CPU" SMP="$SMP" MEM=1024 NIC=none KERNEL=bzimage INITRD=full MODE=bench \
			RUNTIME="$RUNTIME" RAMP="$RAMP" JOBS="$job" CACHE=none-native FRESH_DISK=0 \
			NVM_DRIVE="$(drive_for "$backend")" QEMU_EXTRA="$qextra" FIO_EXTRA="$fx" \
			APPEND_EXTRA="$append" TIMEOUT=$((270 + 3 * (RAMP + RUNTIME))) "$ANCHOR/run.sh")
		if [[ $rec == *qemu-cmdline-differs* ]]; then
			echo "$rec" >&2
			die "the anchor's QEMU command line differs from Caprock's apart from -kernel/-initrd/-append; refusing to compare"
		fi
	fi
	echo "$rec" | tee -a "$OUT"
	if [[ $side == linux* ]] && [ -z "${LINUX_CMD_SHOWN:-}" ] && ls "$rundir"/anchor-log/*.log >/dev/null 2>&1; then
		LINUX_CMD_SHOWN=1
		echo "linux cmd (from the anchor's log):$(sed -n 's/^# cmd://p' "$rundir"/anchor-log/*.log | head -1)" | tee -a "$OUT"
		# The anchor says which QEMU it ran on: it must be the one Caprock's runs use.
		anchor_qemu=$(sed -n 's/^#.* qemu=QEMU emulator version \([0-9.]*\).*/\1/p' "$rundir"/anchor-log/*.log | head -1)
		echo "linux qemu (the anchor says): ${anchor_qemu:-unknown}" | tee -a "$OUT"
		[ "$anchor_qemu" = "$("$QEMU" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')" ] ||
			die "the anchor ran on QEMU ${anchor_qemu:-unknown}, not this one; refusing to compare"
	fi
	if [[ $rec == *"valid=no"* ]]; then
		echo "compare.sh: INVALID run (excluded): $(echo "$rec" | sed -n 's/.* reasons=\([^ ]*\).*/\1/p' | head -1)" >&2
	fi
}

# ------------------------------------------------------------ the rounds
IFS=, read -r -a side_list <<<"$SIDES"
IFS=, read -r -a job_list <<<"$JOBS"
for round in $(seq 1 "$ROUNDS"); do
	order=("${side_list[@]}")
	if [ "$ORDER" = alternate ] && [ $((round % 2)) = 0 ]; then
		order=()
		for ((i = ${#side_list[@]} - 1; i >= 0; i--)); do order+=("${side_list[i]}"); done
	fi
	for job in "${job_list[@]}"; do
		for s in "${order[@]}"; do
			echo "== round $round/$ROUNDS $s $job" >&2
			run_one "$round" "$s" "$job"
		done
	done
done

# ------------------------------------------------------------ summary + plot
echo "finished: $(date -u +%FT%TZ) (UTC); host load at end \"$(cut -d' ' -f1-3 /proc/loadavg)\"" | tee -a "$OUT"
TITLE="Caprock vs Linux (fio), QEMU NVMe, TCG (guest CPU cost mostly), $DATE, $(git -C "$TREE" describe --always --dirty --tags 2>/dev/null), $ROUNDS round(s), ${RUNTIME}s jobs"
[ "$BATCH" = 1 ] && TITLE="$TITLE, fio batching matched"
[ -n "$LABEL" ] && TITLE="$TITLE\\n$LABEL"
nz=()
[ "$EXCLUDE_NOISY" = 1 ] && nz=(--exclude-noisy)
"$PY" "$HELPER" summarize "$OUT" --out "$OUT" --png "$PNG" --plot-work "$BENCH_WORK" --title "$TITLE" --host-busy-limit "$HOST_BUSY_LIMIT" "${nz[@]}" >/dev/null
sed -n '/^## Summary/,$p' "$OUT"
echo
echo "plot: $PNG" | tee -a "$OUT"
echo "compare.sh: results in $OUT" >&2
