"""tests/qemu/cases_nvme.py - the NVMe provider against QEMU's own NVMe emulation.

A matrix of device configurations (MDTS, LBA size, namespaces, queue and
vector counts, vendor ids, bridges, chipsets, an IOMMU) with every read
checksum and every written extent checked in the image on the host.
"""
import os
import subprocess
import sys

from harness import Case, DATA_IN_PLACE, IRQSOFF_RELEASE, IRQSOFF_RUN, bounce_always
import imagecheck

HERE = os.path.dirname(os.path.abspath(__file__))
MKDISK = os.path.join(HERE, "..", "..", "tools", "mkdisk.py")

PROOF = [
    r"^pci: nvme controller bdf=\S+ vendor=0x[0-9a-f]{4} device=0x[0-9a-f]{4} class=0x01 subclass=0x08 prog_if=0x02$",
    r"^dma: backend selection backend=bounce-buffer iommu=\S+ verified=false reason=\S+ "
    r"policy=direct-remapping-if-verified-else-bounce-buffer host_physical_user_visible=false$",
    r"^provider: nvme started cpl=3 caps=DeviceMmio,Interrupt,DMAPool ",
    r"^nvme: bound bdf=\S+ lane=brokered version=\d+\.\d+\.\d+ mqes=\d+ dstrd=\d+ ioqpairs=\d+ pid=\d+$",
    r"^nvme: admin completion wake=interrupt vector=\d+ ",
    r"^nvme: identify controller vid=0x[0-9a-f]{4} .*model=\"[^\"]*\" serial=\"[^\"]*\" firmware=\"[^\"]*\" mdts_bytes=\d+ nn=\d+",
    r"^nvme: identify namespace nsid=\d+ lbas=\d+ lba_bytes=\d+",
    r"^nvme: read ok dev=\S+ bdf=\S+ nsid=\d+ lba=0 blocks=\d+ bytes=\d+ crc32=0x[0-9a-f]{8}",
    r"^proc: exit pid=\d+ name=nvme\d+ status=0$",
    r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 ",
    # No manager-owned physical address anywhere in the memory the provider could see.
    r"^dma: audit provider_bytes_scanned=\d+ matching_words=0 .*result=pass$",
]


def mkdisk(path, size, tag="CAPROCK1", sparse_bytes=None):
    args = [sys.executable, MKDISK, path, "--size", str(size), "--tag", tag]
    if sparse_bytes is not None:
        args += ["--sparse", "--pattern-bytes", str(sparse_bytes)]
    subprocess.run(args, check=True)


def nvme_case(name, cmdline="", size=16 << 20, props="", namespaces=None, devices=(), expect=(),
              forbid=(), status="pass", writes=(), check_reads=True, blkdebug=None, sparse_bytes=None,
              proof=True, bus=None, blkdebug_event="read_aio", extra_check=None, drive_opts="", **kw):
    """namespaces: list of dicts of nvme-ns properties (nsid, logical_block_size, ...);
    None means the controller's own drive= namespace.  blkdebug: sectors that fail to read.
    drive_opts: more -drive options (",throttling.iops-total=2")."""
    ns_list = namespaces

    def setup(ctx):
        args = list(devices)
        images = {}
        count = len(ns_list) if ns_list else 1
        for i in range(count):
            nsid = (ns_list[i].get("nsid", i + 1) if ns_list else 1)
            img = ctx.path("ns%d.img" % nsid)
            mkdisk(img, size, tag="CAPROCK%d" % nsid, sparse_bytes=sparse_bytes)
            images[nsid] = img
            if blkdebug and i == 0:
                conf = ctx.path("blkdebug.conf")
                with open(conf, "w") as f:
                    for s in blkdebug:
                        f.write('[inject-error]\nevent = "%s"\nerrno = "5"\nsector = "%d"\n'
                                'once = "off"\nimmediately = "off"\n\n' % (blkdebug_event, s))
                args += ["-drive", "if=none,id=nvm%d,driver=raw,file.driver=blkdebug,file.config=%s,"
                         "file.image.driver=file,file.image.filename=%s" % (nsid, conf, img)]
            else:
                args += ["-drive", "file=%s,if=none,id=nvm%d,format=raw%s" % (img, nsid, drive_opts)]
        where = (",bus=" + bus) if bus else ""
        if ns_list:
            args += ["-device", "nvme,id=nvme0%s%s" % (where, props if "serial=" in props else ",serial=caprock" + props)]
            for i, ns in enumerate(ns_list):
                nsid = ns.get("nsid", i + 1)
                extra = "".join(",%s=%s" % (k, v) for k, v in ns.items())
                if "nsid" not in ns:
                    extra += ",nsid=%d" % nsid
                args += ["-device", "nvme-ns,drive=nvm%d,bus=nvme0%s" % (nsid, extra)]
        else:
            args += ["-device", "nvme,drive=nvm1%s%s" % (where, props if "serial=" in props else ",serial=caprock" + props)]
        ctx.facts["images"] = images
        return args

    def check(run, ctx):
        problems = []
        if check_reads:
            problems += imagecheck.check_reads(run, ctx.facts["images"])
        if writes:
            nsid = int(run.kv(run.find(r"^nvme: write ok ")[0])["nsid"]) if run.find(r"^nvme: write ok ") else 1
            problems += imagecheck.check_writes(run, ctx.facts["images"], writes, nsid)
        if extra_check:
            problems += extra_check(run, ctx)
        return problems

    return Case(name, cmdline, expect=(PROOF if proof else []) + list(expect), forbid=forbid,
                status=status, setup=setup, check=check, **kw)


