"""tests/qemu/qemu.py - boot the kernel in QEMU and collect its serial console.

Shared by the QEMU test runner, the smoke tools and the benchmarks, so every
caller builds the same command line: q35, serial on stdio, the accelerator
chosen by accel(), and a hard timeout.
"""
import os
import re
import shlex
import subprocess
import threading
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
QEMU_MAJOR = 10     # tools/qemu-version.sh and tools/install-deps.sh say the same
LINE_RE = re.compile(r"^(?P<subsys>[a-z0-9_.-]+): (?P<rest>.*)$")


def check_version():
    """The QEMU version, after checking it is the one the project uses (10.x
    from Debian's bookworm-backports).  Anything else is a clear error
    (SystemExit) naming what was found; CAPROCK_QEMU_ANY=1 makes it a
    warning.  Tests encode 10.0's behaviour (x2APIC under TCG, intel-iommu's
    48-bit default) and figures are only comparable on one emulator."""
    try:
        out = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             check=True).stdout.decode("utf-8", "replace").splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError) as e:
        raise SystemExit("qemu: error %s not runnable (%s); run tools/install-deps.sh (QEMU %d.x from "
                         "bookworm-backports)" % (QEMU, e, QEMU_MAJOR))
    m = re.match(r"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?", out)
    version = ".".join(g for g in m.groups() if g is not None) if m else None
    if m and int(m.group(1)) == QEMU_MAJOR:
        return version
    msg = ("qemu: found %s at %s (%r); this project uses QEMU %d.x from Debian's bookworm-backports "
           "(tools/install-deps.sh installs it)" % (version or "an unrecognised version", QEMU, out, QEMU_MAJOR))
    if os.environ.get("CAPROCK_QEMU_ANY") == "1":
        print(msg + "; going on because CAPROCK_QEMU_ANY=1: results may differ", flush=True)
        return version
    raise SystemExit(msg + "; set CAPROCK_QEMU_ANY=1 to run anyway")


def accel():
    """'kvm' only on real hardware virtualisation; kvm_pvm (a software
    virtualiser that cannot run every guest) and no /dev/kvm mean 'tcg'.
    CAPROCK_ACCEL=tcg|kvm overrides."""
    forced = os.environ.get("CAPROCK_ACCEL")
    if forced:
        return forced
    if os.path.exists("/sys/module/kvm_pvm"):
        return "tcg"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    if not (os.path.exists("/sys/module/kvm_intel") or os.path.exists("/sys/module/kvm_amd")):
        return "tcg"
    return "kvm"


def base_args(kernel, cmdline, machine="q35", memory_mb=256, cpu_flags=""):
    """kernel None: boot from disk through the firmware (the image cases).
    cpu_flags: appended to the CPU model, e.g. ",-x2apic"."""
    a = accel()
    args = [QEMU, "-M", machine, "-m", str(memory_mb), "-nographic", "-no-reboot", "-nic", "none"]
    if kernel:
        args += ["-kernel", kernel, "-append", cmdline]
    if a == "kvm":
        args += ["-accel", "kvm", "-cpu", "host" + cpu_flags]
    else:
        args += ["-accel", "tcg", "-cpu", "max" + cpu_flags]
    # Extra flags for a measurement, e.g. "-icount shift=0": guest time counted in instructions,
    # so that the host's scheduling does not show up in the irqs-off figure.
    args += shlex.split(os.environ.get("CAPROCK_QEMU_ARGS", ""))
    return args


class Run:
    """The outcome of one boot: console lines (with the host time each arrived), QEMU's exit status, wall time."""

    def __init__(self, args, lines, times, returncode, timed_out, wall_s, trigger_errors=()):
        self.args = args
        self.lines = lines
        self.times = times          # seconds since QEMU started, one per line
        self.output = "\n".join(lines)
        self.returncode = returncode
        self.timed_out = timed_out
        self.wall_s = wall_s
        self.trigger_errors = list(trigger_errors)
        self.fired = []             # (trigger regex, host s when its action began, when it returned)

    def find(self, pattern):
        """Lines matching a regular expression (re.search)."""
        rx = re.compile(pattern)
        return [l for l in self.lines if rx.search(l)]

    def time_of(self, pattern):
        """Host time (s since QEMU started) of the first line matching pattern, or None."""
        rx = re.compile(pattern)
        for l, t in zip(self.lines, self.times):
            if rx.search(l):
                return t
        return None

    def kv(self, line):
        """key=value pairs of a proof line; values may be double-quoted."""
        return dict((m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                    for m in re.finditer(r'([A-Za-z0-9_.]+)=(?:"([^"]*)"|(\S*))', line))

    def final(self):
        runs = self.find(r"^run: complete ")
        return runs[-1] if runs else None


ESCAPES = re.compile(r"\x1b\[[0-9;?=]*[A-Za-z]")


def clean(raw):
    # SeaBIOS and OVMF draw with escape sequences; drop them and the CR of CRLF.
    return ESCAPES.sub("", raw.decode("utf-8", "replace")).rstrip("\r\n").rstrip("\r")


def boot(args, timeout_s=120, log_path=None, triggers=(), qmp_socket=None):
    """Run QEMU to the end, reading the console as it comes.

    triggers: (regex, action) pairs, armed one after another in order:
    action(qmp_socket) runs once a console line (seen at any time so far)
    matches the armed regex and the previous action has returned (e.g. add a
    device once the kernel serves, then press the power button once it is
    waiting again).  Actions run in a thread of their own, so one that waits
    (device_del until DEVICE_DELETED) never delays the console's timestamps.
    qmp_socket adds -qmp.
    """
    if qmp_socket:
        args = list(args) + ["-qmp", "unix:%s,server=on,wait=off" % qmp_socket]
    pending = [(re.compile(rx), action) for rx, action in triggers]
    lines, times, errors, fired = [], [], [], []
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    done = threading.Event()

    def reader():
        for raw in iter(p.stdout.readline, b""):
            line = clean(raw)
            times.append(time.monotonic() - t0)
            lines.append(line)

    def driver():
        seen = 0
        while pending and not done.is_set():
            rx, action = pending[0]
            n = len(lines)
            hit = next((lines[i] for i in range(seen, n) if rx.search(lines[i])), None)
            if hit is None:
                done.wait(0.02)
                continue
            pending.pop(0)
            seen = 0                      # the next trigger may match a line already seen
            start = time.monotonic() - t0
            try:
                action(qmp_socket)
            except Exception as e:  # reported by the harness, not a crash
                errors.append("trigger on %r failed: %r" % (hit, e))
            fired.append((rx.pattern, start, time.monotonic() - t0))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    drv = threading.Thread(target=driver, daemon=True)
    drv.start()
    timed_out = False
    try:
        rc = p.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out, rc = True, None
        p.kill()
        p.wait()
    th.join(timeout=10)
    done.set()
    drv.join(timeout=15)
    wall = time.monotonic() - t0
    for rx, _ in pending:
        errors.append("trigger never fired: /%s/" % rx.pattern)
    if log_path:
        with open(log_path, "w") as f:
            f.write("# cmd: " + " ".join(args) + "\n")
            for l, t in zip(lines, times):
                f.write(l + "\n")
            for pat, t_start, t_end in fired:
                f.write("# trigger /%s/ sent_s=%.3f returned_s=%.3f\n" % (pat, t_start, t_end))
            f.write("# qemu exit=%s timed_out=%s wall_s=%.2f\n" % (rc, timed_out, wall))
    run = Run(args, lines, times, rc, timed_out, wall, errors)
    run.fired = fired
    return run
