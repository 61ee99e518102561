#!/usr/bin/env python3
"""bench/volumes.py - the BlockDevice service's figures (issues 11 and 18), side by side in one run.

    bench/volumes.py                                   # every scenario, 3 rounds, 5 s per run: 64 boots (~19 min under TCG)
    bench/volumes.py --smp 2 --scenarios smp-four,smp-one,linux-four   # issue 18's three comparisons
    ROUNDS=1 RUNTIME=2 SCENARIOS=smp-one TAG=smoke bench/volumes.py     # a quick look

Scenarios (SCENARIOS= or --scenarios, comma list; default all), each a comparison
"A against B", ratio = median(A) / median(B):

  client-vs-provider  randread4k QD1 and QD32 on one file-backed volume, bench.path=client
                      (a client process through a BlockDevice session) against
                      bench.path=provider (the provider's own loop), -smp 1;
  qd1-hop             randread4k QD1 on one file-backed volume at -smp N: the client path at its best
                      (default, nvme.poll=always) against the provider path at its best (the
                      session hop's cost; issue 19 asks >= 0.95x);
  four-vs-one         randread4k QD32, client path, four file-backed volumes at once
                      (bench.devs=all, aggregate IOPS) against one, -smp 1;
  smp-four            four volumes on QEMU's null-co backend, client path, randread4k QD32:
                      -smp N against -smp 1 (issue 18: >= 1.5x);
  smp-one             one null-co volume, client path, randread4k QD32: -smp N against
                      -smp 1 (issue 18: >= 1.2x);
  smp-four-best,      the same two, each side at its best: the default polling or
  smp-one-best        nvme.poll=always (a provider that polls on its own CPU);
  overcommit          four null-co volumes, client path, randread4k QD32, at -smp 2x the host's
                      cores: a wait for the big lock that halts until kicked (the default,
                      smp.bkl_halt_us=25) against one that spins (smp.bkl_halt_us=0);
  linux-four          Caprock's four-volume aggregate (client path, null-co, -smp N) against
                      Linux's own NVMe driver with fio on the same -smp N and the same four
                      null-co NVMe controllers (one fio job per device, all at once), Linux
                      at its best: the better median of interrupt-driven with matched
                      batching and polled (nvme.poll_queues=N, --hipri, unbatched) (issue 18: >= 1.2x);
  memory              32 volumes in a 512 MiB guest: the kernel's `mem:` lines (one boot).

Method: one boot per run; every round runs each distinct configuration once, in
scenario order, reversed in even rounds (interleaved); min / median / max over
the valid rounds.  While a run is measured, the CPU time of every QEMU thread is
sampled from the host (/proc/<qemu>/task/*/stat, utime+stime, every 0.2 s; QEMU
names its vCPU threads "CPU 0/TCG", ... with -name debug-threads=on) and
reported per vCPU thread, for the measured window only (first and last sample
inside it).  A run is invalid (listed, excluded) on: no result line, an error,
`run: complete` not pass, a p999 above P999_LIMIT_MS, fio's max latency above
MAX_LIMIT_MS, timeout/abort/reset/error lines in the Linux log, a missing
fio job, or a timeout.

The Linux runs use the linux-guest anchor's kernel and initramfs
(ANCHOR_WORK/build, built by ../shared/anchors/linux-guest/run.sh) with this
script's own QEMU command line (the anchor's run.sh takes one device only):
bench/linux-multi-init is appended to the anchor's initramfs as a second cpio
archive and run with rdinit=.  The QEMU command line is the same for both
guests apart from -kernel, -initrd and -append (checked).

Under TCG (/dev/kvm here is kvm_pvm, on which Debian's Linux does not boot)
these figures compare guest CPU cost per I/O more than anything a device would
show; QEMU's main loop (the NVMe model) and the vCPU threads share the host's
cores with everything else.

Env (defaults in brackets): ROUNDS [3], RUNTIME [5] s measured after a 1 s ramp,
SMP [2] (or --smp: the CPU count of the multi-CPU side of smp-four, smp-one and
linux-four), SCENARIOS [all], KERNEL [build/kernel.elf], WORK [build/volumes],
ACCEL [tcg], ANCHOR_WORK [/tmp/linux-anchor], LINUX_MODES [irq,polled],
POLL_QUEUES [= SMP] (nvme.poll_queues of the polled Linux runs),
NULL_DRIVE [driver=null-co,size=1G,read-zeroes=on], P999_LIMIT_MS [100],
MAX_LIMIT_MS [1000], OUT [bench/results/<UTC date>-volumes[-TAG].txt], TAG, LABEL.
A results file is never overwritten.
"""
import argparse
import datetime
import hashlib
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import compare  # noqa: E402  (Boot: timestamped serial lines and QEMU thread sampling; busy_cores)

GIB = 1 << 30
RAMP = 1
ALL_SCENARIOS = ["client-vs-provider", "qd1-hop", "four-vs-one", "smp-four", "smp-one", "smp-four-best", "smp-one-best",
                 "overcommit", "linux-four", "memory"]
GOALS = {"smp-four": 1.5, "smp-one": 1.2, "smp-four-best": 1.5, "smp-one-best": 1.2, "linux-four": 1.2}   # issue 18
SMP_SCENARIOS = ("smp-four", "smp-one", "smp-four-best", "smp-one-best")


def env(name, default):
    return os.environ.get(name, default)


