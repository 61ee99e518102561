#!/usr/bin/env bash
# tools/assert-cloud-shape.sh - assert_nvme_cloud_shape, sourced by the smoke script.
#
# The classification line and the DMA backend selection line of the same
# boot must both be present and agree: the backend the line labels for AWS
# must be the policy's choice for what was resolved (bounce when no verified
# IOMMU), and the scope flags must follow what was actually enumerated.
assert_nvme_cloud_shape() {
	local log=$1 cls dma
	checks=$((checks + 1))
	cls=$(grep -E '^nvme: cloud shape classification ' "$log" | tail -n 1 || true)
	dma=$(grep -E '^dma: backend selection ' "$log" | tail -n 1 || true)
	if [ -z "$cls" ] || [ -z "$dma" ]; then
		fail "cloud shape: classification line and dma line must both be present"
		return
	fi
	local vendor device backend verified labelled policy vmatch precursor real
	vendor=$(value pci_vendor "$cls"); device=$(value pci_device_id "$cls")
	labelled=$(value aws_labeled_dma_backend "$cls"); policy=$(value dma_backend_policy "$cls")
	vmatch=$(value vendor_match "$cls"); precursor=$(value local_qemu_precursor "$cls")
	real=$(value real_aws_enumeration "$cls")
	backend=$(value backend "$dma"); verified=$(value verified "$dma")
	[ "$(value cloud_shape "$cls")" = aws-nitro-ebs ] || fail "cloud shape: cloud_shape is not aws-nitro-ebs"
	[ "$(value class "$cls")/$(value subclass "$cls")/$(value prog_if "$cls")" = 0x01/0x08/0x02 ] ||
		fail "cloud shape: class triple is not NVMe"
	grep -Eq "^pci: nvme controller .*vendor=$vendor device=$device class=0x01 subclass=0x08 prog_if=0x02$" "$log" ||
		fail "cloud shape: pci_vendor/pci_device_id do not match the enumerated controller"
	[ "$(value aws_nitro_ebs_vendor "$cls"):$(value aws_nitro_ebs_device "$cls")" = 0x1d0f:0x8061 ] ||
		fail "cloud shape: production EBS identity not recorded"
	[ "$policy" = "$(value policy "$dma")" ] || fail "cloud shape: policy differs from the dma line"
	[ "$labelled" = bounce-buffer ] || fail "cloud shape: AWS-labelled backend is not bounce-buffer"
	# The resolved backend must be what the policy gives for this boot's verification.
	if [ "$verified" = true ]; then
		[ "$backend" = direct-remapping ] || fail "cloud shape: verified IOMMU but backend=$backend"
	else
		[ "$backend" = bounce-buffer ] || fail "cloud shape: unverified IOMMU but backend=$backend"
		[ "$backend" = "$labelled" ] || fail "cloud shape: resolved $backend differs from labelled $labelled"
	fi
	# What the run may claim follows what was enumerated: Amazon's identity, QEMU's, or neither.
	if [ "$vendor" = 0x1d0f ]; then
		[ "$vmatch" = true ] && [ "$precursor" = false ] && [ "$real" != not-claimed ] ||
			fail "cloud shape: Amazon identity enumerated but flags say otherwise"
	else
		[ "$vmatch" = false ] && [ "$real" = not-claimed ] ||
			fail "cloud shape: non-Amazon controller but flags claim otherwise"
		case "$vendor:$device" in
		0x1b36:0x0010 | 0x8086:0x5845) [ "$precursor" = true ] || fail "cloud shape: QEMU controller not marked precursor" ;;
		*) [ "$precursor" = false ] || fail "cloud shape: precursor claimed for a non-QEMU controller" ;;
		esac
	fi
	[ "$(value ena "$cls")" = separate-nic-driver-out-of-scope ] || fail "cloud shape: ena scope flag missing"
}
