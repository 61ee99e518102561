"""tests/qemu/cases_tlb.py - TLB shootdown (issue 18, requirement 5), shown to matter.

selftest=tlb-shootdown (kernel/core/tlb_selftest.c): a process on a CPU other
than the boot CPU writes a counter in a page with no system call; the boot
CPU unmaps the page (proc_unmap) and samples the counter right after and
100 ms later (longer if its vCPU has not run since).  With the shootdown the counter stands still and the process
takes a page fault inside the page; the frame is freed.

* -smp 2 and -smp 4 on Q35 and on the Nitro shape, in xAPIC and x2APIC mode.
* fault.shootdown=skip: the other CPUs are not told.  Under TCG a vCPU's
  TLB is flushed only by its own INVLPG or CR3 load, so the process keeps
  writing through its stale entry: the line must say result=fail with
  writes_after_unmap above 0, and the frame is leaked, not reused.
* -smp 1: nothing can hold a stale entry, and the test says it cannot run.

selftest=lazy-root (kernel/core/lazy_root_selftest.c): an idle CPU keeps the
root of the process it ran last (locking.h L7).  A sleeper naps on another
CPU, is moved to the boot CPU and exits there while that CPU still holds
its root: the reap must ask it (an IPI) and see it load the kernel's root
before the root's pages are freed.  fault.retire=skip: nobody asks, the
root is kept (never freed) and the test must fail.  And what it is for: a
client and its provider each on a CPU of their own come back from every
wait without a CR3 load (each empties the whole TLB under TCG).
"""
from harness import Case
from cases_smp import apic_variant
from cases_volumes import THREE, controllers

NITRO = "pc,pit=off,hpet=off"
CMDLINE = "mode=boot selftest=tlb-shootdown"


def proof(ncpus, shootdown, result, writes_after, faulted, frame):
    return (r"^selftest: tlb shootdown cpus=%d cpu=[1-9]\d* shootdown=%s unmapped=0x[0-9a-f]+ unmap=0 "
            r"writes_before=[1-9]\d* writes_after_unmap=%s window_ms=\d+ faulted=%s vector=%s cr2=0x[0-9a-f]+ "
            r"frame=%s result=%s$" % (ncpus, shootdown, writes_after, faulted,
                                      "14" if faulted == "yes" else r"\d+", frame, result))


def cr2_in_page(run, ctx):
    """The fault the victim took is the write to its counter, inside the unmapped page."""
    lines = run.find(r"^selftest: tlb shootdown .* result=pass$")
    faults = run.find(r"^proc: fault pid=\d+ name=tlbvictim vector=14 ")
    if not lines or not faults:
        return []   # the expect lines report it
    kv, fk = run.kv(lines[-1]), run.kv(faults[-1])
    base, cr2 = int(kv["unmapped"], 16), int(fk["cr2"], 16)
    problems = []
    if not base <= cr2 < base + 4096:
        problems.append("fault cr2=%#x outside the unmapped page %#x" % (cr2, base))
    if fk["cr2"] != kv["cr2"]:
        problems.append("proof line cr2=%s but the fault line says %s" % (kv["cr2"], fk["cr2"]))
    return problems


def online(n, mode):
    return r"^cpu: online count=%d .*mode=%s " % (n, mode)


CASES = []
for machine, mname in (("q35", "q35"), (NITRO, "nitro")):
    for n in (2, 4):
        for mode in ("xapic", "x2apic"):
            cmdline, flags = apic_variant(mname, mode, CMDLINE)
            CASES.append(Case(
                "tlb-shootdown-smp%d-%s-%s" % (n, mname, mode), cmdline, machine=machine, cpu_flags=flags,
                devices=["-smp", str(n)], timeout_s=120, check=cr2_in_page,
                expect=[online(n, mode),
                        r"^proc: fault pid=\d+ name=tlbvictim vector=14 .* expected=yes action=killed$",
                        r"^proc: exit pid=\d+ name=tlbspin status=0$",
                        proof(n, "ipi", "pass", "0", "yes", "freed")],
                forbid=[r"^tlb: error ", r"^cpu: error ", r"^proc: killed ", r"^selftest: error "]))

