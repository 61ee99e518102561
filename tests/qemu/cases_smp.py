"""tests/qemu/cases_smp.py - every processor online and parked (issue 18, first step).

* -smp 2, 4 and 8 on Q35 and on the Nitro shape (i440FX without PIT or
  HPET), in xAPIC (asked for with apic.mode=xapic, or a CPU without x2APIC)
  and x2APIC mode: `cpu: online count=N` with the APIC ids QEMU gives, the
  NVMe proof lines and the data checked on the host as at -smp 1, and the
  APs stopped by NMI before power-off.
* smp.cpus=1 on -smp 4 starts nothing (as before SMP); smp.cpus=2 one AP.
* An x2APIC id above 255 (a processor in socket 1 of a 256-core socket
  topology), started with a 32-bit destination as on the largest Nitro types.
* A processor that never gets STARTUP (fault.cpu=): reported after the
  bounded wait and skipped, the others online.
* A panic on an AP and on the boot CPU (fault.panic=): the line names the
  CPU, the others acknowledge the NMI stop.
* The power button with four CPUs on the Nitro shape.
* The hostile provider and client, the VT-d direct lane and a provider
  fault, as their own cases but at -smp 4.
"""
import copy

from harness import Case
from cases_nvme import nvme_case
import cases_faults
import cases_iommu
import cases_hotplug
import cases_nvme
import cases_platform
import cases_volumes

NITRO = "pc,pit=off,hpet=off"
POWERDOWN = [(r"^serve: waiting ", "system_powerdown")]


def online(n, ids, mode):
    return r"^cpu: online count=%d bsp_apic=0 apic_ids=%s mode=%s .*aps=%s$" % (
        n, ",".join(str(i) for i in ids), mode, "scheduling" if n > 1 else "none")


def stopped(n):
    return r"^cpu: stopped count=%d by=nmi$" % n


def apic_variant(mname, mode, cmdline):
    """(cmdline, cpu_flags) for mode: both ways to xAPIC, the command line on Q35 and a CPU
    without x2APIC on the Nitro shape; x2APIC is -cpu max's own choice."""
    if mode != "xapic":
        return cmdline, ""
    return (cmdline + " apic.mode=xapic", "") if mname == "q35" else (cmdline, ",-x2apic")


CASES = []

# The matrix: NVMe I/O with every CPU running processes, at -smp 2, 4 and 8.
for machine, mname in (("q35", "q35"), (NITRO, "nitro")):
    for n in (2, 4, 8):
        for mode in ("xapic", "x2apic"):
            cmdline, flags = apic_variant(mname, mode, "nvme.read=1000:64 nvme.write=300:40:0x2a")
            CASES.append(nvme_case(
                "smp-%d-%s-%s-nvme" % (n, mname, mode), cmdline, machine=machine, cpu_flags=flags,
                devices=["-smp", str(n)], writes=[(300, 40, 0x2a)], timeout_s=180,
                expect=[online(n, range(n), mode), stopped(n - 1),
                        r"^nvme: admin completion wake=interrupt vector=\d+ "],
                forbid=[r"^cpu: error ", r"^cpu: not started "]))

