"""tests/qemu/cases_volumes.py - every volume its own controller and provider, client processes
through BlockDevice sessions, GPT partitions as devices.

Several QEMU NVMe controllers of different shapes (LBA sizes, MDTS, queue and vector counts,
namespaces) are bound together; the jobs run in a client on the device nvme.dev= names; each
other controller's client reads its LBA 0.  Every read is checked against its own image on the
host (by controller serial), every write found in the right place, and for partitions nothing
outside the partition may change.
"""
import os
import subprocess
import sys

from harness import Case, DATA_IN_PLACE, IRQSOFF_RUN, bounce_always
import gptimage
import imagecheck

HERE = os.path.dirname(os.path.abspath(__file__))
MKDISK = os.path.join(HERE, "..", "..", "tools", "mkdisk.py")
MIB = 1 << 20


def mkdisk(path, size, tag):
    subprocess.run([sys.executable, MKDISK, path, "--size", str(size), "--tag", tag], check=True)


def controllers(specs):
    """specs: [(serial, size, props, ns_props)] -> setup(ctx) attaching one controller each."""
    def setup(ctx):
        args, images = [], {}
        for i, (serial, size, props, ns_props) in enumerate(specs):
            img = ctx.path("%s.img" % serial)
            mkdisk(img, size, "CAPVOL%02d" % i)
            images[(serial, 1)] = img
            if ns_props:
                args += ["-drive", "file=%s,if=none,id=d%d,format=raw" % (img, i),
                         "-device", "nvme,id=c%d,serial=%s%s" % (i, serial, props),
                         "-device", "nvme-ns,drive=d%d,bus=c%d,nsid=1%s" % (i, i, ns_props)]
            else:
                args += ["-drive", "file=%s,if=none,id=d%d,format=raw" % (img, i),
                         "-device", "nvme,serial=%s,drive=d%d%s" % (serial, i, props)]
        ctx.facts["images"] = images
        return args
    return setup


def two_namespaces(ctx):
    """Controller 0 with namespaces of 512 B and 4 KiB blocks; controller 1 plain."""
    images = {}
    for nsid, lbs in ((1, 512), (2, 4096)):
        img = ctx.path("ns%d.img" % nsid)
        mkdisk(img, 16 * MIB, "CAPNS%d" % nsid)
        images[("twons", nsid)] = img
    plain = ctx.path("plain.img")
    mkdisk(plain, 16 * MIB, "CAPPLAIN")
    images[("plain", 1)] = plain
    ctx.facts["images"] = images
    return ["-drive", "file=%s,if=none,id=n1,format=raw" % images[("twons", 1)],
            "-drive", "file=%s,if=none,id=n2,format=raw" % images[("twons", 2)],
            "-device", "nvme,id=c0,serial=twons",
            "-device", "nvme-ns,drive=n1,bus=c0,nsid=1",
            "-device", "nvme-ns,drive=n2,bus=c0,nsid=2,logical_block_size=4096,physical_block_size=4096",
            "-drive", "file=%s,if=none,id=p0,format=raw" % plain, "-device", "nvme,serial=plain,drive=p0"]


def shared_namespace(ctx):
    """Two controllers of one NVM subsystem, one namespace shared by both (NMIC bit 0); a private one
    behind the second controller under another id."""
    shared, private = ctx.path("shared.img"), ctx.path("private.img")
    mkdisk(shared, 16 * MIB, "CAPSHARE")
    mkdisk(private, 16 * MIB, "CAPPRIV")
    ctx.facts["images"] = {("a", 1): shared}
    return ["-device", "nvme-subsys,id=subsys0,nqn=subsys0",
            "-device", "nvme,serial=a,id=c0,subsys=subsys0", "-device", "nvme,serial=a,id=c1,subsys=subsys0",
            "-drive", "file=%s,if=none,id=d0,format=raw" % shared,
            "-device", "nvme-ns,drive=d0,nsid=1,shared=on,bus=c0",
            "-drive", "file=%s,if=none,id=d1,format=raw" % private,
            "-device", "nvme-ns,drive=d1,nsid=2,shared=off,bus=c1"]


def reads_match(min_reads):
    return lambda run, ctx: imagecheck.check_reads(run, ctx.facts["images"], min_reads=min_reads)


def write_in_image(serial, extents):
    def check(run, ctx):
        return imagecheck.check_writes(run, {1: ctx.facts["images"][(serial, 1)]}, extents)
    return check


def all_of(*checks):
    return lambda run, ctx: [p for c in checks for p in (c(run, ctx) or [])]


KWORKER_DONE = r"^kworker: done what=%s parks=[1-9]\d* parked_ms=\d+ total_ms=\d+ switches_meanwhile=\d+$"