CASES += [
    # Without the shootdown the other CPU keeps writing through its stale entry: the test must fail.
    Case("tlb-shootdown-skip-fails", CMDLINE + " fault.shootdown=skip", devices=["-smp", "2"], status="fail",
         timeout_s=120,
         expect=[r"^tlb: fault injected fault.shootdown=skip ",
                 proof(2, "skip", "fail", r"[1-9]\d*", r"(yes|no)", "leaked"),
                 r"^selftest: error tlb shootdown failed$"]),
    # One CPU: nothing to shoot down, and no pretending.
    Case("tlb-shootdown-smp1-skipped", CMDLINE, timeout_s=60,
         expect=[r"^selftest: tlb shootdown cpus=1 result=skipped reason=one-cpu$"],
         forbid=[r"^proc: ", r"^selftest: error "]),
    Case("tlb-shootdown-needs-boot-mode", "selftest=tlb-shootdown", status="fail", timeout_s=60,
         expect=[r"^cmdline: selftest=tlb-shootdown needs mode=boot$"]),
]


LAZY = "mode=boot selftest=lazy-root"


def lazy_proof(ncpus, retire_ipis, after, result):
    return (r"^selftest: lazy root cpus=%d held_on=cpu[1-9]\d* root=0x[0-9a-f]+ reaped_on=cpu0 retire_ipis=%s "
            r"cpu[1-9]\d*_root_after=%s sleeper_status=0 result=%s$" % (ncpus, retire_ipis, after, result))


def cr3_kept(run, ctx):
    """With a CPU each, the provider and the client come back from their waits to the root they left."""
    lines = run.find(r"^sched: cpus=2 ")
    if not lines:
        return ["no sched: summary line"]
    kv = run.kv(lines[-1])
    loads, kept = int(kv["cr3_loads"]), int(kv["cr3_kept"])
    if kept < 100 or kept < 10 * loads:
        return ["cr3_kept=%d against cr3_loads=%d: idle CPUs did not keep their last process's root" % (kept, loads)]
    if int(kv["root_retires"]) < 2:
        return ["root_retires=%s: the provider's and the client's roots were not retired" % kv["root_retires"]]
    return []


for machine, mname, n, mode in (("q35", "q35", 2, "x2apic"), (NITRO, "nitro", 4, "xapic")):
    cmdline, flags = apic_variant(mname, mode, LAZY)
    CASES.append(Case(
        "lazy-root-smp%d-%s-%s" % (n, mname, mode), cmdline, machine=machine, cpu_flags=flags,
        devices=["-smp", str(n)], timeout_s=120,
        expect=[online(n, mode), r"^user: tlbtest role=sleeper ", lazy_proof(n, "1", "kernel", "pass"),
                r"^sched: cpus=%d .* root_retires=[1-9]\d* root_retire_ipis=[1-9]\d*$" % n],
        forbid=[r"^tlb: error ", r"^tlb: fault ", r"^cpu: error ", r"^proc: killed ", r"^selftest: error "]))

CASES += [
    # Nobody asks the CPU that holds the dead root: the root is kept, and the test must fail.
    Case("lazy-root-retire-skip-fails", LAZY + " fault.retire=skip", devices=["-smp", "2"], status="fail",
         timeout_s=120,
         expect=[r"^tlb: fault injected fault.retire=skip ",
                 r"^tlb: fault retire skipped root=0x[0-9a-f]+ cpus_holding=1 \(fault.retire=skip\): root kept$",
                 lazy_proof(2, "0", "dead-process", "fail"), r"^selftest: error lazy root failed$"]),
    Case("lazy-root-smp1-skipped", LAZY, timeout_s=60,
         expect=[r"^selftest: lazy root cpus=1 result=skipped reason=one-cpu$"],
         forbid=[r"^proc: ", r"^selftest: error "]),
    Case("lazy-root-needs-boot-mode", "selftest=lazy-root", status="fail", timeout_s=60,
         expect=[r"^cmdline: selftest=lazy-root needs mode=boot$"]),
    # The point of it: a client and its provider on a CPU each, at QD1, wait and come back every I/O.
    Case("lazy-root-bench-client-smp2-keeps-roots", "mode=bench bench.path=client bench.job=randread4k bench.qd=1 "
         "bench.seconds=1", setup=controllers(THREE[:1]), devices=["-smp", "2"], timeout_s=120, check=cr3_kept,
         expect=[r"^bench: job=randread4k qd=1 iops=[1-9]\d* .* errors=0 .* path=client ",
                 r"^sched: place pid=\d+ name=nvme0 cpu=0 role=provider$",
                 r"^sched: place pid=\d+ name=blk0 cpu=1 role=client$"],
         forbid=[r"^tlb: error "]),
]