MIB = 1 << 20


def address_disk(ctx):
    """A disk whose every word is a page-aligned address below 1 GiB: read data that looks like addresses."""
    import array
    img = ctx.path("addresses.img")
    words = array.array("Q", ((i * 4096) % (1 << 30) for i in range((16 << 20) // 8)))
    with open(img, "wb") as f:
        words.tofile(f)
    return ["-drive", "file=%s,if=none,id=a0,format=raw" % img, "-device", "nvme,serial=addresses,drive=a0"]


def zeroed_and_kept(zeroed, kept):
    """zeroed: [(lba, count)] all zero in the image; kept: [(lba, count, seed)] still the write pattern."""
    def check(run, ctx):
        img, problems = ctx.facts["images"][1], []
        for lba, count in zeroed:
            data = imagecheck.read_image(img, lba * 512, count * 512)
            if data.count(0) != len(data):
                problems.append("blocks %d..%d not all zero in the image (first non-zero byte %d)" %
                                (lba, lba + count - 1, next(i for i, b in enumerate(data) if b)))
        for lba, count, seed in kept:
            bad = imagecheck.check_pattern(img, lba * 512, count * 512, seed)
            if bad:
                problems.append("pattern of seed 0x%x at %d..%d: %s" % (seed, lba, lba + count - 1, bad))
        return problems
    return check


def few_cq_doorbells(run, ctx):
    line = run.find(r"^nvme: controller released ")
    if not line:
        return ["no release line"]
    kv = run.kv(line[-1])
    sub, sq, cq = int(kv["submitted"]), int(kv["device_sq_doorbells"]), int(kv["device_cq_doorbells"])
    problems = []
    if sq > sub:
        problems.append("more SQ doorbells (%d) than commands (%d)" % (sq, sub))
    if cq * 8 > sub:
        problems.append("CQ head doorbells not deferred: %d for %d commands" % (cq, sub))
    return problems

CASES = [
    # The default controller; reads at the middle, the last LBA, and across MDTS (512 KiB).
    nvme_case("nvme-default", "nvme.read=16384:8,32767:1,100:2048,0:32768",
              expect=[r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=32767 blocks=1 bytes=512 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=100 blocks=2048 bytes=1048576 .* commands=2 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=0 blocks=32768 bytes=16777216 .* commands=32 "]
                     + DATA_IN_PLACE),
    # MDTS 1 = 8 KiB per command: one read becomes many commands and PRP2 carries page two.
    nvme_case("nvme-mdts-8k", "nvme.read=3:100", props=",mdts=1",
              expect=[r"^nvme: identify controller .* mdts_bytes=8192 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=3 blocks=100 bytes=51200 .* commands=7 "]),
    # MDTS 0 = no device limit: the broker's 2 MiB limit (and the bounce pool) governs.
    nvme_case("nvme-mdts-unlimited", "nvme.read=1:8191", props=",mdts=0", size=32 * MIB,
              expect=[r"^nvme: identify controller .* mdts_bytes=0 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=1 blocks=8191 bytes=4193792 .* commands=2 "]),
    # 4 KiB logical blocks.
    nvme_case("nvme-lba-4k", "nvme.read=4095:1,17:300",
              namespaces=[{"logical_block_size": 4096, "physical_block_size": 4096}],
              expect=[r"^nvme: identify namespace nsid=1 lbas=4096 lba_bytes=4096 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=0 blocks=1 bytes=4096 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=17 blocks=300 bytes=1228800 .* commands=3 "]),
    # Blocks larger than a page: 64 KiB and 128 KiB logical blocks.
    nvme_case("nvme-lba-128k", "nvme.read=1:3,100:27",
              namespaces=[{"logical_block_size": 131072, "physical_block_size": 131072}],
              expect=[r"^nvme: identify namespace nsid=1 lbas=128 lba_bytes=131072 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=0 blocks=1 bytes=131072 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=100 blocks=27 bytes=3538944 .* commands=7 "]),
    # Metadata kept apart (MPTR): the manager bounces a one-page metadata buffer too.
    nvme_case("nvme-metadata-separate", "nvme.read=3:200 nvme.write=50:100:7",
              namespaces=[{"ms": 8}], writes=[(50, 100, 7)],
              expect=[r"^nvme: identify namespace nsid=1 lbas=\d+ lba_bytes=512 ms=8 extended=no ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=3 blocks=200 bytes=102400 .* md_bytes=1600 pid=\d+$",
                      r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=50 blocks=100 "]),
    nvme_case("nvme-metadata-pi-separate", "nvme.read=9:64",
              namespaces=[{"ms": 16, "pi": 1}],
              expect=[r"^nvme: identify namespace nsid=1 lbas=\d+ lba_bytes=512 ms=16 extended=no ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=9 blocks=64 bytes=32768 .* md_bytes=1024 pid=\d+$"]),
    # More blocks than one page of separate metadata covers (512 at 8 bytes, 256 at 16): the session's
    # transfer limit says so, and the client splits (a larger request would be refused whole).
    nvme_case("nvme-metadata-separate-split", "nvme.read=1:1300 nvme.write=3000:1100:0x44",
              namespaces=[{"ms": 8}], writes=[(3000, 1100, 0x44)],
              expect=[r"^client: device dev=nvme0n1 .* max_transfer=262144 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=1 blocks=1300 bytes=665600 .* commands=3 .* md_bytes=10400 ",
                      r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=3000 blocks=1100 .* verify=readback-match "]),
    nvme_case("nvme-metadata-pi-separate-split", "nvme.read=9:600",
              namespaces=[{"ms": 16, "pi": 1}],
              expect=[r"^client: device dev=nvme0n1 .* max_transfer=131072 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=9 blocks=600 bytes=307200 .* commands=3 .* md_bytes=9600 "]),
    # Metadata inline after each block (extended LBA): the data buffer carries it.
    nvme_case("nvme-metadata-extended", "nvme.read=4:4", check_reads=False,
              namespaces=[{"ms": 8, "mset": 1}],
              expect=[r"^nvme: identify namespace nsid=1 lbas=\d+ lba_bytes=512 ms=8 extended=yes ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=4 blocks=4 bytes=2080 "]),
    # Inline metadata, more blocks than QEMU's model can carry in one command (each block's data is a
    # segment of its own there; past 1024 the command failed as a media error): the client splits.
    # Write Zeroes and deallocate from a client (nvme.zeroes=, nvme.trim=): zeroes over part of a pattern
    # write, and over more than one command's 65536 blocks (split); read back as zeros by the client and
    # found so in the image.  A trim claims nothing about the data after (DLFEAT is the device's).
    nvme_case("nvme-zeroes-and-trim", "nvme.write=100:400:0x33 nvme.zeroes=100:300,1000:65600 nvme.trim=70000:100",
              size=64 * MIB, drive_opts=",discard=unmap", check_reads=False,
              expect=[r"^nvme: write ok dev=nvme0n1 .* lba=100 blocks=400 .* verify=readback-match ",
                      r"^nvme: zeroes ok dev=nvme0n1 bdf=\S+ nsid=1 lba=100 blocks=300 commands=1 first_lba=0 flush=ok verify=readback-zero ",
                      r"^nvme: zeroes ok dev=nvme0n1 bdf=\S+ nsid=1 lba=1000 blocks=65600 commands=2 first_lba=0 flush=ok verify=readback-zero ",
                      r"^nvme: trim ok dev=nvme0n1 bdf=\S+ nsid=1 lba=70000 blocks=100 commands=1 first_lba=0 ",
                      r"^run: complete status=pass errors=0 "],
              extra_check=zeroed_and_kept([(100, 300), (1000, 65600)], [(400, 100, 0x33)])),
    nvme_case("nvme-metadata-extended-split", "nvme.read=1:1500 nvme.write=2000:1200:0x21", check_reads=False,
              namespaces=[{"ms": 8, "mset": 1}], props=",mdts=0",
              expect=[r"^client: device dev=nvme0n1 .* max_transfer=470600 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=1 blocks=1500 bytes=780000 .* commands=2 ",
                      r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=2000 blocks=1200 .* verify=readback-match "],
              forbid=[r"unrecovered-read-error", r"write-fault"]),
    # Two namespaces; the job picks the second.
    nvme_case("nvme-two-namespaces", "nvme.nsid=2 nvme.read=5:9",
              namespaces=[{"nsid": 1}, {"nsid": 2, "logical_block_size": 4096, "physical_block_size": 4096}],
              expect=[r"^nvme: identify namespace nsid=1 lbas=32768 lba_bytes=512 ",
                      r"^nvme: identify namespace nsid=2 lbas=4096 lba_bytes=4096 ",
                      r"^nvme: namespaces active=2 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=2 lba=0 blocks=1 bytes=4096 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=2 lba=5 blocks=9 "]),
    # A gap in the namespace ids: 1 and 3 attached.
    nvme_case("nvme-sparse-nsids", "nvme.nsid=3",
              namespaces=[{"nsid": 1}, {"nsid": 3}],
              expect=[r"^nvme: identify namespace nsid=3 ", r"^nvme: read ok dev=\S+ bdf=\S+ nsid=3 lba=0 "]),
    # QEMU's legacy Intel identity.
    nvme_case("nvme-intel-id", "", props=",use-intel-id=on",
              expect=[r"^pci: nvme controller bdf=\S+ vendor=0x8086 device=0x5845 "]),
    # The smallest queues the spec allows: CAP.MQES=1, two entries, one command at a time per I/O queue.
    # MQES bounds I/O queues only: the admin queue keeps its 64 entries (and the manager's reserve).
    nvme_case("nvme-smallest-queues", "nvme.read=1:2000,5:3 nvme.write=4000:3000:0x51", props=",mqes=1",
              writes=[(4000, 3000, 0x51)],
              expect=[r"^nvme: bound .* mqes=1 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=1 blocks=2000 bytes=1024000 ",
                      r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=4000 blocks=3000 .* verify=readback-match "]),
    # One I/O queue pair and one MSI-X vector: admin and I/O completions share it.
    nvme_case("nvme-one-vector", "nvme.read=9:700", props=",max_ioqpairs=1,msix_qsize=1",
              expect=[r"^nvme: manager bind .* irq=msix vectors=1 ", r"^nvme: bound .* ioqpairs=1 pid=\d+$"]),
    # The MSI-X table in a BAR of its own.
    nvme_case("nvme-msix-own-bar", "nvme.read=1:64", props=",msix-exclusive-bar=on",
              expect=[r"^nvme: manager bind .* irq=msix "]),
    # Behind a PCIe root port, on a bus firmware numbered.
    nvme_case("nvme-behind-root-port", "nvme.read=2:2",
              devices=["-device", "pcie-root-port,id=rp1,chassis=1,slot=1"], bus="rp1",
              expect=[r"^pci: nvme controller bdf=0000:0[1-9a-f]:00\.0 "]),
    # i440FX: no MCFG, configuration through ports; legacy PCI.
    nvme_case("nvme-pc-chipset", "nvme.read=40:40", machine="pc",
              expect=[r"^pci: enumeration complete access=port-io "]),
    # 64-bit LBAs: a 3 TiB sparse namespace read above 2^32 blocks.
    nvme_case("nvme-64bit-lba", "nvme.read=5000000000:8,6442450943:1", size=3 << 40, sparse_bytes=MIB,
              expect=[r"^nvme: identify namespace nsid=1 lbas=6442450944 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=5000000000 blocks=8 bytes=4096 ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=6442450943 blocks=1 "]),
    # Writes: the pattern, flushed, read back, then found in the image after power-off.
    nvme_case("nvme-write-pattern", "nvme.write=10:1:0xdeadbeef,1000:1500:0xdeadbeef nvme.read=10:1",
              writes=[(10, 1, 0xdeadbeef), (1000, 1500, 0xdeadbeef)],
              expect=[r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=1000 blocks=1500 bytes=768000 seed=0xdeadbeef .* flush=ok verify=readback-match pid=\d+$"]
                     + DATA_IN_PLACE),
    nvme_case("nvme-write-4k-second-ns", "nvme.nsid=2 nvme.write=7:300:42",
              namespaces=[{"nsid": 1}, {"nsid": 2, "logical_block_size": 4096, "physical_block_size": 4096}],
              writes=[(7, 300, 42)],
              expect=[r"^nvme: write ok dev=\S+ bdf=\S+ nsid=2 lba=7 blocks=300 "]),
    # Bad requests are error lines and a failed run, never a crash.
    nvme_case("nvme-read-beyond-end", "nvme.read=32767:2", status="fail", proof=False,
              expect=[r"^nvme: read error dev=\S+ bdf=\S+ nsid=1 lba=32767 blocks=2 reason=beyond-namespace lbas=32768 pid=\d+$",
                      r"^run: complete status=fail "]),
    nvme_case("nvme-missing-namespace", "nvme.nsid=7", status="fail", proof=False, check_reads=False,
              expect=[r"^nvme: error namespace nsid=7 is not active on nvme0$", r"^run: complete status=fail "]),
    # Media errors from blkdebug: decoded and reported; reads around them still succeed.
    nvme_case("nvme-media-error", "nvme.read=4088:8,4096:8,4104:8", status="fail", proof=False,
              blkdebug=range(4096, 4104), check_reads=True,
              expect=[r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=4088 blocks=8 ",
                      r"^nvme: read error dev=\S+ bdf=\S+ nsid=1 lba=4096 blocks=8 sct=0x2 sc=0x81 dnr=\d more=\d crd=\d status=unrecovered-read-error pid=\d+$",
                      # the provider's own line names the command that failed
                      r"^nvme: read error nsid=1 lba=4096 blocks=8 sct=0x2 sc=0x81 .* status=unrecovered-read-error pid=\d+$",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=4104 blocks=8 ",
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 "]),
    nvme_case("nvme-write-error", "nvme.write=96:8:1,200:8:2", status="fail", proof=False,
              blkdebug=range(100, 101), blkdebug_event="write_aio", writes=[(200, 8, 2)],
              expect=[r"^nvme: write error dev=\S+ bdf=\S+ nsid=1 lba=96 blocks=8 sct=0x2 sc=0x80 dnr=\d more=\d crd=\d status=write-fault pid=\d+$",
                      r"^nvme: write error nsid=1 lba=96 blocks=8 sct=0x2 sc=0x80 .* status=write-fault pid=\d+$",
                      r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=200 blocks=8 ",
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 "]),
    # A controller with no namespace attached (legal; a zoned-only one looks the same to an NVM-only
    # host) is served with nothing to serve: not a provider failure, not restarted.  The jobs go to the
    # first controller that has a namespace.
    nvme_case("nvme-no-namespace-beside-one", "nvme.read=5:1", devices=["-device", "nvme,serial=empty"],
              expect=[r"^provider: no active namespace: nothing to serve until stopped pid=\d+$",
                      r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=5 blocks=1 ",
                      r"^proc: exit pid=\d+ name=nvme0 status=0$"],
              forbid=[r"^provider: died ", r"^provider: restarted ", r"recoveries="]),
    Case("nvme-no-namespace-serve", "mode=serve serve.seconds=1", devices=["-device", "nvme,serial=empty"],
         expect=[r"^provider: no active namespace: nothing to serve until stopped pid=\d+$",
                 r"^serve: end reason=timeout ", r"^proc: exit pid=\d+ name=nvme0 status=0$"],
         forbid=[r"^provider: died ", r"^provider: restarted "]),
    # With no namespace anywhere, a run with jobs says so and fails (nothing was read).
    Case("nvme-no-namespace-anywhere", "nvme.read=5:1", devices=["-device", "nvme,serial=empty"], status="fail",
         expect=[r"^nvme: error no active namespace on any controller: nothing for the run's jobs to read$"],
         forbid=[r"^provider: died ", r"^nvme: read ok "]),
    # Forty namespaces with sparse ids: the list is read whole, the requested one tracked past the limit.
    nvme_case("nvme-forty-namespaces", "nvme.nsid=120 nvme.read=2:2", size=1 << 20,
              namespaces=[{"nsid": 3 * i} for i in range(1, 41)],
              expect=[r"^nvme: namespaces active=40 listed=40 ", r"^nvme: manager identify bdf=\S+ nn=\d+ listed=40 active=40 ", r"^nvme: read ok dev=\S+ bdf=\S+ nsid=120 lba=2 blocks=2 "]),
    # An emulated VT-d unit: verified on the controller, it carries the direct lane (more in cases_iommu.py).
    nvme_case("nvme-with-intel-iommu", "iommu.interrupt_isolation=optional nvme.read=77:77", machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"], proof=False,
              expect=[r"^acpi: dmar units=1 ",
                      r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true ",
                      r"^nvme: bound bdf=\S+ lane=direct ",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=77 blocks=77 "]),
    nvme_case("nvme-remap-forced-verified", "iommu.interrupt_isolation=optional dma.backend=remap nvme.read=1:1",
              machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"], proof=False,
              expect=[r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true ",
                      r"^nvme: bound bdf=\S+ lane=direct "]),
    # Remapping forced where it cannot be verified (requester id of a conventional bridge): a loud failure.
    nvme_case("nvme-remap-forced-unverified", "dma.backend=remap", machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on", "-device", "pci-bridge,id=br1,chassis_nr=1"], bus="br1",
              status="fail", proof=False, check_reads=False,
              expect=[r"^dma: error remap backend requested but verification failed bdf=\S+ step=unit "
                      r"reason=behind-conventional-pci-bridge$",
                      r"^run: complete status=fail "],
              forbid=[r"^dma: backend selection "]),
    # Remapping forced with no IOMMU at all.
    nvme_case("nvme-remap-forced-no-iommu", "dma.backend=remap", status="fail", proof=False, check_reads=False,
              expect=[r"^dma: error remap backend requested but no verified IOMMU iommu=none reason=no-dmar-table$",
                      r"^run: complete status=fail "]),
    nvme_case("nvme-bounce-forced", "dma.backend=bounce",
              expect=[r"^dma: backend selection backend=bounce-buffer iommu=none verified=false reason=forced-by-cmdline "]),
    # Plenty of memory: page tables and pools above 4 GiB.
    nvme_case("nvme-big-guest", "nvme.read=1:2000", memory_mb=6144),
]

HOSTILE_REFUSED = [
    # registers that hold or reveal addresses, and writes other than the reset claim (I5)
    "read-asq", "read-asq-low-dword", "read-asq-high-dword", "read-acq", "read-acq-low-dword", "read-cmbloc",
    "read-bpmbl", "read-bpmbl-low-dword", "read-cmbmsc", "read-cmbmsc-low-dword", "read-pmrmscl", "read-pmrmscu",
    "read-doorbell-page", "read-msix-table", "read-misaligned", "read-odd-width",
    "write-asq", "write-aqa", "write-cc-enable", "write-nssr", "write-intms",
    # doorbells, capabilities and kernel pointers
    "doorbell-unknown-queue", "doorbell-tail-outside-ring", "doorbell-cq-head-ahead",
    "mmio-read-through-console-cap", "log-from-kernel-address", "device-info-into-kernel",
    "second-enable-while-running", "ring-wait-on-a-dma-pool", "ring-wait-on-the-console",
    "ring-wait-on-a-slot-beyond-the-table", "ring-wait-notify-the-console", "ring-wait-notify-beyond-the-table",
    "ring-wait-queue-out-of-range",
    "ring-wait-tail-outside-ring", "ring-wait-args-in-kernel",
    # commands (I4, I6)
    "format-nvm", "firmware-commit", "doorbell-buffer-config", "host-memory-buffer", "set-features-save",
    "identify-cns-allocated-list", "identify-cns-controller-list", "log-page-telemetry", "log-page-vendor",
    "identify-into-kernel-memory", "create-sq-on-foreign-memory", "create-cq-ungranted-vector-ien0",
    "read-raw-prp2", "read-beyond-pool", "read-beyond-namespace", "read-with-sgl", "read-with-metadata-pointer",
    "fused-compare-write", "vendor-io-opcode", "unknown-namespace", "forged-identify-namespace-page",
] + ["forge-line-%d" % i for i in range(28)]
HOSTILE_HARMLESS = ["io-cq-without-interrupts", "stale-completion-after-recreate"]

CASES += [
    # The provider attacks the kernel: each attempt refused or harmless, then the device still works,
    # nothing was left mapped, no completion matched a dead command, and the audit is clean.
    nvme_case("nvme-hostile-provider", "selftest=hostile nvme.read=5:5",
              expect=[r"^selftest: hostile attempt=%s result=refused " % a for a in HOSTILE_REFUSED] +
                     [r"^selftest: hostile attempt=%s result=harmless " % a for a in HOSTILE_HARMLESS] + [
                  # At most 256 entries, fewer when the time budget ran out first (I7); all answered.
                  r"^selftest: hostile attempt=refusal-flood result=bounded how=commands=1000 "
                  r"taken_by_one_doorbell=([1-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-6]) refused=1000 ",
                  # The longest interrupts-off stretch, at the release and at the end (figure reported, not asserted).
                  IRQSOFF_RELEASE, IRQSOFF_RUN,
                  r"^nvme: refused register read bdf=\S+ pid=\d+ offset=0x28 ",
                  r"^nvme: refused register write bdf=\S+ pid=\d+ offset=0x14 width=4 value=0x1 ",
                  r"^console: refused line pid=\d+ name=nvme\d+ reason=kernel-event text=\"run: complete status=pass errors=0\"$",
                  r"^console: refused line pid=\d+ name=nvme\d+ reason=pid-key-is-the-kernels ",
                  r"^nvme: broker refused bdf=\S+ pid=\d+ qid=0 cid=\d+ opcode=0x80 reason=admin-opcode-not-allowed ",
                  r"^nvme: broker refusals suppressed bdf=\S+ pid=\d+ count=\d+",
                  r"^selftest: hostile attempts=%d refused_or_harmless=%d result=pass pid=\d+$" % (
                      len(HOSTILE_REFUSED) + len(HOSTILE_HARMLESS) + 1, len(HOSTILE_REFUSED) + len(HOSTILE_HARMLESS) + 1),
                  r"^nvme: controller released .* unmatched=0 ",
              ] + DATA_IN_PLACE,
              forbid=[r"result=ALLOWED", r"^run: complete status=pass errors=0$", r"^nvme: identify controller vid=0x1d0f",
                      r"^nvme: error device completion for no live command"]),
    # A provider that waits forever: the run deadline ends it and the run says so.
    nvme_case("nvme-hostile-hang", "selftest=hostile-hang run.timeout_s=3", status="fail", proof=False,
              check_reads=False, timeout_s=60,
              expect=[r"^selftest: hostile attempt=wait-forever result=started ",
                      r"^proc: killed pid=\d+ name=nvme\d+ reason=run-deadline supervised=yes$",
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 "] + DATA_IN_PLACE),
    # The in-guest benchmark runs and reports (figures are for bench/, not asserted here).
    nvme_case("nvme-bench-randread", "mode=bench bench.job=randread4k bench.qd=8 bench.seconds=1", check_reads=False,
              proof=False,
              expect=[r"^bench: job=randread4k qd=8 iops=[1-9]\d* mib_s=\d+\.\d lat_us_p50=\d+ lat_us_p99=\d+ lane=brokered lat_us_p999=\d+ ios=[1-9]\d* errors=0 ",
                      r"^bench: job=randread4k .* cpu_busy_pct=([1-9]?\d|100) path=provider cpus=\d+ lat_us_avg=[1-9]\d* ",
                      r"^nvme: device time bdf=\S+ io_commands=[1-9]\d* device_us_avg=\d+$",
                      IRQSOFF_RELEASE, IRQSOFF_RUN]),
    # A throttled volume (5 commands a second, QD32: each waits ~6 s): the completions inside the window
    # count, as fio counts them, on both paths - not only those submitted after the ramp (iops=0 before).
    nvme_case("nvme-bench-throttled-provider", "mode=bench bench.job=randread4k bench.qd=32 bench.seconds=4",
              drive_opts=",throttling.iops-total=5", check_reads=False, proof=False, timeout_s=120,
              expect=[r"^bench: job=randread4k qd=32 iops=[3-7] mib_s=0\.0 .* ios=(1\d|2\d|30) errors=0 .* path=provider "],
              forbid=[r"^bench: warning", r"^nvme: command timeout "]),
    nvme_case("nvme-bench-throttled-client", "mode=bench bench.path=client bench.job=randread4k bench.qd=32 bench.seconds=4",
              drive_opts=",throttling.iops-total=5", check_reads=False, proof=False, timeout_s=120,
              expect=[r"^bench: job=randread4k qd=32 iops=[3-7] mib_s=0\.0 .* ios=(1\d|2\d|30) errors=0 .* path=client "],
              forbid=[r"^bench: warning", r"^nvme: command timeout "]),
    # Device events at queue depth 1 (issue 8): one SQ doorbell per command, and the CQ head doorbell
    # deferred (MSI-X signals every posting whatever the head), so far fewer than one per command.
    nvme_case("nvme-bench-qd1-device-events", "mode=bench bench.job=randread4k bench.qd=1 bench.seconds=1",
              check_reads=False, proof=False, extra_check=few_cq_doorbells,
              expect=[r"^bench: job=randread4k qd=1 iops=[1-9]\d* .* errors=0 ",
                      r"^nvme: controller released .* device_sq_doorbells=[1-9]\d* device_cq_doorbells=\d+ "
                      r"poll=adaptive poll_hits=\d+ poll_misses=\d+ irqs_per_io=\d+\.\d\d io_cqs=interrupts tick_drains=0$"]),
    # The release audit looks for manager addresses in the provider's memory; data read from the disk may
    # hold any word, addresses included, and must not count (every word of this disk is one).
    Case("nvme-audit-ignores-device-data", "mode=bench bench.job=seqread128k bench.qd=8 bench.seconds=1",
         setup=address_disk,
         expect=[r"^bench: job=seqread128k qd=8 iops=[1-9]\d* .* errors=0 ", IRQSOFF_RUN,
                 r"^dma: audit provider_bytes_scanned=\d+ matching_words=0 provider_sq_bytes_skipped=\d+ "
                 r"device_data_bytes_skipped=[1-9]\d{6,} result=pass$"]),
    # More 256 KiB commands in flight than bounce pages: submissions wait for releases, none is lost.
    nvme_case("nvme-bench-bounce-pressure", "mode=bench bench.job=seqread256k bench.qd=64 bench.seconds=1",
              check_reads=False, proof=False,
              expect=[r"^bench: job=seqread256k qd=\d+ iops=[1-9]\d* .* errors=0 ",
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 "]),
    nvme_case("nvme-bench-seqwrite", "mode=bench bench.job=seqwrite64k bench.qd=4 bench.seconds=1", check_reads=False,
              proof=False,
              expect=[r"^bench: job=seqwrite64k qd=4 iops=[1-9]\d* .* errors=0 "]),
]

# The copying path of the no-IOMMU lane (dma.bounce=always) stays covered: the attacks, reads the host
# checks and the write pattern.  The originals run in place (dma.bounce=when-needed, the default).
CASES += [bounce_always(c) for c in CASES
          if c.name in ("nvme-default", "nvme-write-pattern", "nvme-hostile-provider", "nvme-hostile-hang")]
