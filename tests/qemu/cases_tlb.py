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
"""
from harness import Case
from cases_smp import apic_variant

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
