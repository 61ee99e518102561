"""tests/qemu/harness.py - declarative QEMU test cases and their checks.

A Case names the QEMU devices, the kernel command line, the lines that must
appear (regular expressions, all of them: conjunctive), the lines that must
not, the verdict the kernel must reach, and optional host-side checks that
read the disk image after power-off.  Every boot is also checked for the
invariants of DESIGN.md §2: no panic, no kernel exception, a final
`run: complete` line that really is the last kernel line, and a clean exit.
"""
import copy
import os
import shutil
import tempfile

import qemu
import qmp


class Case:
    def __init__(self, name, cmdline="", devices=(), expect=(), forbid=(), status="pass",
                 machine="q35", memory_mb=256, setup=None, check=None, timeout_s=120,
                 qemu_exit=None, qmp=(), direct_kernel=True, cpu_flags="", allow_panic=False, report=None):
        self.name = name
        self.cmdline = cmdline
        self.devices = list(devices)
        self.expect = list(expect)
        self.forbid = list(forbid)
        self.status = status
        self.machine = machine
        self.memory_mb = memory_mb
        self.setup = setup          # setup(ctx) -> extra QEMU args
        self.check = check          # check(run, ctx) -> list of problems
        self.timeout_s = timeout_s
        # QEMU's exit status: 0 after ACPI S5; isa-debug-exit gives 1 (pass) or 3 (fail).
        self.qemu_exit = qemu_exit if qemu_exit is not None else {0}
        # (regex, command[, arguments[, (event, {key: value})]]): send the QMP command once a console
        # line matches (e.g. system_powerdown), in order: each is armed when the one before returned;
        # with an event, the step returns only once QEMU emitted it (device_del: DEVICE_DELETED).
        self.qmp = list(qmp)
        # False: no -kernel; the firmware boots whatever disk setup() attached (cmdline unused).
        self.direct_kernel = direct_kernel
        # Appended to the CPU model: ",-x2apic" takes a feature away from -cpu max.
        self.cpu_flags = cpu_flags
        # True only for cases that inject a panic on purpose (they expect the panic line themselves);
        # a kernel exception is still a failure.
        self.allow_panic = allow_panic
        # report(run) -> str: figures printed next to the verdict (never asserted on).
        self.report = report


class Context:
    """Per-case scratch directory and facts shared between setup and check."""

    def __init__(self, workdir, name):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.facts = {}

    def path(self, name):
        return os.path.join(self.dir, name)


def run_case(case, kernel, workdir):
    ctx = Context(workdir, case.name)
    ctx.facts["kernel"] = kernel
    extra = case.setup(ctx) if case.setup else []
    args = qemu.base_args(kernel if case.direct_kernel else None, case.cmdline, case.machine,
                          case.memory_mb, case.cpu_flags) + case.devices + extra
    sock_dir = tempfile.mkdtemp(prefix="caprock-qmp-") if case.qmp else None
    triggers = [(step[0], qmp_action(*step[1:])) for step in case.qmp]
    try:
        run = qemu.boot(args, case.timeout_s, ctx.path("serial.log"), triggers=triggers,
                        qmp_socket=os.path.join(sock_dir, "qmp.sock") if sock_dir else None)
    finally:
        if sock_dir:
            shutil.rmtree(sock_dir, ignore_errors=True)
    problems = list(run.trigger_errors)
    halts = case.status is None     # a kernel that must stop for good (it cannot run here): the timeout ends it
    if run.timed_out and not halts:
        problems.append("timed out after %ds" % case.timeout_s)
    elif not run.timed_out and run.returncode not in case.qemu_exit:
        problems.append("qemu exit status %s, want one of %s" % (run.returncode, sorted(case.qemu_exit)))
    for bad in ([] if case.allow_panic else [r"^panic: "]) + [r"^trap: kernel exception"] + case.forbid:
        for l in run.find(bad):
            problems.append("forbidden line: " + l)
    final = run.final()
    if halts:
        if final:
            problems.append("a 'run: complete' line from a kernel that should have halted: " + final)
    elif not final:
        problems.append("no 'run: complete' line")
    else:
        kernel_lines = [l for l in run.lines if qemu.LINE_RE.match(l)]
        if kernel_lines and kernel_lines[-1] != final:
            problems.append("'run: complete' is not the last line (last: %r)" % kernel_lines[-1])
        got = run.kv(final).get("status")
        if got != case.status:
            problems.append("status=%s, want %s" % (got, case.status))
    for pattern in case.expect:
        if not run.find(pattern):
            problems.append("missing line matching: " + pattern)
    if case.check and not run.timed_out:
        problems += case.check(run, ctx) or []
    run.report = irqsoff_report(run)
    if case.report and not run.timed_out:
        run.report = (case.report(run) + "  " + run.report).strip()
    return run, problems


def qmp_action(name, arguments=None, wait_event=None):
    return lambda sock: qmp.command(sock, name, arguments, timeout_s=30 if wait_event else 10,
                                    wait_event=wait_event)


# The run's longest interrupts-off stretch (kernel/core/irqsoff.h): reported, never asserted on,
# since under TCG on a shared machine it measures the host's scheduling as well.
IRQSOFF_RUN = (r"^sched: irqs_off_max_us=(\d+) site=\S+ end=\S+ site_pid=-?\d+ stretches=\d+ over_1ms=\d+ "
               r"p99_us=\d+ p999_us=\d+ console_full_waits=\d+ scope=run$")
IRQSOFF_RELEASE = IRQSOFF_RUN.replace("scope=run", "scope=release")


def irqsoff_report(run):
    lines = run.find(IRQSOFF_RUN)
    if not lines:
        return ""
    kv = run.kv(lines[-1])
    return "irqs_off_max_us=%s site=%s p999_us=%s over_1ms=%s" % (kv["irqs_off_max_us"], kv["site"], kv["p999_us"],
                                                                 kv["over_1ms"])


# How data moves on the no-IOMMU lane (kernel/dma/bounce.c): in place by default, every byte staged with
# dma.bounce=always.  The counts come from the release of each brokered controller.
DATA_IN_PLACE = [r"^dma: data path bdf=\S+ lane=brokered data=in-place bounce=when-needed ",
                 r"^dma: data moved bdf=\S+ data=in-place staged_bytes=\d+ in_place_bytes=[1-9]\d* "]
DATA_STAGED = [r"^dma: data path bdf=\S+ lane=brokered data=staged bounce=always ",
               r"^dma: data moved bdf=\S+ data=staged staged_bytes=[1-9]\d* in_place_bytes=0 "]


def bounce_always(case):
    """The same case on the copying path (dma.bounce=always): every byte staged, none in place."""
    c = copy.copy(case)
    c.name = case.name + "-bounce-always"
    c.cmdline = (case.cmdline + " dma.bounce=always").strip()
    c.expect = [e for e in case.expect if e not in DATA_IN_PLACE] + DATA_STAGED
    c.forbid = list(case.forbid) + [r"^dma: data (path|moved) .*data=in-place"]
    return c
