#!/usr/bin/env python3
"""bench/compare.py - the mechanics behind bench/compare.sh.

  compare.py check-image DISK --tag ANCHOR01 --size BYTES
      Reads 16 fixed sectors of DISK with O_DIRECT and checks the anchor's
      pattern (every 16 bytes of 512-byte sector N: TAG + le64(N)).  Prints one
      `image:` line; exit 1 when the size or a sector is wrong.

  compare.py run --side caprock|caprock-client|caprock-client-polled|linux|linux-polled
                 --backend file|null --job J ... -- CMD...
      Runs one boot (CMD is QEMU itself for Caprock, the anchor's run.sh for
      Linux), timestamps every serial line on the host, samples the CPU time
      of each QEMU thread (/proc/PID/task/*/stat) and of the host (/proc/stat)
      every 0.2 s, counts QEMU's trace events, decides whether the run is
      valid, and prints one `run:` record line followed by the guest's own
      result line(s) (`raw:`) and, for an invalid run, the evidence.

  compare.py summarize RAW --out TXT --png PNG [--title ...]
      Reads the `run:` records of RAW and appends the summary tables to TXT,
      then draws the plot with gnuplot.

Only the Python standard library is used (Debian's python3), plus gnuplot.
"""
import argparse
import collections
import glob
import json
import mmap
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")
SECTOR = 512


# --------------------------------------------------------------- image check
def check_image(a):
    tag = a.tag.encode()[:8].ljust(8, b"_")
    size = os.stat(a.disk).st_size
    nsect = size // SECTOR
    lbas = sorted({0, 1, 12345, nsect - 1} | {(nsect - 1) * k // 11 for k in range(1, 11)}
                  | {2097151 % nsect})
    bad = []
    fd = os.open(a.disk, os.O_RDONLY | os.O_DIRECT)
    try:
        buf = mmap.mmap(-1, 4096)  # page aligned, as O_DIRECT wants
        for lba in lbas:
            base = lba - lba % 8
            os.preadv(fd, [buf], base * SECTOR)
            off = (lba - base) * SECTOR
            want = (tag + lba.to_bytes(8, "little")) * 32
            if buf[off:off + SECTOR] != want:
                bad.append(lba)
    finally:
        os.close(fd)
    ok = size == a.size and not bad
    print("image: check path=%s size=%d size_ok=%s pattern=%s lbas_checked=%d bad_lbas=%s read=o_direct ok=%s"
          % (a.disk, size, "yes" if size == a.size else "no", tag.decode(), len(lbas),
             ",".join(map(str, bad)) or "none", "yes" if ok else "no"))
    return 0 if ok else 1


# --------------------------------------------------------------- /proc sampling
def proc_children():
    kids = collections.defaultdict(list)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        kids[int(rest[1])].append((int(d), s[s.index("(") + 1:s.rindex(")")]))
    return kids


def find_qemu(root):
    """The first descendant of root (or root itself) whose comm is QEMU's."""
    kids = proc_children()
    todo = [(root, None)]
    try:
        with open("/proc/%d/comm" % root) as f:
            todo = [(root, f.read().strip())]
    except OSError:
        return None
    while todo:
        pid, comm = todo.pop()
        if comm and comm.startswith("qemu-system"):
            return pid
        todo.extend(kids.get(pid, []))
    return None


def sample_threads(pid):
    out = {}
    for t in glob.glob("/proc/%d/task/*/stat" % pid):
        try:
            with open(t) as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        rest = s[s.rindex(")") + 2:].split()
        out[int(t.split("/")[4])] = (comm, int(rest[11]) + int(rest[12]))
    return out


def sample_host():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    total = sum(v[:8])
    idle = v[3] + v[4]
    steal = v[7] if len(v) > 7 else 0
    return total - idle - steal, steal


def count_qemu_processes():
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    n += f.read().startswith("qemu-system")
            except OSError:
                pass
    return n


def wait_quiet(a):
    """Waits until the host's CPU use (everything, plus steal) stays below
    --limit cores for 2 s in a row, at most --max-wait seconds."""
    t0 = time.monotonic()
    quiet, busy = 0, None
    prev = sample_host()
    while True:
        time.sleep(1)
        cur = sample_host()
        busy = ((cur[0] - prev[0]) + (cur[1] - prev[1])) / HZ
        prev = cur
        quiet = quiet + 1 if busy < a.limit else 0
        waited = time.monotonic() - t0
        if quiet >= 2:
            print("host: quiet busy_cores=%.2f waited_s=%.0f" % (busy, waited))
            return 0
        if waited >= a.max_wait:
            print("host: still-busy busy_cores=%.2f waited_s=%.0f limit=%.2f (running anyway; the run is marked noisy if it stays busy)"
                  % (busy, waited, a.limit))
            return 0


# --------------------------------------------------------------- the boot
class Boot:
    """Runs CMD in its own session; timestamps its stdout lines and the lines
    appended to a tailed log file; samples QEMU's threads."""

    def __init__(self, cmd, tail_glob, timeout, serial_path, stderr_path):
        self.cmd, self.tail_glob, self.timeout = cmd, tail_glob, timeout
        self.serial_path, self.stderr_path = serial_path, stderr_path
        self.stdout_lines = []   # (t, line)
        self.tail_lines = []     # (t, line)
        self.samples = []        # (t, {tid: (comm, ticks)}, host_busy, host_steal)
        self.qpid = None
        self.rc = None
        self.timed_out = False

    def _reader(self, f):
        for raw in f:
            line = raw.decode("utf-8", "replace").replace("\r", "").rstrip("\n")
            self.stdout_lines.append((time.monotonic(), line))

    def run(self):
        self.t0 = time.monotonic()
        self.concurrent_qemu = count_qemu_processes()
        err = open(self.stderr_path, "wb")
        p = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)
        rd = threading.Thread(target=self._reader, args=(p.stdout,), daemon=True)
        rd.start()
        tail_f, tail_buf = None, b""
        while True:
            now = time.monotonic()
            if self.qpid is None:
                self.qpid = find_qemu(p.pid)
            if self.qpid is not None:
                th = sample_threads(self.qpid)
                if th:
                    self.samples.append((now, th) + sample_host())
            if self.tail_glob:
                if tail_f is None:
                    g = sorted(glob.glob(self.tail_glob))
                    if g:
                        tail_f = open(g[-1], "rb")
                        self.tail_path = g[-1]
                if tail_f is not None:
                    tail_buf += tail_f.read()
                    *done, tail_buf = tail_buf.split(b"\n")
                    for raw in done:
                        self.tail_lines.append((now, raw.decode("utf-8", "replace").replace("\r", "")))
            if p.poll() is not None:
                break
            if now - self.t0 > self.timeout:
                self.timed_out = True
                os.killpg(p.pid, signal.SIGTERM)   # the session this script started
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                break
            time.sleep(0.2)
        self.rc = p.wait()
        rd.join(5)
        if tail_f is not None:
            tail_buf += tail_f.read()
            for raw in tail_buf.split(b"\n"):
                if raw:
                    self.tail_lines.append((time.monotonic(), raw.decode("utf-8", "replace").replace("\r", "")))
        self.t1 = time.monotonic()
        with open(self.serial_path, "w") as f:
            for t, line in self.stdout_lines:
                f.write("[%8.3f] %s\n" % (t - self.t0, line))

    def threads_between(self, a, b):
        """CPU use of each QEMU thread in [a, b] (monotonic times), in % of one core."""
        inside = [s for s in self.samples if a <= s[0] <= b]
        if len(inside) < 2 or inside[-1][0] - inside[0][0] < 0.5:
            return None
        s0, s1 = inside[0], inside[-1]
        dt = s1[0] - s0[0]
        res = {"window_s": dt, "threads": []}
        qemu_ticks = 0
        for tid, (comm, ticks) in s1[1].items():
            d = ticks - s0[1].get(tid, (comm, 0))[1]
            qemu_ticks += d
            res["threads"].append((tid, comm, 100.0 * d / HZ / dt))
        res["host_other_cores"] = ((s1[2] - s0[2]) - qemu_ticks) / HZ / dt
        res["host_steal_cores"] = (s1[3] - s0[3]) / HZ / dt
        return res


