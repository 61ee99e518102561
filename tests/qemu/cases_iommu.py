"""tests/qemu/cases_iommu.py - the direct-remapping lane on QEMU's emulated VT-d unit.

`-M q35,kernel-irqchip=split -device intel-iommu,intremap=on`, the IOMMU
before the NVMe devices.  Every direct-lane boot must show the positive
verification step by step (the blocked DMA's fault included, at the guard
IOVA the unit step announced, from the controller's own source id), then
the selection line, the provider on the direct lane, data verified on the
host, and a release that unmaps the pool and clears the context entry
before anything is freed.  Also: aw-bits=48 with caching mode (four-level
tables, invalidation after every map), register-based invalidation, the
bounce lane forced on the same machine (the IOMMU left untouched), a
controller behind a conventional PCI bridge (no verification possible:
fallback, or a loud failure when remapping is forced), the hostile
provider aiming its device outside its pool, and the benchmark.

Interrupt isolation: QEMU's unit passes compatibility-format requests
through even with remapping on, and validates no source id on a device's
DMA write (only on real MSIs), so the interrupt-blocked step fails here and
the default is the bounce lane; the direct-lane cases run with the opt-in
iommu.interrupt_isolation=optional and are labelled unverified.
"""
import re
import struct

from harness import Case
from cases_nvme import nvme_case
import cases_volumes

IOMMU = ["-device", "intel-iommu,intremap=on"]
MACHINE = "q35,kernel-irqchip=split"
OPT_IN = "iommu.interrupt_isolation=optional"
# Every case here that wants the direct lane on QEMU needs the opt-in (QEMU's unit cannot verify
# interrupt isolation: see the docstring).
DIRECT_CMDLINE = OPT_IN
# What QEMU's unit does with the controller's writes into the interrupt window (see the docstring).
IRQ_STEP_QEMU = (r"^iommu: verify step=interrupt-blocked bdf=\S+ compat=delivered foreign_irte=(delivered|blocked) "
                 r"fault_reason=(none|0x2[0-6]) delivered=compat(,foreign-irte)? result=fail unit=0 ")
IR_ON = r"^iommu: interrupt remapping unit=0 enabled=yes entries=\d+ mode=(xapic|x2apic) eime=(yes|no) cfi=blocked "

DIRECT_PROOF = [
    r"^pci: nvme controller bdf=\S+ vendor=0x[0-9a-f]{4} device=0x[0-9a-f]{4} class=0x01 subclass=0x08 prog_if=0x02$",
    r"^iommu: vtd unit index=0 base=0x[0-9a-f]+ segment=0 version=\d+\.\d+ cap=0x[0-9a-f]+ ecap=0x[0-9a-f]+ .* "
    r"invalidation=(queued|register) fault_vector=\d+$",
    r"^iommu: verify step=unit result=ok bdf=\S+ unit=0 scope=\S+ did=\d+ levels=[345] ",
    r"^iommu: verify step=translation result=ok bdf=\S+ unit=0 gsts=0x[0-9a-f]+ context=present ",
    r"^iommu: verify step=dma-lands result=ok bdf=\S+ iova=0x[0-9a-f]+ bytes=4096 neighbours=untouched content=checked$",
    r"^iommu: fault unit=0 source=\S+ addr=0x[0-9a-f]+ reason=write-denied fault_reason=0x05 type=write record=\d+ event=poll$",
    r"^iommu: verify step=blocked-dma result=ok bdf=\S+ iova=0x[0-9a-f]+ fault_recorded=yes source=\S+ "
    r"reason=write-denied event=(pending-in-lapic|interrupt) memory=untouched$",
    r"^iommu: verify step=carries-on result=ok bdf=\S+ ",
    r"^iommu: verify step=interrupt-blocked bdf=\S+ .*result=fail ",
    r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true reason=positive-verification-passed "
    r"policy=direct-remapping-if-verified-else-bounce-buffer host_physical_user_visible=false "
    r"interrupt_isolation=unverified interrupt_isolation_policy=optional verified_on=\S+$",
    r"^provider: nvme started cpl=3 caps=DeviceMmio,Interrupt,DMAPool .* lane=direct pid=\d+$",
    r"^nvme: doorbell page mapped bdf=\S+ pid=\d+ bar0_offset=0x1000 bytes=4096 ",
    r"^provider: direct lane iova_base=0x[0-9a-f]+ ",
    r"^iommu: pool mapped bdf=\S+ did=\d+ iova=0x[0-9a-f]+-0x[0-9a-f]+ bytes=\d+ pages=\d+ manager_pages=0$",
    r"^nvme: direct enable bdf=\S+ writer=manager admin=brokered .* io_queues=provider-rings$",
    r"^nvme: bound bdf=\S+ lane=direct version=\d+\.\d+\.\d+ mqes=\d+ dstrd=\d+ ioqpairs=\d+ pid=\d+$",
    r"^nvme: admin completion wake=interrupt vector=\d+ ",
    r"^nvme: identify controller vid=0x[0-9a-f]{4} ",
    r"^nvme: read ok dev=\S+ bdf=\S+ nsid=\d+ lba=0 blocks=\d+ bytes=\d+ crc32=0x[0-9a-f]{8}",
    r"^proc: exit pid=\d+ name=nvme\d+ status=0$",
    r"^nvme: shutdown bdf=\S+ result=complete ",
    # A client's region, lent to its block session: mapped at its space, unmapped when the session ends.
    r"^iommu: space mapped bdf=\S+ did=\d+ space=\d+ iova=0x[0-9a-f]+-0x[0-9a-f]+ bytes=\d+$",
    r"^iommu: space unmapped bdf=\S+ did=\d+ space=\d+ pages=\d+ invalidated=iotlb$",
    # No manager physical address in the pool; the provider's device addresses were IOVAs above all RAM.
    r"^dma: audit provider_bytes_scanned=\d+ matching_words=0 provider_sq_bytes_skipped=\d+ device_data_bytes_skipped=\d+ lane=direct "
    r"iova_words=[1-9]\d* iova_base=0x[0-9a-f]+ ram_end=0x[0-9a-f]+ result=pass$",
    r"^iommu: pool unmapped bdf=\S+ did=\d+ pages=\d+ mapped_now=0 invalidated=iotlb$",
    r"^iommu: domain destroyed bdf=\S+ unit=0 did=\d+ mapped_pages=0 .* context=cleared invalidated=context-device,iotlb-domain$",
    # The admin queue brokered (its doorbells counted), the I/O queues rung by the provider itself.
    r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 .* doorbells=[1-9]\d* irqs=\d+ .* lane=direct "
    r"forwarded_irqs=[1-9]\d* device_sq_doorbells=\d+ device_cq_doorbells=\d+ poll=adaptive poll_hits=\d+ "
    r"poll_misses=\d+ irqs_per_io=\d+\.\d\d io_cqs=interrupts tick_drains=0$",
]