# --------------------------------------------------------------- configurations
# A configuration: (guest, path, qd, nvols, smp, backend, mode)
#   guest caprock: path client|provider, mode "-";  guest linux: path "fio", mode irq|polled
def host_idle():
    """The host's idle policy: when the host is itself a guest, whether its CPUs poll before halting
    moves every device latency here (QEMU's main loop wakes from the host's idle)."""
    rd = lambda p: open(p).read().strip() if os.path.exists(p) else None
    drv = rd("/sys/devices/system/cpu/cpuidle/current_driver") or "none"
    poll = rd("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
    return "host cpuidle=%s%s" % (drv, "" if poll is None else " guest_halt_poll_ns=" + poll)


def overcommit_smp():
    """More vCPUs than the host has cores: the host deschedules vCPUs that hold the big lock."""
    return 2 * (os.cpu_count() or 1)


def cfg_name(c):
    guest, path, qd, nvols, smp, backend, mode = c
    s = "%s %s qd%d vols=%d smp=%d %s" % (guest, path, qd, nvols, smp, "null-co" if backend == "null" else "file")
    return s + (" " + mode if guest == "linux" or mode != "-" else "")	# Caprock's: nvme.poll=, when set


def cfg_key(c):
    return cfg_name(c).replace(" ", "_").replace("=", "")


def scenarios(names, smp, linux_modes):
    """[(name, [A configs], [B configs], goal or None)]; several configs on a side = that side at its
    best (the one with the higher median)."""
    cap = lambda path, qd, n, s, b, poll="-": ("caprock", path, qd, n, s, b, poll)
    out = []
    for n in names:
        if n == "client-vs-provider":
            for qd in (1, 32):
                out.append(("client-vs-provider qd%d" % qd, [cap("client", qd, 1, 1, "file")],
                            [cap("provider", qd, 1, 1, "file")], None))
        elif n == "qd1-hop":
            out.append(("qd1-hop: randread4k qd1, one file volume, -smp %d: the client path at its best vs the provider path" % smp,
                        [cap("client", 1, 1, smp, "file"), cap("client", 1, 1, smp, "file", "poll=always")],
                        [cap("provider", 1, 1, smp, "file"), cap("provider", 1, 1, smp, "file", "poll=always")], None))
        elif n == "four-vs-one":
            out.append(("four-vs-one qd32 (client path, aggregate, file)", [cap("client", 32, 4, 1, "file")],
                        [cap("client", 32, 1, 1, "file")], None))
        elif n == "smp-four":
            out.append(("smp-four: four null-co volumes, client path, qd32, -smp %d vs -smp 1" % smp,
                        [cap("client", 32, 4, smp, "null")], [cap("client", 32, 4, 1, "null")], GOALS[n]))
        elif n in ("smp-four-best", "smp-one-best"):
            v = 4 if n == "smp-four-best" else 1
            both = lambda s: [cap("client", 32, v, s, "null"), cap("client", 32, v, s, "null", "poll=always")]
            out.append(("%s: %s null-co volume%s, client path, qd32, each side at its best (nvme.poll= default "
                        "or always), -smp %d vs -smp 1" % (n, "four" if v == 4 else "one", "s" if v == 4 else "",
                                                           smp), both(smp), both(1), GOALS[n]))
        elif n == "smp-one":
            out.append(("smp-one: one null-co volume, client path, qd32, -smp %d vs -smp 1" % smp,
                        [cap("client", 32, 1, smp, "null")], [cap("client", 32, 1, 1, "null")], GOALS[n]))
        elif n == "linux-four":
            out.append(("linux-four: four null-co volumes, qd32 each, -smp %d: Caprock client path vs Linux at its best" % smp,
                        [cap("client", 32, 4, smp, "null")],
                        [("linux", "fio", 32, 4, smp, "null", m) for m in linux_modes], GOALS[n]))
        elif n == "overcommit":
            v = overcommit_smp()
            out.append(("overcommit: four null-co volumes, client path, qd32, -smp %d (twice the host's cores): "
                        "waits for the big lock that halt until kicked (default) vs that spin (smp.bkl_halt_us=0)" % v,
                        [cap("client", 32, 4, v, "null")], [cap("client", 32, 4, v, "null", "smp.bkl_halt_us=0")], None))
        elif n != "memory":
            raise SystemExit("volumes.py: unknown scenario %r (known: %s)" % (n, ",".join(ALL_SCENARIOS)))
    return out


# --------------------------------------------------------------- disks and QEMU
class Bench:
    def __init__(self, a):
        self.a = a
        self.work = a.work
        os.makedirs(self.work, exist_ok=True)
        self.seq = 0

    def sh(self, *args, **kw):
        return subprocess.run(args, check=True, **kw)

    def pristine(self):
        path = os.path.join(self.work, "pristine.img")
        if not os.path.exists(path) or os.path.getsize(path) != GIB:
            self.sh(sys.executable, os.path.join(TREE, "tools", "mkdisk.py"), path, "--size", str(GIB), "--tag", "VOLBENCH")
        return path

    def file_disks(self, n):
        """n disk images, each an O_DIRECT copy of the pristine one (as the anchor writes its own).
        The jobs only read, so a copy made once stays valid; its size is checked each time."""
        src, out = self.pristine(), []
        for i in range(n):
            dst = os.path.join(self.work, "vol%d.img" % i)
            if not os.path.exists(dst) or os.path.getsize(dst) != GIB:
                self.sh("dd", "if=" + src, "of=" + dst, "bs=4M", "iflag=direct", "oflag=direct", "status=none")
            out.append(dst)
        return out

    def machine(self, smp, memory_mb=1024):
        args = ["qemu-system-x86_64", "-M", "q35", "-accel", self.a.accel]
        if self.a.accel == "tcg":
            args += ["-cpu", "max"]
        return args + ["-smp", str(smp), "-m", str(memory_mb), "-nographic", "-no-reboot", "-nic", "none"]

    def devices(self, backend, n, disks=None):
        """The -drive/-device arguments of n NVMe controllers, the same for either guest."""
        if backend == "file":
            disks = disks or self.file_disks(n)
        args = []
        for i in range(n):
            slot, fn = 0x10 + i // 8, i % 8
            drive = ("%s,if=none,id=v%d" % (self.a.null_drive, i) if backend == "null" else
                     "file=%s,if=none,id=v%d,format=raw,cache=none,aio=native" % (disks[i], i))
            args += ["-drive", drive,
                     "-device", "nvme,serial=vol%02d,drive=v%d,addr=0x%x.%d%s" % (
                         i, i, slot, fn, ",multifunction=on" if fn == 0 and n > 1 else "")]
        return args + ["-name", "volumes,debug-threads=on"]

    def caprock_cmd(self, c):
        guest, path, qd, nvols, smp, backend, mode = c
        devs = " bench.devs=all" if nvols > 1 else ""
        if mode != "-":
            devs += " " + mode if mode.startswith("smp.") else " nvme." + mode	# poll=always; smp.bkl_halt_us=0
        cmdline = ("mode=bench bench.job=randread4k bench.qd=%d bench.seconds=%d bench.path=%s%s run.timeout_s=%d"
                   % (qd, self.a.runtime, path, devs, self.a.runtime + 120))
        return self.machine(smp) + ["-kernel", self.a.kernel, "-append", cmdline] + self.devices(backend, nvols)

    def linux_cmd(self, c):
        guest, path, qd, nvols, smp, backend, mode = c
        fx = ""
        append = ("console=ttyS0 quiet loglevel=5 panic=-1 rdinit=/bench-multi-init bm.devs=%d bm.job=randread4k_qd%d "
                  "bm.runtime=%d bm.ramp=%d bm.engine=io_uring" % (nvols, qd, self.a.runtime, RAMP))
        if mode == "polled":
            fx = "--hipri"			# fio's batching options break polling: unbatched
            append += " nvme.poll_queues=%d" % self.a.poll_queues
        elif qd > 1:			# matched batching (Caprock rings one doorbell per reaped batch)
            fx = "--iodepth_batch_submit=%d --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=%d" % (qd, qd)
        if fx:
            append += " bm.fioextra=" + fx.replace(" ", ":")
        return (self.machine(smp) + ["-kernel", os.path.join(self.a.anchor_work, "build", "vmlinuz"),
                                      "-initrd", self.linux_initrd(), "-append", append]
                + self.devices(backend, nvols)), fx

    def linux_initrd(self):
        """The anchor's initramfs with bench/linux-multi-init appended as /bench-multi-init (a second
        cpio archive: the kernel unpacks concatenated archives).  Cached; rebuilt when either changes."""
        base = os.path.join(self.a.anchor_work, "build", "initramfs.cpio")
        if not os.path.exists(base):
            raise SystemExit("volumes.py: %s missing: build the anchor first (../shared/anchors/linux-guest/run.sh "
                             "MODE=info, or set ANCHOR_WORK=)" % base)
        with open(os.path.join(HERE, "linux-multi-init"), "rb") as f:
            init = f.read()
        st = os.stat(base)
        key = hashlib.sha256(init + ("%s:%d:%d" % (base, st.st_size, st.st_mtime_ns)).encode()).hexdigest()[:16]
        out = os.path.join(self.work, "initramfs-multi-%s.cpio" % key)
        if not os.path.exists(out):
            with open(out + ".tmp", "wb") as o, open(base, "rb") as b:
                while True:
                    chunk = b.read(1 << 20)
                    if not chunk:
                        break
                    o.write(chunk)
                o.write(b"\0" * (-o.tell() % 512))
                o.write(newc_archive([("bench-multi-init", 0o100755, init)]))
            os.rename(out + ".tmp", out)
            for old in os.listdir(self.work):	# an older script's or anchor's copy (85 MiB each)
                if old.startswith("initramfs-multi-") and old.endswith(".cpio") and old != os.path.basename(out):
                    os.unlink(os.path.join(self.work, old))
        return out

    # ----------------------------------------------------------- one boot
    def run(self, c, rnd):
        self.seq += 1
        guest = c[0]
        base = os.path.join(self.work, "runs", "r%d-%02d-%s" % (rnd, self.seq, cfg_key(c)))
        os.makedirs(os.path.dirname(base), exist_ok=True)
        fx = None
        if guest == "caprock":
            cmd = self.caprock_cmd(c)
        else:
            cmd, fx = self.linux_cmd(c)
        b = compare.Boot(cmd, "", 600 + 4 * (self.a.runtime + RAMP), base + ".serial.log", base + ".stderr.log")
        b.run()
        lines = [l for _, l in b.stdout_lines]
        rec = parse_caprock(lines, c[2]) if guest == "caprock" else parse_linux(lines, c[3], fx)
        if b.timed_out:
            rec["reasons"].append("timeout")
        if b.rc != 0 and not b.timed_out and guest == "caprock":
            rec["reasons"].append("qemu-rc-%d" % b.rc)
        for k, lim in (("lat_us_p999", self.a.p999_limit_ms), ("lat_us_max", self.a.max_limit_ms)):
            v = rec.get(k)
            if v is not None and v > lim * 1000:
                rec["reasons"].append("%s>%dms" % (k[7:], lim))
        # the window measured: Caprock's result line ends it (runtime s after the ramp); fio's terse
        # lines come once fio has exited, its window starts a ramp after fio-start
        t = {}
        for tt, l in b.stdout_lines:
            for tag in ("bench: job=", "BM: fio-start", "BM-STAT-AFTER:"):
                if l.startswith(tag) and tag not in t:
                    t[tag] = tt
        win = None
        if guest == "caprock" and "bench: job=" in t:
            win = (t["bench: job="] - self.a.runtime + 0.2, t["bench: job="] - 0.2)
        elif guest == "linux" and "BM: fio-start" in t and "BM-STAT-AFTER:" in t:
            win = (t["BM: fio-start"] + RAMP + 0.8, t["BM-STAT-AFTER:"] - 0.3)
        th = b.threads_between(*win) if win else None
        if th:
            rec["threads"] = thread_split(th, b.qpid)
        rec["argv"] = compare.norm_argv(cmd)
        rec["serial_log"] = base + ".serial.log"
        rec["boot_wall_s"] = b.t1 - b.t0
        rec["concurrent_qemu"] = b.concurrent_qemu
        return rec

    def memory(self):
        disks = []
        for i in range(32):
            p = os.path.join(self.work, "small%02d.img" % i)
            self.sh(sys.executable, os.path.join(TREE, "tools", "mkdisk.py"), p, "--size", str(8 << 20), "--tag",
                    "MEM%02d" % i, stdout=subprocess.DEVNULL)
            disks.append(p)
        cmd = self.machine(1, 512) + ["-kernel", self.a.kernel, "-append", "nvme.read=0:8"] + self.devices("file", 32, disks)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        return [l for l in r.stdout.decode("utf-8", "replace").replace("\r", "").splitlines() if l.startswith("mem: ")]


# --------------------------------------------------------------- parsing (host-tested: tests/bench)
def newc_archive(files):
    """A cpio "newc" archive of regular files [(name, mode, data)] with its trailer."""
    out = bytearray()

    def entry(ino, name, mode, data):
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0))
        out.extend(hdr.encode() + nm)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))
    for i, (name, mode, data) in enumerate(files):
        entry(0x7000 + i, name, mode, data)
    entry(0, "TRAILER!!!", 0, b"")
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def num(v):
    try:
        return float(v.rstrip("%") if isinstance(v, str) else v)	# fio's terse CPU fields end in %
    except (TypeError, ValueError):
        return None