# --------------------------------------------------------------- trace
def count_trace(path):
    """Counts QEMU's NVMe trace events per controller-enable era (see below)."""
    eras = [collections.Counter()]
    ien_cqs = [[]]
    vec = [collections.Counter()]
    rx_q = re.compile(r"[sc]qid (\d+)")
    rx_cq = re.compile(r"cqid=(\d+), vector=(\d+), .*ien=(\d+)")
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("ascii", "replace")
            name = line.split(" ", 1)[0]
            if "@" in name and ":" in name:          # -msg timestamp=on prefix
                name = name.split(":", 1)[1]
            c = eras[-1]
            if name == "pci_nvme_mmio_start_success":
                eras.append(collections.Counter())
                ien_cqs.append([])
                vec.append(collections.Counter())
                eras[-1]["start"] += 1
            elif name in ("pci_nvme_read", "pci_nvme_write"):
                c[name[9:]] += 1
            elif name in ("pci_nvme_mmio_doorbell_sq", "pci_nvme_mmio_doorbell_cq"):
                m = rx_q.search(line)
                io = m and int(m.group(1)) != 0
                c[name[-2:] + ("_db_io" if io else "_db_admin")] += 1
            elif name == "pci_nvme_irq_msix":
                vec[-1][int(line.rsplit(" ", 1)[1])] += 1
                c["msix"] += 1
            elif name == "pci_nvme_irq_pin":
                c["pin"] += 1
            elif name == "pci_nvme_create_cq":
                m = rx_cq.search(line)
                if m and int(m.group(1)) != 0 and int(m.group(3)) == 1:
                    ien_cqs[-1].append((int(m.group(1)), int(m.group(2))))
            elif name == "pci_nvme_admin_cmd":
                c["admin"] += 1
                if "ABORT" in line:
                    c["abort"] += 1
            elif name == "pci_nvme_mmio_stopped":
                c["stop"] += 1
            elif name == "pci_nvme_dbbuf_config":
                c["dbbuf"] += 1
            elif name.startswith("pci_nvme_err_") or name.startswith("pci_nvme_ub_"):
                c["err:" + name[9:]] += 1
    # Era 0 is before any enable; SeaBIOS (its NVMe driver) enables the
    # controller first and polls an I/O queue without interrupts; the guest
    # OS's era is the first one that creates an interrupt-driven I/O CQ.
    os_era = next((i for i, q in enumerate(ien_cqs) if q), len(eras) - 1)
    tot = collections.Counter()
    for c in eras[os_era:]:
        tot.update(c)
    io_vectors = sorted({v for q in ien_cqs[os_era:] for _, v in q})
    irq_io = sum(v[x] for v in vec[os_era:] for x in io_vectors)
    whole = collections.Counter()
    for c in eras:
        whole.update(c)
    cmds = tot["read"] + tot["write"]
    # A stop followed by a start inside the OS era is a controller reset.
    resets = len(eras) - 1 - os_era
    ev_io = tot["sq_db_io"] + tot["cq_db_io"] + irq_io
    ev_all = (whole["sq_db_io"] + whole["cq_db_io"] + whole["sq_db_admin"] + whole["cq_db_admin"]
              + whole["msix"] + whole["pin"])
    errs = {k[4:]: v for k, v in tot.items() if k.startswith("err:")}
    return {
        "cmds": cmds, "reads": tot["read"], "writes": tot["write"],
        "sq_db": tot["sq_db_io"], "cq_db": tot["cq_db_io"], "irq": irq_io,
        "io_vectors": ",".join(map(str, io_vectors)) or "none",
        "events_per_io": ev_io / cmds if cmds else None,
        "all_events_per_cmd": ev_all / (whole["read"] + whole["write"]) if whole["read"] + whole["write"] else None,
        "admin_cmds": whole["admin"], "aborts": tot["abort"], "resets": resets,
        "shadow_db": "yes" if tot["dbbuf"] else "no", "errs": errs,
    }


# --------------------------------------------------------------- one run
def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def busy_cores(res):
    """CPU-seconds per second the guest was busy, from Caprock's bench line.

    cpu_busy_cores=X, when the kernel prints it, is taken as is.  Otherwise
    cpu_busy_pct is the share of the window the CPUs were not idle: with
    cpus=N it is the average over N CPUs (N x pct / 100 cores busy); without
    cpus= one CPU ran the benchmark (pct / 100).  "NA" when neither is there."""
    try:
        if "cpu_busy_cores" in res:
            return "%.3f" % float(res["cpu_busy_cores"])
        return "%.3f" % (float(res["cpu_busy_pct"]) * int(res.get("cpus", "1")) / 100.0)
    except (KeyError, ValueError):
        return "NA"