def first_index(run, pattern):
    rx = re.compile(pattern)
    for i, l in enumerate(run.lines):
        if rx.search(l):
            return i
    return None


def check_direct(run, ctx):
    """What the regexes cannot say: the order of events, and that the proofs agree with each other."""
    problems = []
    order = [r"^iommu: verify step=unit result=ok", r"^iommu: verify step=translation result=ok",
             r"^iommu: verify step=dma-lands result=ok", r"^iommu: verify step=blocked-dma result=ok",
             r"^iommu: verify step=carries-on result=ok", r"^iommu: verify step=interrupt-blocked ",
             r"^dma: backend selection ", r"^provider: nvme started ",
             r"^iommu: pool mapped ", r"^nvme: direct enable ", r"^nvme: bound ", r"^nvme: shutdown ",
             r"^iommu: pool unmapped ", r"^iommu: domain destroyed ", r"^nvme: controller released "]
    # A session's region goes before the domain does.
    if run.find(r"^iommu: space unmapped ") and first_index(run, r"^iommu: space unmapped ") > first_index(run, r"^iommu: domain destroyed "):
        problems.append("a session's region was unmapped after its domain was destroyed")
    at = [first_index(run, p) for p in order]
    if None not in at and at != sorted(at):
        problems.append("direct-lane events out of order: %s" % at)
    unit, blocked = run.find(r"^iommu: verify step=unit result=ok"), run.find(r"^iommu: verify step=blocked-dma result=ok")
    sel = run.find(r"^dma: backend selection ")
    if unit and blocked and sel:
        u, b, s = run.kv(unit[0]), run.kv(blocked[0]), run.kv(sel[0])
        faults = [run.kv(l) for l in run.find(r"^iommu: fault .* event=poll$")]
        if b["iova"] != u["guard_iova"]:
            problems.append("blocked DMA at %s, not the guard page %s" % (b["iova"], u["guard_iova"]))
        if not any(f["source"] == u["bdf"] and f["addr"] == u["guard_iova"] for f in faults):
            problems.append("no fault line from %s at the guard page %s" % (u["bdf"], u["guard_iova"]))
        if s.get("verified_on") != u["bdf"]:
            problems.append("selection verified on %s, domain made for %s" % (s.get("verified_on"), u["bdf"]))
        # IOVAs live in the window above RAM: the pool's IOVA must be the window's base.
        pm = run.find(r"^iommu: pool mapped ")
        if pm and not run.kv(pm[0])["iova"].startswith(u["pool_iova"]):
            problems.append("pool mapped at %s, announced %s" % (run.kv(pm[0])["iova"], u["pool_iova"]))
        if int(u["window"].split("-")[0], 16) < int(u["ram_end"], 16):
            problems.append("IOVA window below the end of RAM")
    return problems


def direct_cmdline(cmdline):
    return (DIRECT_CMDLINE + " " + cmdline).strip()


def direct_case(name, cmdline="", iommu=",intremap=on", expect=(), check=None, **kw):
    """The direct lane, opted in without verified interrupt isolation (QEMU cannot give it)."""
    cmdline = direct_cmdline(cmdline)
    case = nvme_case(name, cmdline, machine=MACHINE, devices=["-device", "intel-iommu" + iommu] + list(kw.pop("devices", [])),
                     proof=False, expect=DIRECT_PROOF + list(expect), **kw)
    base = case.check
    case.check = lambda run, ctx: (base(run, ctx) if base else []) + check_direct(run, ctx) + (check(run, ctx) if check else [])
    return case


