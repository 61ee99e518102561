#!/usr/bin/env bash
# tools/qemu-version.sh [QEMU] - check that QEMU is the one the project uses.
#
# Caprock is tested and measured on QEMU 10.0 from Debian's bookworm-backports
# (tools/install-deps.sh installs it): Debian 12's own 7.2 has no x2APIC under
# TCG and its NVMe model stalls Linux's polled I/O, so tests and figures from
# another version do not mean what they say.  Prints "qemu: version=... ok"
# and exits 0 when the major version matches; otherwise says what it found
# and exits 1 (CAPROCK_QEMU_ANY=1 turns that into a warning).
set -euo pipefail
QEMU=${1:-${QEMU:-qemu-system-x86_64}}
WANT_MAJOR=10
if ! out=$("$QEMU" --version 2>/dev/null | head -1); then
	echo "qemu: error $QEMU not found or not runnable; run tools/install-deps.sh (QEMU $WANT_MAJOR.x from bookworm-backports)" >&2
	exit 1
fi
ver=$(echo "$out" | sed -n 's/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p')
if [ "${ver%%.*}" = "$WANT_MAJOR" ]; then
	echo "qemu: version=$ver binary=$(command -v "$QEMU") ok"
	exit 0
fi
msg="qemu: found ${ver:-an unrecognised version} at $(command -v "$QEMU") (\"$out\"); this project uses QEMU $WANT_MAJOR.x from Debian's bookworm-backports (tools/install-deps.sh installs it)"
if [ "${CAPROCK_QEMU_ANY:-0}" = 1 ]; then
	echo "$msg; going on because CAPROCK_QEMU_ANY=1: results may differ" >&2
	exit 0
fi
echo "$msg; set CAPROCK_QEMU_ANY=1 to run anyway" >&2
exit 1
