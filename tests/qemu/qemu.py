"""tests/qemu/qemu.py - boot the kernel in QEMU and collect its serial console.

Shared by the QEMU test runner, the smoke tools and the benchmarks, so every
caller builds the same command line: q35, serial on stdio, the accelerator
chosen by accel(), and a hard timeout.
"""
import os
import re
import subprocess
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
LINE_RE = re.compile(r"^(?P<subsys>[a-z0-9_.-]+): (?P<rest>.*)$")


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


def base_args(kernel, cmdline, machine="q35", memory_mb=256):
    a = accel()
    args = [QEMU, "-M", machine, "-m", str(memory_mb), "-nographic", "-no-reboot",
            "-nic", "none", "-kernel", kernel, "-append", cmdline]
    if a == "kvm":
        args += ["-accel", "kvm", "-cpu", "host"]
    else:
        args += ["-accel", "tcg", "-cpu", "max"]
    return args


class Run:
    """The outcome of one boot: console lines, QEMU's exit status, wall time."""

    def __init__(self, args, output, returncode, timed_out, wall_s):
        self.args = args
        self.output = output
        self.lines = [l.rstrip("\r") for l in output.splitlines()]
        self.returncode = returncode
        self.timed_out = timed_out
        self.wall_s = wall_s

    def find(self, pattern):
        """Lines matching a regular expression (re.search)."""
        rx = re.compile(pattern)
        return [l for l in self.lines if rx.search(l)]

    def kv(self, line):
        """key=value pairs of a proof line; values may be double-quoted."""
        return dict((m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                    for m in re.finditer(r'([A-Za-z0-9_.]+)=(?:"([^"]*)"|(\S*))', line))

    def final(self):
        runs = self.find(r"^run: complete ")
        return runs[-1] if runs else None


def boot(args, timeout_s=120, log_path=None):
    t0 = time.monotonic()
    timed_out = False
    try:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout_s)
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc, timed_out = e.stdout or b"", None, True
    wall = time.monotonic() - t0
    text = out.decode("utf-8", "replace")
    # SeaBIOS clears the screen with escape sequences; drop them.
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    if log_path:
        with open(log_path, "w") as f:
            f.write("# cmd: " + " ".join(args) + "\n")
            f.write(text)
            f.write("\n# qemu exit=%s timed_out=%s wall_s=%.2f\n" % (rc, timed_out, wall))
    return Run(args, text, rc, timed_out, wall)