def norm_argv(argv):
    """QEMU's argv without -kernel/-initrd/-append and with the -D path masked."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] in ("-kernel", "-initrd", "-append"):
            i += 2
            continue
        out.append(argv[i])
        if argv[i] == "-D" and i + 1 < len(argv):
            out.append("<trace-file>")
            i += 1
        i += 1
    return out


# The client path with nvme.poll=always on Caprock's command line (compare.sh appends it).
POLLED_CLIENT = "caprock-client-polled"

LINUX_BAD = re.compile(r"timeout|timed out|abort|reset|I/O error|blk_update_request|critical|"
                       r"nvme\S*: .*(fail|error)|call trace|BUG:|Oops", re.I)


def run_one(a):
    os.makedirs(a.workdir, exist_ok=True)
    base = os.path.join(a.workdir, "%s-%s-%s-r%d" % (a.side, a.backend, a.job, a.round))
    if a.trace_out and os.path.exists(a.trace_out):
        os.unlink(a.trace_out)
    b = Boot(a.cmd, a.tail_glob, a.timeout, base + ".serial.log", base + ".stderr.log")
    b.run()
    reasons, evidence = [], []
    rec = collections.OrderedDict(
        round=a.round, seq=a.seq, side=a.side, backend=a.backend, job=a.job)
    raw = []
    qd = int(a.job.rsplit("_qd", 1)[1])
    res = {}
    t_res = t_prev = None
    if b.timed_out:
        reasons.append("timeout-%ds" % a.timeout)
    if a.side.startswith("caprock"):
        serial = b.stdout_lines
        for i, (t, line) in enumerate(serial):
            if line.startswith("bench: job="):
                raw.append(line)
                res = kv(line)
                t_res, t_prev = t, serial[i - 1][0] if i else b.t0
            elif line.startswith("bench: error") or "bench: error" in line:
                raw.append(line)
                reasons.append("bench-error")
                evidence.append(line)
            elif line.startswith("run: complete"):
                raw.append(line)
                if "status=pass" not in line:
                    reasons.append("run-status-fail")
        if not res:
            reasons.append("no-bench-line")
        else:
            if int(res.get("errors", "0")):
                reasons.append("io-errors")
            if int(res.get("qd", qd)) != qd:
                reasons.append("qd-clamped-to-%s" % res.get("qd"))
            rec["iops"] = int(res["iops"])
            rec["lat_us_p50"], rec["lat_us_p99"] = res["lat_us_p50"], res["lat_us_p99"]
            rec["lat_us_p999"], rec["lat_us_max"] = res["lat_us_p999"], "n/a"
            rec["lane"] = res.get("lane", "?")
            rec["cpu_busy_pct"] = res.get("cpu_busy_pct", "NA")	# idle-loop accounting, the window measured
            rec["cpus"] = res.get("cpus", "1")
            rec["cpu_busy_cores"] = busy_cores(res)
        if not any(l.startswith("run: complete") for _, l in serial):
            reasons.append("no-run-complete")
        if a.side == POLLED_CLIENT:	# the kernel says which nvme.poll= it ran with when it lets the controller go
            mode = next((kv(l).get("poll") for _, l in serial if l.startswith("nvme: controller released")), None)
            rec["nvme_poll"] = mode or "unseen"
            if mode != "always":
                reasons.append("nvme-poll-%s" % (mode or "unseen"))
        if b.rc != 0 and not b.timed_out:
            reasons.append("qemu-rc-%d" % b.rc)
        t_start = t_prev + a.ramp + 0.3 if t_res else None
        t_end = t_res - 0.3 if t_res else None
        argv = a.cmd
    else:
        serial = [(t, re.sub(r"^\[\s*\d+\.\d+\] ", "", l)) for t, l in b.tail_lines]
        argv = []
        for t, line in serial:
            if line.startswith("# cmd: "):
                argv = shlex.split(line[7:])
        for line in (l for _, l in b.stdout_lines):
            if line.startswith("linux-guest: job="):
                raw.append(line)
                res = kv(line)
            elif line.startswith("linux-guest: pattern") and a.backend == "file":
                if "ok=yes" not in line:
                    reasons.append("pattern-check-failed")
                    evidence.append(line)
        t_fio = t_terse = None
        fio_extra = None
        in_job = False
        for i, (t, line) in enumerate(serial):
            if line.startswith("ANCHOR: fio "):
                t_fio, in_job = t, True
                rec["fio"] = line.split()[2]
                fio_extra = line.split(" extra=", 1)[1].strip() if " extra=" in line else ""
            elif line.startswith("ANCHOR-TERSE:"):
                t_terse = t
                f = line.split(":", 1)[1].strip().split(";")
                if len(f) > 60 and f[0] == "3":
                    blk = 5 if int(f[5] or 0) > 0 else 46
                    rec["fio_runtime_ms"] = int(f[blk + 3])
            elif line.startswith("ANCHOR: done"):
                in_job = False
            if (in_job or "nvme" in line.lower()) and not line.startswith(("ANCHOR-TERSE", "linux-guest:", "# ")) \
                    and LINUX_BAD.search(line) and "ANCHOR: fio" not in line:
                evidence.append(line)
        if evidence:
            reasons.append("linux-log-timeout/abort/reset/error")
        if res and "error" in res:
            reasons.append("fio-" + res["error"])
        if not res or "iops" not in res:
            reasons.append("no-fio-result")
        else:
            if res.get("err", "0") != "0":
                reasons.append("fio-err-%s" % res["err"])
            rec["iops"] = int(res["iops"])
            for k in ("lat_us_p50", "lat_us_p99", "lat_us_p999", "lat_us_max"):
                rec[k] = res.get(k, "NA")
            rec["engine"] = res.get("engine", "?")
            try:	# fio's own CPU share of the guest: usr + sys
                rec["cpu_busy_pct"] = "%.1f" % (float(res["cpu_usr_pct"]) + float(res["cpu_sys_pct"]))
                rec["cpu_busy_cores"] = "%.3f" % (float(rec["cpu_busy_pct"]) / 100.0)	# one fio job: % of one CPU
            except (KeyError, ValueError):
                rec["cpu_busy_pct"] = "NA"
                rec["cpu_busy_cores"] = "NA"
        if not any(l.startswith("ANCHOR: done rc=0") for _, l in serial):
            reasons.append("anchor-not-done")
        if b.rc != 0 and not b.timed_out:
            reasons.append("anchor-rc-%d" % b.rc)
        want = a.fio_extra.strip()
        if fio_extra is None:
            if res:
                reasons.append("fio-options-unseen")
        elif fio_extra.strip() != want:
            reasons.append("fio-options-mismatch")
            evidence.append("fio extra seen %r, wanted %r" % (fio_extra, want))
        rec["fio_extra"] = (want or "none").replace(" ", ",")
        if "fio_runtime_ms" in rec and rec["fio_runtime_ms"] > a.runtime * 1000 * 1.1 + 500:
            reasons.append("fio-runtime-%dms" % rec["fio_runtime_ms"])
        t_res, t_prev = t_terse, t_fio
        t_start = t_fio + a.ramp + 0.8 if t_fio else None
        t_end = t_terse - 0.3 if t_terse else None
        # fio startup and exit cost ~1-2 s under TCG
    if t_res and t_prev:
        rec["job_elapsed_s"] = "%.1f" % (t_res - t_prev)
        if t_res - t_prev > a.ramp + a.runtime + a.elapsed_slack:
            reasons.append("elapsed-%.0fs" % (t_res - t_prev))
    rec["boot_wall_s"] = "%.1f" % (b.t1 - b.t0)
    # latency limits (stall detection)
    for k, lim in (("lat_us_p999", a.p999_limit_ms), ("lat_us_max", a.max_limit_ms)):
        v = rec.get(k)
        if v not in (None, "n/a", "NA") and lim and float(v) > lim * 1000:
            reasons.append("%s>%dms" % (k.replace("lat_us_", ""), lim))
    # qemu command line
    if a.expect_argv:
        with open(a.expect_argv) as f:
            want_argv = json.load(f)
        got = norm_argv(argv)
        rec["qemu_cmd_match"] = "yes" if got == want_argv else "no"
        if got != want_argv:
            reasons.append("qemu-cmdline-differs")
            evidence.append("qemu argv (normalised) %s" % " ".join(got))
            evidence.append("expected             %s" % " ".join(want_argv))
    # trace
    if a.trace_out:
        if os.path.exists(a.trace_out):
            tr = count_trace(a.trace_out)
            rec["cmds"] = tr["cmds"]
            rec["events_per_io"] = "%.3f" % tr["events_per_io"] if tr["events_per_io"] is not None else "n/a"
            rec["sq_db"], rec["cq_db"], rec["irq"] = tr["sq_db"], tr["cq_db"], tr["irq"]
            rec["io_vectors"] = tr["io_vectors"]
            rec["shadow_db"] = tr["shadow_db"]
            rec["all_events_per_cmd"] = ("%.3f" % tr["all_events_per_cmd"]) if tr["all_events_per_cmd"] else "n/a"
            rec["aborts"], rec["resets"] = tr["aborts"], tr["resets"]
            if tr["aborts"]:
                reasons.append("device-saw-abort")
            if tr["resets"]:
                reasons.append("device-saw-reset")
            if tr["errs"]:
                rec["device_errs"] = ",".join("%s:%d" % kv_ for kv_ in sorted(tr["errs"].items()))
                reasons.append("device-error-events")
            if not a.keep_trace:
                os.unlink(a.trace_out)
        else:
            reasons.append("no-trace-file")
    # threads
    th = b.threads_between(t_start, t_end) if t_start and t_end else None
    if th:
        vcpu = sum(p for _, c, p in th["threads"] if c.startswith("CPU "))
        main = sum(p for tid, _, p in th["threads"] if tid == b.qpid)
        other = sum(p for tid, c, p in th["threads"] if tid != b.qpid and not c.startswith("CPU "))
        rec["thr_vcpu_pct"], rec["thr_main_pct"], rec["thr_other_pct"] = "%.0f" % vcpu, "%.0f" % main, "%.0f" % other
        rec["thr_window_s"] = "%.1f" % th["window_s"]
        rec["host_other_cores"] = "%.2f" % th["host_other_cores"]
        rec["host_steal_cores"] = "%.2f" % th["host_steal_cores"]
        noisy = th["host_other_cores"] + th["host_steal_cores"] > a.host_busy_limit
        rec["noisy"] = "yes" if noisy else "no"
        if noisy and a.exclude_noisy:
            reasons.append("host-busy-%.2f-cores" % (th["host_other_cores"] + th["host_steal_cores"]))
        busy = sorted(th["threads"], key=lambda x: -x[2])
        rec["threads"] = ",".join("%s:%.0f" % (c.replace(" ", "_").replace("/", "_"), p) for _, c, p in busy if p >= 0.5) or "none"
    rec["concurrent_qemu"] = b.concurrent_qemu
    rec["valid"] = "no" if reasons else "yes"
    rec["reasons"] = ",".join(reasons) or "none"
    rec["serial_log"] = base + ".serial.log" if a.side.startswith("caprock") else getattr(b, "tail_path", "none")
    print("run: " + " ".join("%s=%s" % (k, v) for k, v in rec.items()))
    for line in raw:
        print("raw: " + line)
    for line in evidence[:8]:
        print("evidence: " + line)
    return 0


# --------------------------------------------------------------- summary
def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, nd=0):
    if x is None:
        return "n/a"
    return ("%%.%df" % nd) % x


LINUX_CONFIGS = (("linux", "Linux IRQ"), ("linux-polled", "Linux polled"))


def derived(r, key):
    """A figure of one run record: a field, or one computed from its fields (None when unknown)."""
    def num(k):
        v = r.get(k)
        try:
            return float(v) if v not in (None, "n/a", "NA") else None
        except ValueError:
            return None
    if key == "busy_cores":		# records older than cpu_busy_cores= carry the % of one CPU only
        c = num("cpu_busy_cores")
        if c is None and num("cpu_busy_pct") is not None:
            c = num("cpu_busy_pct") / 100.0 * (num("cpus") or 1)
        return c
    if key == "iops_per_busy_cpu_s":
        c, i = derived(r, "busy_cores"), num("iops")
        return i / c if c and i is not None else None
    if key == "iops_per_vcpu_thread_s":	# host side: the vCPU thread(s)' CPU time, same measure for both guests
        v, i = num("thr_vcpu_pct"), num("iops")
        return i / (v / 100.0) if v and i is not None else None
    if key in ("irq_per_io", "db_per_io"):
        n = num("cmds")
        if not n:
            return None
        if key == "irq_per_io":
            return num("irq") / n if num("irq") is not None else None
        return (num("sq_db") + num("cq_db")) / n if num("sq_db") is not None and num("cq_db") is not None else None
    return num(key)


def mmm(xs, nd=0):
    """median (min-max), or n/a."""
    if not xs:
        return "n/a"
    return "%s (%s-%s)" % (fmt(med(xs), nd), fmt(min(xs), nd), fmt(max(xs), nd))


def linux_best(stat, job, backend="file"):
    """Linux at its best for a job: the configuration (interrupts with matched batching, or polled
    unbatched) whose valid runs have the higher median IOPS.  (side, label) or (None, None)."""
    cand = [(med(stat(s, backend, job, "iops")), s, lbl) for s, lbl in LINUX_CONFIGS if stat(s, backend, job, "iops")]
    if not cand:
        return None, None
    _, side, lbl = max(cand)
    return side, lbl


def users_table(p, jobs, stat, nvalid, groups):
    """The headline (issue 19 §4, DESIGN.md §4): what a program gets, Caprock's client path, against
    Linux at its best for each job; the provider path as the second row.  When the side was run, the
    client path with nvme.poll=always (POLLED_CLIENT) is a second client column in every table, after
    the others, so a summary without it is unchanged."""
    cl, pc = "caprock-client", POLLED_CLIENT
    has_pc = any(groups[(pc, "file", j)] for j in jobs)
    if not any(groups[(cl, "file", j)] for j in jobs) and not has_pc:
        return False
    p("")
    p("## What users get: Caprock's client path against Linux at its best")
    p("")
    p("Client = bench.path=client (a client process through its BlockDevice session, what a program gets).")
    if has_pc:
        p("Client, nvme.poll=always = the same client path with nvme.poll=always on Caprock's command line")
        p("(the provider polls continuously, the client spins: meant for -smp >= 2, the provider on a CPU of")
        p("its own); its columns come last in each table, marked \"client poll=always\".")
    p("Linux at its best = for each job, the configuration whose valid runs have the higher median IOPS:")
    p("`linux` (interrupt-driven, matched batching at QD > 1) or `linux-polled` (nvme.poll_queues=1,")
    p("fio --hipri, unbatched: fio's batching options break polling).  Both are shown.  Figures are")
    p("median (min-max) over valid rounds; invalid (stalled) runs are excluded and listed at the end.")
    p("")

    def row(cells):
        p("| " + " | ".join(cells) + " |")

    def head(cells, extra=()):
        cells = list(cells) + (list(extra) if has_pc else [])
        row(cells)
        p("|" + "---|" * len(cells))
    head(["job", "Caprock client IOPS", "Linux IRQ IOPS", "Linux polled IOPS", "Linux best", "client / Linux best",
          "Caprock provider IOPS", "provider / Linux best", "valid runs: client; IRQ; polled; provider"],
         ["Caprock client, nvme.poll=always IOPS", "client poll=always / Linux best", "valid runs: client poll=always"])
    best = {}
    for job in jobs:
        if not groups[(cl, "file", job)] and not groups[(pc, "file", job)]:
            continue
        bs, blbl = linux_best(stat, job)
        best[job] = bs
        c, pv = stat(cl, "file", job, "iops"), stat("caprock", "file", job, "iops")
        lb = stat(bs, "file", job, "iops") if bs else []
        cells = [job.replace("_qd", " qd"), mmm(c), mmm(stat("linux", "file", job, "iops")),
                 mmm(stat("linux-polled", "file", job, "iops")), blbl or "n/a",
                 "**%s**" % fmt(med(c) / med(lb), 2) if c and lb else "n/a", mmm(pv),
                 fmt(med(pv) / med(lb), 2) if pv and lb else "n/a",
                 "%s; %s; %s; %s" % (nvalid(cl, "file", job), nvalid("linux", "file", job),
                                     nvalid("linux-polled", "file", job), nvalid("caprock", "file", job))]
        if has_pc:
            q = stat(pc, "file", job, "iops")
            cells += [mmm(q), "**%s**" % fmt(med(q) / med(lb), 2) if q and lb else "n/a", nvalid(pc, "file", job)]
        row(cells)
    p("")
    p("Latency, total (submission to completion), µs: median over rounds of each run's p50 and p99.")
    p("")
    head(["job", "p50 client", "p50 Linux IRQ", "p50 Linux polled", "p99 client", "p99 Linux IRQ", "p99 Linux polled",
          "p50 provider", "p99 provider"], ["p50 client poll=always", "p99 client poll=always"])
    for job in best:
        row([job.replace("_qd", " qd")] + [
            fmt(med(stat(s, "file", job, k))) for k in ("lat_us_p50", "lat_us_p99")
            for s in (cl, "linux", "linux-polled")] + [
            fmt(med(stat(s, "file", job, k))) for s in (("caprock", pc) if has_pc else ("caprock",))
            for k in ("lat_us_p50", "lat_us_p99")])
    p("")
    p("Guest CPU cost.  busy = CPU-seconds per second the guest spent: Caprock's idle-loop accounting")
    p("(cpu_busy_pct x cpus / 100, or cpu_busy_cores when printed), Linux's fio usr+sys of its one job")
    p("(fio's own process only: interrupt work done while fio sleeps is not in it).  IOPS per busy")
    p("CPU-second = IOPS / busy, per run, median.  As a cross-check measured the same way for both")
    p("guests: the host CPU time of QEMU's vCPU thread(s) in the window (under TCG it also holds the")
    p("emulation of the guest's MMIO writes), and IOPS per vCPU-thread-second.")
    p("")
    head(["job", "Linux best", "busy cores client / Linux best", "IOPS per busy CPU-s client / Linux best",
          "client / Linux", "vCPU thread % client / Linux best", "IOPS per vCPU-thread-s client / Linux best",
          "provider: busy cores, IOPS per busy CPU-s"],
         ["client poll=always: busy cores, IOPS per busy CPU-s, / Linux best"])
    for job, bs in best.items():
        if not bs:
            continue
        a, b = stat(cl, "file", job, "iops_per_busy_cpu_s"), stat(bs, "file", job, "iops_per_busy_cpu_s")
        cells = [job.replace("_qd", " qd"), bs,
                 "%s / %s" % (fmt(med(stat(cl, "file", job, "busy_cores")), 2), fmt(med(stat(bs, "file", job, "busy_cores")), 2)),
                 "%s / %s" % (fmt(med(a)), fmt(med(b))), fmt(med(a) / med(b), 2) if a and b else "n/a",
                 "%s / %s" % (fmt(med(stat(cl, "file", job, "thr_vcpu_pct"))), fmt(med(stat(bs, "file", job, "thr_vcpu_pct")))),
                 "%s / %s" % (fmt(med(stat(cl, "file", job, "iops_per_vcpu_thread_s"))),
                              fmt(med(stat(bs, "file", job, "iops_per_vcpu_thread_s")))),
                 "%s, %s" % (fmt(med(stat("caprock", "file", job, "busy_cores")), 2),
                             fmt(med(stat("caprock", "file", job, "iops_per_busy_cpu_s"))))]
        if has_pc:
            q = stat(pc, "file", job, "iops_per_busy_cpu_s")
            cells.append("%s, %s, %s" % (fmt(med(stat(pc, "file", job, "busy_cores")), 2), fmt(med(q)),
                                         fmt(med(q) / med(b), 2) if q and b else "n/a"))
        row(cells)
    p("")
    p("Device events per I/O, counted by QEMU itself for either guest (-trace): MSI-X interrupts on the")
    p("I/O-queue vectors, and SQ + CQ doorbell writes of the I/O queues, each divided by QEMU's count of")
    p("read + write commands; events = their sum.  (Linux's /proc/interrupts is printed by the anchor only")
    p("before fio runs, so it cannot give a per-job count; QEMU's count is the same measure for both sides.)")
    p("")
    head(["job", "Linux best", "events/IO client / Linux best", "irq/IO client / Linux best",
          "doorbells/IO client / Linux best", "events client / Linux", "events/IO Linux IRQ / polled / provider"],
         ["events/IO client poll=always / Linux best", "irq/IO, doorbells/IO client poll=always"])
    for job, bs in best.items():
        if not bs:
            continue
        e1, e2 = stat(cl, "file", job, "events_per_io"), stat(bs, "file", job, "events_per_io")
        cells = [job.replace("_qd", " qd"), bs, "%s / %s" % (fmt(med(e1), 2), fmt(med(e2), 2)),
                 "%s / %s" % (fmt(med(stat(cl, "file", job, "irq_per_io")), 2), fmt(med(stat(bs, "file", job, "irq_per_io")), 2)),
                 "%s / %s" % (fmt(med(stat(cl, "file", job, "db_per_io")), 2), fmt(med(stat(bs, "file", job, "db_per_io")), 2)),
                 fmt(med(e1) / med(e2), 2) if e1 and e2 and med(e2) else "n/a",
                 "%s / %s / %s" % (fmt(med(stat("linux", "file", job, "events_per_io")), 2),
                                   fmt(med(stat("linux-polled", "file", job, "events_per_io")), 2),
                                   fmt(med(stat("caprock", "file", job, "events_per_io")), 2))]
        if has_pc:
            cells += ["%s / %s" % (fmt(med(stat(pc, "file", job, "events_per_io")), 2), fmt(med(e2), 2)),
                      "%s, %s" % (fmt(med(stat(pc, "file", job, "irq_per_io")), 2),
                                  fmt(med(stat(pc, "file", job, "db_per_io")), 2))]
        row(cells)
    p("")
    p("Issue 19's goals, from the medians above (met / not met / n/a when a side has no valid run):")
    p("")

    def verdict(x, ok):
        return "n/a" if x is None else ("met" if ok(x) else "not met")
    for side, suffix in ((cl, ""), (pc, " (client nvme.poll=always)")) if has_pc else ((cl, ""),):
        for job, bs in best.items():
            c, lb = stat(side, "file", job, "iops"), stat(bs, "file", job, "iops") if bs else []
            r = med(c) / med(lb) if c and lb else None
            qd1 = job.endswith("_qd1")
            c50, l50 = stat(side, "file", job, "lat_us_p50"), stat("linux-polled", "file", job, "lat_us_p50")
            a = stat(side, "file", job, "iops_per_busy_cpu_s")
            b = stat(bs, "file", job, "iops_per_busy_cpu_s") if bs else []
            e1 = stat(side, "file", job, "events_per_io")
            e2 = stat(bs, "file", job, "events_per_io") if bs else []
            parts = ["client/Linux best %s >= 1.2: %s" % (fmt(r, 2), verdict(r, lambda x: x >= 1.2))]
            if qd1:
                parts.append("p50 client %s <= Linux polled %s: %s" % (
                    fmt(med(c50)), fmt(med(l50)), verdict(med(c50) if c50 and l50 else None, lambda x: x <= med(l50))))
            cpu = med(a) / med(b) if a and b else None
            parts.append("IOPS per busy CPU-s client/Linux %s >= 1: %s" % (fmt(cpu, 2), verdict(cpu, lambda x: x >= 1)))
            ev = med(e1) / med(e2) if e1 and e2 and med(e2) else None
            parts.append("events/IO client/Linux %s <= 0.67: %s" % (fmt(ev, 2), verdict(ev, lambda x: x <= 2 / 3 + 1e-9)))
            p("- %s%s: %s" % (job.replace("_qd", " qd"), suffix, "; ".join(parts)))
    return True


def summarize(a):
    runs = []
    for line in open(a.raw):
        if line.startswith("run: "):
            runs.append(dict(re.findall(r"(\w+)=(\S+)", line[5:])))
    jobs = []
    for r in runs:
        if r["job"] not in jobs:
            jobs.append(r["job"])
    groups = collections.defaultdict(list)
    for r in runs:
        groups[(r["side"], r["backend"], r["job"])].append(r)

    def stat(side, backend, job, key):
        if side is None:
            return []
        vals = [derived(r, key) for r in groups[(side, backend, job)] if r["valid"] == "yes"]
        return [v for v in vals if v is not None]

    def nvalid(side, backend, job):
        g = groups[(side, backend, job)]
        return "%d/%d" % (sum(r["valid"] == "yes" for r in g), len(g))

    out = []
    p = out.append
    p("")
    p("## Summary (valid runs only; medians over rounds; invalid runs listed above and excluded)")
    invalid = [r for r in runs if r["valid"] != "yes"]
    p("")
    p("Runs: %d, valid %d, invalid %d (stalled or otherwise invalid runs are excluded from every figure%s)" % (
        len(runs), len(runs) - len(invalid), len(invalid), "; listed at the end" if invalid else ""))
    headline = users_table(p, jobs, stat, nvalid, groups)
    if not any(groups[("caprock", "file", j)] or groups[("linux", "file", j)] for j in jobs):
        pass
    elif headline:
        p("")
        p("## Second row: Caprock's provider path (the SPDK-like loop) against Linux interrupt-driven")
        p("")
    else:
        p("")
        p("## Caprock's provider path against Linux interrupt-driven (no client-path run: not the users' table)")
        p("")
    p("IOPS as min / median / max.  events/IO = QEMU's own count of I/O-queue SQ doorbell writes + CQ doorbell")
    p("writes + MSI-X interrupts on the I/O-queue vector(s), divided by QEMU's count of read+write commands")
    p("(pci_nvme_read + pci_nvme_write), from the controller enable of the guest OS on.  Latency = total")
    p("(submission to completion) in microseconds, median over rounds of each run's p50 / p99.")
    p("")
    p("| job | Linux IOPS min/med/max | Caprock IOPS min/med/max | Caprock/Linux (medians) | events/IO Linux | events/IO Caprock | lat p50 µs Linux / Caprock | lat p99 µs Linux / Caprock | valid runs (Linux; Caprock) |")
    p("|---|---|---|---|---|---|---|---|---|")
    for job in jobs:
        li, ca = stat("linux", "file", job, "iops"), stat("caprock", "file", job, "iops")
        if not groups[("linux", "file", job)] and not groups[("caprock", "file", job)]:
            continue
        ratio = med(ca) / med(li) if li and ca else None
        p("| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s; %s |" % (
            job.replace("_qd", " qd"),
            "/".join(fmt(x) for x in (min(li), med(li), max(li))) if li else "n/a",
            "/".join(fmt(x) for x in (min(ca), med(ca), max(ca))) if ca else "n/a",
            fmt(ratio, 2),
            fmt(med(stat("linux", "file", job, "events_per_io")), 2),
            fmt(med(stat("caprock", "file", job, "events_per_io")), 2),
            fmt(med(stat("linux", "file", job, "lat_us_p50"))), fmt(med(stat("caprock", "file", job, "lat_us_p50"))),
            fmt(med(stat("linux", "file", job, "lat_us_p99"))), fmt(med(stat("caprock", "file", job, "lat_us_p99"))),
            nvalid("linux", "file", job), nvalid("caprock", "file", job)))
    if any(k[1] == "null" for k in groups):
        p("")
        p("## Ceiling: the same QEMU NVMe model with a null-co backend (no disk I/O)")
        p("")
        p("fraction = median IOPS on the image file / median IOPS on null-co, same guest.")
        p("")
        p("| job | Caprock file med | Caprock null-co min/med/max | Caprock fraction | Linux file med | Linux null-co min/med/max | Linux fraction | valid null-co runs (Caprock; Linux) |")
        p("|---|---|---|---|---|---|---|---|")
        for job in jobs:
            cf, cn = stat("caprock", "file", job, "iops"), stat("caprock", "null", job, "iops")
            lf, ln = stat("linux", "file", job, "iops"), stat("linux", "null", job, "iops")
            if not groups[("caprock", "null", job)] and not groups[("linux", "null", job)]:
                continue
            p("| %s | %s | %s | %s | %s | %s | %s | %s; %s |" % (
                job.replace("_qd", " qd"), fmt(med(cf)),
                "/".join(fmt(x) for x in (min(cn), med(cn), max(cn))) if cn else "n/a",
                fmt(med(cf) / med(cn), 2) if cf and cn else "n/a", fmt(med(lf)),
                "/".join(fmt(x) for x in (min(ln), med(ln), max(ln))) if ln else "n/a",
                fmt(med(lf) / med(ln), 2) if lf and ln else "n/a",
                nvalid("caprock", "null", job), nvalid("linux", "null", job)))
    p("")
    p("## QEMU threads during the measured window (median over valid runs, % of one host core)")
    p("")
    p("Sampled every 0.2 s from /proc/<qemu pid>/task/*/stat (utime+stime) between the end of the ramp and")
    p("the guest's result line.  vCPU = the TCG vCPU thread ('CPU 0/TCG', -name debug-threads=on; under TCG it")
    p("also runs MMIO doorbell writes); main loop = QEMU's main thread (NVMe SQ/CQ processing, block")
    p("completions, MSI-X); other = the rest (call_rcu, workers).  host other = host CPU used by everything")
    p("else (cores; +-0.1 is sampling noise, so small negative values occur), steal = time the hypervisor took.")
    p("")
    p("| side | backend | job | vCPU % | main loop % | other % | host other cores | steal cores | runs |")
    p("|---|---|---|---|---|---|---|---|---|")
    for (side, backend, job) in sorted(groups, key=lambda k: (k[1], jobs.index(k[2]), k[0])):
        v = stat(side, backend, job, "thr_vcpu_pct")
        if not v:
            continue
        p("| %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
            side, "null-co" if backend == "null" else "file", job.replace("_qd", " qd"), fmt(med(v)),
            fmt(med(stat(side, backend, job, "thr_main_pct"))), fmt(med(stat(side, backend, job, "thr_other_pct"))),
            fmt(med(stat(side, backend, job, "host_other_cores")), 2),
            fmt(med(stat(side, backend, job, "host_steal_cores")), 2), len(v)))
    key = ("caprock", "null", "randread4k_qd32")
    if stat(*key, "thr_main_pct"):
        m = med(stat(*key, "thr_main_pct"))
        v = med(stat(*key, "thr_vcpu_pct"))
        p("")
        p("randread4k qd32 on null-co (Caprock): QEMU main loop (the NVMe device model) %.0f%% busy, vCPU "
          "thread %.0f%% busy, median IOPS %s.  A main loop near 100%% means the device model is the limit; "
          "a vCPU thread near 100%% with a main loop well below means the guest (emulated CPU) is." % (
              m, v, fmt(med(stat(*key, "iops")))))
    p("")
    p("Runs: %d, valid %d, invalid %d (excluded from every figure above)%s" % (
        len(runs), len(runs) - len(invalid), len(invalid),
        "".join("\n  invalid: round=%s side=%s backend=%s job=%s reasons=%s" % (
            r["round"], r["side"], r["backend"], r["job"], r["reasons"]) for r in invalid)))
    conc = [r for r in runs if r.get("concurrent_qemu", "0") != "0"]
    noisy = [r for r in runs if r.get("noisy") == "yes"]
    p("Runs that started while another QEMU was running: %d of %d; runs whose measured window saw more than "
      "%s host cores used by other processes (+ steal): %d of %d%s" % (
          len(conc), len(runs), a.host_busy_limit, len(noisy), len(runs),
          " (excluded above)" if a.exclude_noisy else " (kept: see host other cores above)"))
    text = "\n".join(out) + "\n"
    with open(a.out, "a") as f:
        f.write(text)
    sys.stdout.write(text)

    # ---- plot
    if not a.png:
        return 0
    stem = os.path.join(a.plot_work or os.path.dirname(a.png), os.path.basename(a.png)[:-4])
    dat = stem + ".dat"
    series = [(sd, b, t) for sd, b, t in (("caprock-client", "file", "Caprock client path"),
                                          (POLLED_CLIENT, "file", "Caprock client, nvme.poll=always"),
                                          ("linux", "file", "Linux IRQ (fio)"), ("linux-polled", "file", "Linux polled (fio --hipri)"),
                                          ("caprock", "file", "Caprock provider path"),
                                          ("caprock", "null", "Caprock, null-co"), ("linux", "null", "Linux, null-co"))
              if any(stat(sd, b, j, "iops") for j in jobs)]
    if not series:
        print("compare.py: no valid run, no plot", file=sys.stderr)
        return 1
    with open(dat, "w") as f:
        f.write("# job " + " ".join("%s_%s_{med,min,max,p50,p99}" % (s, b) for s, b, _ in series) + "\n")
        for job in jobs:
            row = [job.replace("_qd", "\\nqd")]
            for s, b, _ in series:
                v = stat(s, b, job, "iops")
                p50, p99 = stat(s, b, job, "lat_us_p50"), stat(s, b, job, "lat_us_p99")
                row += [fmt(med(v)) if v else "NaN", fmt(min(v)) if v else "NaN", fmt(max(v)) if v else "NaN",
                        fmt(med(p50)) if p50 else "NaN", fmt(med(p99)) if p99 else "NaN"]
            f.write('"%s" %s\n' % (row[0], " ".join(row[1:])))
    palette = {("linux", "file"): "#4477aa", ("caprock", "file"): "#ee6677",
               ("caprock-client", "file"): "#aa3377", (POLLED_CLIENT, "file"): "#882255",
               ("linux-polled", "file"): "#66ccee",
               ("caprock", "null"): "#228833", ("linux", "null"): "#ccbb44"}
    colors = [palette[(sd, b)] for sd, b, _ in series]
    iops_plot = ", ".join("'%s' using %d:%d:%d%s title '%s' lc rgb '%s'" % (
        dat if i == 0 else "", 2 + 5 * i, 3 + 5 * i, 4 + 5 * i, ":xtic(1)" if i == 0 else "", t, colors[i])
        for i, (_, _, t) in enumerate(series))
    lat_series = list(enumerate(series))
    lat_plot = ", ".join(
        "'%s' using %d%s title '%s %s' lc rgb '%s' fs %s" % (
            dat if n == 0 else "", col + 5 * i, ":xtic(1)" if n == 0 else "", t, pct, colors[i],
            "solid 0.9" if pct == "p50" else "pattern 2")
        for n, (i, (col, pct, t)) in enumerate(
            (i, (c, pc, s[2])) for pc, c in (("p50", 5), ("p99", 6)) for i, s in lat_series))
    gp = stem + ".gp"
    with open(gp, "w") as f:
        f.write("""set terminal pngcairo size 1400,560 font 'DejaVu Sans,10'
