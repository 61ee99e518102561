#!/usr/bin/env bash
# tools/install-deps.sh - install what Caprock needs to build, run and test,
# from Debian's archive.  Safe to run again: it installs only what is missing.
# (grub-pc-bin and grub-efi-amd64-bin only provide GRUB's images and modules;
# unlike grub-pc / grub-efi-amd64 they do not take over this machine's boot.)
#
# QEMU comes from Debian's bookworm-backports (10.0): Debian 12's own 7.2
# has no x2APIC under TCG, and its NVMe model stalls Linux's polled I/O,
# which handicaps the benchmark's anchor.  The suite is added in deb822 form
# (/etc/apt/sources.list.d/caprock-backports.sources) only if no source
# already offers it; backports are never preferred for anything else.
set -euo pipefail

PACKAGES=(
	make gcc binutils		# kernel, user programs, host tests
	clang libclang-rt-14-dev	# the clang build and libFuzzer
	libcmocka-dev			# host unit tests
	python3				# QEMU test harness, disk images, checksums
	cppcheck			# make lint
	gdb				# make debug
	grub-common grub-pc-bin grub-efi-amd64-bin	# make image: grub-mkimage, BIOS and UEFI GRUB
	mtools gdisk			# make image: FAT without mounting, GPT on a file
	ovmf				# UEFI firmware for the image tests (OVMF_CODE_4M.fd)
	gnuplot-nox			# bench/compare.sh draws its plot
)
BACKPORTS_PACKAGES=(qemu-system-x86 qemu-utils)	# boots, device matrix, blkdebug fault injection
QEMU_MAJOR=10					# tools/qemu-version.sh checks the same

SUDO=
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: $*" >&2; exit 1; }
	SUDO=sudo
}

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
	echo "install-deps: this script is written for Debian 12 (bookworm); found ${PRETTY_NAME:-unknown}" >&2
fi
SUITE="${VERSION_CODENAME:-bookworm}-backports"

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# QEMU: installed, and of the major version the project uses?
qemu_ok=true
for p in "${BACKPORTS_PACKAGES[@]}"; do
	v=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
	case "$v" in
	"install ok installed 1:${QEMU_MAJOR}."*) ;;
	*) qemu_ok=false ;;
	esac
done

if [ ${#missing[@]} -eq 0 ] && $qemu_ok; then
	echo "install-deps: everything is installed (qemu $(dpkg-query -W -f='${Version}' qemu-system-x86))"
	exit 0
fi

need_root "${missing[*]} ${BACKPORTS_PACKAGES[*]}"

if ! $qemu_ok; then
	if ! grep -rqs -- "$SUITE" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "install-deps: adding $SUITE (deb822: /etc/apt/sources.list.d/caprock-backports.sources)"
		# The mirror of the main suite, so a machine with a local mirror keeps using it.
		uri=$(awk '/^URIs:/ && !/security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
		[ -n "$uri" ] || uri=http://deb.debian.org/debian
		$SUDO tee /etc/apt/sources.list.d/caprock-backports.sources >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
fi

if $qemu_ok; then
	echo "install-deps: installing ${missing[*]}"
else
	echo "install-deps: installing ${missing[*]} ${BACKPORTS_PACKAGES[*]} (QEMU from $SUITE)"
fi
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! $qemu_ok; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		-t "$SUITE" "${BACKPORTS_PACKAGES[@]}" >/dev/null
fi
v=$(dpkg-query -W -f='${Version}' qemu-system-x86)
case "$v" in
1:${QEMU_MAJOR}.*) echo "install-deps: done (qemu-system-x86 $v from $SUITE)" ;;
*) echo "install-deps: qemu-system-x86 is $v after install, not ${QEMU_MAJOR}.x: is $SUITE reachable?" >&2; exit 1 ;;
esac
