#!/usr/bin/env bash
# tools/check-console-log.sh - the live proof, from a saved EC2 console log.
#
# usage: tools/check-console-log.sh [--stopped] [--local] CONSOLE_LOG
#
#   CONSOLE_LOG  what `aws ec2 get-console-output --instance-id i-... --latest
#                --output text` printed, or a capture of the EC2 Serial Console
#   --stopped    the log was taken after `aws ec2 stop-instances`: also require
#                the clean shutdown on the ACPI power button
#   --local      a QEMU log (make run-image): do not require Amazon's identity;
#                the other rules still apply (this is how the script tests itself)
#
# Every check runs (conjunctive) and each failure is one line; the exit
# status is 0 only when all pass.  The cloud-shape rules are not restated
# here: assert_nvme_cloud_shape from tools/assert-cloud-shape.sh is sourced,
# the same function `make run-pci-nvme` applies to a QEMU boot.
set -euo pipefail
cd "$(dirname "$0")/.."

stopped=false
local_run=false
while [ $# -gt 1 ]; do
	case "$1" in
	--stopped) stopped=true ;;
	--local) local_run=true ;;
	*) echo "usage: $0 [--stopped] [--local] CONSOLE_LOG" >&2; exit 2 ;;
	esac
	shift
done
[ $# -eq 1 ] && [ -r "$1" ] || { echo "usage: $0 [--stopped] [--local] CONSOLE_LOG (readable)" >&2; exit 2; }

# The console carries firmware escape sequences and CRLF; the rules read clean lines.
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
tr -d '\r' < "$1" | sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' > "$LOG"

failures=0
checks=0
fail() { echo "check-console-log: FAIL $*"; failures=$((failures + 1)); }
value() {	# key, line
	sed -nE "s/.*[ ^]$1=(\"[^\"]*\"|[^ ]*).*/\1/p" <<<" $2" | tr -d '"'
}
assert_line() {	# regex, description
	checks=$((checks + 1))
	grep -Eq -- "$1" "$LOG" || fail "missing $2: /$1/"
}

# The boot: GRUB from the image, by multiboot2; a clock that calibrated (never a guess).
assert_line '^boot: caprock kernel entry=multiboot2 info=0x[0-9a-f]+ loader=multiboot2$' "multiboot2 boot line"
assert_line '^acpi: rsdp phys=0x[0-9a-f]+ revision=[0-9]+ root=(rsdt|xsdt) ' "ACPI root table line"
assert_line '^clock: tsc_hz=[1-9][0-9]+ source=(cpuid|hypervisor|acpi-pm|hpet|pit) ' "calibrated clock line"
assert_line '^apic: timer hz=[0-9]+ mode=(periodic|tsc-deadline) ' "timer line"
checks=$((checks + 1))
if grep -Eq '^clock: tsc_hz=.* agree=no ' "$LOG"; then fail "clock references disagree (see the clock: warning line)"; fi
assert_line '^power: button ready ' "power button line"
assert_line '^pci: nvme controller bdf=' "NVMe controller line"
assert_line '^nvme: read ok ' "a read from the root volume"

# The same rules make run-pci-nvme applies (classification vs DMA selection, scope flags).
# shellcheck source=tools/assert-cloud-shape.sh
. tools/assert-cloud-shape.sh
assert_nvme_cloud_shape "$LOG"

# What only a real instance can show: Amazon's EBS controller and the volume's identity.
if ! $local_run; then
	cls=$(grep -E '^nvme: cloud shape classification ' "$LOG" | tail -n 1 || true)
	checks=$((checks + 1))
	[ "$(value pci_vendor "$cls"):$(value pci_device_id "$cls")" = 0x1d0f:0x8061 ] ||
		fail "controller is not Amazon EBS 1d0f:8061 (got $(value pci_vendor "$cls"):$(value pci_device_id "$cls"))"
	checks=$((checks + 1))
	[ "$(value real_aws_enumeration "$cls")" = amazon-ebs-identity-enumerated ] ||
		fail "real_aws_enumeration=$(value real_aws_enumeration "$cls"), want amazon-ebs-identity-enumerated"
	checks=$((checks + 1))
	[[ "$(value ebs_volume_id "$cls")" =~ ^vol-([0-9a-f]{8}|[0-9a-f]{17})$ ]] ||
		fail "no EBS volume id (ebs_volume_id=vol-...) on the classification line"
	assert_line '^nvme: identify controller vid=0x1d0f .*model="Amazon Elastic Block Store"' "EBS identify line"
fi

# The run's end: passed, and with --stopped, on the power button (stop-instances) with S5 after.
final=$(grep -E '^run: complete ' "$LOG" | tail -n 1 || true)
if $stopped; then
	assert_line '^power: button$' "power button press"
	assert_line '^serve: end reason=power-button ' "serve ended by the button"
	checks=$((checks + 1))
	[ -n "$final" ] || fail "no 'run: complete' line after the button"
	last=$(grep -E '^[a-z0-9_.-]+: ' "$LOG" | tail -n 1 || true)
	checks=$((checks + 1))
	[ "$last" = "$final" ] || fail "'run: complete' is not the last kernel line (last: $last)"
fi
if [ -n "$final" ]; then
	checks=$((checks + 1))
	[ "$(value status "$final")" = pass ] && [ "$(value errors "$final")" = 0 ] || fail "run did not pass: $final"
elif ! $stopped; then
	assert_line '^serve: waiting ' "serving (the run is still up) or a final line"
fi
checks=$((checks + 1))
if grep -Eq '^(panic|trap: kernel exception)' "$LOG"; then fail "kernel panic or exception"; fi

if [ "$failures" -ne 0 ]; then
	echo "check-console-log: $failures of $checks checks failed ($1)"
	exit 1
fi
echo "check-console-log: PASS ($checks checks; $1)"