def sum_parts(parts, rec):
    """The clients of bench.clients=per-device, one device each -> one result, as fio's group reporting:
    IOPS and errors added, latency of the slowest device, CPU busy as the clients saw it (the mean)."""
    want = int(parts[0]["part"].split("/")[1])
    if len(parts) != want:
        rec["reasons"].append("parts-%d-of-%d" % (len(parts), want))
    res = dict(parts[0])
    for k in ("iops", "ios", "errors"):
        res[k] = str(sum(int(p.get(k, "0")) for p in parts))
    for k in ("lat_us_p50", "lat_us_p99", "lat_us_p999"):
        res[k] = str(max(int(p.get(k, "0")) for p in parts))
    res["cpu_busy_pct"] = str(round(sum(int(p.get("cpu_busy_pct", "0")) for p in parts) / len(parts)))
    res["devs"] = str(len(parts))
    for p in parts:
        rec["devices"][p.get("dev", "?")] = int(p.get("iops", 0))
    return res


def parse_caprock(lines, qd):
    """One Caprock boot's serial lines -> a record (iops, latency, CPU, per-device IOPS, reasons)."""
    rec = {"reasons": [], "devices": {}}
    res = None
    parts = []
    for l in lines:
        if l.startswith("bench: job=") and " part=" in l:
            parts.append(compare.kv(l))	# bench.clients=per-device: one line per client, added up below
            rec["raw"] = l
        elif l.startswith("bench: job=") and res is None:
            res = compare.kv(l)
            rec["raw"] = l
        elif l.startswith("bench: device "):
            d = compare.kv(l)
            rec["devices"][d.get("dev", "?")] = int(d.get("iops", 0))
        elif "bench: error" in l:
            rec["reasons"].append("bench-error")
            rec.setdefault("evidence", []).append(l)
        elif l.startswith("cpu: online "):
            rec["cpus_online"] = int(compare.kv(l).get("count", 0))
        elif l.startswith("provider: session done "):
            rec.setdefault("residences", []).append(num(compare.kv(l).get("residence_us_avg")))
        elif l.startswith("nvme: device time "):
            rec.setdefault("device_times", []).append(num(compare.kv(l).get("device_us_avg")))
        elif l.startswith("run: complete"):
            rec["run_complete"] = l
            if "status=pass" not in l:
                rec["reasons"].append("run-status-fail")
    if parts:
        res = sum_parts(parts, rec)
    if res is None:
        rec["reasons"].append("no-bench-line")
        return rec
    if "run_complete" not in rec:
        rec["reasons"].append("no-run-complete")
    if int(res.get("errors", "0")):
        rec["reasons"].append("io-errors")
    if int(res.get("qd", qd)) != qd:
        rec["reasons"].append("qd-clamped-to-%s" % res.get("qd"))
    rec["iops"] = int(res["iops"])
    for k in ("lat_us_p50", "lat_us_p99", "lat_us_p999"):
        rec[k] = num(res.get(k))
    rec["cpu_busy_pct"] = num(res.get("cpu_busy_pct"))
    # Where an I/O's time goes (one volume): means from three places, which subtract.
    mean = lambda xs: sum(xs) / len(xs) if xs and None not in xs else None
    rec["lat_us_avg"] = num(res.get("lat_us_avg")) if not parts else None
    rec["residence_us_avg"] = mean(rec.pop("residences", []))
    rec["device_us_avg"] = mean(rec.pop("device_times", []))
    rec["cpus"] = int(res.get("cpus", "1"))
    rec["busy_cores"] = num(compare.busy_cores(res))
    rec["nvols"] = int(res.get("devs", "1"))
    return rec


