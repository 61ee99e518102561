#!/usr/bin/env python3
"""bench/volumes.py - the BlockDevice service's figures (issue 11), side by side in one run.

    bench/volumes.py                     # 3 rounds, 5 s per run (~10 min under TCG)
    ROUNDS=1 RUNTIME=2 bench/volumes.py  # a quick look

Three comparisons, each interleaved round by round (one boot per run, the
sides alternating first), min / median / max of the rounds:

  * client path vs in-provider: randread4k at QD1 and QD32 on one volume,
    bench.path=client (a client process through a BlockDevice session)
    against bench.path=provider (the provider's own loop, no session);
  * four volumes vs one: randread4k QD32 through the client path across four
    controllers at once (bench.devs=all), aggregate IOPS, against one;
  * memory: 32 volumes in a 512 MiB guest, the kernel's `mem:` lines (what
    binding, a provider and a client cost per volume, and what came back).

Every volume is a 1 GiB raw image with cache=none,aio=native, an O_DIRECT copy
of one pristine image (the jobs only read).  The results go to
bench/results/<UTC date>-volumes.txt with the kernel and host it ran on.
Env: ROUNDS [3], RUNTIME [5], KERNEL [build/kernel.elf], WORK [build/volumes],
OUT [bench/results/<date>-volumes.txt], ACCEL [tcg].
"""
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys

TREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
RUNTIME = int(os.environ.get("RUNTIME", "5"))
KERNEL = os.environ.get("KERNEL", os.path.join(TREE, "build", "kernel.elf"))
WORK = os.environ.get("WORK", os.path.join(TREE, "build", "volumes"))
ACCEL = os.environ.get("ACCEL", "tcg")
DATE = datetime.datetime.utcnow().strftime("%Y-%m-%d")
OUT = os.environ.get("OUT", os.path.join(TREE, "bench", "results", "%s-volumes.txt" % DATE))
GIB = 1 << 30


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def pristine():
    path = os.path.join(WORK, "pristine.img")
    if not os.path.exists(path):
        sh(sys.executable, os.path.join(TREE, "tools", "mkdisk.py"), path, "--size", str(GIB), "--tag", "VOLBENCH")
    return path


def fresh_disks(n):
    """n disk images, each an O_DIRECT copy of the pristine one (as the anchor writes its own).
    The jobs only read, so a copy made once stays valid; its size is checked each time."""
    src, out = pristine(), []
    for i in range(n):
        dst = os.path.join(WORK, "vol%d.img" % i)
        if not os.path.exists(dst) or os.path.getsize(dst) != GIB:
            sh("dd", "if=" + src, "of=" + dst, "bs=4M", "iflag=direct", "oflag=direct", "status=none")
        out.append(dst)
    return out


