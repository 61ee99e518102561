"""tests/qemu/cases_platform.py - booting where EBS lives (issue 9).

* The clock without a PIT and without an HPET, on Q35 and on i440FX (the
  Nitro chipset): the reference it names, a TSC rate within a few percent of
  what the default machine measures, and time that agrees with the host's
  clock (serve.seconds measured on the host between two console lines).
* Every reference forced in turn, and refusals: a forced source that is not
  there, a machine with no reference at all.
* The ACPI tables SeaBIOS gives (RSDP revision 0, RSDT only, a revision-1
  FADT on i440FX, no MCFG) and those OVMF gives (revision 2, XSDT).
* The power button: QMP system_powerdown while the kernel serves; QEMU must
  exit by itself after S5.  With a write before it, found in the image.
* build/caprock.img's recipe (tools/mkimage.py) booted from its NVMe root
  under SeaBIOS (pc and q35) and OVMF, GRUB loading the kernel by
  multiboot2, every read checked against the image on the host.

OVMF under TCG takes ~10 s to reach GRUB, so it boots once, and that boot
also covers the power button and S5 under UEFI.
"""
import os
import re
import shutil
import subprocess
import sys
import threading

from harness import Case
from cases_nvme import nvme_case
import imagecheck
import qemu

HERE = os.path.dirname(os.path.abspath(__file__))
MKIMAGE = os.path.join(HERE, "..", "..", "tools", "mkimage.py")
MKDISK = os.path.join(HERE, "..", "..", "tools", "mkdisk.py")
OVMF_CODE = os.environ.get("OVMF_CODE", "/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = os.environ.get("OVMF_VARS", "/usr/share/OVMF/OVMF_VARS_4M.fd")

TSC_TOLERANCE = 0.03        # "within a few %" of the default machine's rate
POWERDOWN = [(r"^serve: waiting ", "system_powerdown")]

# Image layout (tools/mkimage.py): data partition p3 and the image's last LBA.
DATA_FIRST_LBA = 135168
DATA_LAST_LBA = 151551
IMAGE_LAST_LBA = 153599

# ------------------------------------------------------------ the reference rate

_reference = {}
_reference_lock = threading.Lock()


def reference_tsc(ctx):
    """tsc_hz the default Q35 machine (ACPI PM timer, HPET cross-check) measures; booted once."""
    with _reference_lock:
        if "hz" not in _reference:
            d = os.path.join(os.path.dirname(ctx.dir), "clock-reference")
            os.makedirs(d, exist_ok=True)
            run = qemu.boot(qemu.base_args(ctx.facts["kernel"], "mode=boot"), 60, os.path.join(d, "serial.log"))
            lines = run.find(r"^clock: tsc_hz=\d+ source=acpi-pm crosscheck=hpet .* agree=yes ")
            _reference["hz"] = int(run.kv(lines[0])["tsc_hz"]) if lines else None
        return _reference["hz"]


def tsc_near_reference(run, ctx):
    lines = run.find(r"^clock: tsc_hz=\d+ source=")
    if not lines:
        return ["no clock line"]
    got, ref = int(run.kv(lines[0])["tsc_hz"]), reference_tsc(ctx)
    if not ref:
        return ["the reference boot (default q35) did not calibrate: see clock-reference/serial.log"]
    if abs(got - ref) > TSC_TOLERANCE * ref:
        return ["tsc_hz=%d is %.2f%% away from the default machine's %d" % (got, 100.0 * (got - ref) / ref, ref)]
    return []


def time_agrees_with_host(seconds):
    """serve.seconds=N must take N seconds of host time, and uptime must fit inside QEMU's run."""
    def check(run, ctx):
        problems = []
        t0, t1 = run.time_of(r"^serve: waiting "), run.time_of(r"^serve: end reason=timeout ")
        if t0 is None or t1 is None:
            return ["serve waiting/end lines missing"]
        host = t1 - t0
        if not (0.9 * seconds - 0.1 <= host <= 1.1 * seconds + 0.5):
            problems.append("serve.seconds=%d took %.2f s of host time" % (seconds, host))
        waited = int(run.kv(run.find(r"^serve: end ")[0])["waited_ms"])
        if not (seconds * 1000 <= waited < seconds * 1000 + 100):
            problems.append("kernel says it waited %d ms for %d s" % (waited, seconds))
        final = run.final()
        uptime = int(run.kv(final)["uptime_ms"]) if final else -1
        if not (seconds * 1000 <= uptime <= run.wall_s * 1000):
            problems.append("uptime_ms=%d outside [%d, host wall %.0f ms]" % (uptime, seconds * 1000, run.wall_s * 1000))
        return problems
    return check


def all_of(*checks):
    return lambda run, ctx: [p for c in checks for p in (c(run, ctx) or [])]


# ------------------------------------------------------------ disks and firmware

def mkdisk(path, size, tag):
    subprocess.run([sys.executable, MKDISK, path, "--size", str(size), "--tag", tag], check=True)


def image_setup(cmdline, firmware="seabios", data_volume=False):
    """Build the image with this command line, attach it as the only bootable disk (NVMe, bootindex=0)."""
    def setup(ctx):
        img = ctx.path("caprock.img")
        subprocess.run([sys.executable, MKIMAGE, "--kernel", ctx.facts["kernel"], "--out", img,
                        "--cmdline", cmdline], check=True, stdout=subprocess.DEVNULL)
        ctx.facts["images"] = {1: img}
        args = ["-drive", "file=%s,if=none,id=root,format=raw" % img,
                "-device", "nvme,serial=caprockroot,drive=root,bootindex=0"]
        if data_volume:
            data = ctx.path("data.img")
            mkdisk(data, 16 << 20, "CAPVOL02")
            ctx.facts["data"] = data
            ctx.facts["images"][("caprockdata", 1)] = data
            args += ["-drive", "file=%s,if=none,id=data,format=raw" % data,
                     "-device", "nvme,serial=caprockdata,drive=data"]
        if firmware == "ovmf":
            vars_copy = ctx.path("OVMF_VARS_4M.fd")
            shutil.copyfile(OVMF_VARS, vars_copy)
            args += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
                     "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy]
        return args
    return setup


def reads_match_image(run, ctx):
    return imagecheck.check_reads(run, ctx.facts["images"], min_reads=4)


CHECK_CONSOLE = os.path.join(HERE, "..", "..", "tools", "check-console-log.sh")


def console_checker_agrees(run, ctx):
    """tools/check-console-log.sh (the AWS proof) passes this log as a local one, and refuses it as AWS evidence."""
    log = ctx.path("serial.log")
    local = subprocess.run([CHECK_CONSOLE, "--local", "--stopped", log], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    live = subprocess.run([CHECK_CONSOLE, "--stopped", log], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    problems = []
    if local.returncode != 0:
        problems.append("check-console-log.sh --local failed: " + local.stdout.strip().replace("\n", " | "))
    if live.returncode != 1 or "controller is not Amazon EBS 1d0f:8061" not in live.stdout:
        problems.append("check-console-log.sh accepted a QEMU log as AWS evidence: " + live.stdout.strip())
    return problems


def nvme_disk_setup(size=16 << 20):
    def setup(ctx):
        img = ctx.path("ns1.img")
        mkdisk(img, size, "CAPROCK1")
        ctx.facts["images"] = {1: img}
        return ["-drive", "file=%s,if=none,id=nvm1,format=raw" % img, "-device", "nvme,serial=caprock,drive=nvm1"]
    return setup


# ------------------------------------------------------------ expected lines

MB2_BOOT = [r"^boot: caprock kernel entry=multiboot2 info=0x[0-9a-f]+ loader=multiboot2$",
            r"^boot: loader name=\"GRUB 2\.",
            r"^acpi: rsdp phys=0x[0-9a-f]+ revision=\d+ root=(rsdt|xsdt) tables=\d+ from=multiboot2$"]
SEABIOS_ACPI = [r"^acpi: rsdp phys=0x[0-9a-f]+ revision=0 root=rsdt tables=\d+ from=(pvh|multiboot2)$"]
PC_ACPI = SEABIOS_ACPI + [
    r"^acpi: table sig=FACP phys=0x[0-9a-f]+ len=116 revision=1 ",
    r"^acpi: no mcfg; pci configuration through ports 0xcf8/0xcfc$",
    r"^acpi: fadt revision=1 sci_irq=9 pm1a_evt=io:0x[0-9a-f]+ pm1b_evt=none pm1a_cnt=io:0x[0-9a-f]+ "
    r"pm_tmr=io:0x[0-9a-f]+ pm_tmr_bits=(24|32) power_button=fixed hw_reduced=no$",
    r"^acpi: s5 slp_typa=\d slp_typb=\d table=dsdt$",
    r"^pci: enumeration complete access=port-io "]
NO_PIT_NO_HPET = [
    r"^clock: reference source=acpi-pm result=ok tsc_hz=\d+ at=io:0x[0-9a-f]+$",
    r"^clock: reference source=cpuid result=unusable reason=leaves-15h-16h-(absent|not-enumerated) ",
    r"^clock: reference source=hpet result=unusable reason=no-hpet-table ",
    r"^clock: reference source=pit result=unusable reason=does-not-tick ",
    r"^clock: tsc_hz=\d+ source=acpi-pm crosscheck=none .* agree=unchecked ",
    r"^apic: timer hz=250 mode=periodic lapic_ticks_per_s=[1-9]\d* reference=acpi-pm$"]
BUTTON_READY = [r"^power: button ready sci_irq=9 gsi=9 trigger=level polarity=high override=yes vector=\d+ "
                r"pm1a_evt=io:0x[0-9a-f]+ pm1b_evt=none model=fixed acpi_mode=(entered-via-smi-cmd|already)$"]
BUTTON_PRESSED = [r"^serve: waiting power_button=ready ", r"^power: button$",
                  r"^serve: end reason=power-button waited_ms=\d+$"]
SMOKE_FROM_IMAGE = [r"^pci: nvme controller bdf=\S+ vendor=0x1b36 device=0x0010 ",
                    r"^nvme: identify controller .* serial=\"caprockroot\" ",
                    r"^nvme: identify namespace nsid=1 lbas=%d lba_bytes=512 " % (IMAGE_LAST_LBA + 1),
                    r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=0 blocks=8 bytes=4096 crc32=0x[0-9a-f]{8}",
                    r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=%d blocks=8 " % DATA_FIRST_LBA,
                    r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=%d blocks=1 " % IMAGE_LAST_LBA,
                    r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 "]
# MBR and GPT header (LBA 0-1), the entry array, the data partition's ends, the backup header.
IMAGE_READS = "nvme.read=0:34,%d:8,%d:1,%d:1" % (DATA_FIRST_LBA, DATA_LAST_LBA, IMAGE_LAST_LBA)


def gpt_in_image(run, ctx):
    """The reads must show what a GPT disk holds: a protective MBR and the 'EFI PART' header."""
    img = ctx.facts["images"][1]
    with open(img, "rb") as f:
        head = f.read(1024)
    problems = []
    if head[510:512] != b"\x55\xaa" or head[450] != 0xee or head[512:520] != b"EFI PART":
        problems.append("image is not a GPT disk with a protective MBR")
    if not run.find(r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=0 blocks=34 bytes=17408 "):
        problems.append("no read of LBA 0-33 (MBR, GPT header, entries)")
    return problems


CASES = [
    # --- the clock where the PIT and the HPET are missing
    Case("clock-q35-no-pit-no-hpet", "mode=serve serve.seconds=3", machine="q35,pit=off,hpet=off",
         expect=NO_PIT_NO_HPET + SEABIOS_ACPI + [r"^acpi: table sig=FACP .* revision=3 ",
                                                  r"^serve: end reason=timeout waited_ms=\d+$"],
         check=all_of(tsc_near_reference, time_agrees_with_host(3))),
    Case("clock-pc-no-pit-no-hpet", "mode=serve serve.seconds=3", machine="pc,pit=off,hpet=off",
         expect=NO_PIT_NO_HPET + PC_ACPI + BUTTON_READY + [r"^serve: end reason=timeout waited_ms=\d+$"],
         check=all_of(tsc_near_reference, time_agrees_with_host(3))),
    # --- each counting reference forced, cross-checked by the next one
    Case("clock-forced-hpet", "mode=boot clock.source=hpet",
         expect=[r"^clock: reference source=hpet result=ok ",
                 r"^clock: tsc_hz=\d+ source=hpet crosscheck=acpi-pm .* agree=yes ",
                 r"^apic: timer hz=250 mode=periodic lapic_ticks_per_s=[1-9]\d* reference=hpet$"],
         check=tsc_near_reference),
    Case("clock-forced-pit", "mode=boot clock.source=pit", machine="pc",
         expect=[r"^clock: reference source=pit result=ok ",
                 r"^clock: tsc_hz=\d+ source=pit crosscheck=acpi-pm .* agree=yes ",
                 r"^apic: timer hz=250 mode=periodic lapic_ticks_per_s=[1-9]\d* reference=pit$"],
         check=tsc_near_reference),
    # --- refusals: never a guessed rate
    Case("clock-forced-hpet-absent", "mode=boot clock.source=hpet", machine="q35,hpet=off", status="fail",
         expect=[r"^clock: reference source=hpet result=unusable reason=no-hpet-table ",
                 r"^clock: error forced source=hpet is unusable; refusing to guess the TSC rate$",
                 r"^run: complete status=fail errors=1 uptime_ms=unknown$"],
         forbid=[r"^clock: tsc_hz=", r"^boot: mode="]),
    Case("clock-no-reference", "mode=boot", machine="pc,acpi=off,pit=off,hpet=off", status="fail",
         devices=["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], qemu_exit={3},
         expect=[r"^clock: reference source=acpi-pm result=unusable reason=no-pm-timer ",
                 r"^clock: reference source=pit result=unusable reason=does-not-tick ",
                 r"^clock: error no usable reference \(tried cpuid hypervisor acpi-pm hpet pit\); refusing to guess",
                 r"^run: complete status=fail errors=1 uptime_ms=unknown$"],
         forbid=[r"^clock: tsc_hz="]),
    # No ACPI and nothing asked that needs it: a warning, and the run passes on the boot CPU.
    nvme_case("platform-without-acpi", "nvme.read=1000:64 nvme.write=300:40:0x2a", machine="pc,acpi=off",
              devices=["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], qemu_exit={1},
              expect=[r"^acpi: warning no rsdp from=bios-scan: no MADT, MCFG, FADT or DMAR; ",
                      r"^cpu: online count=1 ",
                      r"^clock: tsc_hz=\d+ source=pit ",
                      r"^run: complete status=pass errors=0 "],
              forbid=[r"^acpi: error"]),
    # No ACPI at all: the PIT is the only reference, and serve has nothing that could end it.
    Case("serve-without-power-button", "mode=serve", machine="pc,acpi=off", status="fail",
         devices=["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], qemu_exit={3},
         expect=[r"^clock: tsc_hz=\d+ source=pit crosscheck=none ",
                 r"^power: button unavailable reason=no-fadt$",
                 r"^serve: error no power button and no serve.seconds: nothing would ever end the run$"],
         check=tsc_near_reference),
    # --- APIC choices.  A CPU without x2APIC or the TSC-deadline timer (taken away from -cpu max):
    # asking for either is an error line, and the kernel runs on what it has.
    Case("apic-requests-refused", "mode=boot apic.mode=x2apic apic.timer=tsc-deadline", status="fail",
         cpu_flags=",-x2apic,-tsc-deadline",
         expect=[r"^apic: lapic mode=xapic reason=cpu-lacks-x2apic id=0 ",
                 r"^apic: error apic.mode=x2apic cannot be honoured \(cpu-lacks-x2apic\); running in xapic mode$",
                 r"^apic: error apic.timer=tsc-deadline but the CPU has no TSC-deadline timer; periodic instead$",
                 r"^apic: timer hz=250 mode=periodic ",
                 r"^run: complete status=fail errors=2 "]),
    Case("apic-requests-honoured", "mode=boot apic.mode=xapic apic.timer=periodic",
         expect=[r"^apic: lapic mode=xapic reason=requested id=0 ", r"^apic: timer hz=250 mode=periodic "]),
    # x2APIC honoured under TCG (QEMU 8 on): asked for, and chosen by itself where the CPU offers it,
    # on Q35 and on the Nitro shape; NVMe I/O runs with its MSI-X in x2APIC mode.
    Case("apic-x2apic-requested", "mode=boot apic.mode=x2apic", machine="pc,pit=off,hpet=off",
         expect=[r"^apic: lapic mode=x2apic reason=requested id=0 ", r"^apic: timer hz=250 "],
         forbid=[r"^apic: error "]),
    nvme_case("apic-x2apic-auto-q35-nvme", "nvme.read=1000:64 nvme.write=300:40:0x2a",
              writes=[(300, 40, 0x2a)],
              expect=[r"^apic: lapic mode=x2apic reason=cpu-offers-x2apic id=0 ",
                      r"^nvme: admin completion wake=interrupt vector=\d+ "]),
    nvme_case("apic-x2apic-auto-nitro-shape", "nvme.read=1000:64 nvme.write=300:40:0x2a",
              machine="pc,pit=off,hpet=off", writes=[(300, 40, 0x2a)],
              expect=[r"^apic: lapic mode=x2apic reason=cpu-offers-x2apic id=0 ",
                      r"^clock: tsc_hz=\d+ source=(cpuid|hypervisor|acpi-pm) ",
                      r"^nvme: admin completion wake=interrupt vector=\d+ "]),
    # xAPIC is still the mode of a CPU without x2APIC: the same I/O through xAPIC MSI addressing.
    nvme_case("apic-xapic-nitro-shape-nvme", "nvme.read=1000:64 nvme.write=300:40:0x2a",
              machine="pc,pit=off,hpet=off", cpu_flags=",-x2apic", writes=[(300, 40, 0x2a)],
              expect=[r"^apic: lapic mode=xapic reason=cpu-lacks-x2apic id=0 ",
                      r"^nvme: admin completion wake=interrupt vector=\d+ "]),
    # --- the power button (QMP system_powerdown = EC2 stop-instances), S5 ends QEMU by itself
    Case("power-button-pc", "mode=serve", machine="pc,pit=off,hpet=off", qmp=POWERDOWN, timeout_s=60,
         expect=BUTTON_READY + BUTTON_PRESSED + [r"^serve: no nvme controller; serving the power button only$"]),
    Case("power-button-q35", "mode=serve serve.seconds=600", qmp=POWERDOWN, timeout_s=60,
         expect=BUTTON_READY + BUTTON_PRESSED + [r"^serve: waiting power_button=ready seconds=600$"]),
    # A write acknowledged (flushed) before the button is in the image after QEMU exits.
    Case("power-button-after-write", "mode=serve nvme.write=2000:64:0x5eed", machine="pc,pit=off,hpet=off",
         qmp=POWERDOWN, timeout_s=60, setup=nvme_disk_setup(),
         expect=BUTTON_READY + BUTTON_PRESSED + [
             r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=2000 blocks=64 bytes=32768 seed=0x5eed .* flush=ok verify=readback-match pid=\d+$"],
         check=lambda run, ctx: imagecheck.check_writes(run, ctx.facts["images"], [(2000, 64, 0x5eed)])),
    # --- build/caprock.img from its NVMe root: SeaBIOS on i440FX (Nitro's shape) and on Q35
    Case("image-seabios-pc", "", machine="pc,pit=off,hpet=off", direct_kernel=False, timeout_s=120,
         setup=image_setup(IMAGE_READS),
         expect=MB2_BOOT + PC_ACPI + NO_PIT_NO_HPET + SMOKE_FROM_IMAGE,
         check=all_of(reads_match_image, gpt_in_image, tsc_near_reference)),
    # A second, data volume on another controller: the root is still found and driven.
    Case("image-seabios-q35-two-volumes", "", machine="q35", direct_kernel=False, timeout_s=120,
         setup=image_setup(IMAGE_READS, data_volume=True),
         expect=MB2_BOOT + SEABIOS_ACPI + SMOKE_FROM_IMAGE + [
             r"^pci: nvme controller bdf=0000:00:0[0-9a-f]\.0 ",
             r"^clock: tsc_hz=\d+ source=acpi-pm crosscheck=hpet .* agree=yes "],
         check=all_of(reads_match_image, gpt_in_image,
                      lambda run, ctx: [] if len(run.find(r"^pci: nvme controller ")) == 2
                      else ["want two NVMe controllers enumerated"])),
    # UEFI: OVMF (4M pflash, private variables), GRUB's BOOTX64.EFI from the ESP, ACPI 2.0 tables,
    # and the power button and S5 under UEFI in the same boot.
    Case("image-ovmf-q35", "", machine="q35", direct_kernel=False, timeout_s=240, qmp=POWERDOWN,
         setup=image_setup("mode=serve " + IMAGE_READS, firmware="ovmf"),
         expect=MB2_BOOT + SMOKE_FROM_IMAGE + BUTTON_READY + BUTTON_PRESSED + [
             r"^acpi: rsdp phys=0x[0-9a-f]+ revision=2 root=xsdt tables=\d+ from=multiboot2$"],
         check=all_of(reads_match_image, gpt_in_image, console_checker_agrees)),
]