def depth_from_caps(run, ctx):
    """The page-table depth the kernel chose is the one the unit's own CAP register
    implies (VT-d 3.3 §11.4.2: SAGAW bits 12:8, MGAW bits 21:16 as width-1): the deepest
    supported walk whose width fits MGAW.  Read from the unit line, not assumed for a
    QEMU version (7.2's intel-iommu defaulted to 39 bits, 10.0's to 48)."""
    unit = run.find(r"^iommu: vtd unit index=0 ")
    step = run.find(r"^iommu: verify step=unit result=ok ")
    if not unit or not step:
        return ["no unit or unit-step line"]
    cap = int(run.kv(unit[0])["cap"], 16)
    sagaw, mgaw = (cap >> 8) & 0x1f, ((cap >> 16) & 0x3f) + 1
    if run.kv(unit[0])["sagaw"] != "0x%x" % sagaw or int(run.kv(unit[0])["mgaw"]) != mgaw:
        return ["unit line decodes cap=%#x wrongly: %s" % (cap, unit[0])]
    want = next((l for l in (5, 4, 3) if sagaw & (1 << (l - 2)) and 30 + 9 * (l - 2) <= max(mgaw, 39)), None)
    kv = run.kv(step[0])
    got = (int(kv["levels"]), int(kv["agaw"]))
    if want is None or got != (want, 30 + 9 * (want - 2)):
        return ["cap=%#x (sagaw=%#x mgaw=%d) implies levels=%s, the kernel chose levels=%d agaw=%d"
                % (cap, sagaw, mgaw, want, got[0], got[1])]
    return []


def kernel_bytes_at(kernel, paddr, length):
    """The bytes the kernel ELF loads at physical address paddr."""
    with open(kernel, "rb") as f:
        elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        ptype, _, off, _, pa, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize)
        if ptype == 1 and pa <= paddr < pa + filesz:
            return elf[off + paddr - pa:off + paddr - pa + length]
    return b""


def check_beyond_pool_fault(run, ctx):
    """The read aimed just past the pool faulted at the pool's end, as the pool-mapped line places it."""
    pm = run.find(r"^iommu: pool mapped ")
    if not pm:
        return ["no pool mapped line"]
    end = run.kv(pm[0])["iova"].split("-")[1]
    if not run.find(r"^iommu: fault unit=0 source=\S+ addr=%s reason=write-denied " % end):
        return ["no fault at the pool's end %s" % end]
    return []


def check_no_exfiltration(run, ctx):
    """The write the hostile provider pointed at kernel memory must not have put kernel bytes on the disk."""
    line = run.find(r"^selftest: hostile direct-lane exfiltration-target ")
    if not line:
        return ["no exfiltration-target line"]
    kv = run.kv(line[0])
    lba, phys = int(kv["lba"]), int(kv["kernel_phys"], 16)
    secret = kernel_bytes_at(ctx.facts["kernel"], phys, 4096)
    with open(ctx.facts["images"][1], "rb") as f:
        f.seek(lba * 512)
        disk = f.read(4096)
    if not secret or secret.count(0) == len(secret):
        return ["cannot find kernel bytes at 0x%x to compare" % phys]
    if secret[:64] in disk or disk == secret:
        return ["kernel memory reached the disk at lba %d" % lba]
    return []


HOSTILE_DIRECT = {
    "read-raw-prp2": ("0x100000", "write-denied", "write"),
    "prp-list-entry-outside-pool": ("0x300000", "write-denied", "write"),
    "write-from-kernel-memory": ("0x200000", "read-denied", "read"),
}

