"""tests/qemu/cases_hotplug.py - volumes that come and go while serving (issue 17).

EBS attaches and detaches volumes at run time; on Nitro each volume is an
NVMe function on an i440FX/PIIX4 bus, hot-plugged through ACPI (QEMU's
acpiphp interface, docs/specs/acpi_pci_hotplug.rst: a GPE, then the PCI_UP /
PCI_DOWN / eject registers at 0xae00).  Every case runs on the Nitro shape
(`pc,pit=off,hpet=off`) in mode=serve with a client writing on nvme0 while
the other volume comes or goes; its data is checked on the host image after
the power button ended the run.

* attach: `device_add nvme,…,bus=pci.0` of a drive defined at start: the new
  controller is bound with the lines of a boot-time one and its client
  reads LBA 0 (crc checked on the host).
* detach: `device_del` of a volume bound at boot: it is quiesced, shut down,
  ejected (`nvme: detached …`), and QEMU's DEVICE_DELETED must follow.
* q35: PCIe native hot-plug on a pcie-root-port (ICH9's ACPI hot-plug of
  root ports turned off with -global ICH9-LPC.acpi-pci-hotplug-with-bridge-
  support=off): a device_add on the port sets Presence Detect Changed, a
  device_del presses the Attention Button; the kernel powers the slot off
  (Power Controller Control, indicator off) once the controller is detached,
  and QEMU then unplugs it.
* vanish (pc and q35): a surprise removal.  QEMU cannot pull a PIIX function without an
  eject, so `fault.vanish=nvme1` writes the eject register behind the
  manager's back (q35: powers its slot off) once nvme1 has served its client, with its provider
  running and its controller enabled: the function is gone from MMIO and
  configuration space alike (QEMU reads 0 from the vanished BAR where a
  real bus reads all ones).  It must be detached, never reset.

The report gives device_add -> the new volume's first served read, and
device_del -> DEVICE_DELETED (host clock, the harness's timestamps).
"""
from harness import Case
from cases_nvme import mkdisk
from cases_volumes import KWORKER_DONE, MIB, all_of, kworker_parked, reads_match
from cases_iommu import OPT_IN
import imagecheck
import zlib

IOMMU = ["-device", "intel-iommu,intremap=on"]
IOMMU_MACHINE = "q35,kernel-irqchip=split"

NITRO = "pc,pit=off,hpet=off"
# 125 MiB written (and read back) as 16 extents over the two halves of vol0 (LBA 0, which its proof
# client reads first, left alone), so that the client is still busy while the other volume comes or
# goes; the last two extents are what the image must hold.
WRITES = [(8 + (i % 2) * 16000, 16000, 0x170 + i) for i in range(16)]
IO = "mode=serve nvme.write=" + ",".join("%d:%d:0x%x" % w for w in WRITES)
FINAL = WRITES[-2:]
FIRST_WRITE = r"^nvme: write ok dev=nvme0n1 .* seed=0x170 "    # the client is writing: the step comes now
POWERDOWN = (r"^serve: waiting ", "system_powerdown")
HOT_READ = r"^nvme: read ok dev=nvme1n1 bdf=0000:00:0[0-9a-f]\.0 nsid=1 lba=0 "
ATTACH = {"driver": "nvme", "id": "hot1", "drive": "d1", "serial": "hot1", "bus": "pci.0"}
HOTPLUG_READY = r"^acpi: pci hotplug ready chipset=piix4 io=0xae00 gpe=1 "


def volumes(attached, bus=None, extra=()):
    """vol0 always attached (it takes the writes); vol1's drive defined, its controller attached at boot
    (on bus, if given) or not."""
    def setup(ctx):
        args, images = [], {}
        for i, serial in enumerate(("vol0", "hot1")):
            img = ctx.path("%s.img" % serial)
            mkdisk(img, 16 * MIB, "CAPHOT%02d" % i)
            images[(serial, 1)] = img
            args += ["-drive", "file=%s,if=none,id=d%d,format=raw" % (img, i)]
            if i == 0 or attached:
                where = ",bus=" + bus if bus and i == 1 else ""
                args += ["-device", "nvme,id=%s,serial=%s,drive=d%d%s" % (serial, serial, i, where)]
        ctx.facts["images"] = images
        return list(extra) + args
    return setup


