#!/usr/bin/env bash
# tools/install-deps.sh - install what Caprock needs to build, run and test,
# from Debian's archive.  Safe to run again: it installs only what is missing.
# (grub-pc-bin and grub-efi-amd64-bin only provide GRUB's images and modules;
# unlike grub-pc / grub-efi-amd64 they do not take over this machine's boot.)
set -euo pipefail

PACKAGES=(
	make gcc binutils		# kernel, user programs, host tests
	clang libclang-rt-14-dev	# the clang build and libFuzzer
	libcmocka-dev			# host unit tests
	qemu-system-x86 qemu-utils	# boots, device matrix, blkdebug fault injection
	python3				# QEMU test harness, disk images, checksums
	cppcheck			# make lint
	gdb				# make debug
	grub-common grub-pc-bin grub-efi-amd64-bin	# make image: grub-mkimage, BIOS and UEFI GRUB
	mtools gdisk			# make image: FAT without mounting, GPT on a file
	ovmf				# UEFI firmware for the image tests (OVMF_CODE_4M.fd)
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything is installed"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
