"""tests/qemu/cases_cloud.py - cloud-shape classification on QEMU's NVMe identities.

The classification line must agree with the DMA backend selection line of
the same boot (the same checks tools/assert-cloud-shape.sh makes for
make run-pci-nvme), and the surface table's verdict must follow the
enumerated identity.
"""
from cases_nvme import nvme_case

EBS_LINE = (r"^nvme: cloud shape classification cloud_shape=aws-nitro-ebs pci_vendor=0x[0-9a-f]{4} "
            r"pci_device_id=0x[0-9a-f]{4} class=0x01 subclass=0x08 prog_if=0x02 aws_nitro_ebs_vendor=0x1d0f "
            r"aws_nitro_ebs_device=0x8061 vendor_match=(true|false) aws_labeled_dma_backend=bounce-buffer "
            r"dma_backend_policy=direct-remapping-if-verified-else-bounce-buffer local_qemu_precursor=(true|false) "
            r"real_aws_enumeration=\S+ ena=separate-nic-driver-out-of-scope")


def consistent_with_dma(run, ctx):
    """The conjunctive check: both lines present, labelled and resolved backends agree."""
    cls = run.find(r"^nvme: cloud shape classification ")
    dma = run.find(r"^dma: backend selection ")
    if not cls or not dma:
        return ["classification and dma lines must both be present"]
    c, d = run.kv(cls[-1]), run.kv(dma[-1])
    problems = []
    pci = run.find(r"^pci: nvme controller ")
    if not pci or (run.kv(pci[0])["vendor"], run.kv(pci[0])["device"]) != (c["pci_vendor"], c["pci_device_id"]):
        problems.append("classification ids differ from the enumerated controller")
    if c["dma_backend_policy"] != d["policy"]:
        problems.append("policy differs between the lines")
    want = "direct-remapping" if d["verified"] == "true" else "bounce-buffer"
    if d["backend"] != want:
        problems.append("resolved backend %s, policy gives %s" % (d["backend"], want))
    if d["verified"] != "true" and c["aws_labeled_dma_backend"] != d["backend"]:
        problems.append("labelled %s but resolved %s" % (c["aws_labeled_dma_backend"], d["backend"]))
    amazon = c["pci_vendor"] == "0x1d0f"
    if (c["vendor_match"] == "true") != amazon or (c["real_aws_enumeration"] == "not-claimed") == amazon:
        problems.append("scope flags do not follow the enumerated vendor")
    return problems


CASES = [
    nvme_case("cloud-qemu-default", "",
              expect=[EBS_LINE,
                      r"^nvme: cloud shape classification .* pci_vendor=0x1b36 pci_device_id=0x0010 .* "
                      r"vendor_match=false .* local_qemu_precursor=true real_aws_enumeration=not-claimed ",
                      r"^nvme: cloud surface best=qemu-nvme ambiguous=no model=\"QEMU NVMe Ctrl\" .* "
                      r"qemu-nvme=class\+vendor\+device\+model generic-nvme=class"]),
    nvme_case("cloud-qemu-intel-id", "", props=",use-intel-id=on",
              expect=[EBS_LINE,
                      r"^nvme: cloud shape classification .* pci_vendor=0x8086 pci_device_id=0x5845 .* "
                      r"local_qemu_precursor=true real_aws_enumeration=not-claimed ",
                      r"^nvme: cloud surface best=qemu-nvme .* qemu-nvme=class\+device\+model "]),
    # An EBS-shaped serial: the volume id is evidence the line reports, not a claim of AWS.
    nvme_case("cloud-ebs-serial", "", props=",serial=vol0123456789abcdef0",
              expect=[r"^nvme: cloud shape classification .* vendor_match=false .* real_aws_enumeration=not-claimed .* "
                      r"ebs_volume_id=vol-0123456789abcdef0",
                      r"^nvme: cloud surface best=qemu-nvme "]),
    # With an emulated VT-d unit, verified: the resolved backend is direct remapping, the shape says so.
    nvme_case("cloud-with-verified-iommu", "iommu.interrupt_isolation=optional", machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"], proof=False,
              expect=[EBS_LINE, r"^nvme: cloud shape classification .* dma_shape=direct-remapping ",
                      r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true "]),
    # The same machine with the bounce lane forced: labelled and resolved backends agree on bounce.
    nvme_case("cloud-with-iommu-forced-bounce", "dma.backend=bounce", machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"],
              expect=[EBS_LINE, r"^nvme: cloud shape classification .* dma_shape=brokered-bounce "]),
]
for case in CASES:
    base = case.check
    case.check = (lambda b: lambda run, ctx: (b(run, ctx) if b else []) + consistent_with_dma(run, ctx))(base)
