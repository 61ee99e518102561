"""tests/qemu/cases_boot.py - the foundation: boot, PCI, ring 3, power-off, command line."""
from harness import Case

PCI_HOST_BRIDGE = r"^pci: device bdf=0000:00:00\.0 vendor=0x8086 device=0x29c0 class=0x06 subclass=0x00 prog_if=0x00"
RING3 = [
    r"^user: hello start_pid=(\d+) cpl=3 .* pid=\1$",
    r"^proc: exit pid=\d+ name=hello status=0$",
    r"^user: privtest start_pid=(\d+) cpl=3 attempting=hlt pid=\1$",
    r"^proc: fault pid=\d+ name=privtest vector=13 exception=\"#GP general protection\" .* expected=yes action=killed$",
    r"^selftest: ring3 hello_status=0 privtest_faulted=yes privtest_vector=13 kernel_survived=yes result=pass$",
]


def check_no_nvme(run, ctx):
    return ["unexpected NVMe controller: " + l for l in run.find(r"^pci: nvme controller")]


CASES = [
    # A CPU without long mode (-lm): the boot says why on COM1 and halts, never a silent triple fault
    # (QEMU would reset and exit).  The case ends at its timeout, with no run line (status=None).
    Case("boot-cpu-without-long-mode", "mode=boot", cpu_flags=",-lm", status=None, timeout_s=8,
         expect=[r"^boot: error this CPU has no long mode \(CPUID 0x80000001 EDX bit 29\): Caprock is a 64-bit kernel; halting$"]),
    Case("boot-cpu-without-sse2", "mode=boot", cpu_flags=",-sse2", status=None, timeout_s=8,
         expect=[r"^boot: error this CPU lacks FXSR, SSE or SSE2 \(CPUID 1 EDX bits 24-26\), which every x86-64 CPU has and the kernel uses; halting$"]),
    Case("boot-no-nvme", "mode=boot",
         expect=[r"^boot: caprock kernel entry=pvh", r"^mem: ram_end=", r"^acpi: table sig=MCFG",
                 r"^clock: tsc_hz=\d+ source=", r"^apic: timer hz=",
                 PCI_HOST_BRIDGE, r"^pci: enumeration complete access=ecam functions=\d+$"] + RING3,
         check=check_no_nvme),
    # The same through isa-debug-exit: QEMU's exit status carries the verdict.
    Case("boot-debug-exit", "mode=boot",
         devices=["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
         expect=RING3, qemu_exit={1}),
    # i440FX has no MCFG: configuration space through ports 0xcf8/0xcfc.
    Case("boot-pc-port-io", "mode=boot", machine="pc",
         expect=[r"^pci: device bdf=0000:00:00\.0 vendor=0x8086 device=0x1237 ",
                 r"^pci: enumeration complete access=port-io "] + RING3),
    # Functions behind a PCIe root port sit on a bus the firmware numbered.
    Case("boot-behind-bridge", "mode=boot",
         devices=["-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
                  "-device", "e1000e,bus=rp1,netdev=n0", "-netdev", "user,id=n0"],
         expect=[r"^pci: device bdf=0000:0[1-9a-f]:00\.0 vendor=0x8086 device=0x10d3 ",
                 r"^pci: device bdf=0000:00:0[0-9a-f]\.0 vendor=0x1b36 device=0x000c class=0x06 subclass=0x04 .*header=1"] + RING3),
    Case("boot-more-memory", "mode=boot", memory_mb=2048, expect=RING3),
    Case("cmdline-errors", "mode=bogus nvme.read=12 frobnicate=1 nvme.nsid=0 lonely",
         expect=[r"^cmdline: bad value in \"mode=bogus\"$",
                 r"^cmdline: malformed extent \"12\" \(want LBA:COUNT\)$",
                 r"^cmdline: unknown key in \"frobnicate=1\"$",
                 r"^cmdline: bad value in \"nvme.nsid=0\" \(want 1..4294967294\)$",
                 r"^cmdline: token \"lonely\" is not key=value$",
                 r"^run: complete status=fail errors=5 "],
         status="fail"),
    Case("smoke-without-nvme", "",
         expect=[r"^nvme: error no controller found", r"^run: complete status=fail "],
         status="fail"),
]