def kworker_parked(what, wait_ms):
    """A wait on the device of wait_ms: the kworker doing `what` parked through it (kernel/core/kworker.h),
    processes ran meanwhile, and no CPU kept interrupts off for as long as half of it (a held wait would)."""
    def check(run, ctx):
        done = run.find(r"^kworker: done what=%s " % what)
        if len(done) != 1:
            return ["%d kworker lines for %s, want 1" % (len(done), what)]
        kv = run.kv(done[0])
        problems = []
        if int(kv["parked_ms"]) < wait_ms * 9 // 10:
            problems.append("%s parked %s ms, less than the device's %d ms" % (what, kv["parked_ms"], wait_ms))
        if int(kv["switches_meanwhile"]) == 0:
            problems.append("no process ran while %s was parked" % what)
        for line in run.find(r"^sched: irqs_off_max_us=\d+ "):
            if int(run.kv(line)["irqs_off_max_us"]) >= wait_ms * 1000 // 2:
                problems.append("interrupts off as long as the wait: %s" % line)
        return problems
    return check


THREE = [("vol0", 16 * MIB, "", None),
         ("vol1", 16 * MIB, ",mdts=1", None),                             # 8 KiB per command
         ("vol2", 16 * MIB, ",max_ioqpairs=1,msix_qsize=1", None)]        # one queue pair, one vector
PER_CONTROLLER = [r"^nvme: bound bdf=0000:00:0%d\.0 lane=brokered " % s for s in (2, 3, 4)] + [
    r"^nvme: cloud shape classification cloud_shape=aws-nitro-ebs .* bdf=0000:00:0%d\.0$" % s for s in (2, 3, 4)] + [
    r"^nvme: controller released bdf=0000:00:0%d\.0 stopped=yes ledger_live=0 " % s for s in (2, 3, 4)] + [
    r"^dma: audit .*matching_words=0 .*result=pass$"]


# ------------------------------------------------------------ many volumes

def many(n, size=2 * MIB):
    """n controllers as functions 0-7 of consecutive slots from 0x10 (multi-function devices, as a
    large Nitro type has dozens of volumes), each with its own small image."""
    def setup(ctx):
        args, images = [], {}
        for i in range(n):
            img = ctx.path("v%02d.img" % i)
            mkdisk(img, size, "CAPMANY%02d" % i)
            images[("many%02d" % i, 1)] = img
            slot, fn = 0x10 + i // 8, i % 8
            args += ["-drive", "file=%s,if=none,id=d%d,format=raw" % (img, i),
                     "-device", "nvme,serial=many%02d,drive=d%d,addr=0x%x.%d%s" % (
                         i, i, slot, fn, ",multifunction=on" if fn == 0 else "")]
        ctx.facts["images"] = images
        return args
    return setup


def count(pattern, n, at_least=False):
    def check(run, ctx):
        got = len(run.find(pattern))
        ok = got >= n if at_least else got == n
        return [] if ok else ["%d lines match %s, want %s%d" % (got, pattern, ">= " if at_least else "", n)]
    return check


def never_polled(run, ctx):
    """nvme.poll=never: no controller was polled at all."""
    return ["nvme.poll=never, yet polled: " + l for l in run.find(r"^nvme: controller released ")
            if run.kv(l)["poll_hits"] != "0" or run.kv(l)["poll_misses"] != "0"]


def providers_took_their_completions(run, ctx):
    """nvme.poll=always: each provider took at least a fifth of its completions itself; the tick
    (every 4 ms) only what was posted and not yet looked at when it came (7% in a look here, 52% once
    under a loaded host).  A provider that does not look while others are runnable on its CPU leaves
    all but a few to the tick."""
    lines = run.find(r"^nvme: controller released ")
    if not lines:
        return ["no release line"]
    problems = []
    for l in lines:
        kv = run.kv(l)
        done, tick = int(kv["completed"]), int(kv["tick_drains"])
        if tick * 5 > done * 4:
            problems.append("%s: the tick took %d of %d completions" % (kv["bdf"], tick, done))
    return problems


def was_polled(bdf):
    """The controller at bdf was polled at least once (a hit or a miss)."""
    def check(run, ctx):
        for l in run.find(r"^nvme: controller released bdf=%s " % bdf):
            if int(run.kv(l)["poll_hits"]) + int(run.kv(l)["poll_misses"]) > 0:
                return []
        return ["%s was never polled" % bdf]
    return check


def bound_ones_released(run, ctx):
    """Every controller the manager bound is shut down and released, served or not."""
    bound = len(run.find(r"^nvme: manager bind "))
    released = len(run.find(r"^nvme: controller released .* stopped=yes ledger_live=0 "))
    return [] if bound == released else ["%d controllers bound, %d released" % (bound, released)]


# ------------------------------------------------------------ partitions

