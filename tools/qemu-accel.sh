#!/usr/bin/env bash
# tools/qemu-accel.sh - print the QEMU accelerator flags for this machine.
#
# Hardware KVM only where it is real (kvm_intel or kvm_amd loaded, /dev/kvm
# usable); kvm_pvm, a software virtualiser that cannot run every guest, and
# no /dev/kvm both mean TCG.  CAPROCK_ACCEL=tcg|kvm overrides.
case "${CAPROCK_ACCEL:-auto}" in
tcg) echo "-accel tcg -cpu max"; exit 0 ;;
kvm) echo "-accel kvm -cpu host"; exit 0 ;;
esac
if [ ! -e /sys/module/kvm_pvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	{ [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; }; then
	echo "-accel kvm -cpu host"
else
	echo "-accel tcg -cpu max"
fi