def writes_on_vol0(run, ctx):
    return imagecheck.check_writes(run, {1: ctx.facts["images"][("vol0", 1)]}, FINAL)


def busy_throughout(run, ctx):
    """The hot-plug step happened while vol0's client was still writing."""
    if not run.fired:
        return ["no QMP step fired"]
    sent = run.fired[0][1]
    done = run.time_of(r"^nvme: write ok dev=nvme0n1 .* seed=0x%x " % WRITES[-1][2])
    if done is None or done < sent:
        return ["the writes on nvme0n1 ended before the hot-plug step (%.2f s < %.2f s): not under I/O" %
                (done or -1, sent)]
    return []


def vanished_under_io(run, ctx):
    """nvme1 vanished while nvme0's client was still writing."""
    gone = run.time_of(r"^nvme: detached bdf=0000:00:04\.0 ")
    done = run.time_of(r"^nvme: write ok dev=nvme0n1 .* seed=0x%x " % WRITES[-1][2])
    if gone is None or done is None or done < gone:
        return ["nvme1 did not vanish while nvme0 was being written (detached at %s s, writes done at %s s)" %
                (gone, done)]
    return []


def vanished_under_io_q35(run, ctx):
    gone = run.time_of(r"^nvme: detached bdf=0000:0[1-9]:00\.0 ")
    done = run.time_of(r"^nvme: write ok dev=nvme0n1 .* seed=0x%x " % WRITES[-1][2])
    if gone is None or done is None or done < gone:
        return ["nvme1 did not vanish while nvme0 was being written (detached at %s s, writes done at %s s)" %
                (gone, done)]
    return []


def attach_figure(run):
    t_read = run.time_of(HOT_READ)
    if not run.fired or t_read is None:
        return ""
    return "device_add_to_first_read_ms=%d" % ((t_read - run.fired[0][1]) * 1000)


def detach_figure(run):
    if not run.fired:
        return ""
    pat, sent, returned = run.fired[0]
    return "device_del_to_device_deleted_ms=%d" % ((returned - sent) * 1000)


Q35 = "q35"
ROOT_PORTS = ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
              "-device", "pcie-root-port,id=rp1,chassis=1", "-device", "pcie-root-port,id=rp2,chassis=2"]
PCIE_READY = r"^pcie: hotplug ready slots=2 kind=native signal=polled-from-tick "
HOT_READ_Q35 = r"^nvme: read ok dev=nvme1n1 bdf=0000:0[1-9]:00\.0 nsid=1 lba=0 "


def attach_figure_q35(run):
    t_read = run.time_of(HOT_READ_Q35)
    if not run.fired or t_read is None:
        return ""
    return "device_add_to_first_read_ms=%d" % ((t_read - run.fired[0][1]) * 1000)