def gpt_setup(sector, size, cmdline_dev="nvme0n1p2", ctrl_props=""):
    def setup(ctx):
        img = ctx.path("disk.img")
        parts = [gptimage.Part(4 * MIB, "esp", "EFI"), gptimage.Part(8 * MIB, "linux", "data one"),
                 gptimage.Part(0, "linux", "data two")]
        gptimage.build(img, size, parts, sector=sector)
        ctx.facts["images"] = {1: img}
        ctx.facts["sums"] = gptimage.sums(img, sector)
        ctx.facts["sector"] = sector
        ctx.facts["table"] = gptimage.read_gpt(img, sector)
        props = "" if sector == 512 else ",logical_block_size=%d,physical_block_size=%d" % (sector, sector)
        return ["-drive", "file=%s,if=none,id=d0,format=raw" % img,
                "-device", "nvme,id=c0,serial=gptdisk" + ctrl_props,
                "-device", "nvme-ns,drive=d0,bus=c0,nsid=1%s" % props]
    return setup


def legacy_mbr_gpt_setup(ctx):
    """A valid GPT behind a legacy MBR: a Linux entry and an extended one, no 0xEE (a disk
    repartitioned with MBR tools that left the old GPT behind)."""
    args = gpt_setup(512, 64 * MIB)(ctx)
    img = ctx.facts["images"][1]
    with open(img, "r+b") as f:
        mbr = bytearray(f.read(512))
        mbr[446:478] = bytes(32)
        mbr[446 + 4] = 0x83
        mbr[446 + 8:446 + 16] = (2048).to_bytes(4, "little") + (8192).to_bytes(4, "little")
        mbr[462 + 4] = 0x05
        mbr[462 + 8:462 + 16] = (10240).to_bytes(4, "little") + (16384).to_bytes(4, "little")
        f.seek(0)
        f.write(mbr)
    return args


def partition(ctx, index):
    return next(p for p in ctx.facts["table"]["partitions"] if p["index"] == index)


def gpt_lines_match(run, ctx):
    """The kernel's block: lines are the ones the image's own table gives."""
    problems = []
    for want in gptimage.expected_lines(ctx.facts["images"][1], "nvme0n1", ctx.facts["sector"]):
        key = want.split(" ")[0:3]
        got = [l for l in run.lines if l.startswith(" ".join(key[:2])) and all(w in l for w in want.split(" ")[1:])]
        if not got:
            problems.append("missing kernel line with: " + want)
    return problems


def partition_io_checked(index, writes):
    """Reads of p<index> match the image at the partition's place; writes are there; nothing else changed."""
    def check(run, ctx):
        p = partition(ctx, index)
        problems = imagecheck.check_reads(run, ctx.facts["images"], min_reads=2)
        for l in run.find(r"^nvme: (read|write) ok dev=nvme0n1p%d " % index):
            if int(run.kv(l)["first_lba"]) != p["first_lba"]:
                problems.append("first_lba of p%d is %s, the table says %d" % (index, run.kv(l)["first_lba"],
                                                                                p["first_lba"]))
        problems += imagecheck.check_writes(run, ctx.facts["images"], writes, first_lba=p["first_lba"])
        img = ctx.facts["images"][1]
        problems += gptimage.check(img, ctx.facts["sums"], allow=("p%d" % index,))
        # Inside the partition, only the written blocks changed.
        skip = [(lba, n) for lba, n, _ in writes]
        problems += gptimage.check_fill(img, index, skip=skip, sector=ctx.facts["sector"])
        return problems
    return check


def partition_zeroed(index, lba, count):
    """Blocks [lba, lba+count) of p<index> are zero in the image; nothing else of the disk changed."""
    def check(run, ctx):
        p = partition(ctx, index)
        img, sector = ctx.facts["images"][1], ctx.facts["sector"]
        data = imagecheck.read_image(img, (p["first_lba"] + lba) * sector, count * sector)
        problems = [] if data.count(0) == len(data) else ["p%d blocks %d..%d not zero in the image" %
                                                          (index, lba, lba + count - 1)]
        problems += gptimage.check(img, ctx.facts["sums"], allow=("p%d" % index,))
        return problems + gptimage.check_fill(img, index, skip=[(lba, count)], sector=sector)
    return check


# ------------------------------------------------------------ crafted tables (issue 15 §2)

def gpt_attack_setup(second):
    """The backup says FirstUsableLBA=2 and starts p1 (512 KiB at 1 MiB) at LBA 2, over the primary
    array; then `second` damages the primary (its array's CRC: the issue's disk; or its header)."""
    def setup(ctx):
        img = ctx.path("disk.img")
        parts = [gptimage.Part(512 << 10, "esp", "EFI"), gptimage.Part(2 * MIB, "linux", "data one"),
                 gptimage.Part(0, "linux", "data two")]
        gptimage.build(img, 16 * MIB, parts, corrupt=["backup-covers-primary", second])
        ctx.facts["images"] = {1: img}
        ctx.facts["sector"] = 512
        ctx.facts["sums"] = gptimage.sums(img)
        ctx.facts["table"] = gptimage.read_gpt(img)
        ctx.facts["primary_array"] = _sectors_sha(img, 2, 33)
        return ["-drive", "file=%s,if=none,id=d0,format=raw" % img,
                "-device", "nvme,id=c0,serial=gptdisk", "-device", "nvme-ns,drive=d0,bus=c0,nsid=1"]
    return setup