CASES += [
    # smp.cpus=1: no AP is sent anything; the run is the single-CPU one.
    nvme_case("smp-cpus-1-of-4", "smp.cpus=1 nvme.read=1000:64", devices=["-smp", "4"],
              expect=[online(1, [0], "x2apic"), r"^cpu: online .* madt_enabled=4 smp_limited=3 "],
              forbid=[r"^cpu: stopped ", r"^cpu: error ", r"^cpu: fault "]),
    nvme_case("smp-cpus-2-of-4", "smp.cpus=2 nvme.read=1000:64 apic.mode=xapic", devices=["-smp", "4"],
              expect=[online(2, [0, 1], "xapic"), r"^cpu: online .* smp_limited=2 ", stopped(1)],
              forbid=[r"^cpu: error "]),
    Case("smp-cpus-bad-value", "mode=boot smp.cpus=0", status="fail",
         expect=[r'^cmdline: bad value in "smp.cpus=0" \(want 1\.\.4096\)$']),
    # APIC id 259: only an x2APIC MADT entry and a 32-bit ICR destination reach it.
    Case("smp-x2apic-id-above-255", "mode=boot", timeout_s=60,
         devices=["-smp", "1,sockets=2,cores=256,threads=1,maxcpus=512",
                  "-device", "max-x86_64-cpu,socket-id=1,core-id=3,thread-id=0"],
         expect=[r"^acpi: madt .* x2apic_entries=1 max_apic_id=259 ", online(2, [0, 259], "x2apic"), stopped(1)],
         forbid=[r"^cpu: error "]),
    # A processor that never starts: the bounded wait, an error line, the boot goes on without it.
    Case("smp-ap-never-starts", "mode=boot fault.cpu=2", status="fail", devices=["-smp", "4"], timeout_s=60,
         expect=[r"^cpu: fault injected apic_id=2 startup=withheld$",
                 r"^cpu: error apic_id=2 did not start within 1000 ms$",
                 online(3, [0, 1, 3], "x2apic"), stopped(2),
                 r"^selftest: ring3 .* result=pass$"]),
    # A panic on an AP (while the boot CPU brings up the next one) and on the boot CPU.
    Case("smp-panic-on-ap", "mode=boot fault.panic=cpu2", status="fail", devices=["-smp", "4"],
         allow_panic=True, timeout_s=60,
         # CPU 2 panics once online; the boot CPU may still be starting CPU 3 or may have finished
         # (a race under TCG): either way every other CPU online is stopped by the NMI.
         expect=[r"^panic: fault injected fault.panic=cpu2 apic_id=2 cpu=2$", r"^cpu: stopped count=[23] by=nmi$"],
         forbid=[r"^selftest: ", r"^cpu: error "]),
    Case("smp-panic-on-bsp-xapic", "mode=boot fault.panic=cpu0 apic.mode=xapic", status="fail",
         devices=["-smp", "4"], machine=NITRO, allow_panic=True, timeout_s=60,
         expect=[online(4, range(4), "xapic"), r"^panic: fault injected fault.panic=cpu0 apic_id=0 cpu=0$",
                 stopped(3)],
         forbid=[r"^selftest: ", r"^cpu: error "]),
    # EC2 stop-instances with four vCPUs: the button, then the APs stopped, then S5.
    Case("smp-power-button-nitro", "mode=serve", machine=NITRO, devices=["-smp", "4"], qmp=POWERDOWN,
         timeout_s=60,
         expect=[online(4, range(4), "x2apic"), r"^power: button$", stopped(3)]),
]



def at_smp(case, n, name=None):
    """An existing case, unchanged but for -smp n: the same proof lines and the same host-side data
    checks, with every AP online and scheduling processes (and stopped by NMI before the end)."""
    c = copy.copy(case)
    c.name = name or "smp-%d-%s" % (n, case.name)
    c.devices = list(case.devices) + ["-smp", str(n)]
    c.expect = list(case.expect) + [r"^cpu: online count=%d .* aps=scheduling$" % n, stopped(n - 1),
                                    r"^sched: cpus=%d .* bkl_wait_us=\d+ .* bkl_hold_us=\d+ bkl_long_holds=\d+ "
                                    r"bkl_long_hold_us=\d+ bkl_halts=\d+ kicks=\d+ kicks_woke=\d+ bkl_tick_kicks=\d+ "
                                    r"cr3_loads=\d+ cr3_kept=\d+ root_retires=\d+ root_retire_ipis=\d+$" % n]
    c.forbid = list(case.forbid) + [r"^cpu: error ", r"^cpu: not started "]
    c.timeout_s = max(case.timeout_s, 120)
    return c


def smp2(case):
    """The -smp 2 leg of the matrix (issue 18, Tests): `<name>-smp2`."""
    return at_smp(case, 2, name=case.name + "-smp2")


def pick(names, modules):
    """The named cases of those modules, every name found exactly once (a renamed case must not
    silently drop out of the matrix)."""
    found = [c for m in modules for c in m.CASES if c.name in names]
    missing = set(names) - set(c.name for c in found)
    if missing or len(found) != len(names):
        raise ValueError("SMP matrix: cases not found (or found twice): %s" % sorted(missing))
    return found


