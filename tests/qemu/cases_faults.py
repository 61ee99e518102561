"""tests/qemu/cases_faults.py - faults the system must survive, not only contain.

Lost interrupts (issue 16 §4): `fault.irq=nvmeN` masks that controller's
vectors at the device once its provider has enabled it, behind the
interrupt code's back, as a platform that stops delivering them would
(MSI-X: the per-vector mask; INTx: the command register's disable bit).
The manager must notice posted completions with no interrupt, say so once
per vector, and serve the queues by polling: every read and write still
completes and verifies on the host, the run passes and counts the
recovery.  QEMU's NVMe controller has no MSI capability, so `nvme.irq=msi`
there is a clear bind error; MSI is masked the same way (MSI enable off).
"""
from harness import Case
from cases_nvme import nvme_case
from cases_volumes import MIB, all_of, controllers, reads_match, write_in_image

IO = "nvme.read=0:8,1000:2048 nvme.write=300:64:0x11"
WRITES = [(300, 64, 0x11)]
LOST = r"^nvme: interrupts lost bdf=\S+ vector=\d+ cpu_vector=\d+ kind=%s waited_ms=\d+ fallback=polling"
SURVIVED = [
    r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=1000 blocks=2048 bytes=1048576 ",
    r"^nvme: write ok dev=nvme0n1 bdf=\S+ nsid=1 lba=300 blocks=64 .* flush=ok verify=readback-match ",
    r"^nvme: interrupt watch bdf=\S+ lost_episodes=[1-9]\d* tick_polls=[1-9]\d* polled_completions=[1-9]\d*$",
    r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 .* irqs=0 ",
    r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$",
]


def only_second_lost(run, ctx):
    """Every lost-interrupt line names nvme1's function; nvme0's I/O never noticed a thing."""
    first = run.find(r"^nvme: read ok dev=nvme0n1 ")
    second = run.find(r"^nvme: read ok dev=nvme1n1 ")
    if not first or not second:
        return ["no read on nvme0n1 or nvme1n1"]
    bdf0, bdf1 = run.kv(first[0])["bdf"], run.kv(second[0])["bdf"]
    bad = [l for l in run.find(r"^nvme: interrupts lost ") if run.kv(l)["bdf"] != bdf1]
    return ["lost interrupts outside nvme1 (%s): %s" % (bdf1, l) for l in bad] + (
        [] if run.find(r"^nvme: interrupts lost bdf=%s " % bdf1) else ["nvme1 (%s) never noticed its loss" % bdf1]) + (
        [] if bdf0 != bdf1 else ["both controllers at one bdf?"])


def lost(kind):
    return [r"^nvme: fault irq-masked bdf=\S+ kind=%s vectors=\d+ \(behind the kernel's back\)$" % kind, LOST % kind]


CASES = [
    # MSI-X, four vectors: admin and I/O vectors each noticed and polled.
    nvme_case("irq-lost-msix", "fault.irq=nvme0 " + IO, writes=WRITES, proof=False,
              expect=lost("msix") + SURVIVED + [r"^nvme: interrupts lost bdf=\S+ vector=[1-9] "]),
    # One vector for everything (EBS controllers offer about three).
    nvme_case("irq-lost-one-vector", "fault.irq=nvme0 " + IO, props=",max_ioqpairs=1,msix_qsize=1",
              writes=WRITES, proof=False,
              expect=[r"^nvme: manager bind .* irq=msix vectors=1 "] + lost("msix") + SURVIVED),
    # The pin, on the Nitro-shaped chipset: level-triggered INTx through the I/O APIC, then disabled at the device.
    nvme_case("irq-intx", "nvme.irq=intx " + IO, machine="pc,pit=off,hpet=off", writes=WRITES,
              expect=[r"^nvme: manager bind .* irq=intx vectors=1 "], forbid=[r"^nvme: interrupts lost "]),
    nvme_case("irq-lost-intx", "nvme.irq=intx fault.irq=nvme0 " + IO, machine="pc,pit=off,hpet=off",
              writes=WRITES, proof=False, expect=lost("intx") + SURVIVED),
    # MSI asked for where the function has none: a bind error that says what was tried.
    nvme_case("irq-msi-unavailable", "nvme.irq=msi nvme.read=0:8", proof=False, check_reads=False, status="fail",
              expect=[r"^nvme: error bdf=\S+ no usable interrupt tried=msi, msix_cap=yes msi_cap=no intx_pin=\d+ err=enodev$"]),
    # Two controllers: the second loses its interrupts; the first never notices anything.
    Case("irq-lost-second-controller", "fault.irq=nvme1 nvme.read=0:8,1000:2048 nvme.write=300:64:0x11",
         setup=controllers([("vol0", 16 * MIB, "", None), ("vol1", 16 * MIB, "", None)]),
         expect=[r"^nvme: fault irq-masked bdf=\S+ kind=msix ", r"^nvme: write ok dev=nvme0n1 .* verify=readback-match ",
                 r"^nvme: read ok dev=nvme1n1 bdf=\S+ nsid=1 lba=0 ",
                 r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$"],
         check=all_of(reads_match(3), write_in_image("vol0", WRITES), only_second_lost)),
    # The direct lane: the provider's own I/O queues are invisible to the manager; the loss is
    # noticed on the brokered admin queue, and every vector of the controller is then forwarded
    # from the tick.
    nvme_case("irq-lost-direct-lane", "fault.irq=nvme0 " + IO, machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"], writes=WRITES, proof=False,
              expect=[r"^nvme: bound bdf=\S+ lane=direct "] + lost("msix") +
              [r"^nvme: interrupts lost bdf=\S+ vector=[1-9] .* reason=same-controller$"] + SURVIVED),
    # The benchmark keeps going on polling alone (a rate, not asserted: reported).
    nvme_case("irq-lost-bench", "mode=bench bench.job=randread4k bench.qd=32 bench.seconds=2 fault.irq=nvme0",
              proof=False, check_reads=False,
              expect=lost("msix") + [r"^bench: job=randread4k qd=32 iops=[1-9]\d* ",
                                     r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$"]),
]
