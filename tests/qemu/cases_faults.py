"""tests/qemu/cases_faults.py - faults the system must survive, not only contain.

Controller timeouts and reset (issue 16 §3): `fault.ctrl=nvmeN` cuts the
controller's DMA mid-job (QEMU then sets CSTS.CFS): reset without Abort, replay.
A device slower than the timeout gets a poll, an Abort, then a reset and
replay; one that never gets faster ends with the volume failed, never a hang;
one slower than usual but inside the timeout is simply waited for.

Provider restart (issue 16 §1-2): `fault.provider=nvmeN` faults generation 1
once serving, `:after=K` after it took K requests (mid-job), `:hang` makes it
stop after its first request, `:bind` kills it while it binds, `:always`
faults every generation (the volume must then be declared failed).  The
supervisor quiets the controller, starts the next generation on the same
sessions, and clients post again what the dead one had taken.  Every write
is checked on the host image afterwards, and everything outside it must be
unchanged.

Lost interrupts (issue 16 §4): `fault.irq=nvmeN` masks that controller's
vectors at the device once its provider has enabled it, behind the
interrupt code's back, as a platform that stops delivering them would
(MSI-X: the per-vector mask; INTx: the command register's disable bit).
The manager must notice posted completions with no interrupt, say so once
per vector, and serve the queues by polling: every read and write still
completes and verifies on the host, the run passes and counts the
recovery.  QEMU's NVMe controller has no MSI capability, so `nvme.irq=msi`
there is a clear bind error; MSI is masked the same way (MSI enable off).
"""
from harness import Case
from cases_nvme import nvme_case
from cases_volumes import MIB, THREE, all_of, controllers, reads_match, write_in_image
import gptimage
import imagecheck
from cases_iommu import OPT_IN

IO = "nvme.read=0:8,1000:2048 nvme.write=300:64:0x11"
WRITES = [(300, 64, 0x11)]
LOST = r"^nvme: interrupts lost bdf=\S+ vector=\d+ fallback=polling cpu_vector=\d+ kind=%s waited_ms=\d+"
SURVIVED = [
    r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=1000 blocks=2048 bytes=1048576 ",
    r"^nvme: write ok dev=nvme0n1 bdf=\S+ nsid=1 lba=300 blocks=64 .* flush=ok verify=readback-match ",
    r"^nvme: interrupt watch bdf=\S+ lost_episodes=[1-9]\d* tick_polls=[1-9]\d* polled_completions=[1-9]\d*$",
    r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 .* irqs=0 ",
    r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$",
]


def only_second_lost(run, ctx):
    """Every lost-interrupt line names nvme1's function; nvme0's I/O never noticed a thing."""
    first = run.find(r"^nvme: read ok dev=nvme0n1 ")
    second = run.find(r"^nvme: read ok dev=nvme1n1 ")
    if not first or not second:
        return ["no read on nvme0n1 or nvme1n1"]
    bdf0, bdf1 = run.kv(first[0])["bdf"], run.kv(second[0])["bdf"]
    bad = [l for l in run.find(r"^nvme: interrupts lost ") if run.kv(l)["bdf"] != bdf1]
    return ["lost interrupts outside nvme1 (%s): %s" % (bdf1, l) for l in bad] + (
        [] if run.find(r"^nvme: interrupts lost bdf=%s " % bdf1) else ["nvme1 (%s) never noticed its loss" % bdf1]) + (
        [] if bdf0 != bdf1 else ["both controllers at one bdf?"])


def lost(kind):
    return [r"^nvme: fault irq-masked bdf=\S+ kind=%s vectors=\d+ \(behind the kernel's back\)$" % kind, LOST % kind]


def few_empty_irqs(run, ctx):
    """No storm: each controller's interrupts that found nothing are a handful, not thousands."""
    problems = []
    for line in run.find(r"^nvme: controller released "):
        kv = run.kv(line)
        if int(kv["empty_irqs"]) > 1000:
            problems.append("%s: empty_irqs=%s irqs=%s" % (kv["bdf"], kv["empty_irqs"], kv["irqs"]))
    return problems


