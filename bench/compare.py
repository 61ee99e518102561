#!/usr/bin/env python3
"""bench/compare.py - the mechanics behind bench/compare.sh.

  compare.py check-image DISK --tag ANCHOR01 --size BYTES
      Reads 16 fixed sectors of DISK with O_DIRECT and checks the anchor's
      pattern (every 16 bytes of 512-byte sector N: TAG + le64(N)).  Prints one
      `image:` line; exit 1 when the size or a sector is wrong.

  compare.py run --side caprock|linux --backend file|null --job J ... -- CMD...
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
        if not any(l.startswith("run: complete") for _, l in serial):
            reasons.append("no-run-complete")
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
            except (KeyError, ValueError):
                rec["cpu_busy_pct"] = "NA"
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


def users_table(p, jobs, stat, nvalid):
    """What a program gets (Caprock's client path) against Linux at its best for each job: the better
    median of interrupt-driven fio (matched batching) and polled io_uring (unbatched), when both ran."""
    if not any(stat("caprock-client", "file", j, "iops") for j in jobs):
        return
    p("")
    p("## What users get: Caprock's client path against Linux at its best")
    p("")
    p("Linux's best = the better median of `linux` (interrupts, matched batching) and `linux-polled`")
    p("(nvme.poll_queues=1, fio --hipri, unbatched) for each job.  CPU: Caprock's idle-loop accounting")
    p("(cpu_busy_pct) and fio's usr+sys; IOPS per busy CPU-second = IOPS / (busy share of one CPU).")
    p("")
    p("| job | Linux best (which) | Caprock client | client / Linux best | Caprock provider | latency µs: p50 Linux best / client, p99 Linux best / client | CPU busy % Linux best / client | IOPS per busy CPU-s Linux best / client | valid runs (linux; polled; client) |")
    p("|---|---|---|---|---|---|---|---|---|")
    for job in jobs:
        cand = [(med(stat(s, "file", job, "iops")), s) for s in ("linux", "linux-polled") if stat(s, "file", job, "iops")]
        cl = stat("caprock-client", "file", job, "iops")
        if not cand or not cl:
            continue
        best, which = max(cand)
        c = med(cl)
        bb, cb = stat(which, "file", job, "cpu_busy_pct"), stat("caprock-client", "file", job, "cpu_busy_pct")
        per = lambda i, b: fmt(i / (med(b) / 100.0)) if b and med(b) > 0 else "n/a"
        pv = stat("caprock", "file", job, "iops")
        p("| %s | %s (%s) | %s | %s | %s | %s / %s, %s / %s | %s / %s | %s / %s | %s; %s; %s |" % (
            job.replace("_qd", " qd"), fmt(best), which, fmt(c), fmt(c / best, 2) if best else "n/a",
            fmt(med(pv)) if pv else "n/a",
            fmt(med(stat(which, "file", job, "lat_us_p50"))), fmt(med(stat("caprock-client", "file", job, "lat_us_p50"))),
            fmt(med(stat(which, "file", job, "lat_us_p99"))), fmt(med(stat("caprock-client", "file", job, "lat_us_p99"))),
            fmt(med(bb)) if bb else "n/a", fmt(med(cb)) if cb else "n/a", per(best, bb), per(c, cb),
            nvalid("linux", "file", job), nvalid("linux-polled", "file", job), nvalid("caprock-client", "file", job)))


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
        vals = [float(r[key]) for r in groups[(side, backend, job)]
                if r["valid"] == "yes" and r.get(key) not in (None, "n/a", "NA")]
        return vals

    def nvalid(side, backend, job):
        g = groups[(side, backend, job)]
        return "%d/%d" % (sum(r["valid"] == "yes" for r in g), len(g))

    out = []
    p = out.append
    p("")
    p("## Summary (valid runs only; medians over rounds; invalid runs listed above and excluded)")
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
    users_table(p, jobs, stat, nvalid)
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
    invalid = [r for r in runs if r["valid"] != "yes"]
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
    series = [(sd, b, t) for sd, b, t in (("linux", "file", "Linux (fio)"), ("caprock", "file", "Caprock"),
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
    r.add_argument("--side", choices=["caprock", "caprock-client", "linux", "linux-polled"], required=True)
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