CASES = [
    Case("hotplug-attach-pc", IO, machine=NITRO, setup=volumes(attached=False), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_add", ATTACH), POWERDOWN],
         expect=[HOTPLUG_READY,
                 r"^acpi: pci hotplug event slot=\d+ kind=attach$",
                 r"^pci: nvme controller bdf=0000:00:0[0-9a-f]\.0 vendor=0x1b36 device=0x0010 ",
                 r"^nvme: bound bdf=0000:00:0[0-9a-f]\.0 lane=brokered ",
                 r"^nvme: identify controller .*serial=\"hot1\"",
                 r"^provider: nvme started ",
                 HOT_READ,
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match ",
                 r"^nvme: controller released bdf=0000:00:0[0-9a-f]\.0 stopped=yes ledger_live=0 "],
         check=all_of(writes_on_vol0, reads_match(2), busy_throughout), report=attach_figure),
    Case("hotplug-detach-pc", IO, machine=NITRO, setup=volumes(attached=True), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_del", {"id": "hot1"}, ("DEVICE_DELETED", {"device": "hot1"})),
              POWERDOWN],
         expect=[HOTPLUG_READY,
                 r"^acpi: pci hotplug event slot=\d+ kind=detach$",
                 r"^nvme: shutdown bdf=0000:00:04\.0 result=complete ",
                 r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed "],
         check=all_of(writes_on_vol0, busy_throughout), report=detach_figure),
    Case("hotplug-vanish-pc", IO + " fault.vanish=nvme1", machine=NITRO, setup=volumes(attached=True),
         timeout_s=120, qmp=[POWERDOWN],
         expect=[r"^nvme: fault vanish bdf=0000:00:04\.0 slot=4 \(ejected behind the kernel's back\)$",
                 r"^nvme: controller vanished bdf=0000:00:04\.0 csts=0x[0-9a-f]+ vendor=0xffff action=detach$",
                 r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ reason=vanished memory=freed ",
                 r"^nvme: write ok dev=nvme0n1 .* seed=0x17f .*flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed ", r"^provider: controller reset ",
                 r"^nvme: shutdown bdf=0000:00:04\.0 "],
         check=all_of(writes_on_vol0, vanished_under_io)),
    Case("hotplug-attach-q35", IO, machine=Q35, setup=volumes(attached=False, extra=ROOT_PORTS), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_add", dict(ATTACH, bus="rp1")), POWERDOWN],
         expect=[PCIE_READY,
                 r"^pcie: hotplug event port=0000:00:0[0-9a-f]\.0 bus=[1-9] kind=attach ",
                 r"^pci: nvme controller bdf=0000:0[1-9]:00\.0 vendor=0x1b36 device=0x0010 ",
                 r"^pci: bar assigned bdf=0000:0[1-9]:00\.0 bar=0 .* window=bridge$",
                 r"^nvme: bound bdf=0000:0[1-9]:00\.0 lane=brokered ",
                 r"^nvme: identify controller .*serial=\"hot1\"",
                 HOT_READ_Q35,
                 r"^nvme: controller released bdf=0000:0[1-9]:00\.0 stopped=yes ledger_live=0 "],
         check=all_of(writes_on_vol0, reads_match(2), busy_throughout), report=attach_figure_q35),
    Case("hotplug-detach-q35", IO, machine=Q35, setup=volumes(attached=True, bus="rp2", extra=ROOT_PORTS),
         timeout_s=120,
         qmp=[(FIRST_WRITE, "device_del", {"id": "hot1"}, ("DEVICE_DELETED", {"device": "hot1"})), POWERDOWN],
         expect=[PCIE_READY,
                 r"^pcie: hotplug event port=0000:00:0[0-9a-f]\.0 bus=[1-9] kind=detach ",
                 r"^nvme: shutdown bdf=0000:0[1-9]:00\.0 result=complete ",
                 r"^nvme: detached bdf=0000:0[1-9]:00\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed "],
         check=all_of(writes_on_vol0, busy_throughout), report=detach_figure),
    Case("hotplug-vanish-q35", IO + " fault.vanish=nvme1", machine=Q35,
         setup=volumes(attached=True, bus="rp2", extra=ROOT_PORTS), timeout_s=120, qmp=[POWERDOWN],
         expect=[r"^nvme: fault vanish bdf=(0000:0[1-9]:00\.0) slot=0 \(slot powered off behind the kernel's back\)$",
                 r"^pcie: hotplug event port=0000:00:0[0-9a-f]\.0 bus=[1-9] kind=gone ",
                 r"^nvme: detached bdf=0000:0[1-9]:00\.0 devs=nvme1n1 inflight_failed=\d+ reason=vanished memory=freed ",
                 r"^nvme: write ok dev=nvme0n1 .* seed=0x17f .*flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed ", r"^provider: controller reset ",
                 r"^nvme: shutdown bdf=0000:0[1-9]:00\.0 "],
         check=all_of(writes_on_vol0, vanished_under_io_q35)),
]

