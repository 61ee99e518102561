#!/usr/bin/env python3
"""tests/bench/test_bench.py - host tests of the benchmark scripts' parsing and summaries
(bench/compare.py, bench/volumes.py, bench/linux-multi-init's archive), on canned inputs:
no QEMU is started.  `make test-bench` or `python3 tests/bench/test_bench.py`.

canned/ holds real output of short smoke runs (2026-12-07) and, in compare-runs.txt,
records derived from one (see its header); none of it is a result."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(os.path.dirname(HERE))
CANNED = os.path.join(HERE, "canned")
sys.path.insert(0, os.path.join(TREE, "bench"))
import compare  # noqa: E402
import volumes  # noqa: E402

PY = sys.executable


def canned(name):
    return os.path.join(CANNED, name)


def read(path):
    with open(path) as f:
        return f.read()


def strip_ts(path):
    return [re.sub(r"^\[\s*[\d.]+\] ", "", l) for l in read(path).splitlines()]


class CompareSummary(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def summarize(self, src=None):
        out = os.path.join(self.tmp, "s.txt")
        r = subprocess.run([PY, os.path.join(TREE, "bench", "compare.py"), "summarize", src or canned("compare-runs.txt"),
                            "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return read(out)

    def with_polled_client(self):
        """compare-runs.txt plus three caprock-client-polled runs made from its client runs (IOPS 9000,
        10000 and a stalled 12000; p50 80, p99 200; busy 1.5 cores; no MSI-X): synthetic, not a result."""
        runs = read(canned("compare-runs.txt"))
        extra = []
        for line, iops in zip((l for l in runs.splitlines() if " side=caprock-client " in l), (9000, 10000, 12000)):
            line = line.replace(" side=caprock-client ", " side=caprock-client-polled ")
            line = re.sub(r" iops=\d+ ", " iops=%d " % iops, line)
            for k, v in (("lat_us_p50", "80"), ("lat_us_p99", "200"), ("cpu_busy_pct", "75"), ("cpus", "2"),
                         ("cpu_busy_cores", "1.500"), ("irq", "0"), ("events_per_io", "1.002")):
                line = re.sub(r" %s=\S+ " % k, " %s=%s " % (k, v), line)
            line = line.replace(" lane=brokered ", " lane=brokered nvme_poll=always ")
            if iops == 12000:
                line = line.replace(" valid=yes reasons=none ", " valid=no reasons=p999>100ms ")
            extra.append(line)
        src = os.path.join(self.tmp, "runs-polled.txt")
        with open(src, "w") as f:
            f.write(runs + "\n".join(extra) + "\n")
        return self.summarize(src)

    def test_headline_first_and_linux_best(self):
        s = self.summarize()
        self.assertLess(s.index("## What users get"), s.index("## Second row: Caprock's provider path"))
        row = next(l for l in s.splitlines() if l.startswith("| randread4k qd1 | 7158 (6442-7873)"))
        # linux-polled's valid runs are 8436 and 9279 (the third is stalled): median 8858 beats IRQ's 3307
        self.assertIn("| 3307 (2976-3637) | 8858 (8436-9279) | Linux polled | **0.81** |", row)
        self.assertIn("| 3/3; 3/3; 2/3; 3/3 |", row)

    def test_cpu_events_goals_and_invalid(self):
        s = self.summarize()
        cpu = next(l for l in s.splitlines() if l.startswith("| randread4k qd1 | linux-polled | 0.71 / 0.96"))
        self.assertIn("| 57 / 100 |", cpu)
        ev = next(l for l in s.splitlines() if l.startswith("| randread4k qd1 | linux-polled | 2.00 / 2.00"))
        self.assertIn("| 1.00 / 0.00 | 1.00 / 2.00 | 1.00 | 3.00 / 2.00 / 2.00 |", ev)
        self.assertIn("- randread4k qd1: client/Linux best 0.81 >= 1.2: not met; p50 client 127 <= Linux polled 96: "
                      "not met", s)
        self.assertIn("invalid: round=3 side=linux-polled backend=file job=randread4k_qd1 reasons=p999>100ms", s)

    def test_no_polled_client_no_polled_columns(self):
        s = self.summarize()
        self.assertNotIn("poll=always", s)
        self.assertIn("| job | Caprock client IOPS | Linux IRQ IOPS | Linux polled IOPS | Linux best | client / Linux best | "
                      "Caprock provider IOPS | provider / Linux best | valid runs: client; IRQ; polled; provider |\n"
                      "|---|---|---|---|---|---|---|---|---|\n", s)

    def test_polled_client_second_client_column(self):
        s = self.with_polled_client()
        lines = s.splitlines()
        self.assertIn("| job | Caprock client IOPS | Linux IRQ IOPS | Linux polled IOPS | Linux best | client / Linux best | "
                      "Caprock provider IOPS | provider / Linux best | valid runs: client; IRQ; polled; provider | "
                      "Caprock client, nvme.poll=always IOPS | client poll=always / Linux best | "
                      "valid runs: client poll=always |\n" + "|---" * 12 + "|\n", s)
        # the caprock-client figures are as without the polled side; the stalled polled run is excluded:
        # median of 9000 and 10000 is 9500, / Linux polled's 8858 = 1.07
        row = next(l for l in lines if l.startswith("| randread4k qd1 | 7158 (6442-7873)"))
        self.assertTrue(row.endswith("| Linux polled | **0.81** | 6904 (6213-7594) | 0.78 | 3/3; 3/3; 2/3; 3/3 | "
                                     "9500 (9000-10000) | **1.07** | 2/3 |"), row)
        lat = next(l for l in lines if l.startswith("| randread4k qd1 | 127 |"))
        self.assertEqual(lat, "| randread4k qd1 | 127 | 164 | 96 | 246 | 3620 | 423 | 113 | 968 | 80 | 200 |")
        # 9000 / 1.5 and 10000 / 1.5 busy cores: median 6333 IOPS per busy CPU-s; Linux polled's 8436/0.96, 9279/0.96
        cpu = next(l for l in lines if l.startswith("| randread4k qd1 | linux-polled | 0.71 / 0.96"))
        self.assertTrue(cpu.endswith("| 0.30, 23013 | 1.50, 6333, 0.69 |"), cpu)
        ev = next(l for l in lines if l.startswith("| randread4k qd1 | linux-polled | 2.00 / 2.00"))
        self.assertTrue(ev.endswith("| 3.00 / 2.00 / 2.00 | 1.00 / 2.00 | 0.00, 1.00 |"), ev)
        self.assertIn("- randread4k qd1: client/Linux best 0.81 >= 1.2: not met", s)
        self.assertIn("- randread4k qd1 (client nvme.poll=always): client/Linux best 1.07 >= 1.2: not met; "
                      "p50 client 80 <= Linux polled 96: met; IOPS per busy CPU-s client/Linux 0.69 >= 1: not met; "
                      "events/IO client/Linux 0.50 <= 0.67: met", s)
        self.assertIn("invalid: round=3 side=caprock-client-polled backend=file job=randread4k_qd1 reasons=p999>100ms", s)
        self.assertIn("| caprock-client-polled | file | randread4k qd1 |", s)   # the QEMU threads table

    def test_provider_only_input_has_no_users_table(self):
        src = os.path.join(TREE, "bench", "results", "2026-12-07-compare-final.txt")
        out = os.path.join(self.tmp, "p.txt")
        subprocess.run([PY, os.path.join(TREE, "bench", "compare.py"), "summarize", src, "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        s = read(out)
        self.assertNotIn("## What users get", s)
        self.assertIn("| randread4k qd32 | 32225/32927/36474 | 48165/50872/52501 | 1.54 |", s)


class CompareRun(unittest.TestCase):
    """compare.py run on a canned boot: the 'QEMU' is cat, the anchor a shell that writes its log."""
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_rec(self, side, cmd, extra=()):
        r = subprocess.run([PY, os.path.join(TREE, "bench", "compare.py"), "run", "--side", side, "--backend", "file",
                            "--job", "randread4k_qd1", "--round", "1", "--runtime", "2", "--timeout", "60",
                            "--workdir", self.tmp] + list(extra) + ["--"] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        line = next(l for l in r.stdout.splitlines() if l.startswith("run: "))
        return compare.kv(line)

    def test_caprock_client_one_cpu(self):
        rec = self.run_rec("caprock-client", ["cat", canned("caprock-client-qd1.out")])
        self.assertEqual((rec["iops"], rec["cpu_busy_pct"], rec["cpus"], rec["cpu_busy_cores"], rec["valid"]),
                         ("7158", "71", "1", "0.710", "yes"))

    def test_caprock_cpus_key_is_an_average(self):
        src = read(canned("caprock-client-qd1.out")).replace("cpu_busy_pct=71 ", "cpu_busy_pct=60 cpus=2 ")
        p = os.path.join(self.tmp, "smp.out")
        with open(p, "w") as f:
            f.write(src)
        rec = self.run_rec("caprock-client", ["cat", p])
        self.assertEqual((rec["cpus"], rec["cpu_busy_cores"]), ("2", "1.200"))

    def test_caprock_client_polled_needs_poll_always(self):
        src = read(canned("caprock-client-qd1.out"))
        for seen, want in (("always", ("yes", "always", "none")), ("adaptive", ("no", "adaptive", "nvme-poll-adaptive")),
                           (None, ("no", "unseen", "nvme-poll-unseen"))):
            p = os.path.join(self.tmp, "polled.out")
            with open(p, "w") as f:
                f.write(src.replace("device_cq_doorbells=48", "device_cq_doorbells=48 poll=%s poll_hits=9 poll_misses=0" % seen)
                        if seen else src)
            rec = self.run_rec("caprock-client-polled", ["cat", p])
            self.assertEqual((rec["side"], rec["iops"], rec["valid"], rec["nvme_poll"], rec["reasons"]), ("caprock-client-polled", "7158") + want)
        rec = self.run_rec("caprock-client", ["cat", canned("caprock-client-qd1.out")])
        self.assertNotIn("nvme_poll", rec)   # the other sides' records are unchanged

    def test_linux_polled(self):
        logdir = os.path.join(self.tmp, "anchor-log")
        sh = "mkdir -p %s && cp %s %s/x.log && cat %s" % (logdir, canned("linux-polled-qd1.anchor.log"), logdir,
                                                         canned("linux-polled-qd1.out"))
        rec = self.run_rec("linux-polled", ["sh", "-c", sh], ["--tail-glob", logdir + "/*.log", "--fio-extra=--hipri",
                                                             "--max-limit-ms", "1000"])
        self.assertEqual((rec["iops"], rec["cpu_busy_pct"], rec["cpu_busy_cores"], rec["fio_extra"], rec["valid"]),
                         ("8436", "96.0", "0.960", "--hipri", "yes"))
        # the same run, told it wanted batching: fio's options do not match, the run is invalid
        rec = self.run_rec("linux", ["sh", "-c", sh], ["--tail-glob", logdir + "/*.log", "--fio-extra=--iodepth_batch_submit=1"])
        self.assertEqual(rec["valid"], "no")
        self.assertIn("fio-options-mismatch", rec["reasons"])


class Volumes(unittest.TestCase):
    def test_parse_caprock_four_volumes(self):
        rec = volumes.parse_caprock(strip_ts(canned("caprock-4vols-smp2.serial.log")), 32)
        self.assertEqual(rec["reasons"], [])
        self.assertEqual((rec["iops"], rec["nvols"], rec["cpus_online"], rec["cpus"]), (30018, 4, 2, 1))
        self.assertEqual(sorted(rec["devices"]), ["nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"])
        self.assertAlmostEqual(rec["busy_cores"], 0.73)

    def test_parse_caprock_missing_line_and_errors(self):
        self.assertIn("no-bench-line", volumes.parse_caprock(["run: complete status=pass"], 32)["reasons"])
        lines = ["bench: job=randread4k qd=16 iops=5 lat_us_p50=1 lat_us_p99=2 lat_us_p999=3 errors=2 cpu_busy_pct=50 cpus=2",
                 "run: complete status=fail"]
        rec = volumes.parse_caprock(lines, 32)
        self.assertEqual(sorted(rec["reasons"]), ["io-errors", "qd-clamped-to-16", "run-status-fail"])
        self.assertAlmostEqual(rec["busy_cores"], 1.0)

    def test_where_the_time_goes(self):
        cl = ["bench: job=randread4k qd=1 iops=5000 lat_us_p50=170 lat_us_p99=300 lat_us_p999=400 errors=0 cpu_busy_pct=99 "
              "path=client devs=1 lat_us_avg=180 cpus=1 pid=2",
              "provider: session done dev=nvme0n1 served=30000 refused=0 residence_us_avg=150 pid=1",
              "nvme: device time bdf=0000:00:02.0 io_commands=30001 device_us_avg=130", "run: complete status=pass"]
        pv = ["bench: job=randread4k qd=1 iops=8000 lat_us_p50=120 lat_us_p99=200 lat_us_p999=300 errors=0 cpu_busy_pct=99 "
              "path=provider cpus=1 lat_us_avg=125 pid=1",
              "nvme: device time bdf=0000:00:02.0 io_commands=48000 device_us_avg=115", "run: complete status=pass"]
        rec = volumes.parse_caprock(cl, 1)
        self.assertEqual((rec["lat_us_avg"], rec["residence_us_avg"], rec["device_us_avg"]), (180, 150, 130))
        sc = volumes.scenarios(["client-vs-provider"], 1, [])
        c, p = sc[0][1][0], sc[0][2][0]
        got = {c: [volumes.parse_caprock(cl, 1)], p: [volumes.parse_caprock(pv, 1)]}
        for r in got[c] + got[p]:
            r["reasons"] = []
        s = "\n".join(volumes.summarize(got, sc[:1]))
        self.assertIn("| caprock client qd1 vols=1 smp=1 file | 180 | 130 | 20 | 30 |", s)
        self.assertIn("| caprock provider qd1 vols=1 smp=1 file | 125 | 115 | 10 | none |", s)

    def test_parse_linux_multi(self):
        rec = volumes.parse_linux(strip_ts(canned("linux-multi-polled.serial.log")), 4, "--hipri")
        self.assertEqual(rec["reasons"], [])
        self.assertEqual((rec["iops"], rec["cpus_online"], rec["poll_queues"]), (7390, 2, "2"))
        self.assertEqual(rec["devices"], {"d0": 1587, "d1": 1681, "d2": 2068, "d3": 2054})
        self.assertAlmostEqual(rec["busy_cores_fio"], 1.9409, places=3)
        self.assertAlmostEqual(rec["busy_cores_guest"], 1.1412, places=3)
        self.assertEqual(rec["irq_per_io"], 0.0)   # polled: no nvme interrupt during fio
        self.assertEqual(rec["lat_us_p999"], 240123.0)
        bad = volumes.parse_linux(strip_ts(canned("linux-multi-polled.serial.log")), 4, "")
        self.assertIn("fio-options-mismatch", bad["reasons"])
        short = [l for l in strip_ts(canned("linux-multi-polled.serial.log")) if ";d3;" not in l]
        self.assertIn("fio-jobs-3-of-4", volumes.parse_linux(short, 4, "--hipri")["reasons"])

    def test_newc_archive(self):
        a = volumes.newc_archive([("bench-multi-init", 0o100755, b"#!/bin/sh\necho hi\n")])
        self.assertEqual(len(a) % 512, 0)
        self.assertTrue(a.startswith(b"070701"))
        if shutil.which("cpio"):
            r = subprocess.run(["cpio", "-t", "-v"], input=a, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.decode(), r"-rwxr-xr-x .* 18 .* bench-multi-init")

    def test_best_scenarios_take_each_side_at_its_best(self):
        (name, a, b, goal), = volumes.scenarios(["smp-one-best"], 2, [])
        self.assertEqual(goal, 1.2)
        self.assertEqual([volumes.cfg_name(c) for c in a], ["caprock client qd32 vols=1 smp=2 null-co",
                                                            "caprock client qd32 vols=1 smp=2 null-co poll=always"])
        self.assertEqual([c[4] for c in b], [1, 1])
        b1 = volumes.Bench.__new__(volumes.Bench)
        b1.a = type("A", (), {"runtime": 5, "kernel": "k.elf"})()
        b1.machine = lambda smp: []
        b1.devices = lambda backend, n: []
        self.assertIn(" nvme.poll=always", " ".join(b1.caprock_cmd(a[1])))
        self.assertNotIn("nvme.poll", " ".join(b1.caprock_cmd(a[0])))

    def test_scenarios_and_summary(self):
        sc = volumes.scenarios(["smp-four", "linux-four"], 2, ["irq", "polled"])
        self.assertEqual([s[3] for s in sc], [1.5, 1.2])
        four2 = sc[0][1][0]
        self.assertEqual(four2, sc[1][1][0])        # the same configuration: measured once per round
        irq, pol = sc[1][2]
        th = {"vcpu": {"CPU 0/TCG": 90.0, "CPU 1/TCG": 80.0}, "main": 50.0, "other": 1.0, "host_other_cores": 0.1,
              "steal": 0.0, "window_s": 4}
        rec = lambda iops, bad=(): {"iops": iops, "reasons": list(bad), "devices": {}, "busy_cores": 1.5,
                                    "lat_us_p50": 100.0, "lat_us_p99": 200.0, "threads": th, "cpus_online": 2}
        got = {four2: [rec(60000), rec(62000), rec(61000)], sc[0][2][0]: [rec(40000), rec(41000), rec(39000)],
               irq: [rec(30000), rec(31000), rec(99999, ["p999>100ms"])], pol: [rec(50000), rec(52000), rec(51000)]}
        s = "\n".join(volumes.summarize(got, sc))
        self.assertIn("ratio of medians A/B 1.525  (issue 18 goal >= 1.5: met)", s)
        self.assertIn("linux fio qd32 vols=4 smp=2 null-co polled   iops median=51000 min=50000 max=52000 runs=3  <- best", s)
        self.assertIn("linux fio qd32 vols=4 smp=2 null-co irq      iops median=30500 min=30000 max=31000 runs=2", s)
        self.assertIn("ratio of medians A/B 1.196  (issue 18 goal >= 1.2: not met)", s)
        self.assertIn("| CPU 0 90, CPU 1 80 | 50 | 1 |", s)

    def test_proc_stat_busy(self):
        b = volumes.proc_stat_busy("cpu  100 0 100 800 0 0 0 0 0 0 uptime=1.0", "cpu  200 0 200 900 0 0 0 0 0 0 uptime=2.0")
        self.assertAlmostEqual(b, 2.0)


if __name__ == "__main__":
    unittest.main(verbosity=1)