CASES = [
    # IOMMUs this kernel does not drive (AMD-Vi's IVRS, virtio-iommu's VIOT): named in the selection line,
    # with a warning that DMA works only if they pass it through (QEMU's do by default), not "none".
    nvme_case("iommu-amd-vi-not-driven", "nvme.read=1:8", devices=["-device", "amd-iommu"],
              expect=[r"^dma: warning an IOMMU this kernel does not drive iommu=amd-vi: ",
                      r"^dma: backend selection backend=bounce-buffer iommu=amd-vi verified=false reason=iommu-not-driven "]),
    nvme_case("iommu-virtio-not-driven", "nvme.read=1:8", devices=["-device", "virtio-iommu-pci"],
              expect=[r"^dma: warning an IOMMU this kernel does not drive iommu=virtio-iommu: ",
                      r"^dma: backend selection backend=bounce-buffer iommu=virtio-iommu verified=false reason=iommu-not-driven "]),
    # Opted in (QEMU cannot verify interrupt isolation): the unit verified on the controller, the direct lane, data on the host.
    # QEMU's default unit (48-bit on 10.0): the depth follows from its capabilities.
    direct_case("iommu-direct-default", "nvme.read=16384:8,32767:1,100:2048 nvme.write=1000:1500:0xdeadbeef",
                writes=[(1000, 1500, 0xdeadbeef)], check=depth_from_caps,
                expect=[IR_ON, IRQ_STEP_QEMU, r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=100 blocks=2048 bytes=1048576 .* commands=2 ",
                        r"^nvme: write ok dev=\S+ bdf=\S+ nsid=1 lba=1000 blocks=1500 .* flush=ok verify=readback-match "]),
    # A 39-bit unit: three-level tables, the IOVA window below 2^39.
    direct_case("iommu-direct-aw39", "nvme.read=3:300,100:2048 nvme.write=70:77:7", iommu=",intremap=on,aw-bits=39",
                writes=[(70, 77, 7)], check=depth_from_caps,
                expect=[r"^iommu: vtd unit index=0 .* sagaw=0x2 mgaw=39 ",
                        r"^iommu: verify step=unit result=ok .* levels=3 agaw=39 window=0x[0-9a-f]+-0x8000000000 "]),
    # A 48-bit unit asked for by name: four-level tables.
    direct_case("iommu-direct-aw48", "nvme.read=3:300,100:2048 nvme.write=70:77:7", iommu=",intremap=on,aw-bits=48",
                writes=[(70, 77, 7)], check=depth_from_caps,
                expect=[r"^iommu: vtd unit index=0 .* mgaw=48 ",
                        r"^iommu: verify step=unit result=ok .* levels=4 agaw=48 window=0x[0-9a-f]+-0x1000000000000 "]),
    # 48-bit guest addresses with caching mode: four-level tables; every map is invalidated too.
    direct_case("iommu-direct-aw48-caching-mode", "nvme.read=3:300 nvme.write=70:77:7", iommu=",intremap=on,aw-bits=48,caching-mode=on",
                writes=[(70, 77, 7)],
                expect=[r"^iommu: vtd unit index=0 .* sagaw=0x6 mgaw=48 .* caching_mode=yes ",
                        r"^iommu: verify step=unit result=ok .* levels=4 agaw=48 window=0xffff80000000-0x1000000000000 "]),
    # Register-based invalidation (context command and IOTLB registers) instead of the queue.
    direct_case("iommu-register-invalidation", "iommu.invalidation=register nvme.read=9:700 nvme.write=20:20:2",
                writes=[(20, 20, 2)],
                expect=[r"^iommu: vtd unit index=0 .* invalidation=register fault_vector=\d+$",
                        # IEC descriptors need the queue: no remapping on this unit, said so, and labelled.
                        r"^iommu: interrupt remapping unit=0 enabled=no reason=needs-queued-invalidation$",
                        r"^iommu: verify step=interrupt-blocked bdf=\S+ result=fail reason=no-interrupt-remapping unit=0 "]),
    # Behind a PCIe root port: the DMAR names the port as a subtree; the controller is on its secondary bus.
    direct_case("iommu-direct-behind-root-port", "nvme.read=2:2,1000:100",
                devices=["-device", "pcie-root-port,id=rp1,chassis=1,slot=1"], bus="rp1",
                expect=[r"^iommu: verify step=unit result=ok bdf=0000:0[1-9a-f]:00\.0 unit=0 scope=explicit "]),
    # PRP lists the provider builds itself (MDTS 8 KiB: every long read is many two-page commands, 4 KiB blocks: lists).
    direct_case("iommu-direct-lists-4k-blocks", "nvme.read=17:300,4095:1",
                namespaces=[{"logical_block_size": 4096, "physical_block_size": 4096}],
                expect=[r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=17 blocks=300 bytes=1228800 .* commands=3 "]),
    direct_case("iommu-direct-separate-metadata", "nvme.read=3:200 nvme.write=50:100:7", namespaces=[{"ms": 8}],
                writes=[(50, 100, 7)],
                expect=[r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=3 blocks=200 bytes=102400 .* md_bytes=1600 pid=\d+$"]),
    # The bounce lane forced on the same machine: the IOMMU is not touched at all.
    nvme_case("iommu-forced-bounce", "dma.backend=bounce nvme.read=77:77 nvme.write=500:50:5", machine=MACHINE,
              devices=IOMMU, writes=[(500, 50, 5)],
              expect=[r"^dma: backend selection backend=bounce-buffer iommu=intel-vtd verified=false reason=forced-by-cmdline "],
              forbid=[r"^iommu: "]),
    # Behind a conventional PCI bridge the unit sees the bridge's requester id: no domain, no verification.
    nvme_case("iommu-behind-pci-bridge-falls-back", "nvme.read=2:2", machine=MACHINE,
              devices=IOMMU + ["-device", "pci-bridge,id=br1,chassis_nr=1"], bus="br1",
              expect=[r"^iommu: verify step=unit result=fail bdf=\S+ reason=behind-conventional-pci-bridge$",
                      r"^dma: backend selection backend=bounce-buffer iommu=intel-vtd verified=false "
                      r"reason=unit:behind-conventional-pci-bridge ",
                      r"^nvme: lane fallback bdf=\S+ lane=brokered failed_step=unit reason=behind-conventional-pci-bridge$"]),
    # The hostile provider on the direct lane: each address outside its pool faults in the IOMMU.
    direct_case("iommu-hostile-direct", "selftest=hostile nvme.read=5:5",
                expect=[r"^selftest: hostile attempt=%s result=harmless how=device-address=%s completed=yes .* "
                        r"controller=alive pool=untouched pid=\d+$" % (a, v[0]) for a, v in HOSTILE_DIRECT.items()] +
                       [r"^iommu: fault unit=0 source=\S+ addr=%s reason=%s fault_reason=0x[0-9a-f]{2} type=%s .* event=interrupt$"
                        % v for v in HOSTILE_DIRECT.values()] +
                       [r"^selftest: hostile attempt=read-beyond-pool result=harmless ",
                        r"^selftest: hostile attempts=(\d+) refused_or_harmless=\1 result=pass pid=\d+$",
                        r"^selftest: hostile attempt=read-asq result=refused ",
                        r"^selftest: hostile attempt=doorbell-unknown-queue result=refused ",
                        # The admin queue is brokered on this lane too (I6).
                        r"^selftest: hostile attempt=format-nvm result=refused how=admin-opcode-not-allowed ",
                        r"^selftest: hostile attempt=firmware-commit result=refused ",
                        r"^selftest: hostile attempt=set-features-save result=refused ",
                        r"^selftest: hostile attempt=identify-into-kernel-memory result=refused how=handle-outside-pool ",
                        r"^selftest: hostile attempt=stale-completion-after-recreate result=harmless "],
                forbid=[r"result=ALLOWED", r"^run: complete status=pass errors=0$"],
                check=lambda run, ctx: check_no_exfiltration(run, ctx) + check_beyond_pool_fault(run, ctx)),
    # The benchmark on the direct lane (figures are for bench/, not asserted here).
    nvme_case("iommu-bench-direct", OPT_IN + " mode=bench bench.job=seqread128k bench.qd=8 bench.seconds=1", machine=MACHINE,
              devices=IOMMU, check_reads=False, proof=False,
              expect=[r"^bench: job=seqread128k qd=8 iops=[1-9]\d* .* lane=direct .* errors=0 ",
                      r"^nvme: controller released bdf=\S+ stopped=yes ledger_live=0 .* lane=direct "]),
]


def own_domains(n):
    """n controllers, each verified in a domain of its own (distinct domain ids), each on the direct lane."""
    def check(run, ctx):
        units = [run.kv(l) for l in run.find(r"^iommu: verify step=unit result=ok ")]
        bdfs = set(u["bdf"] for u in units)
        dids = set(u["did"] for u in units)
        problems = []
        if len(units) != n or len(bdfs) != n or len(dids) != n:
            problems.append("want %d controllers in %d domains, got %d unit steps, %d bdfs, %d domain ids" %
                            (n, n, len(units), len(bdfs), len(dids)))
        for step in ("translation", "dma-lands", "blocked-dma", "carries-on"):
            got = set(run.kv(l)["bdf"] for l in run.find(r"^iommu: verify step=%s result=ok " % step))
            if got != bdfs:
                problems.append("step %s passed on %s, not on every controller" % (step, sorted(got)))
        bound = set(run.kv(l)["bdf"] for l in run.find(r"^nvme: bound bdf=\S+ lane=direct "))
        destroyed = set(run.kv(l)["bdf"] for l in run.find(r"^iommu: domain destroyed .* mapped_pages=0 "))
        if bound != bdfs or destroyed != bdfs:
            problems.append("direct lane on %s, domains destroyed for %s" % (sorted(bound), sorted(destroyed)))
        # Each device's blocked DMA faulted with its own source id.
        faults = set(run.kv(l)["source"] for l in run.find(r"^iommu: fault .* reason=write-denied .* event=poll$"))
        if faults != bdfs:
            problems.append("blocked-DMA faults from %s" % sorted(faults))
        if len(run.find(r"^dma: backend selection ")) != 1:
            problems.append("the selection line is printed once per boot")
        return problems
    return check


CASES += [
    # Three controllers of different shapes: each its own domain, verification and provider; reads checked.
    Case("iommu-three-controllers-own-domains", OPT_IN + " nvme.read=100:100", machine=MACHINE, devices=IOMMU,
         setup=cases_volumes.controllers(cases_volumes.THREE),
         expect=[r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true .* "
                 r"verified_on=0000:00:02\.0$"] +
                [r"^nvme: read ok dev=nvme%dn1 bdf=0000:00:0%d\.0 nsid=1 lba=0 " % (i, i + 2) for i in range(3)],
         check=cases_volumes.all_of(cases_volumes.reads_match(4), own_domains(3))),
    # Nine, as functions of multi-function slots (the DMAR lists each function): nine domain ids.
    Case("iommu-nine-controllers", OPT_IN, machine=MACHINE, devices=IOMMU, memory_mb=512,
         setup=cases_volumes.many(9), check=cases_volumes.all_of(cases_volumes.reads_match(9), own_domains(9))),
]


def bridged_setup(extra, controllers):
    """A conventional PCI bridge br1 (and the other devices of extra); controllers [(serial, bus props)]."""
    def setup(ctx):
        images, args = {}, list(extra)
        for i, (serial, bus) in enumerate(controllers):
            img = ctx.path("%s.img" % serial)
            cases_volumes.mkdisk(img, 16 * cases_volumes.MIB, "CAPMIX%02d" % i)
            images[(serial, 1)] = img
            args += ["-drive", "file=%s,if=none,id=d%d,format=raw" % (img, i),
                     "-device", "nvme,serial=%s,drive=d%d%s" % (serial, i, bus)]
        ctx.facts["images"] = images
        return args
    return setup


# nvme "root" on the root bus, a conventional PCI bridge, nvme "bridged" behind it.
mixed_setup = bridged_setup(["-device", "pci-bridge,id=br1,chassis_nr=1"],
                            [("root", ""), ("bridged", ",bus=br1,addr=0x1")])
# The bridge (slot 5) with nvme "bridged" behind it, met before nvme "rooted" on a PCIe root port (slot 6).
bridged_first_setup = bridged_setup(["-device", "pci-bridge,id=br1,chassis_nr=1,addr=0x5",
                                     "-device", "pcie-root-port,id=rp1,chassis=2,addr=0x6"],
                                    [("bridged", ",bus=br1,addr=0x1"), ("rooted", ",bus=rp1")])


CASES += [
    # One controller verified (translation on), the other behind a conventional bridge: it falls back alone,
    # with a pass-through context at the bridge's requester id, and both controllers' data is right.
    Case("iommu-mixed-lanes", OPT_IN + " nvme.read=100:100", machine=MACHINE, devices=IOMMU, setup=mixed_setup,
         expect=[r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true .* "
                 r"verified_on=0000:00:03\.0$",
                 r"^nvme: bound bdf=0000:00:03\.0 lane=direct ",
                 r"^iommu: verify step=unit result=fail bdf=0000:01:01\.0 reason=behind-conventional-pci-bridge$",
                 r"^nvme: lane fallback bdf=0000:01:01\.0 lane=brokered failed_step=unit ",
                 r"^iommu: pass-through bdf=0000:01:01\.0 requester=0000:00:02\.0 unit=0 did=\d+ lane=brokered "
                 r"translating=yes$",
                 r"^nvme: bound bdf=0000:01:01\.0 lane=brokered ",
                 r"^nvme: read ok dev=nvme1n1 bdf=0000:01:01\.0 nsid=1 lba=0 "],
         forbid=[r"^iommu: fault .* source=0000:00:02\.0 ", r"^iommu: fault .* source=0000:01:01\.0 "],
         check=cases_volumes.reads_match(3)),
    # A unit that remaps interrupts but translates no DMA (SAGAW 0: QEMU's dma-translation=off, the usual
    # x2APIC guest setup): used for interrupt remapping only, DMA on the bounce lane, and the run passes
    # (the unit was called unusable: interrupt remapping off and an error).
    nvme_case("iommu-interrupt-remapping-only", "nvme.read=100:100 nvme.write=1000:100:0x3", machine=MACHINE,
              devices=["-device", "intel-iommu,intremap=on,dma-translation=off"], writes=[(1000, 100, 0x3)],
              expect=[r"^iommu: warning vtd unit index=0 does no DMA translation reason=no-supported-page-table-depth: "
                      r"interrupt remapping only; DMA takes the bounce lane$",
                      IR_ON,
                      r"^dma: backend selection backend=bounce-buffer iommu=intel-vtd verified=false ",
                      r"^nvme: admin completion wake=interrupt vector=0 kind=msix ",
                      r"^run: complete status=pass errors=0 "],
              forbid=[r"^iommu: error "]),
    # fault.ctrl= counts the broker's I/O completions, which the direct lane does not pass through the
    # kernel: refused by name (it did nothing, and the run passed without a fault).
    nvme_case("iommu-direct-fault-ctrl-refused", OPT_IN + " fault.ctrl=nvme0 nvme.read=0:8", status="fail",
              machine=MACHINE, devices=IOMMU, proof=False,
              expect=[r"^nvme: bound bdf=\S+ lane=direct ",
                      r"^nvme: error fault\.ctrl=nvme0 cannot be injected on the direct lane: ",
                      r"^run: complete status=fail errors=1 "]),
    # The same when the bridged controller is met first: where it sits says nothing of the unit, so it
    # falls back alone and the next controller's verification decides (it decided bounce for all).
    Case("iommu-mixed-lanes-bridged-first", OPT_IN + " nvme.read=100:100", machine=MACHINE, devices=IOMMU,
         setup=bridged_first_setup,
         expect=[r"^iommu: verify step=unit result=fail bdf=0000:01:01\.0 reason=behind-conventional-pci-bridge$",
                 r"^nvme: lane fallback bdf=0000:01:01\.0 lane=brokered failed_step=unit ",
                 r"^dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true .* "
                 r"verified_on=0000:02:00\.0$",
                 r"^nvme: bound bdf=0000:02:00\.0 lane=direct ",
                 r"^nvme: bound bdf=0000:01:01\.0 lane=brokered ",
                 r"^run: complete status=pass errors=0 "],
         forbid=[r"^dma: backend selection backend=bounce-buffer "],
         check=cases_volumes.reads_match(2)),
]


# ------------------------------------------------------------ interrupt remapping and interrupt isolation

IRQ_FALLBACK = [r"^dma: backend selection backend=bounce-buffer iommu=intel-vtd verified=false "
                r"reason=interrupt-isolation-unverified ",
                r"^nvme: lane fallback bdf=\S+ lane=brokered failed_step=interrupt-blocked "
                r"reason=interrupt-isolation-unverified$",
                r"^nvme: bound bdf=\S+ lane=brokered ",
                r"^nvme: admin completion wake=interrupt vector=\d+ kind=msix "]
# The power button's SCI through the I/O APIC, in remappable format, from the DMAR's I/O APIC scope.
BUTTON_UNDER_IR = [r"^iommu: interrupt remapping ioapic id=0 source=ff:00\.0 unit=0$",
                   r"^power: button ready sci_irq=9 gsi=9 ",
                   r"^serve: waiting power_button=ready ", r"^power: button$",
                   r"^serve: end reason=power-button waited_ms=\d+$"]
POWERDOWN = [(r"^serve: waiting ", "system_powerdown")]


CASES += [
    # The default on QEMU: DMA isolation verified, interrupt isolation not (compatibility format passes) -> bounce.
    nvme_case("iommu-default-interrupts-unverified-bounce", "nvme.read=5:50 nvme.write=300:30:3", machine=MACHINE,
              devices=IOMMU, writes=[(300, 30, 3)], proof=False,
              expect=[IR_ON, r"^iommu: verify step=blocked-dma result=ok ", IRQ_STEP_QEMU] + IRQ_FALLBACK +
                     [r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=5 blocks=50 "],
              forbid=[r"^nvme: bound bdf=\S+ lane=direct ", r"^irq: error unexpected vector"]),
    # A unit without interrupt remapping: said so, and no direct lane by default.
    nvme_case("iommu-no-intremap-bounce", "nvme.read=9:9", machine=MACHINE,
              devices=["-device", "intel-iommu,intremap=off"], proof=False,
              expect=[r"^iommu: interrupt remapping unit=0 enabled=no reason=unit-has-no-interrupt-remapping$",
                      r"^iommu: verify step=interrupt-blocked bdf=\S+ result=fail reason=no-interrupt-remapping unit=0 ",
                      r"^dma: backend selection backend=bounce-buffer iommu=intel-vtd verified=false "
                      r"reason=no-interrupt-remapping ",
                      r"^nvme: lane fallback bdf=\S+ lane=brokered failed_step=interrupt-blocked reason=no-interrupt-remapping$",
                      r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=9 blocks=9 "]),
    # ... and with the opt-in it takes the direct lane, labelled unverified.
    direct_case("iommu-no-intremap-opt-in-direct", "nvme.read=3:300", iommu=",intremap=off",
                expect=[r"^iommu: interrupt remapping unit=0 enabled=no reason=unit-has-no-interrupt-remapping$"]),
    # The SCI (power button) through the I/O APIC keeps working with remapping on, on both lanes.
    nvme_case("iommu-intremap-power-button", "mode=serve nvme.read=1:1", machine=MACHINE, devices=IOMMU,
              qmp=POWERDOWN, timeout_s=90, proof=False, expect=[IR_ON] + BUTTON_UNDER_IR + IRQ_FALLBACK),
    direct_case("iommu-intremap-power-button-direct", "mode=serve nvme.read=3:300", qmp=POWERDOWN, timeout_s=90,
                expect=[IR_ON] + BUTTON_UNDER_IR),
    # x2APIC: extended interrupt mode, 32-bit destinations in the entries, on a unit that has it (QEMU's
    # eim=on; ECAP.EIM); asked for, and chosen by itself.
    direct_case("iommu-intremap-x2apic", "apic.mode=x2apic nvme.read=7:70", iommu=",intremap=on,eim=on",
                expect=[r"^apic: lapic mode=x2apic ",
                        r"^iommu: interrupt remapping unit=0 enabled=yes entries=\d+ mode=x2apic eime=yes cfi=blocked .* "
                        r"lapic=x2apic unit_eim=yes$",
                        IRQ_STEP_QEMU]),
    # x2APIC on a unit without it (QEMU's default: ECAP.EIM clear, EIME reserved): entries in xAPIC
    # format, 8-bit destinations, which reach the x2APIC ids below 255 (two CPUs here).
    direct_case("iommu-intremap-x2apic-without-eim", "apic.mode=x2apic nvme.read=7:70", devices=["-smp", "2"],
                expect=[r"^apic: lapic mode=x2apic ",
                        r"^iommu: interrupt remapping unit=0 enabled=yes entries=\d+ mode=xapic eime=no cfi=blocked .* "
                        r"lapic=x2apic unit_eim=no$",
                        r"^nvme: read ok dev=\S+ bdf=\S+ nsid=1 lba=7 blocks=70 ",
                        IRQ_STEP_QEMU]),
    direct_case("iommu-intremap-apic-auto", "nvme.read=7:70",
                expect=[r"^iommu: interrupt remapping unit=0 enabled=yes entries=\d+ mode=(x2apic eime=yes|xapic eime=no) "]),
    # xAPIC: 8-bit destinations (IRTE bits 47:40), no EIME.
    direct_case("iommu-intremap-xapic", "apic.mode=xapic nvme.read=7:70",
                expect=[r"^apic: lapic mode=xapic ",
                        r"^iommu: interrupt remapping unit=0 enabled=yes entries=\d+ mode=xapic eime=no cfi=blocked "]),
    # Both address widths QEMU 10 offers (its default is 48).
    direct_case("iommu-intremap-aw39", "nvme.read=4:40", iommu=",intremap=on,aw-bits=39",
                expect=[IR_ON, r"^iommu: verify step=unit result=ok .* levels=3 agaw=39 "]),
    direct_case("iommu-intremap-aw48", "nvme.read=4:40", iommu=",intremap=on,aw-bits=48",
                expect=[IR_ON, r"^iommu: verify step=unit result=ok .* levels=4 agaw=48 "]),
]


def vector_set(text):
    """'0x30-0x3a,0x40' -> {0x30, ..., 0x3a, 0x40}"""
    out = set()
    for part in filter(None, text.split(",")):
        if part == "none":
            continue
        lo, _, hi = part.partition("-")
        out.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return out


def check_irq_counts(run, ctx):
    """Every interrupt the hostile provider injected was counted, allowing for what the platform drops:
    vectors 0-15 (illegal for fixed delivery; QEMU leaves vector 0 pending in IRR) and vectors a handler owns
    (the stray went to that handler).  The NMIs are one per command, so none coalesce: all must be counted."""
    shot = run.find(r"^selftest: hostile irq injected=")
    summary = run.find(r"^irq: stray summary ")
    if not shot or not summary:
        return ["no injected line or no stray summary"]
    inj, summ = run.kv(shot[0]), run.kv(summary[-1])
    counts = {}
    for line in run.find(r"^irq: stray counts "):
        kv = run.kv(line)
        first = int(kv["vectors"].split("-")[0], 16)
        for k, c in enumerate(kv["counts"].split(",")):
            counts[first + k] = int(c)
    owned = vector_set(summ["owned"])
    problems = []
    if sum(counts.values()) != int(summ["total"]):
        problems.append("per-vector counts sum to %d, summary total=%s" % (sum(counts.values()), summ["total"]))
    missed = [v for v in range(16, 256) if v not in owned and not counts.get(v)]
    if missed:
        problems.append("fixed vectors injected but not counted: %s" % ",".join("0x%02x" % v for v in missed))
    if int(summ["nmi_unknown"]) != int(inj["nmi"]):
        problems.append("nmi injected=%s counted=%s" % (inj["nmi"], summ["nmi_unknown"]))
    return problems


def hostile_irq_case(name, extra="", expect=()):
    return Case(name, direct_cmdline("selftest=hostile-irq nvme.read=5:5 " + extra), machine=MACHINE, devices=IOMMU,
                setup=cases_volumes.controllers(cases_volumes.THREE[:2]),
                expect=[r"^nvme: bound bdf=0000:00:02\.0 lane=direct ",
                        r"^selftest: hostile irq injected=(\d+) fixed=256 .* completed=\1 dptr=sgl .* controller=alive ",
                        r"^irq: stray vector=0x13 kind=external-on-exception-vector ",
                        r"^irq: stray vector=0x0e kind=external-on-exception-vector ",
                        r"^trap: nmi unknown count=1 ",
                        r"^irq: stray summary total=[1-9]\d* vectors=\d+ nmi_unknown=[1-9]\d* owned=\S+$",
                        r"^nvme: read ok dev=nvme0n1 bdf=0000:00:02\.0 nsid=1 lba=5 blocks=5 ",
                        r"^nvme: read ok dev=nvme1n1 bdf=0000:00:03\.0 nsid=1 lba=0 ",
                        r"^proc: exit pid=\d+ name=nvme0 status=0$", r"^proc: exit pid=\d+ name=nvme1 status=0$",
                        r"^proc: exit pid=\d+ name=blk0 status=0$", r"^proc: exit pid=\d+ name=blk1 status=0$"] + list(expect),
                forbid=[r"^trap: kernel exception", r"^panic", r"^proc: fault ", r"^proc: killed ", r"^irq: error "],
                check=cases_volumes.all_of(cases_volumes.reads_match(3), check_irq_counts))


CASES += [
    # The hostile provider makes its own device raise every fixed vector, lowest-priority ones, NMIs and an
    # ExtINT through the interrupt window: the kernel survives and counts them, and the other volume is served.
    hostile_irq_case("iommu-hostile-irq", expect=[r"^apic: lapic mode=x2apic "]),
    # The same with the xAPIC's registers in MMIO (the entry stubs read ISR there instead of the MSR).
    hostile_irq_case("iommu-hostile-irq-xapic", "apic.mode=xapic", expect=[r"^apic: lapic mode=xapic "]),
]