def boot(cmdline, disks, memory_mb=1024, timeout=600):
    args = ["qemu-system-x86_64", "-M", "q35", "-accel", ACCEL, "-smp", "1", "-m", str(memory_mb),
            "-nographic", "-no-reboot", "-nic", "none", "-kernel", KERNEL, "-append", cmdline]
    if ACCEL == "tcg":
        args[5:5] = ["-cpu", "max"]
    for i, d in enumerate(disks):
        slot, fn = 0x10 + i // 8, i % 8
        args += ["-drive", "file=%s,if=none,id=v%d,format=raw,cache=none,aio=native" % (d, i),
                 "-device", "nvme,serial=vol%02d,drive=v%d,addr=0x%x.%d%s" % (
                     i, i, slot, fn, ",multifunction=on" if fn == 0 and len(disks) > 1 else "")]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return r.stdout.decode("utf-8", "replace").replace("\r", "").splitlines()


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def bench_run(path, qd, ndisks):
    devs = " bench.devs=all" if ndisks > 1 else ""
    lines = boot("mode=bench bench.job=randread4k bench.qd=%d bench.seconds=%d bench.path=%s%s run.timeout_s=%d"
                 % (qd, RUNTIME, path, devs, RUNTIME + 120), fresh_disks(ndisks))
    res = [l for l in lines if l.startswith("bench: job=")]
    final = [l for l in lines if l.startswith("run: complete")]
    if not res or not final or kv(final[-1]).get("status") != "pass" or kv(res[0]).get("errors") != "0":
        return None, lines
    return int(kv(res[0])["iops"]), lines


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "no valid run"
    return "median=%d min=%d max=%d runs=%d" % (statistics.median(xs), min(xs), max(xs), len(xs))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    sh(os.path.join(TREE, "tools", "qemu-version.sh"))     # the project's QEMU, or a clear error
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    if not os.path.exists(KERNEL):
        sh("make", "-C", TREE, "-j2")
    pairs = [("client-vs-provider qd1", ("client", 1, 1), ("provider", 1, 1)),
             ("client-vs-provider qd32", ("client", 32, 1), ("provider", 32, 1)),
             ("four-volumes-vs-one qd32 (client path, aggregate)", ("client", 32, 4), ("client", 32, 1))]
    got = {}
    failed = []
    for r in range(ROUNDS):
        for name, a, b in pairs:
            order = (a, b) if r % 2 == 0 else (b, a)
            for side in order:
                iops, lines = bench_run(*side)
                got.setdefault(side, []).append(iops)
                print("round %d %-10s qd=%-2d volumes=%d iops=%s" % (r + 1, side[0], side[1], side[2], iops),
                      flush=True)
                if iops is None:
                    failed.append((side, r + 1, [l for l in lines if "error" in l][:5]))

    mem_lines = [l for l in boot("nvme.read=0:8", fresh_disks_small(32), memory_mb=512) if l.startswith("mem: ")]
    kernel_sha = subprocess.run(["sha256sum", KERNEL], stdout=subprocess.PIPE).stdout.decode().split()[0][:16]
    head = subprocess.run(["git", "-C", TREE, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE).stdout.decode().strip()
    out = ["# bench/volumes.py  %s UTC" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
           "# tree %s  kernel sha256 %s  accel=%s  host %s, %d CPUs  qemu %s" % (
               head, kernel_sha, ACCEL, platform.platform(), os.cpu_count(),
               subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE).stdout.decode().split("\n")[0]),
           "# rounds=%d runtime=%ds (after a 1 s ramp); randread4k; 1 GiB raw images, cache=none,aio=native" % (
               ROUNDS, RUNTIME),
           ""]
    for name, a, b in pairs:
        ma, mb = median(got.get(a, [])), median(got.get(b, []))
        out.append("%s" % name)
        out.append("  %-8s volumes=%d qd=%-2d iops %s" % (a[0], a[2], a[1], stats(got.get(a, []))))
        out.append("  %-8s volumes=%d qd=%-2d iops %s" % (b[0], b[2], b[1], stats(got.get(b, []))))
        out.append("  ratio of medians %s" % ("%.2f" % (ma / mb) if ma and mb else "n/a"))
        out.append("")
    out.append("memory, 32 volumes in a 512 MiB guest (one boot, nvme.read=0:8 on each):")
    out += ["  " + l for l in mem_lines] or ["  no mem: lines"]
    for side, r, errs in failed:
        out.append("invalid run: %s round %d: %s" % (side, r, " | ".join(errs) or "no result line"))
    text = "\n".join(out) + "\n"
    with open(OUT, "w") as f:
        f.write(text)
    print(text)
    print("written: " + os.path.relpath(OUT, TREE))
    return 0


def fresh_disks_small(n):
    out = []
    for i in range(n):
        p = os.path.join(WORK, "small%02d.img" % i)
        sh(sys.executable, os.path.join(TREE, "tools", "mkdisk.py"), p, "--size", str(8 << 20), "--tag", "MEM%02d" % i,
           stdout=subprocess.DEVNULL)
        out.append(p)
    return out


if __name__ == "__main__":
    sys.exit(main())