def gpt_overlap_setup(ctx):
    args = gpt_setup(512, 16 * MIB)(ctx)
    img = ctx.facts["images"][1]
    gptimage.damage(img, "overlap")
    ctx.facts["sums"] = gptimage.sums(img)
    ctx.facts["table"] = gptimage.read_gpt(img)
    ctx.facts["primary_array"] = _sectors_sha(img, 2, 33)
    return args


def _sectors_sha(img, first, last):
    import hashlib
    with open(img, "rb") as f:
        f.seek(first * 512)
        return hashlib.sha256(f.read((last - first + 1) * 512)).hexdigest()


def table_kept(allow=()):
    """After power-off: the primary array untouched, nothing outside `allow` changed, and the table
    the next boot reads (gptimage's reader, written apart from lib/gpt.c) is the one this boot read."""
    def check(run, ctx):
        img = ctx.facts["images"][1]
        problems = gptimage.check(img, ctx.facts["sums"], allow=allow)
        if _sectors_sha(img, 2, 33) != ctx.facts["primary_array"]:
            problems.append("the primary entry array (LBA 2-33) changed")
        before, after = ctx.facts["table"], gptimage.read_gpt(img)
        for k in ("used", "rule", "partitions", "refused"):
            if before[k] != after[k]:
                problems.append("next boot's %s differs: %r -> %r" % (k, before[k], after[k]))
        return problems
    return check


def last_block(ctx, index):
    p = partition(ctx, index)
    return p["last_lba"] - p["first_lba"]