CASES = [
    # MSI-X, four vectors: admin and I/O vectors each noticed and polled.
    nvme_case("irq-lost-msix", "fault.irq=nvme0 " + IO, writes=WRITES, proof=False,
              expect=lost("msix") + SURVIVED + [r"^nvme: interrupts lost bdf=\S+ vector=[1-9] "]),
    # One vector for everything (EBS controllers offer about three).
    nvme_case("irq-lost-one-vector", "fault.irq=nvme0 " + IO, props=",max_ioqpairs=1,msix_qsize=1",
              writes=WRITES, proof=False,
              expect=[r"^nvme: manager bind .* irq=msix vectors=1 "] + lost("msix") + SURVIVED),
    # The pin, on the Nitro-shaped chipset: level-triggered INTx through the I/O APIC, then disabled at the device.
    nvme_case("irq-intx", "nvme.irq=intx " + IO, machine="pc,pit=off,hpet=off", writes=WRITES,
              expect=[r"^nvme: manager bind .* irq=intx vectors=1 "], forbid=[r"^nvme: interrupts lost "]),
    nvme_case("irq-lost-intx", "nvme.irq=intx fault.irq=nvme0 " + IO, machine="pc,pit=off,hpet=off",
              writes=WRITES, proof=False, expect=lost("intx") + SURVIVED),
    # Functions share pins (INTx is level triggered and wired-OR): two controllers on one I/O APIC pin
    # get one vector whose handler serves both (kernel/pci/intx.c).  Routing each on its own overwrote
    # the pin: the first one's interrupts reached the second's handler, a storm of empty interrupts
    # (130000 in one run) until the first's lost-interrupt watch polled.
] + [
    Case("irq-intx-shared-pin-" + name, "nvme.irq=intx nvme.dev=nvme1n1 nvme.read=0:8,1000:2048 nvme.write=300:64:0x11",
         machine=machine, setup=controllers([("vol0", 16 * MIB, "", None), ("vol1", 16 * MIB, "", None)]),
         expect=[r"^pci: intx gsi=\d+ vector=\d+ shared_by=2$",
                 r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=0 ",
                 r"^nvme: write ok dev=nvme1n1 .* verify=readback-match ",
                 r"^run: complete status=pass errors=0 uptime_ms=\d+$"],
         forbid=[r"^nvme: interrupts lost "],
         check=all_of(reads_match(3), write_in_image("vol1", [(300, 64, 0x11)]), few_empty_irqs))
    for name, machine in (("pc", "pc,pit=off,hpet=off"), ("q35", "q35"))
] + [
    # nvme.poll=always: the I/O completion queues have no interrupt to lose (kernel/nvme/poll.h), so a
    # platform that stops delivering costs nothing there: the I/O is served by polls.  The admin
    # queue keeps its interrupt, and its loss may still be noticed (vector 0) and polled.
    nvme_case("irq-lost-msix-poll-always", "fault.irq=nvme0 nvme.poll=always " + IO, writes=WRITES, proof=False,
              expect=[lost("msix")[0],
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 .* poll=always .* io_cqs=polled tick_drains=\d+$",
                      r"^run: complete status=pass errors=0 uptime_ms=\d+( recoveries=\d+)?$"],
              forbid=[r"^nvme: interrupts lost bdf=\S+ vector=[1-9] "]),
    # MSI asked for where the function has none: a bind error that says what was tried.
    nvme_case("irq-msi-unavailable", "nvme.irq=msi nvme.read=0:8", proof=False, check_reads=False, status="fail",
              expect=[r"^nvme: error bdf=\S+ no usable interrupt tried=msi, msix_cap=yes msi_cap=no intx_pin=\d+ err=enodev$"]),
    # Two controllers: the second loses its interrupts; the first never notices anything.
    Case("irq-lost-second-controller", "fault.irq=nvme1 nvme.read=0:8,1000:2048 nvme.write=300:64:0x11",
         setup=controllers([("vol0", 16 * MIB, "", None), ("vol1", 16 * MIB, "", None)]),
         expect=[r"^nvme: fault irq-masked bdf=\S+ kind=msix ", r"^nvme: write ok dev=nvme0n1 .* verify=readback-match ",
                 r"^nvme: read ok dev=nvme1n1 bdf=\S+ nsid=1 lba=0 ",
                 r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$"],
         check=all_of(reads_match(3), write_in_image("vol0", WRITES), only_second_lost)),
    # The direct lane: the provider's own I/O queues are invisible to the manager; the loss is
    # noticed on the brokered admin queue, and every vector of the controller is then forwarded
    # from the tick.
    nvme_case("irq-lost-direct-lane", OPT_IN + " fault.irq=nvme0 " + IO, machine="q35,kernel-irqchip=split",
              devices=["-device", "intel-iommu,intremap=on"], writes=WRITES, proof=False,
              expect=[r"^nvme: bound bdf=\S+ lane=direct "] + lost("msix") +
              [r"^nvme: interrupts lost bdf=\S+ vector=[1-9] .* reason=same-controller$"] + SURVIVED),
    # The benchmark keeps going on polling alone (a rate, not asserted: reported).
    nvme_case("irq-lost-bench", "mode=bench bench.job=randread4k bench.qd=32 bench.seconds=2 fault.irq=nvme0",
              proof=False, check_reads=False,
              expect=lost("msix") + [r"^bench: job=randread4k qd=32 iops=[1-9]\d* ",
                                     r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=[1-9]\d*$"]),
]


# ------------------------------------------------------------------ provider restart
# MDTS 16 KiB: a 4 MiB write is 256 requests, eight in flight at once (user/blockclient/io.c).
LOAD = "nvme.write=1000:8000:0x77 nvme.read=0:8"
LOAD_WRITES = [(1000, 8000, 0x77)]
RESTARTED = r"^provider: restarted dev=nvme0n1 generation=2 replayed=%s failed=0 reason=%s pid=\d+ bdf=\S+ restart_ms=\d+$"
PASSED_WITH_RECOVERY = r"^run: complete status=pass errors=0 uptime_ms=\d+ recoveries=1$"


def untouched(run, ctx, extents):
    return imagecheck.check_untouched(ctx.facts["images"][1], "CAPROCK1", [(l, c) for l, c, _ in extents])


def restart_case(name, fault, cmdline, writes, replayed=r"\d+", reason="fault", expect=(), **kw):
    return nvme_case(name, "fault.provider=nvme0:%s %s" % (fault, cmdline) if fault else cmdline,
                     props=kw.pop("props", ",mdts=2"), writes=writes, proof=False,
                     expect=[RESTARTED % (replayed, reason), PASSED_WITH_RECOVERY] + list(expect),
                     extra_check=lambda run, ctx: untouched(run, ctx, writes), **kw)


CASES += [
    # Mid-write under load: the provider dies with several writes taken; they are posted again.
    restart_case("restart-mid-write", "after=20", LOAD, LOAD_WRITES, replayed=r"[1-9]\d*",
                 expect=[r"^provider: fault injected on purpose mid-job requests=20 ",
                         r"^client: provider restarted dev=nvme0n1 generation=2 lost=[1-9]\d* replayed=[1-9]\d* failed=0 ",
                         r"^nvme: write ok dev=nvme0n1 .* lba=1000 blocks=8000 .* verify=readback-match "]),
    # At once, before it served anything.
    restart_case("restart-once-serving", "", "fault.provider=nvme0 " + LOAD, LOAD_WRITES, replayed="0"),
    # While binding: its admin queue live, no I/O queue yet.
    restart_case("restart-during-bind", "bind", LOAD, LOAD_WRITES, replayed="0",
                 expect=[r"^provider: fault injected on purpose during-bind "]),
    # During a flush: proof read, one write, then the flush is the third request it takes.
    restart_case("restart-during-flush", "after=3", "nvme.write=100:16:0x5", [(100, 16, 0x5)], replayed="1",
                 expect=[r"^nvme: write ok dev=nvme0n1 .* lba=100 blocks=16 .* flush=ok verify=readback-match "]),
    # A hung provider (no call for 3 s with requests pending) is killed and replaced.
    restart_case("restart-hung-provider", "hang", LOAD, LOAD_WRITES, replayed="1", reason="hang",
                 expect=[r"^provider: hung dev=nvme0n1 bdf=\S+ generation=1 waiting_requests=[1-9]\d* no_call_ms=\d+ action=kill$",
                         r"^proc: killed pid=\d+ name=nvme0 reason=hang supervised=yes$"]),
    # A full queue: the client benchmark at the ring's depth when the provider dies.
    nvme_case("restart-full-queue", "mode=bench bench.path=client bench.job=randread4k bench.qd=64 bench.seconds=2 "
              "fault.provider=nvme0:after=300", proof=False, check_reads=False,
              expect=[RESTARTED % (r"[1-9]\d*", "fault"), PASSED_WITH_RECOVERY,
                      r"^bench: job=randread4k qd=64 iops=[1-9]\d* .* errors=0 .*path=client "]),
    # A provider that faults in every generation: four restarts, then the volume is failed; its client
    # gets an error, not a hang.
    nvme_case("restart-gives-up", "fault.provider=nvme0:always nvme.read=0:8", proof=False, check_reads=False,
              status="fail", timeout_s=90,
              expect=[r"^provider: restarted dev=nvme0n1 generation=5 ",
                      r"^provider: failed dev=nvme0n1 bdf=\S+ generation=5 restarts=4 reason=too-many-restarts$",
                      r"^nvme: read error dev=nvme0n1 .* reason=enodev"],
              forbid=[r"^nvme: read ok "]),
    # Another volume keeps going while one restarts: its write verified on its own image.
    Case("restart-other-volume-unaffected", "nvme.dev=nvme1n1 fault.provider=nvme0:after=1 nvme.write=500:2000:0x99",
         setup=controllers([("vol0", 16 * MIB, "", None), ("vol1", 16 * MIB, ",mdts=2", None)]),
         expect=[r"^provider: restarted dev=nvme0n1 generation=2 ", PASSED_WITH_RECOVERY,
                 r"^nvme: write ok dev=nvme1n1 .* lba=500 blocks=2000 .* verify=readback-match ",
                 r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=0 "],
         forbid=[r"^provider: (died|restarted) dev=nvme1"],
         check=all_of(reads_match(2), write_in_image("vol1", [(500, 2000, 0x99)]))),
    # The direct lane: the new generation's pool is mapped at the same IOVAs, the domain verified again.
    restart_case("restart-direct-lane", "after=20", OPT_IN + " " + LOAD, LOAD_WRITES, replayed=r"[1-9]\d*",
                 machine="q35,kernel-irqchip=split", devices=["-device", "intel-iommu,intremap=on"],
                 expect=[r"^nvme: bound bdf=\S+ lane=direct ",
                         r"^nvme: write ok dev=nvme0n1 .* lba=1000 blocks=8000 .* verify=readback-match "]),
]


# ------------------------------------------------------------------ controller timeouts and reset
def null_drive(latency_ns):
    """QEMU's null-co backend: reads return zeros after latency_ns; no host disk in the way."""
    return ["-drive", "driver=null-co,size=16M,read-zeroes=on,latency-ns=%d,if=none,id=nul0" % latency_ns,
            "-device", "nvme,serial=slow,drive=nul0"]


ZEROS_4K_CRC = "0x%08x" % __import__("zlib").crc32(bytes(4096))

CASES += [
    # The controller's DMA cut mid-write: QEMU sets CFS; reset at once (no Abort), replay, data right.
    restart_case("timeout-controller-fatal", "", "fault.ctrl=nvme0 " + LOAD, LOAD_WRITES, replayed=r"[1-9]\d*",
                 reason="controller-fatal",
                 expect=[r"^nvme: fault ctrl-dma-cut bdf=\S+ completed=\d+ ",
                         r"^nvme: controller fatal bdf=\S+ csts=0x[0-9a-f]+ reason=cfs action=reset$",
                         r"^provider: controller reset dev=nvme0n1 bdf=\S+ generation=1 reason=controller-fatal action=kill$",
                         r"^nvme: write ok dev=nvme0n1 .* lba=1000 blocks=8000 .* verify=readback-match "]),
    # A slow device inside the timeout (1.5 s per command, 5 s allowed): waited for, nothing reset.
    Case("timeout-slow-device-waited-for", "nvme.timeout_ms=5000 nvme.read=0:8", devices=null_drive(1500 * 1000 * 1000),
         timeout_s=120,
         expect=[r"^nvme: read ok dev=nvme0n1 bdf=\S+ nsid=1 lba=0 blocks=8 bytes=4096 crc32=%s " % ZEROS_4K_CRC,
                 r"^run: complete status=pass errors=0 uptime_ms=\d+$"],
         forbid=[r"^nvme: command timeout ", r"^provider: (died|restarted|controller reset) "]),
    # A throttled volume (EBS throttles above its IOPS): 2 commands a second, 16 queued, 3 s allowed.
    # The Abort ends the oldest with Abort Requested and no DNR: sent again, not failed to the client.
    nvme_case("timeout-aborted-command-retried", "nvme.timeout_ms=3000 nvme.write=1000:256:0x77 nvme.read=0:8",
              props=",mdts=2", drive_opts=",throttling.iops-total=2", writes=[(1000, 256, 0x77)], timeout_s=120,
              expect=[r"^nvme: command timeout bdf=\S+ qid=1 cid=0x[0-9a-f]{4} opcode=0x01 age_ms=\d+ surface=generic action=abort timeout_ms=3000$",
                      r"^nvme: command retried qid=1 cid=\d+ opcode=0x01 status=abort-requested attempt=1 of=5 pid=\d+$",
                      r"^nvme: write ok dev=nvme0n1 .* lba=1000 blocks=256 .* verify=readback-match ",
                      r"^run: complete status=pass errors=0 "],
              forbid=[r"^nvme: write error ", r"action=reset", r"^provider: (died|restarted|controller reset) "]),
    # Slower than the timeout, always: poll, Abort, reset and replay, again and again; then the
    # volume is failed and its client told - an error, never a hang.
    Case("timeout-reset-then-fail", "nvme.timeout_ms=1000 nvme.read=0:8", devices=null_drive(4000 * 1000 * 1000),
         status="fail", timeout_s=150,
         expect=[r"^nvme: command timeout bdf=\S+ qid=\d+ cid=0x[0-9a-f]{4} opcode=0x02 age_ms=\d+ surface=generic action=abort timeout_ms=1000$",
                 r"^nvme: command timeout bdf=\S+ qid=\d+ cid=0x[0-9a-f]{4} opcode=0x02 age_ms=\d+ surface=generic action=reset$",
                 r"^provider: controller reset dev=nvme0n1 bdf=\S+ generation=1 reason=timeout action=kill$",
                 r"^provider: restarted dev=nvme0n1 generation=2 replayed=1 failed=0 reason=timeout ",
                 # each generation's count is its own (it summed the earlier ones': replayed=2, 3, 4)
                 r"^provider: restarted dev=nvme0n1 generation=4 replayed=1 failed=0 reason=timeout ",
                 r"^provider: failed dev=nvme0n1 bdf=\S+ generation=\d+ restarts=4 reason=too-many-restarts$",
                 r"^nvme: read error dev=nvme0n1 "],
         forbid=[r"^nvme: read ok dev=nvme0n1 "]),
]

# ------------------------------------------------------------------ a controller that does not stop
CASES += [
    # RDY stays 1 after CC.EN=0 (fault.rdy makes the manager see it so): after CAP.TO, a Function
    # Level Reset, the function's configuration and interrupts restored, then the restart and replay.
    restart_case("restart-flr", "after=20", "fault.rdy=nvme0 " + LOAD, LOAD_WRITES, replayed=r"[1-9]\d*",
                 machine="pc,pit=off,hpet=off", timeout_s=180,
                 expect=[r"^nvme: controller did not stop bdf=\S+ csts=0x[0-9a-f]+ \(fault.rdy\) action=function-level-reset$",
                         r"^nvme: function level reset bdf=\S+ csts=0x[0-9a-f]+ result=quiet$",
                         r"^nvme: write ok dev=nvme0n1 .* lba=1000 blocks=8000 .* verify=readback-match "]),
    # Still not quiet after the reset: bus mastering off, memory quarantined, the volume failed;
    # its client gets an error, nothing hangs, nothing of the controller's is freed.
    nvme_case("restart-quarantine", "fault.provider=nvme0:after=3 fault.rdy=nvme0:always nvme.write=100:16:0x5",
              proof=False, check_reads=False, status="fail", timeout_s=180,
              expect=[r"^nvme: function level reset bdf=\S+ csts=0x[0-9a-f]+ result=not-quiet$",
                      r"^nvme: error controller did not stop bdf=\S+ .* bus mastering off, its memory quarantined$",
                      r"^provider: failed dev=nvme0n1 bdf=\S+ generation=1 restarts=0 reason=controller-would-not-stop$",
                      r"^nvme: (write|flush) error dev=nvme0n1 "],
              forbid=[r"^provider: restarted "]),
]

# The power button while a dead provider's restart waits on its slow controller (RDY 3 s late): the end
# asked for comes first, the restart is not made, and that is not an error (the run failed, calling the
# injected fault's unfinished recovery a provider that ended badly).
CASES += [
    Case("power-button-during-restart", "mode=serve soak.seconds=20 fault.provider=nvme1:after=30 "
         "fault.rdy_late=nvme1:3000", setup=controllers(THREE), timeout_s=120,
         qmp=[(r"^provider: died dev=nvme1n1 ", "system_powerdown")],
         expect=[r"^provider: died dev=nvme1n1 bdf=\S+ generation=1 reason=fault ",
                 r"^serve: end reason=power-button ",
                 r"^provider: not restarted nvme1 generation=1 reason=fault: the run was asked to end first$",
                 r"^run: complete status=pass errors=0 "],
         forbid=[r"^nvme: error provider "]),
]

# A manager read at bind that outlives nvme.timeout_ms (1 IOPS, 300 ms): given up on, its late completion
# would have landed in the stack frame of the next manager command, which then "completed" with the
# first read's data in the buffer.  Now the broker keeps it as abandoned and sends no manager command
# while one is with the device; the table is reported unread, and the other volumes' binds are not held
# up 30 s per read (the bind reads ignored nvme.timeout_ms).
def slow_gpt_disk(ctx):
    img = ctx.path("disk.img")
    gptimage.build(img, 16 * MIB, [gptimage.Part(1 * MIB, "esp", "EFI"), gptimage.Part(0, "linux", "data")])
    ctx.facts["images"] = {1: img}
    return ["-drive", "file=%s,if=none,id=d0,format=raw,throttling.iops-total=1" % img,
            "-device", "nvme,serial=slow,drive=d0"]


CASES += [
    Case("timeout-manager-read-abandoned", "nvme.timeout_ms=300 nvme.read=0:8", setup=slow_gpt_disk, status="fail",
         timeout_s=120,
         expect=[r"^nvme: error manager command timed out bdf=\S+ qid=1 opcode=0x02 timeout_ms=300$",
                 r"^nvme: error manager command not sent bdf=\S+ qid=1 opcode=0x02: 1 given up on are still with the device$",
                 r"^block: gpt dev=nvme0n1 partitions=0 .* result=invalid reason=entry-array-read-failed "
                 r"backup_reason=header-read-failed "],
         forbid=[r"my-lba-mismatch", r"^panic"]),
]


# A volume failing every read under a benchmark: the provider names the first 16 failures and counts the
# rest (it wrote one line per request, 20000 in 3 s, which would stall a real serial console).
def every_read_fails(ctx):
    img, conf = ctx.path("disk.img"), ctx.path("blkdebug.conf")
    gptimage.build(img, 16 * MIB, [gptimage.Part(0, "linux", "data")])
    with open(conf, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nonce = "off"\nimmediately = "off"\n')
    return ["-drive", "if=none,id=d0,driver=raw,file.driver=blkdebug,file.config=%s,file.image.driver=file,"
            "file.image.filename=%s" % (conf, img), "-device", "nvme,serial=bad,drive=d0"]


def few_provider_error_lines(run, ctx):
    n = len(run.find(r"^nvme: read error nsid=1 "))
    return [] if 1 <= n <= 16 else ["%d provider read error lines, want 1..16" % n]


CASES += [
    Case("errors-counted-not-flooded", "mode=bench bench.path=client bench.job=randread4k bench.qd=8 bench.seconds=1",
         setup=every_read_fails, status="fail", timeout_s=120,
         expect=[r"^provider: errors dev=nvme0n1 more than 16: the rest are counted ",
                 # the status as NVMe defines it (SCT 2, SC 0x81), without the completion's phase tag
                 r"^bench: error dev=nvme0n1 status=eio nvme_status=0x0502 ",
                 r"^provider: session done dev=nvme0n1 served=\d+ .* failed=[1-9]\d{2,} pid=\d+$"],
         check=few_provider_error_lines),
]