# The bind of a hot-plugged controller and the shutdown of a detached one wait on the device in a
# kworker that parks holding no lock (kernel/core/kworker.h): vol0's client keeps writing meanwhile,
# and no stretch with interrupts off lasts as long as the wait.
SLOW_MS = 2000

CASES += [
    # Attached while vol0 is written; the manager sees the new controller ready only 2 s after it enables it.
    Case("hotplug-attach-slow-ready-pc", IO + " fault.rdy_late=nvme1:%d" % SLOW_MS, machine=NITRO,
         setup=volumes(attached=False), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_add", ATTACH), POWERDOWN],
         expect=[r"^acpi: pci hotplug event slot=\d+ kind=attach$",
                 KWORKER_DONE % "attach-bind",
                 r"^nvme: bound bdf=0000:00:0[0-9a-f]\.0 lane=brokered ",
                 HOT_READ,
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         check=all_of(writes_on_vol0, reads_match(2), busy_throughout, kworker_parked("attach-bind", SLOW_MS))),
    # Detached while vol0 is written, and the controller never drops RDY (fault.rdy): the manager waits
    # CAP.TO for it (7.5 s on QEMU's model) parked, then keeps its memory (never freed while it may DMA),
    # ejects it, and says so.
    Case("hotplug-detach-not-stopping-pc", IO + " fault.rdy=nvme1", machine=NITRO, setup=volumes(attached=True),
         timeout_s=150, status="fail",
         qmp=[(FIRST_WRITE, "device_del", {"id": "hot1"}, ("DEVICE_DELETED", {"device": "hot1"})), POWERDOWN],
         expect=[r"^acpi: pci hotplug event slot=\d+ kind=detach$",
                 r"^nvme: error timeout waiting for CSTS.RDY=0 bdf=0000:00:04\.0 during release timeout_ms=\d+ ",
                 r"^nvme: shutdown bdf=0000:00:04\.0 result=complete ms=\d+ disabled=no$",
                 r"^nvme: error controller did not stop bdf=0000:00:04\.0; its queues and staging pages stay allocated$",
                 KWORKER_DONE % "detach",
                 r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=kept ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed "],
         check=all_of(writes_on_vol0, kworker_parked("detach", 5000))),
]

CASES += [
    # device_del while the new controller's bind is parked (ready only 2 s after its enable): the
    # removal waits for the bind, then the volume goes as a served one would (no crash on a unit that
    # has no controller yet, no line per tick while it waits).
    Case("hotplug-detach-while-binding-pc", IO + " fault.rdy_late=nvme1:%d" % SLOW_MS, machine=NITRO,
         setup=volumes(attached=False), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_add", ATTACH),
              (r"^acpi: pci hotplug event slot=\d+ kind=attach$", "device_del", {"id": "hot1"},
               ("DEVICE_DELETED", {"device": "hot1"})),
              POWERDOWN],
         expect=[KWORKER_DONE % "attach-bind",
                 r"^nvme: bound bdf=0000:00:0[0-9a-f]\.0 lane=brokered ",
                 r"^nvme: detached bdf=0000:00:0[0-9a-f]\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=freed ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed "],
         check=all_of(writes_on_vol0, kworker_parked("attach-bind", SLOW_MS),
                      lambda run, ctx: [] if len(run.find(r"^acpi: pci hotplug event slot=\d+ kind=detach$")) == 1
                      else ["want one detach event line, got %d" %
                            len(run.find(r"^acpi: pci hotplug event slot=\d+ kind=detach$"))])),
]

CASES += [
    # device_del while a restart's IDENTIFY is parked (nvme1's provider faults at once; its controller is
    # ready only 2 s after the manager enables it): the detach waits for the IDENTIFY through the tick, no
    # next generation is started for a volume that is going, and it is detached as usual.
    Case("hotplug-detach-while-restarting-pc", IO + " fault.provider=nvme1 fault.rdy_late=nvme1:%d" % SLOW_MS,
         machine=NITRO, setup=volumes(attached=True), timeout_s=120,
         qmp=[(r"^provider: died dev=nvme1n1 ", "device_del", {"id": "hot1"}, ("DEVICE_DELETED", {"device": "hot1"})),
              POWERDOWN],
         expect=[KWORKER_DONE % "restart-identify",
                 r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=freed ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed "],
         check=all_of(writes_on_vol0, kworker_parked("restart-identify", SLOW_MS))),
]


def reset_before_detach(run, ctx):
    """The dead generation's reset (here an FLR: fault.rdy keeps RDY up) ended before the detach touched
    the controller: one of them at a time, never both."""
    lines = run.lines
    flr = [i for i, l in enumerate(lines) if l.startswith("nvme: function level reset bdf=0000:00:04.0 ")]
    down = [i for i, l in enumerate(lines) if l.startswith("nvme: shutdown bdf=0000:00:04.0 ")]
    if not flr or not down:
        return ["no function level reset line (%d) or no shutdown line (%d) for 00:04.0" % (len(flr), len(down))]
    return [] if flr[0] < down[0] else ["the detach shut the controller down while its FLR was under way"]


CASES += [
    # device_del as a provider dies on a controller that will not stop by itself (fault.rdy): the
    # supervisor's reset goes on to an FLR, the detach waits for it, and no next generation is made.
    Case("hotplug-detach-while-resetting-pc", IO + " fault.provider=nvme1 fault.rdy=nvme1", machine=NITRO,
         setup=volumes(attached=True), timeout_s=120,
         qmp=[(r"^provider: died dev=nvme1n1 ", "device_del", {"id": "hot1"}, ("DEVICE_DELETED", {"device": "hot1"})),
              POWERDOWN],
         expect=[r"^nvme: function level reset bdf=0000:00:04\.0 csts=0x\d+ result=quiet$",
                 r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=freed ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match "],
         forbid=[r"^provider: restarted ", r"^provider: failed ", r"^kworker: done what=restart-identify "],
         check=all_of(writes_on_vol0, reset_before_detach)),
]


# The same volume detached and attached again, three times: each detach names its own device once
# (the device table keeps removed entries' slots, and a walk over it once visited a live entry again
# for every removed slot before it: devs=nvme2n1,nvme2n1).
DELETED = ("DEVICE_DELETED", {"device": "hot1"})
CASES += [
    Case("hotplug-detach-attach-cycles-pc", IO, machine=NITRO, setup=volumes(attached=True), timeout_s=180,
         qmp=[(FIRST_WRITE, "device_del", {"id": "hot1"}, DELETED),
              (r"^nvme: detached bdf=\S+ devs=nvme1n1 ", "device_add", ATTACH),
              (r"^nvme: read ok dev=nvme2n1 ", "device_del", {"id": "hot1"}, DELETED),
              (r"^nvme: detached bdf=\S+ devs=nvme2n1", "device_add", ATTACH),
              (r"^nvme: read ok dev=nvme3n1 ", "device_del", {"id": "hot1"}, DELETED),
              (r"^nvme: detached bdf=\S+ devs=nvme3n1", "query-status"), POWERDOWN],
         expect=[r"^nvme: detached bdf=0000:00:04\.0 devs=nvme1n1 inflight_failed=\d+ ",
                 r"^nvme: detached bdf=0000:00:0[0-9a-f]\.0 devs=nvme2n1 inflight_failed=\d+ ",
                 r"^nvme: detached bdf=0000:00:0[0-9a-f]\.0 devs=nvme3n1 inflight_failed=\d+ ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match ",
                 # every detached unit gave its inbox back (one heap object per detach was left)
                 r"^mem: released volumes=\d+ .* heap_objects_left=0$"],
         forbid=[r"^provider: restarted ", r"^provider: failed ", r"devs=nvme\d+n1,"],
         check=writes_on_vol0),
    # The power button while clients still soak: stopping them is what was asked, not an error.
    Case("power-button-mid-soak-pc", "mode=serve soak.seconds=30", machine=NITRO, setup=volumes(attached=True),
         timeout_s=120, qmp=[(r"^client: soak start dev=nvme1n1 ", "system_powerdown")],
         expect=[r"^serve: end reason=power-button ",
                 r"^proc: killed pid=\d+ name=blk\d reason=power-button asked=yes$"]),
]


def reads_by_dev(serial_of_dev):
    """Each read checked against its device's image: here both controllers take the same slot (bdf)."""
    def check(run, ctx):
        problems = []
        for l in run.find(r"^nvme: read ok "):
            kv = run.kv(l)
            img = ctx.facts["images"][(serial_of_dev[kv["dev"]], 1)]
            lba, blocks = int(kv["lba"]), int(kv["blocks"])
            want = "0x%08x" % zlib.crc32(imagecheck.read_image(img, lba * 512, blocks * 512))
            if kv["crc32"] != want:
                problems.append("crc mismatch: %s (host crc32=%s)" % (l, want))
        if len(run.find(r"^nvme: read ok ")) < 2:
            problems.append("want a read of each volume")
        return problems
    return check


# Every volume detached, then a new one attached: serving goes on with no process left (the run
# ended as the last provider exited, cutting its detach short, and no volume could come back).
CASES += [
    Case("hotplug-detach-all-then-attach-pc", "mode=serve", machine=NITRO, setup=volumes(attached=False),
         timeout_s=120,
         qmp=[(r"^serve: waiting ", "device_del", {"id": "vol0"}, ("DEVICE_DELETED", {"device": "vol0"})),
              (r"^nvme: detached bdf=\S+ devs=nvme0n1 ", "device_add", ATTACH),
              (HOT_READ, "system_powerdown")],
         expect=[r"^nvme: detached bdf=0000:00:03\.0 devs=nvme0n1 inflight_failed=0 reason=eject-request memory=freed ",
                 HOT_READ,
                 r"^serve: end reason=power-button ",
                 r"^mem: released volumes=\d+ .* heap_objects_left=0$",
                 r"^run: complete status=pass errors=0 "],
         check=reads_by_dev({"nvme0n1": "vol0", "nvme1n1": "hot1"})),
]


# q35: the controller a root port held at boot detached, and a new one added to the same port the
# moment QEMU reports the removal.  The new one's BAR fits where the old one's was (the window was
# called full: SeaBIOS had put the old BAR at its bottom), and a removal and an arrival between two
# looks at the slot are both seen (presence reads as before, Presence Detect Changed says otherwise).
def swap_on(port, extra=()):
    """volumes() with hot1 on the root port, and a drive d2 for a hot2 to take its place."""
    def setup(ctx):
        args = volumes(attached=True, bus=port, extra=ROOT_PORTS + list(extra))(ctx)
        img = ctx.path("hot2.img")
        mkdisk(img, 16 * MIB, "CAPHOT02")
        ctx.facts["images"][("hot2", 1)] = img
        return args + ["-drive", "file=%s,if=none,id=d2,format=raw" % img]
    return setup


CASES += [
    Case("hotplug-swap-same-port-q35", IO, machine=Q35, setup=swap_on("rp1"), timeout_s=120,
         qmp=[(FIRST_WRITE, "device_del", {"id": "hot1"}, DELETED),
              (r"^nvme: detached bdf=\S+ devs=nvme1n1 ", "device_add",
               {"driver": "nvme", "id": "hot2", "drive": "d2", "serial": "hot2", "bus": "rp1"}),
              (r"^nvme: read ok dev=nvme2n1 ", "query-status"),
              (r"^nvme: write ok dev=nvme0n1 .* seed=0x17f ", "system_powerdown")],
         expect=[r"^nvme: detached bdf=0000:01:00\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=freed ",
                 r"^pci: bar assigned bdf=0000:01:00\.0 bar=0 .* window=bridge$",
                 r"^nvme: identify controller .*serial=\"hot2\"",
                 r"^nvme: read ok dev=nvme2n1 bdf=0000:01:00\.0 nsid=1 lba=0 ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match ",
                 r"^run: complete status=pass errors=0 "],
         forbid=[r"^pci: error "],
         check=all_of(writes_on_vol0, reads_by_dev({"nvme0n1": "vol0", "nvme1n1": "hot1", "nvme2n1": "hot2"}))),
]

# pc: device_del at once after device_add: PCI_UP and PCI_DOWN of the slot are often taken in one look,
# and the detach was dropped (the slot had no unit yet when DOWN was looked at before UP).
CASES += [
    Case("hotplug-add-then-del-at-once-pc", IO, machine=NITRO, setup=volumes(attached=False), timeout_s=120,
         qmp=[(FIRST_WRITE, [("device_add", ATTACH), ("device_del", {"id": "hot1"})], None, DELETED),
              (r"^nvme: write ok dev=nvme0n1 .* seed=0x17f ", "system_powerdown")],
         expect=[r"^acpi: pci hotplug event slot=\d+ kind=attach$",
                 r"^acpi: pci hotplug event slot=\d+ kind=detach$",
                 r"^nvme: detached bdf=0000:00:0[0-9a-f]\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request ",
                 r"^nvme: write ok dev=nvme0n1 .* flush=ok verify=readback-match ",
                 r"^run: complete status=pass errors=0 "],
         check=writes_on_vol0),
]


# The direct lane (VT-d): a controller detached while its client's session is still open (the client
# writes to it).  The session's region leaves the device's domain before the domain goes; it was left
# mapped, the domain was kept with the region's pages still reachable after the session freed them,
# and its stale context entry refused the next controller in that slot.
DIRECT_IO = OPT_IN + " mode=serve nvme.dev=nvme1n1 nvme.write=" + ",".join("%d:%d:0x%x" % w for w in WRITES)
CASES += [
    Case("hotplug-detach-open-session-direct-q35", DIRECT_IO, machine=IOMMU_MACHINE, setup=swap_on("rp2", IOMMU),
         timeout_s=150,
         qmp=[(r"^nvme: write ok dev=nvme1n1 .* seed=0x170 ", "device_del", {"id": "hot1"}, DELETED),
              (r"^nvme: detached bdf=\S+ devs=nvme1n1 ", "device_add",
               {"driver": "nvme", "id": "hot2", "drive": "d2", "serial": "hot2", "bus": "rp2"}),
              (r"^nvme: read ok dev=nvme2n1 ", "system_powerdown")],
         expect=[r"^provider: nvme started .* lane=direct pid=\d+$",
                 r"^iommu: space unmapped bdf=0000:02:00\.0 did=\d+ space=1 ",
                 r"^iommu: domain destroyed bdf=0000:02:00\.0 ",
                 r"^nvme: detached bdf=0000:02:00\.0 devs=nvme1n1 inflight_failed=\d+ reason=eject-request memory=freed ",
                 r"^nvme: bound bdf=0000:02:00\.0 lane=direct ",
                 r"^nvme: read ok dev=nvme2n1 bdf=0000:02:00\.0 nsid=1 lba=0 ",
                 r"^mem: released volumes=\d+ .* heap_objects_left=0$",
                 r"^run: complete status=pass errors=0 "],
         forbid=[r"^iommu: error ", r"context-entry-not-accepted"],
         check=reads_by_dev({"nvme0n1": "vol0", "nvme1n1": "hot1", "nvme2n1": "hot2"})),
]