set output '%(png)s'
set multiplot layout 1,2 title "%(title)s"
set bmargin 4
set style data histogram
set style fill solid 0.85 border -1
set key top left
set grid ytics
set style histogram errorbars gap 2 lw 1
set title 'IOPS per job (bar = median, whisker = min..max over valid rounds)'
set ylabel 'IOPS'
set yrange [0:*]
plot %(iops)s
set style histogram clustered gap 2
set title 'total latency per job, median of each run''s p50 (solid) and p99 (hatched)'
set ylabel 'microseconds (log scale)'
set logscale y
set yrange [10:*]
plot %(lat)s
unset multiplot
""" % {"png": a.png, "title": a.title.replace('"', "'"), "iops": iops_plot, "lat": lat_plot})
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        print("compare.py: error: gnuplot failed (rc=%d); data kept in %s" % (r.returncode, dat), file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("check-image")
    c.add_argument("disk")
    c.add_argument("--tag", default="ANCHOR01")
    c.add_argument("--size", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("--side", choices=["caprock", "caprock-client", POLLED_CLIENT, "linux", "linux-polled"], required=True)
    r.add_argument("--backend", choices=["file", "null"], required=True)
    r.add_argument("--job", required=True)
    r.add_argument("--round", type=int, required=True)
    r.add_argument("--seq", type=int, default=0)
    r.add_argument("--runtime", type=int, required=True)
    r.add_argument("--ramp", type=int, default=1)
    r.add_argument("--timeout", type=int, required=True)
    r.add_argument("--workdir", required=True)
    r.add_argument("--trace-out", default="")
    r.add_argument("--keep-trace", action="store_true")
    r.add_argument("--tail-glob", default="")
    r.add_argument("--expect-argv", default="")
    r.add_argument("--fio-extra", default="")
    r.add_argument("--p999-limit-ms", type=float, default=100)
    r.add_argument("--max-limit-ms", type=float, default=1000)
    r.add_argument("--elapsed-slack", type=float, default=10)
    r.add_argument("--host-busy-limit", type=float, default=0.5)
    r.add_argument("--exclude-noisy", action="store_true")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    w = sub.add_parser("wait-quiet")
    w.add_argument("--limit", type=float, default=0.5)
    w.add_argument("--max-wait", type=float, default=120)
    s = sub.add_parser("summarize")
    s.add_argument("raw")
    s.add_argument("--out", required=True)
    s.add_argument("--png", default="")
    s.add_argument("--title", default="")
    s.add_argument("--plot-work", default="", help="where the gnuplot data and script go")
    s.add_argument("--host-busy-limit", default="0.5")
    s.add_argument("--exclude-noisy", action="store_true")
    n = sub.add_parser("norm-argv")
    n.add_argument("argv", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.what == "check-image":
        return check_image(a)
    if a.what == "run":
        if a.cmd and a.cmd[0] == "--":
            a.cmd = a.cmd[1:]
        return run_one(a)
    if a.what == "wait-quiet":
        return wait_quiet(a)
    if a.what == "norm-argv":
        argv = a.argv[1:] if a.argv and a.argv[0] == "--" else a.argv
        print(json.dumps(norm_argv(argv)))
        return 0
    return summarize(a)


if __name__ == "__main__":
    sys.exit(main())