MATRIX_MODULES = (cases_nvme, cases_volumes, cases_iommu, cases_faults, cases_platform, cases_hotplug)

# Attacks, the direct lane and a provider fault with the APs online (issue 18 requirement 7: the
# hostile self-tests at -smp 4: provider, client and the device's own interrupts).
SMP4_CLONES = {"nvme-hostile-provider", "volumes-hostile-client", "iommu-direct-default", "volumes-provider-fault",
               "restart-mid-write", "irq-lost-msix", "timeout-controller-fatal", "iommu-hostile-irq"}
CASES += [at_smp(c, 4) for c in pick(SMP4_CLONES, MATRIX_MODULES)]

# The -smp 2 leg: a representative subset of every file, chosen to keep CI inside its time.
SMP2_CLONES = [
    "nvme-default", "nvme-write-pattern",                                  # smoke, read, write pattern
    "volumes-three-shapes", "volumes-partition-512",                       # controllers, sessions, partitions
    "volumes-provider-fault", "restart-mid-write", "irq-lost-msix",        # provider fault/restart, lost irqs
    "timeout-controller-fatal",                                            # controller fatal, reset, replay
    "hotplug-attach-pc", "hotplug-detach-pc",                              # ACPI hot-plug on the Nitro shape
    "hotplug-detach-while-binding-pc",                                     # a bind parked in its kworker
    "iommu-direct-default", "iommu-hostile-irq",                           # VT-d direct lane, hostile device irqs
    "power-button-after-write",                                            # Nitro shape, the button, data kept
]
CASES += [smp2(c) for c in pick(SMP2_CLONES, MATRIX_MODULES)]
# Interrupts that drain I/O completion queues give the BKL up meanwhile (locking.h L8): live here.
[c for c in CASES if c.name == "volumes-three-shapes-smp2"][0].expect.append(
    r"^nvme: controller released .* irqs=[1-9]\d* empty_irqs=\d+ irq_drains_unlocked=[1-9]\d* unmatched=")


def poll_always_smp2(case):
    """A provider on its own CPU that polls continuously (nvme.poll=always): its I/O completion
    queue has no interrupt (kernel/nvme/poll.h); what a dead or hung generation leaves, the tick takes."""
    c = smp2(case)
    c.name = case.name + "-smp2-poll-always"
    c.cmdline = (case.cmdline + " nvme.poll=always").strip()
    c.expect = [e.replace("poll=adaptive", "poll=always") for e in c.expect]
    c.expect.append(r"^nvme: controller released .* poll=always .* io_cqs=polled tick_drains=\d+$")
    return c


# Faults while a provider polls queues without interrupts: a dead or hung one's completions are still taken.
CASES += [poll_always_smp2(c) for c in pick(["volumes-provider-fault", "restart-mid-write", "restart-hung-provider"],
                                            MATRIX_MODULES)]

# An idle CPU polls its run queue before it halts (smp.idle_poll_us=) with interrupts on: the completion
# interrupt a provider of that CPU waits for (nvme.poll=never: no completion polling) is taken as it comes
# and ends the poll, instead of waiting for the poll to give up.  With a 2 ms poll every completion lands
# inside one.  smp.idle_poll_us=0 halts at once: no polls at all.
CASES += [
    nvme_case("smp2-idle-poll-takes-interrupts", "mode=bench bench.path=provider bench.qd=1 bench.seconds=1 "
              "nvme.poll=never smp.idle_poll_us=2000", devices=["-smp", "2"], check_reads=False, proof=False,
              expect=[r"^bench: job=randread4k qd=1 iops=[1-9]\d* .* errors=0 ",
                      r"^sched: cpus=2 .* idle_polls=[1-9]\d* idle_poll_hits=\d+ idle_poll_irqs=[1-9]\d* "]),
    nvme_case("smp2-idle-poll-off", "smp.idle_poll_us=0 nvme.read=5:5", devices=["-smp", "2"],
              expect=[r"^sched: cpus=2 .* idle_polls=0 idle_poll_hits=0 idle_poll_irqs=0 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=5 blocks=5 "]),
]