def parse_terse(line):
    """fio's terse v3 line -> dict (the fields the anchor's /init reads: read block, else write block)."""
    f = line.split(";")
    if len(f) < 90 or f[0] != "3":
        return None
    blk = 5 if int(f[5] or 0) > 0 else 46
    pct = {}
    for x in f[blk + 12:blk + 32]:
        if "=" in x:
            k, v = x.split("=", 1)
            pct[k] = num(v)
    return {"name": f[2], "error": int(f[4] or 0), "kb": int(f[blk]), "iops": int(f[blk + 2]),
            "runtime_ms": int(f[blk + 3]), "lat_us_p50": pct.get("50.000000%"), "lat_us_p99": pct.get("99.000000%"),
            "lat_us_p999": pct.get("99.900000%"), "lat_us_max": num(f[blk + 33]),
            "cpu_usr_pct": num(f[87]), "cpu_sys_pct": num(f[88])}


def proc_stat_busy(before, after):
    """Busy CPU-seconds per second between two 'cpu ...' lines of /proc/stat (uptime= appended)."""
    def parse(l):
        v = [int(x) for x in l.split()[1:] if x.isdigit()]
        up = float(re.search(r"uptime=(\S+)", l).group(1))
        return sum(v[:8]), v[3] + v[4], up
    t0, i0, u0 = parse(before)
    t1, i1, u1 = parse(after)
    hz = 100.0  # USER_HZ of the guest's /proc/stat
    return ((t1 - t0) - (i1 - i0)) / hz / (u1 - u0) if u1 > u0 else None


