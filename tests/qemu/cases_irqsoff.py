"""tests/qemu/cases_irqsoff.py - kernel work bounded in time (issue 15 §3), asserted where it can be.

Under plain TCG the interrupts-off tracer (kernel/core/irqsoff.c) times the
guest with the host's clock, so a stretch also holds whatever the host did:
another process on the core, QEMU translating code, QEMU's device model
running inside an MMIO instruction.  Those figures are reported on every
case's result line and never asserted.  With `-icount shift=0` QEMU's TCG
runs the guest on a virtual clock of one nanosecond per instruction: the
stretch is then the kernel's own work, deterministic, and the issue's bound
(no stretch above 1 ms) is asserted on the hostile self-tests and the
benchmark jobs.  (-cpu qemu64: QEMU refuses icount with -cpu max.)
"""
import copy

from harness import IRQSOFF_RUN
import cases_iommu
import cases_nvme
import cases_volumes

ICOUNT = ["-icount", "shift=0", "-cpu", "qemu64"]
BOUND_US = 1000


def bounded(run, ctx):
    lines = run.find(IRQSOFF_RUN)
    if not lines:
        return ["no sched: irqs_off_max_us line for the run"]
    kv = run.kv(lines[-1])
    us = int(kv["irqs_off_max_us"])
    return [] if us <= BOUND_US else ["longest interrupts-off stretch %d us > %d us at site=%s end=%s" % (
        us, BOUND_US, kv["site"], kv["end"])]


def icount(case):
    c = copy.copy(case)
    c.name = "irqsoff-" + case.name
    c.devices = list(case.devices) + ICOUNT
    c.expect = [e for e in case.expect if "mode=x2apic" not in e and "lapic mode=" not in e] + [IRQSOFF_RUN]
    base = case.check
    c.check = lambda run, ctx: (base(run, ctx) if base else []) + bounded(run, ctx)
    c.timeout_s = max(case.timeout_s, 300)
    return c


CLONES = {"nvme-hostile-provider", "volumes-hostile-client", "iommu-hostile-direct", "nvme-bench-randread",
          "nvme-bench-seqwrite", "volumes-bench-client", "iommu-bench-direct"}
CASES = [icount(c) for m in (cases_nvme, cases_volumes, cases_iommu) for c in m.CASES if c.name in CLONES]

# The benchmark's own jobs (bench/compare.sh), through the client path and the provider's loop.
CASES += [icount(cases_nvme.nvme_case(
    "bench-%s-qd%d-%s" % (job, qd, path), "mode=bench bench.job=%s bench.qd=%d bench.seconds=1 bench.path=%s" % (job, qd, path),
    check_reads=False, proof=False, expect=[r"^bench: job=%s qd=%d iops=[1-9]\d* " % (job, qd)]))
    for job, qd in (("randread4k", 32), ("seqread128k", 8), ("randwrite4k", 32)) for path in ("client", "provider")]
