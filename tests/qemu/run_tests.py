#!/usr/bin/env python3
"""tests/qemu/run_tests.py - boot the kernel under QEMU for every case and check the console.

usage: run_tests.py --kernel build/kernel.elf [--work DIR] [-k SUBSTRING] [-j N] [--list]
"""
import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import qemu  # noqa: E402
import cases_boot  # noqa: E402

MODULES = [cases_boot]
for optional in ("cases_nvme", "cases_cloud", "cases_faults", "cases_platform", "cases_volumes", "cases_iommu", "cases_smp", "cases_irqsoff", "cases_hotplug", "cases_soak", "cases_tlb", "cases_lock_order"):
    try:
        MODULES.append(__import__(optional))
    except ImportError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="build/kernel.elf")
    ap.add_argument("--work", default="build/qemu-tests")
    ap.add_argument("-k", dest="filter", default="", help="run cases whose name contains this")
    ap.add_argument("-j", dest="jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--list", action="store_true")
    opts = ap.parse_args()

    cases = [c for m in MODULES for c in m.CASES if opts.filter in c.name]
    if opts.list:
        for c in cases:
            print(c.name)
        return 0
    os.makedirs(opts.work, exist_ok=True)
    version = qemu.check_version()
    print("qemu-tests: qemu=%s accel=%s cases=%d jobs=%d" % (version, qemu.accel(), len(cases), opts.jobs))
    t0 = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = {pool.submit(harness.run_case, c, opts.kernel, opts.work): c for c in cases}
        for fut in concurrent.futures.as_completed(futures):
            c = futures[fut]
            try:
                run, problems = fut.result()
            except Exception as e:  # a broken setup or check is a failure, not a crash
                run, problems = None, ["harness error: %r" % e]
            wall = "%.1fs" % run.wall_s if run else "-"
            if run and getattr(run, "report", ""):
                wall += "  " + run.report
            if problems:
                failed.append(c.name)
                print("FAIL %-32s %s" % (c.name, wall))
                for p in problems:
                    print("     " + p)
                print("     log: " + os.path.join(opts.work, c.name, "serial.log"))
            else:
                print("ok   %-32s %s" % (c.name, wall))
    print("qemu-tests: %d passed, %d failed, %.0fs" % (len(cases) - len(failed), len(failed),
                                                     time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