LINUX_BAD = compare.LINUX_BAD


def parse_linux(lines, ndev, fio_extra):
    """One Linux boot (bench/linux-multi-init) -> a record: aggregate IOPS, per-device, latency of the
    slowest device, fio's usr+sys summed over its jobs, the guest's /proc/stat busy, interrupts."""
    rec = {"reasons": [], "devices": {}}
    terse, stat, irq = [], {}, {}
    seen_extra = None
    for l in lines:
        if l.startswith("BM-TERSE: "):
            t = parse_terse(l[10:])
            if t:
                terse.append(t)
        elif l.startswith("BM-STAT-"):
            stat[l.split(":", 1)[0][8:]] = l.split(":", 1)[1]
        elif l.startswith("BM-IRQ-"):
            m = re.match(r"BM-IRQ-(\w+): (\d+) uptime=(\S+)", l)
            if m:
                irq[m.group(1)] = (int(m.group(2)), float(m.group(3)))
        elif l.startswith("BM: fio-start"):
            seen_extra = l.split(" extra=", 1)[1].split(" job=")[0].strip() if " extra=" in l else ""
            rec["fio"] = l.split()[2]
        elif l.startswith("BM: ready"):
            rec["cpus_online"] = int(compare.kv(l).get("cpus", 0))
            rec["poll_queues"] = compare.kv(l).get("poll_queues")
        elif l.startswith("BM: error") or l.startswith("BM-FIOERR: "):
            rec["reasons"].append("fio-or-init-error")
            rec.setdefault("evidence", []).append(l)
        elif l.startswith("BM-DMESG-NEW: ") and LINUX_BAD.search(l):
            rec["reasons"].append("linux-log-timeout/abort/reset/error")
            rec.setdefault("evidence", []).append(l)
        elif l.startswith("BM: done"):
            rec["done"] = l
    if "done" not in rec:
        rec["reasons"].append("no-done")
    if seen_extra is None:
        rec["reasons"].append("fio-not-started")
    elif seen_extra != (fio_extra or "").strip():
        rec["reasons"].append("fio-options-mismatch")
    if len(terse) != ndev:
        rec["reasons"].append("fio-jobs-%d-of-%d" % (len(terse), ndev))
    if not terse:
        return rec
    if any(t["error"] for t in terse):
        rec["reasons"].append("fio-err")
    rec["iops"] = sum(t["iops"] for t in terse)
    for t in terse:
        rec["devices"][t["name"]] = t["iops"]
    for k in ("lat_us_p50", "lat_us_p99", "lat_us_p999", "lat_us_max"):
        vals = [t[k] for t in terse if t[k] is not None]
        rec[k] = max(vals) if vals else None		# the slowest device's
    try:
        rec["busy_cores_fio"] = sum(t["cpu_usr_pct"] + t["cpu_sys_pct"] for t in terse) / 100.0
    except TypeError:
        rec["busy_cores_fio"] = None
    rec["busy_cores"] = rec["busy_cores_fio"]
    if "BEFORE" in stat and "AFTER" in stat:
        rec["busy_cores_guest"] = proc_stat_busy(stat["BEFORE"], stat["AFTER"])
    if "BEFORE" in irq and "AFTER" in irq and irq["AFTER"][1] > irq["BEFORE"][1] and rec["iops"]:
        rate = (irq["AFTER"][0] - irq["BEFORE"][0]) / (irq["AFTER"][1] - irq["BEFORE"][1])
        rec["irq_per_io"] = rate / rec["iops"]
    return rec