CASES = [
    # Three controllers of different shapes: each bound and served by its own provider, each client's
    # read checked on its own image; the jobs go to nvme1n1 (8 KiB MDTS: many commands per read).
    Case("volumes-three-shapes", "nvme.dev=nvme1n1 nvme.read=0:100,32767:1 nvme.write=200:40:0x77",
         setup=controllers(THREE),
         expect=PER_CONTROLLER + [
             r"^nvme: read ok dev=nvme0n1 bdf=0000:00:02\.0 nsid=1 lba=0 blocks=8 ",
             r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=0 blocks=100 bytes=51200 .* commands=7 ",
             r"^nvme: read ok dev=nvme2n1 bdf=0000:00:04\.0 nsid=1 lba=0 blocks=8 ",
             r"^nvme: write ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=200 blocks=40 ",
             r"^nvme: bound bdf=0000:00:04\.0 .* ioqpairs=1 ",
             r"^proc: exit pid=\d+ name=blk[0-2] status=0$"] + DATA_IN_PLACE,
         check=all_of(reads_match(5), write_in_image("vol1", [(200, 40, 0x77)]))),
    # A controller with two namespaces of different block sizes: the jobs go to its second
    # namespace (4 KiB blocks); its write lands in that namespace's image only.
    Case("volumes-two-namespaces", "nvme.dev=nvme0n2 nvme.read=0:16,4095:1 nvme.write=64:8:0x5a",
         setup=two_namespaces,
         expect=[r"^nvme: identify namespace nsid=2 lbas=4096 lba_bytes=4096 .* bdf=0000:00:02\.0$",
                 r"^nvme: read ok dev=nvme0n2 bdf=0000:00:02\.0 nsid=2 lba=4095 blocks=1 bytes=4096 ",
                 r"^nvme: write ok dev=nvme0n2 bdf=0000:00:02\.0 nsid=2 lba=64 blocks=8 bytes=32768 ",
                 r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=0 "],
         check=lambda run, ctx: imagecheck.check_reads(run, ctx.facts["images"], min_reads=3) +
         imagecheck.check_writes(run, {2: ctx.facts["images"][("twons", 2)]}, [(64, 8, 0x5a)], nsid=2)),
    # A namespace shared by two controllers of one subsystem is one disk: served once, through the first
    # controller; served twice, two soaking clients overwrote each other (mismatches) and two partition
    # tables could describe it.  The second controller's private namespace is served as usual.
    Case("volumes-shared-namespace-served-once", "soak.seconds=3", setup=shared_namespace, timeout_s=120,
         expect=[r"^nvme: identify controller .* cmic=0x02 subnqn=\"nqn\.2019-08\.org\.qemu:subsys0\" bdf=0000:00:03\.0$",
                 r"^nvme: identify namespace nsid=1 .* shared=yes bdf=0000:00:03\.0$",
                 r"^block: namespace nsid=1 bdf=0000:00:03\.0 served=no reason=shared-namespace-served-by dev=nvme0n1 via=0000:00:02\.0 ",
                 r"^provider: serving dev=nvme1n2 nsid=2 ",
                 r"^client: soak dev=nvme0n1 .* mismatches=0 errors=0 ",
                 r"^run: complete status=pass errors=0 "],
         forbid=[r"dev=nvme1n1\b"]),
    # One provider faults on purpose once serving: it is restarted (issue 16), its client's read is
    # served by the next generation, the other two never notice; every controller is still shut
    # down and released, and the run passes counting the recovery.
    Case("volumes-provider-fault", "fault.provider=nvme2 nvme.read=0:64", setup=controllers(THREE),
         expect=[r"^proc: fault pid=\d+ name=nvme2 vector=14 .* action=killed supervised=yes$",
                 r"^provider: died dev=nvme2n1 bdf=0000:00:04\.0 generation=1 reason=fault ",
                 r"^provider: restarted dev=nvme2n1 generation=2 replayed=\d+ failed=0 reason=fault pid=\d+ bdf=0000:00:04\.0 ",
                 r"^nvme: read ok dev=nvme0n1 bdf=0000:00:02\.0 nsid=1 lba=0 blocks=64 ",
                 r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=0 blocks=8 ",
                 r"^nvme: read ok dev=nvme2n1 bdf=0000:00:04\.0 nsid=1 lba=0 blocks=8 ",
                 r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=1$"] + [
             r"^nvme: controller released bdf=0000:00:0%d\.0 stopped=yes ledger_live=0 " % s for s in (2, 3, 4)],
         forbid=[r"^provider: (died|restarted) dev=nvme[01]"],
         check=reads_match(3)),
    # 32 volumes in a 512 MiB guest (the figure): each bound, served by its own provider, read
    # by its own client and checked on its own image; what they cost is reported and all of it
    # comes back on release (no heap object left behind).
    Case("volumes-32-in-512mib", "nvme.read=0:8", memory_mb=512, setup=many(32), timeout_s=300,
         expect=[r"^mem: volumes=32 bound=32 served=32 clients=32 .* per_volume_kib=[1-9]\d* ",
                 r"^mem: released volumes=32 .* heap_objects_left=0$"],
         check=all_of(reads_match(33), count(r"^nvme: bound bdf=\S+ lane=brokered ", 32),
                      count(r"^proc: exit pid=\d+ name=blk\d+ status=0$", 32), bound_ones_released)),
    # The same 32 in 64 MiB: memory runs out.  Volumes that fit are served whole, the rest are refused
    # with a line each; no panic, nothing half-started, every bound controller released.
    Case("volumes-out-of-memory", "nvme.read=0:8", memory_mb=64, setup=many(32), status="fail", timeout_s=300,
         expect=[r"^nvme: error out of memory for nvme\d+ bdf=\S+ need_kib=\d+ free_kib=\d+ reserved_kib=\d+; "
                 r"not served$",
                 r"^mem: volumes=32 bound=32 served=([1-9]|[12]\d|3[01]) ",
                 r"^mem: released volumes=32 .* heap_objects_left=0$"],
         forbid=[r"reason=out-of-memory", r"kernel-out-of-memory", r"cannot create the I/O queue"],
         check=all_of(reads_match(2), bound_ones_released)),
    # The same serving (every admitted provider creates its 1024-entry queue pair, and keeps it): the
    # volumes admitted are served whole, and none fails later for the memory admission promised it.
    Case("volumes-out-of-memory-serving", "mode=serve serve.seconds=2", memory_mb=48, setup=many(16), status="fail",
         timeout_s=300,
         expect=[r"^nvme: error out of memory for nvme\d+ bdf=\S+ need_kib=\d+ free_kib=\d+ reserved_kib=\d+; "
                 r"not served$",
                 r"^mem: volumes=16 bound=16 served=([1-9]|1[0-5]) ",
                 r"^mem: released volumes=16 .* heap_objects_left=0$"],
         forbid=[r"reason=out-of-memory", r"kernel-out-of-memory", r"cannot create the I/O queue", r"^provider: died ",
                 r"^provider: failed "]),
    # GPT partitions as devices, 512-byte sectors: the table reported as the image has it, the jobs
    # on p2 with partition-relative LBAs, found in the image at the partition's place, and nothing
    # outside the written blocks of p2 changed anywhere on the disk.
    Case("volumes-partition-512", "nvme.dev=nvme0n1p2 nvme.read=0:8,16383:1 nvme.write=100:64:0x2b",
         setup=gpt_setup(512, 64 * MIB),
         expect=[r"^block: gpt dev=nvme0n1 partitions=3 header_crc=ok entries_crc=ok backup=ok ",
                 r"^block: partition dev=nvme0n1p2 first_lba=10240 last_lba=26623 ",
                 r"^client: device dev=nvme0n1p2 .* blocks=16384 block_bytes=512 first_lba=10240 ",
                 r"^nvme: read ok dev=nvme0n1p2 bdf=\S+ nsid=1 lba=16383 blocks=1 bytes=512 ",
                 r"^nvme: write ok dev=nvme0n1p2 bdf=\S+ nsid=1 lba=100 blocks=64 "],
         check=all_of(gpt_lines_match, partition_io_checked(2, [(100, 64, 0x2b)]))),
    # Write Zeroes through a partition's session: partition-relative, zero in the image at p2's place,
    # nothing else of the disk changed; one straddling p2's end is refused whole by the client.
    Case("volumes-partition-zeroes", "nvme.dev=nvme0n1p2 nvme.zeroes=200:50,16380:8", status="fail",
         setup=gpt_setup(512, 64 * MIB),
         expect=[r"^nvme: zeroes ok dev=nvme0n1p2 bdf=\S+ nsid=1 lba=200 blocks=50 commands=1 first_lba=10240 flush=ok verify=readback-zero ",
                 r"^nvme: zeroes error dev=nvme0n1p2 bdf=\S+ nsid=1 lba=16380 blocks=8 reason=beyond-partition lbas=16384 "],
         check=partition_zeroed(2, 200, 50)),
    # The same behind a controller whose commands carry 8 KiB (MDTS 1): the manager reads the 16 KiB
    # entry array in pieces the device takes (whole, it was refused: entry-array-read-failed).
    Case("volumes-partition-mdts-8k", "nvme.dev=nvme0n1p2 nvme.read=0:8 nvme.write=100:64:0x2c",
         setup=gpt_setup(512, 64 * MIB, ctrl_props=",mdts=1"),
         expect=[r"^block: gpt dev=nvme0n1 partitions=3 header_crc=ok entries_crc=ok backup=ok ",
                 r"^nvme: write ok dev=nvme0n1p2 bdf=\S+ nsid=1 lba=100 blocks=64 "],
         check=all_of(gpt_lines_match, partition_io_checked(2, [(100, 64, 0x2c)]))),
    # A valid GPT behind a legacy MBR (no 0xEE): readers that check use the MBR, whose extended
    # partition's EBR lies inside GPT p2; no GPT partition is offered, the namespace still is.
    Case("volumes-gpt-behind-legacy-mbr", "nvme.read=0:8", setup=legacy_mbr_gpt_setup,
         expect=[r"^block: gpt dev=nvme0n1 partitions=0 header_crc=ok entries_crc=ok backup=ok result=stale "
                 r"reason=legacy-mbr mbr=legacy described=3 ",
                 r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=0 blocks=8 "],
         forbid=[r"^block: partition dev=nvme0n1p"]),
    # The same on 4 KiB sectors.
    Case("volumes-partition-4k", "nvme.dev=nvme0n1p3 nvme.read=0:3 nvme.write=7:9:0x4c",
         setup=gpt_setup(4096, 64 * MIB),
         expect=[r"^block: gpt dev=nvme0n1 partitions=3 header_crc=ok entries_crc=ok backup=ok .* lba_bytes=4096 ",
                 r"^block: partition dev=nvme0n1p3 ",
                 r"^nvme: write ok dev=nvme0n1p3 bdf=\S+ nsid=1 lba=7 blocks=9 bytes=36864 "],
         check=all_of(gpt_lines_match, partition_io_checked(3, [(7, 9, 0x4c)]))),
    # Issue 15 §2, the crafted disk: a valid primary header whose array fails its CRC, and a backup
    # (valid on its own) with FirstUsableLBA=2 and p1 from LBA 2, over the primary array.  The backup
    # describes another table than the valid primary header (UEFI 2.10 §5.3.2), so nothing is
    # offered; the client of p1 that would write all of it gets no device, and after power-off the
    # primary array and the table of the next boot are as they were.
    Case("gpt-attack-backup-over-primary-array",
         "nvme.dev=nvme0n1p1 nvme.write=0:1535:0x15,1535:1535:0x15", status="fail",
         setup=gpt_attack_setup("primary-entries-crc"),
         expect=[r"^block: gpt dev=nvme0n1 partitions=0 header_crc=ok entries_crc=bad backup=ok result=invalid "
                 r"reason=entries-crc-mismatch .*copies=disagree rule=backup-differs-from-primary-header "
                 r"differs=usable-range,entries-crc ",
                 r"^nvme: error no such device dev=nvme0n1p1"],
         forbid=[r"^block: partition ", r"^nvme: write ok "],
         check=table_kept()),
    # The same backup with the primary header bad: the backup governs, but where the primary would be
    # (LBA 1, and 16 KiB from LBA 2) stays out of every partition: p1 is refused with a line, p2 and
    # p3 are offered, and a client writing all of p2 changes p2 and nothing else.
    Case("gpt-attack-backup-over-primary-header-bad", "nvme.dev=nvme0n1p2 nvme.write=0:4096:0x16",
         setup=gpt_attack_setup("primary-header-crc"),
         expect=[r"^block: gpt dev=nvme0n1 partitions=3 header_crc=bad entries_crc=none backup=ok result=ok "
                 r"source=backup primary_reason=header-crc-mismatch copies=backup-only rule=primary-header-invalid "
                 r"differs=none offered=2 refused=1 ",
                 r"^block: partition dev=nvme0n1p1 first_lba=2 last_lba=3071 .* offered=no "
                 r"reason=covers-primary-array$",
                 r"^block: partition dev=nvme0n1p2 first_lba=4096 last_lba=8191 ",
                 r"^nvme: write ok dev=nvme0n1p2 bdf=\S+ nsid=1 lba=0 blocks=4096 "],
         forbid=[r"^block: partition dev=nvme0n1p1 (?!.*offered=no)"],
         check=all_of(gpt_lines_match, table_kept(allow=("p2",)),
                      lambda run, ctx: imagecheck.check_writes(run, ctx.facts["images"], [(0, 4096, 0x16)],
                                                               first_lba=4096))),
    # Entries that overlap invalidate their table (in both copies here): neither partition is offered,
    # nor any other, and the line names the two slots.
    Case("gpt-overlap-refused", "nvme.dev=nvme0n1p2 nvme.read=0:8", status="fail",
         setup=lambda ctx: gpt_overlap_setup(ctx),
         expect=[r"^block: gpt dev=nvme0n1 partitions=0 .* result=invalid reason=partitions-overlap "
                 r"backup_reason=partitions-overlap copies=disagree rule=none differs=none bad_slot=2 other_slot=1 "
                 r"backup_bad_slot=2 backup_other_slot=1 ",
                 r"^nvme: error no such device dev=nvme0n1p2"],
         forbid=[r"^block: partition "],
         check=table_kept()),
    # A read that leaves the partition is refused whole: no read line, nothing of it reaches the device.
    Case("volumes-partition-straddle", "nvme.dev=nvme0n1p2 nvme.read=16383:2", status="fail",
         setup=gpt_setup(512, 64 * MIB),
         expect=[r"^nvme: read error dev=nvme0n1p2 bdf=\S+ nsid=1 lba=16383 blocks=2 reason=beyond-partition "
                 r"lbas=16384 "],
         forbid=[r"^nvme: read ok dev=nvme0n1p2 .* lba=16383 "]),
    # A hostile client on a partition: everything refused, its session still works, a scribbled ring
    # ends only its own session; the other controller's client carries on.
    Case("volumes-hostile-client", "selftest=hostile-client nvme.dev=nvme0n1p2",
         setup=lambda ctx: _hostile_setup(ctx),
         expect=[r"^selftest: hostile-client attempts=\d+ refused=\d+ result=pass pid=\d+$", IRQSOFF_RUN,
                 r"^selftest: hostile-client attempt=read-straddling-the-end result=refused ",
                 r"^selftest: hostile-client attempt=attach-a-notification-as-region result=refused ",
                 r"^selftest: hostile-client attempt=request-flood result=refused ",
                 r"^provider: error session dev=nvme0n1p2 ring indices out of range; no longer served ",
                 r"^nvme: read ok dev=nvme1n1 "] + DATA_IN_PLACE,
         forbid=[r"result=ALLOWED"]),
    # The benchmark through the client path, on two controllers at once.
    # Several devices: a client each by default (its share, part=i/n), or one for all (bench.clients=one).
    Case("volumes-bench-client", "mode=bench bench.path=client bench.devs=all bench.job=randread4k bench.qd=8 "
         "bench.seconds=1", setup=controllers(THREE[:2]),
         expect=[r"^proc: exit pid=\d+ name=blk0 status=0$",
                 r"^proc: exit pid=\d+ name=blk1 status=0$"] +
                [r"^bench: job=randread4k qd=8 iops=[1-9]\d* .* errors=0 .* cpu_busy_pct=([1-9]?\d|100) path=client "
                 r"devs=1 dev=nvme%dn1 .* cpus=\d+ part=%d/2 " % (i, i + 1) for i in range(2)]),
    Case("volumes-bench-one-client", "mode=bench bench.path=client bench.devs=all bench.clients=one "
         "bench.job=randread4k bench.qd=8 bench.seconds=1", setup=controllers(THREE[:2]),
         expect=[r"^bench: job=randread4k qd=8 iops=[1-9]\d* .* cpu_busy_pct=([1-9]?\d|100) path=client devs=2 .* cpus=\d+ pid=",
                 r"^bench: device dev=nvme0n1 ios=[1-9]\d* ", r"^bench: device dev=nvme1n1 ios=[1-9]\d* "]),
    # One client cannot hold more devices than its capability table has slots for: said, not a bare failure.
    Case("volumes-bench-one-client-too-many", "mode=bench bench.path=client bench.devs=all bench.clients=one "
         "bench.job=randread4k bench.qd=8 bench.seconds=1", setup=many(16), status="fail", timeout_s=180,
         expect=[r"^nvme: error bench.clients=one takes at most 15 devices \(a process has 32 capability slots, "
                 r"a device takes two\); 16 asked$"]),
] + [
    # nvme.poll=: the same jobs and data checks under each polling policy (never: no poll at all).
    # Whether a short job polls depends on what else is runnable meanwhile: the benchmarks below
    # assert that it does.
    Case("volumes-poll-" + mode, "nvme.poll=%s nvme.dev=nvme1n1 nvme.read=0:100,32767:1 nvme.write=200:40:0x77" % mode,
         setup=controllers(THREE),
         expect=PER_CONTROLLER + [
             r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=0 blocks=100 bytes=51200 .* commands=7 ",
             r"^nvme: write ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=200 blocks=40 ",
             r"^provider: session done dev=nvme1n1 served=\d+ refused=0 notified=\d+ notify_skipped=\d+",
             r"^nvme: controller released bdf=0000:00:03\.0 stopped=yes .* poll=%s poll_hits=%s poll_misses=%s "
             r"irqs_per_io=\d+\.\d\d" % (mode, hits, misses),
             r"^proc: exit pid=\d+ name=blk[0-2] status=0$"],
         check=all_of(reads_match(5), write_in_image("vol1", [(200, 40, 0x77)]),
                      never_polled if mode == "never" else lambda run, ctx: []))
    for mode, hits, misses in (("never", "0", "0"), ("adaptive", r"\d+", r"\d+"), ("always", r"\d+", r"\d+"))
] + [
    # A provider told to poll (always) does not re-arm its event index while busy: the client's
    # posts to it cost no system call (notify_skipped), and every request is still served.
    # Its I/O completion queue has no interrupt (kernel/nvme/poll.h): next to no interrupts per I/O
    # (the admin queue's only); what its polls miss, the tick takes.  Where an I/O's time goes, as
    # means from three places: the client's whole wait, the provider's from take to ack, the device's.
    Case("volumes-bench-client-poll-always", "mode=bench bench.path=client bench.job=randread4k bench.qd=8 "
         "bench.seconds=1 nvme.poll=always", setup=controllers(THREE[:1]),
         expect=[r"^bench: job=randread4k qd=8 iops=[1-9]\d* .* errors=0 .* path=client devs=1 dev=nvme0n1 "
                 r"notified=[1-9]\d* notify_skipped=[1-9]\d* spin_hits=\d+ spin_misses=\d+ lat_us_avg=[1-9]\d* ",
                 r"^provider: session done dev=nvme0n1 served=[1-9]\d* .* residence_us_avg=[1-9]\d* ",
                 r"^nvme: device time bdf=0000:00:02\.0 io_commands=[1-9]\d* device_us_avg=\d+$",
                 r"^nvme: controller released bdf=0000:00:02\.0 stopped=yes .* poll=always poll_hits=[1-9]\d* "
                 r".* irqs_per_io=0\.0\d io_cqs=polled tick_drains=\d+$"]),
    # Two providers and their clients on one CPU, polling (always): with others always runnable a
    # provider's wait does not spin, yet it takes what its queue posted (kernel/nvme/poll.h).
    Case("volumes-bench-client-poll-always-shared-cpu", "mode=bench bench.path=client bench.devs=all "
         "bench.job=randread4k bench.qd=32 bench.seconds=1 nvme.poll=always", setup=controllers(THREE[:2]),
         expect=[r"^bench: job=randread4k qd=32 iops=[1-9]\d* .* errors=0 .* path=client devs=1 dev=nvme%dn1 .* "
                 r"part=%d/2 " % (i, i + 1) for i in range(2)],
         check=providers_took_their_completions),
    # QD1 through the client path with the default policy: the provider, alone with a sleeping
    # client, looks at the device before it sleeps (adaptive: a learned while, or a probe).
    Case("volumes-bench-client-poll-adaptive", "mode=bench bench.path=client bench.job=randread4k bench.qd=1 "
         "bench.seconds=1", setup=controllers(THREE[:1]),
         expect=[r"^bench: job=randread4k qd=1 iops=[1-9]\d* .* errors=0 .* path=client devs=1 dev=nvme0n1 ",
                 r"^nvme: controller released bdf=0000:00:02\.0 stopped=yes .* poll=adaptive "],
         check=was_polled("0000:00:02.0")),
]


# The copying path (dma.bounce=always): client reads and writes through Regions, and the hostile client.
CASES += [bounce_always(c) for c in CASES if c.name in ("volumes-three-shapes", "volumes-hostile-client")]


def _hostile_setup(ctx):
    args = gpt_setup(512, 64 * MIB)(ctx)
    other = ctx.path("other.img")
    mkdisk(other, 16 * MIB, "CAPOTHER")
    return args + ["-drive", "file=%s,if=none,id=o0,format=raw" % other, "-device", "nvme,serial=other,drive=o0"]