def thread_split(th, qpid):
    """compare.Boot.threads_between -> {"vcpu": {"CPU 0/TCG": pct, ...}, "main": pct, "other": pct, ...}"""
    vc = {}
    for _, comm, p in th["threads"]:
        if comm.startswith("CPU "):
            vc[comm] = vc.get(comm, 0.0) + p
    return {"vcpu": vc, "main": sum(p for tid, _, p in th["threads"] if tid == qpid),
            "other": sum(p for tid, c, p in th["threads"] if tid != qpid and not c.startswith("CPU ")),
            "host_other_cores": th["host_other_cores"], "steal": th["host_steal_cores"], "window_s": th["window_s"]}


# --------------------------------------------------------------- summary
def med(xs):
    return statistics.median(xs) if xs else None


def mmm(xs, nd=0):
    if not xs:
        return "no valid run"
    f = "%%.%df" % nd
    return "median=%s min=%s max=%s runs=%d" % (f % med(xs), f % min(xs), f % max(xs), len(xs))


def fmt(x, nd=0):
    return "n/a" if x is None else ("%%.%df" % nd) % x


def summarize(got, scen):
    """got: {config: [record, ...]} -> summary lines."""
    def vals(c, key):
        return [r[key] for r in got.get(c, []) if not r["reasons"] and r.get(key) is not None]

    def best(cs):
        cand = [(med(vals(c, "iops")), c) for c in cs if vals(c, "iops")]
        return max(cand)[1] if cand else None
    out = []
    for name, A, B, goal in scen:
        ba, bb = best(A), best(B)
        out.append(name)
        for side, cs, bc in (("A", A, ba), ("B", B, bb)):
            for c in cs:
                out.append("  %s %-44s iops %s%s" % (side, cfg_name(c), mmm(vals(c, "iops")),
                                                    "  <- best" if len(cs) > 1 and c == bc else ""))
        ma = med(vals(ba, "iops")) if ba else None
        mb = med(vals(bb, "iops")) if bb else None
        r = ma / mb if ma and mb else None
        out.append("  ratio of medians A/B %s%s" % (fmt(r, 3), "" if goal is None else "  (issue 18 goal >= %.1f: %s)" % (
            goal, "n/a" if r is None else ("met" if r >= goal else "not met"))))
        out.append("")
    # per configuration: latency, CPU, threads
    cfgs = []
    for _, A, B, _ in scen:
        for c in A + B:
            if c not in cfgs:
                cfgs.append(c)
    out.append("Per configuration (medians over valid runs): latency of the slowest device, guest CPU, QEMU threads.")
    out.append("busy = guest CPU-seconds per second: Caprock's idle-loop accounting (cpu_busy_pct x cpus / 100),")
    out.append("Linux: fio's usr+sys summed over its jobs (and, in brackets, the guest's whole /proc/stat busy over")
    out.append("fio's run, ramp and start-up included).  vCPU threads: host CPU % of each QEMU vCPU thread in the")
    out.append("measured window (100 = one host core); main = QEMU's main loop (the NVMe model); other = the rest.")
    out.append("")
    out.append("| configuration | IOPS median | p50 / p99 µs | guest CPUs online | busy cores | IOPS per busy CPU-s | vCPU threads % | main % | other % | host other cores | valid |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cfgs:
        rs = [r for r in got.get(c, []) if not r["reasons"]]
        v = vals(c, "iops")
        bc = vals(c, "busy_cores")
        per = [r["iops"] / r["busy_cores"] for r in rs if r.get("busy_cores")]
        th = [r["threads"] for r in rs if r.get("threads")]
        names = sorted({n for t in th for n in t["vcpu"]}, key=lambda n: int(re.sub(r"\D", "", n) or 0))
        vct = ", ".join("%s %s" % (n.replace("/TCG", ""), fmt(med([t["vcpu"].get(n, 0.0) for t in th])))
                        for n in names) or "n/a"
        gb = vals(c, "busy_cores_guest")
        out.append("| %s | %s | %s / %s | %s | %s%s | %s | %s | %s | %s | %s | %d/%d |" % (
            cfg_name(c), fmt(med(v)), fmt(med(vals(c, "lat_us_p50"))), fmt(med(vals(c, "lat_us_p99"))),
            fmt(med(vals(c, "cpus_online"))), fmt(med(bc), 2), " (%s)" % fmt(med(gb), 2) if gb else "",
            fmt(med(per)), vct, fmt(med([t["main"] for t in th])), fmt(med([t["other"] for t in th])),
            fmt(med([t["host_other_cores"] for t in th]), 2), len(rs), len(got.get(c, []))))
    irq = [(c, vals(c, "irq_per_io")) for c in cfgs if c[0] == "linux"]
    if any(v for _, v in irq):
        out.append("")
        out.append("Linux interrupts per I/O (guest /proc/interrupts, nvme vectors, rate over fio's run / IOPS): " +
                   "; ".join("%s %s" % (c[6], fmt(med(v), 3)) for c, v in irq))
    hop = [c for c in cfgs if c[0] == "caprock" and c[3] == 1 and vals(c, "lat_us_avg") and vals(c, "device_us_avg")]
    if hop:
        out.append("")
        out.append("Where an I/O's time goes, one volume (means in µs, medians over valid runs): the whole wait as the")
        out.append("benchmark saw it (lat_us_avg); the device, from the manager's doorbell to the completion taken")
        out.append("(nvme: device time); the provider, from taking the request to posting its ack, less the device")
        out.append("(residence_us_avg - device); the session hop, the rest (client path: lat_us_avg - residence;")
        out.append("provider path: its own loop, lat_us_avg - device).  The means include the ramp second.")
        out.append("")
        out.append("| configuration | whole wait | device | provider | session hop |")
        out.append("|---|---|---|---|---|")
        for c in hop:
            rs = [r for r in got.get(c, []) if not r["reasons"] and r.get("lat_us_avg") and r.get("device_us_avg")]
            dev = med([r["device_us_avg"] for r in rs])
            if c[1] == "client" and all(r.get("residence_us_avg") for r in rs):
                prov = med([r["residence_us_avg"] - r["device_us_avg"] for r in rs])
                rest = med([r["lat_us_avg"] - r["residence_us_avg"] for r in rs])
            else:
                prov, rest = med([r["lat_us_avg"] - r["device_us_avg"] for r in rs]), None
            out.append("| %s | %s | %s | %s | %s |" % (cfg_name(c), fmt(med([r["lat_us_avg"] for r in rs])), fmt(dev),
                                                     fmt(prov), fmt(rest) if rest is not None else "none"))
    return out


# --------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smp", type=int, default=int(env("SMP", "2")))
    ap.add_argument("--scenarios", default=env("SCENARIOS", ",".join(ALL_SCENARIOS)))
    ap.add_argument("--rounds", type=int, default=int(env("ROUNDS", "3")))
    ap.add_argument("--runtime", type=int, default=int(env("RUNTIME", "5")))
    ap.add_argument("--kernel", default=env("KERNEL", os.path.join(TREE, "build", "kernel.elf")))
    ap.add_argument("--work", default=env("WORK", os.path.join(TREE, "build", "volumes")))
    ap.add_argument("--accel", default=env("ACCEL", "tcg"))
    ap.add_argument("--anchor-work", default=env("ANCHOR_WORK", "/tmp/linux-anchor"))
    ap.add_argument("--linux-modes", default=env("LINUX_MODES", "irq,polled"))
    ap.add_argument("--poll-queues", type=int, default=int(env("POLL_QUEUES", "0")))
    ap.add_argument("--null-drive", default=env("NULL_DRIVE", "driver=null-co,size=1G,read-zeroes=on"))
    ap.add_argument("--p999-limit-ms", type=float, default=float(env("P999_LIMIT_MS", "100")))
    ap.add_argument("--max-limit-ms", type=float, default=float(env("MAX_LIMIT_MS", "1000")))
    ap.add_argument("--tag", default=env("TAG", ""))
    ap.add_argument("--label", default=env("LABEL", ""))
    ap.add_argument("--out", default=env("OUT", ""))
    a = ap.parse_args(argv)
    a.poll_queues = a.poll_queues or a.smp
    date = datetime.datetime.now(datetime.timezone.utc)
    a.out = a.out or os.path.join(TREE, "bench", "results", "%s-volumes%s.txt" % (
        date.strftime("%Y-%m-%d"), "-" + a.tag if a.tag else ""))
    names = [s for s in a.scenarios.split(",") if s]
    modes = [m for m in a.linux_modes.split(",") if m]
    if any(m not in ("irq", "polled") for m in modes) or not modes:
        raise SystemExit("volumes.py: LINUX_MODES must be a comma list of irq, polled")
    if a.smp < 2 and any(n in SMP_SCENARIOS for n in names):
        raise SystemExit("volumes.py: --smp must be >= 2 for the smp scenarios")
    if a.rounds < 1 or a.runtime < 2:
        raise SystemExit("volumes.py: ROUNDS >= 1 and RUNTIME >= 2 (the threads' window needs a second)")
    if os.path.exists(a.out):
        raise SystemExit("volumes.py: %s exists; set TAG= or OUT= (results are never overwritten)" % a.out)
    subprocess.run([os.path.join(TREE, "tools", "qemu-version.sh")], check=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    if a.kernel == os.path.join(TREE, "build", "kernel.elf"):
        subprocess.run(["make", "-C", TREE, "-j2", "-s"], check=True)
    bench = Bench(a)
    scen = scenarios(names, a.smp, modes)

    def git(*args):
        return subprocess.run(["git", "-C", TREE] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode().strip() or "unknown"
    qemu_v = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE).stdout.decode().split("\n")[0]
    head = ["# bench/volumes.py  %s UTC" % date.strftime("%Y-%m-%d %H:%M"),
            "# tree %s (branch %s)  kernel %s sha256 %s" % (
                git("describe", "--always", "--dirty", "--tags"), git("rev-parse", "--abbrev-ref", "HEAD"), a.kernel,
                hashlib.sha256(open(a.kernel, "rb").read()).hexdigest()[:16]),
            "# qemu %s  accel=%s  host %s, %d CPUs, load %s, %s" % (
                qemu_v, a.accel, platform.platform(), os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3]),
                host_idle()),
            "# rounds=%d runtime=%ds (after a %d s ramp) smp=%d scenarios=%s; randread4k; file volumes: 1 GiB raw images, "
            "cache=none,aio=native; null-co volumes: -drive %s,if=none,id=vN" % (
                a.rounds, a.runtime, RAMP, a.smp, ",".join(names), a.null_drive),
            "# interleaved: each round runs every configuration once, in scenario order, reversed in even rounds; "
            "one boot per run; min/median/max over valid rounds"]
    if any(n == "linux-four" for n in names):
        head.append("# linux: %s + %s with bench/linux-multi-init appended (rdinit=/bench-multi-init), guest kernel %s; "
                    "fio io_uring, one job per device; irq = matched batching at QD > 1; polled = nvme.poll_queues=%d, "
                    "--hipri, unbatched; modes %s" % (
                        os.path.join(a.anchor_work, "build", "vmlinuz"), os.path.join(a.anchor_work, "build", "initramfs.cpio"),
                        open(os.path.join(a.anchor_work, "build", "kver")).read().strip()
                        if os.path.exists(os.path.join(a.anchor_work, "build", "kver")) else "?", a.poll_queues, ",".join(modes)))
    head.append("# under TCG: mostly guest CPU cost per I/O; QEMU's NVMe model (main loop) shares the 2 host cores with the vCPUs")
    if a.label:
        head.append("# label: " + a.label)
    if a.rounds < 3:
        head.append("# WARNING: rounds=%d < 3: a smoke run, not a result" % a.rounds)
    head.append("")
    with open(a.out, "x") as f:
        f.write("\n".join(head) + "\n")

    def emit(line):
        print(line, flush=True)
        with open(a.out, "a") as f:
            f.write(line + "\n")
    for l in head:
        print(l)
    cfgs = []
    for _, A, B, _ in scen:
        for c in A + B:
            if c not in cfgs:
                cfgs.append(c)
    got = {}
    argv_ref = {}
    for rnd in range(1, a.rounds + 1):
        order = cfgs if rnd % 2 else list(reversed(cfgs))
        for c in order:
            rec = bench.run(c, rnd)
            # the same QEMU command line for both guests (apart from -kernel/-initrd/-append) at a given
            # smp, backend and volume count
            k = (c[3], c[4], c[5])
            argv_ref.setdefault(k, rec["argv"])
            if rec["argv"] != argv_ref[k]:
                rec["reasons"].append("qemu-cmdline-differs")
            got.setdefault(c, []).append(rec)
            th = rec.get("threads")
            emit("run: round=%d config=%s iops=%s p50=%s p99=%s p999=%s busy_cores=%s%s cpus_online=%s devices=%s "
                 "vcpu_threads=%s main=%s other=%s host_other_cores=%s boot_wall_s=%.1f concurrent_qemu=%d valid=%s reasons=%s log=%s" % (
                     rnd, cfg_key(c), rec.get("iops"), fmt(rec.get("lat_us_p50")), fmt(rec.get("lat_us_p99")),
                     fmt(rec.get("lat_us_p999")), fmt(rec.get("busy_cores"), 3),
                     (" busy_cores_guest=%s" % fmt(rec.get("busy_cores_guest"), 3)) if c[0] == "linux" else "",
                     rec.get("cpus_online"), ",".join("%s:%d" % kv for kv in sorted(rec["devices"].items())) or "-",
                     ",".join("%s:%.0f" % (n.replace(" ", "").replace("/TCG", ""), p) for n, p in sorted(th["vcpu"].items())) if th else "n/a",
                     fmt(th["main"]) if th else "n/a", fmt(th["other"]) if th else "n/a",
                     fmt(th["host_other_cores"], 2) if th else "n/a", rec["boot_wall_s"], rec["concurrent_qemu"],
                     "no" if rec["reasons"] else "yes", ",".join(rec["reasons"]) or "none", rec["serial_log"]))
            if rec.get("raw"):
                emit("raw: " + rec["raw"])
            for e in rec.get("evidence", [])[:5]:
                emit("evidence: " + e)
    emit("")
    emit("finished %s UTC, host load %s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                                            " ".join(open("/proc/loadavg").read().split()[:3])))
    emit("")
    for l in summarize(got, scen):
        emit(l)
    if "memory" in names:
        emit("")
        emit("memory, 32 volumes in a 512 MiB guest (one boot, nvme.read=0:8 on each):")
        for l in bench.memory() or ["no mem: lines"]:
            emit("  " + l)
    inval = [(c, i + 1, r) for c, rs in got.items() for i, r in enumerate(rs) if r["reasons"]]
    emit("")
    emit("runs %d, invalid %d (excluded from every figure)" % (sum(len(v) for v in got.values()), len(inval)))
    for c, rnd, r in inval:
        emit("  invalid: %s round %d: %s" % (cfg_name(c), rnd, ",".join(r["reasons"])))
    print("written: " + os.path.relpath(a.out, TREE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
