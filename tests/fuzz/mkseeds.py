#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py - write the seed corpus of each libFuzzer harness.

Small, well-formed examples of each input kind, so the fuzzers start past
the outer checks.  Run from the repository root; it (re)writes only the
seed-*.bin files of tests/fuzz/corpus/<harness>/ and leaves the regression
inputs (regress-*) alone.
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name + ".bin"), "wb") as f:
        f.write(data)


def csum_fix(b, at):
    b[at] = 0
    b[at] = (-sum(b)) & 0xff
    return b


def sdt(sig, body, rev=1):
    n = 36 + len(body)
    h = bytearray(sig.encode() + struct.pack("<IBB", n, rev, 0) + b"CAPROK" + b"CAPROCK " +
                  struct.pack("<III", 1, 0x4c4e5558, 1))
    return csum_fix(h + body, 9)


# ------------------------------------------------------------ cmdline
for i, line in enumerate([
        "mode=smoke",
        "nvme.read=0:8,100:1,0xffffffff:1 nvme.nsid=1",
        "nvme.write=8:8:42,4096:256:0xdeadbeef dma.backend=bounce",
        "mode=bench bench.job=randread4k bench.qd=32 bench.seconds=5 dma.backend=auto",
        "bench.job=seqwrite128k selftest=hostile mode=boot dma.backend=remap",
        "bogus x= =y nvme.read=1:0 mode=smoke mode=bench\tnvme.nsid=4294967295",
        "mode=serve serve.seconds=30 clock.source=acpi-pm",
        "serve.seconds=0 clock.source=tsc mode=serve clock.source=pit",
        "apic.mode=x2apic apic.timer=tsc-deadline apic.mode=xapic apic.timer=periodic",
]):
    put("fuzz_cmdline", "%d" % i, line.encode())

# ------------------------------------------------------------ ACPI (flag byte, then the table)
lapic = struct.pack("<BBBBI", 0, 8, 0, 0, 1) + struct.pack("<BBBBI", 0, 8, 1, 1, 1)
ioapic = struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0)
iso = struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)
x2 = struct.pack("<BBHIII", 9, 16, 0, 5, 1, 5)
put("fuzz_acpi", "madt", b"\x00" + sdt("APIC", struct.pack("<II", 0xfee00000, 1) + lapic + ioapic + iso + x2))
put("fuzz_acpi", "mcfg", b"\x00" + sdt("MCFG", b"\0" * 8 + struct.pack("<QHBBI", 0xb0000000, 0, 0, 255, 0)))
scope = struct.pack("<BBBBBB", 1, 8, 0, 0, 0, 0) + bytes([3, 0])
drhd = struct.pack("<HHBBHQ", 0, 16 + len(scope), 0, 0, 0, 0xfed90000) + scope
rmrr = struct.pack("<HHHHQQ", 1, 24 + len(scope), 0, 0, 0xe0000, 0xeffff) + scope
put("fuzz_acpi", "dmar", b"\x00" + sdt("DMAR", bytes([38, 1]) + b"\0" * 10 + drhd + rmrr))
fadt = bytearray(244 + 12 - 36)
struct.pack_into("<I", fadt, 40 - 36, 0x7fe0000)
struct.pack_into("<I", fadt, 64 - 36, 0x604)
struct.pack_into("<Q", fadt, 140 - 36, 0x7fe0000)
put("fuzz_acpi", "fadt", b"\x00" + sdt("FACP", bytes(fadt), rev=6))
aml = b"\x10\x0a\\_SB_" + b"\x08_S5_\x12\x06\x04\x0a\x05\x0a\x05\x00\x00"
put("fuzz_acpi", "dsdt", b"\x00" + sdt("DSDT", aml, rev=2))
put("fuzz_acpi", "xsdt", b"\x00" + sdt("XSDT", struct.pack("<QQ", 0x7fe1000, 0x7fe2000)))
put("fuzz_acpi", "rsdt", b"\x00" + sdt("RSDT", struct.pack("<II", 0x7fe1000, 0x7fe2000)))
rsdp = bytearray(b"RSD PTR " + b"\0" + b"CAPROK" + bytes([2]) + struct.pack("<IIQ", 0x7fe0000, 36, 0x7fe0100) + b"\0\0\0\0")
csum_fix(rsdp, 32)
rsdp[8] = 0
rsdp[8] = (-sum(rsdp[:20])) & 0xff
rsdp[32] = 0
rsdp[32] = (-sum(rsdp)) & 0xff
put("fuzz_acpi", "rsdp", b"\x00" + bytes(rsdp))
put("fuzz_acpi", "fixups", b"\x07" + bytes(rsdp))

hpet = struct.pack("<I", 0x8086a201) + struct.pack("<BBBBQ", 0, 64, 0, 0, 0xfed00000) + struct.pack("<BHB", 0, 0x80, 0)
put("fuzz_acpi", "hpet", b"\x00" + sdt("HPET", hpet))
nmi = struct.pack("<BBBHB", 4, 6, 0xff, 0, 1) + struct.pack("<BBHIB3x", 10, 12, 0, 0xffffffff, 1)
put("fuzz_acpi", "madt-x2apic-nmi", b"\x00" + sdt("APIC", struct.pack("<II", 0xfee00000, 1) + x2 +
                                                  struct.pack("<BBHIII", 9, 16, 0, 300, 1, 300) + nmi))
s5 = b"\x08\\_S5_\x12\x85\x10\x00\x02\x0a\x05\x0a\x05" + b"\0" * 0xfd + b"\x08_S5_\x13\x06\x0a\x02\x01\x0a\x06"
put("fuzz_acpi", "dsdt-s5-long", b"\x00" + sdt("DSDT", s5, rev=2))
fadt1 = bytearray(116 - 36)
for off, v in ((40, 0x0fffe040), (48, 0xb2), (56, 0xb000), (64, 0xb004), (76, 0xb008), (80, 0xafe0)):
    struct.pack_into("<I", fadt1, off - 36, v)
struct.pack_into("<H", fadt1, 46 - 36, 9)
fadt1[88 - 36], fadt1[91 - 36], fadt1[92 - 36] = 4, 4, 4
put("fuzz_acpi", "fadt-rev1", b"\x00" + sdt("FACP", bytes(fadt1), rev=1))


# ------------------------------------------------------------ multiboot2 (flag byte, then the info)
def mb2_tag(t, payload):
    b = struct.pack("<II", t, 8 + len(payload)) + payload
    return b + b"\0" * (-len(b) % 8)


def mb2(tags):
    body = b"".join(tags) + struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(body), 0) + body


mmap = struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", a, l, t, 0) for a, l, t in (
    (0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0x100000, 0xfee0000, 1), (0xffe0000, 0x20000, 2)))
put("fuzz_multiboot2", "bios", b"\x00" + mb2([
    mb2_tag(1, b"mode=serve serve.seconds=5\0"), mb2_tag(2, b"GRUB 2.06\0"),
    mb2_tag(4, struct.pack("<II", 639, 261120)), mb2_tag(6, mmap), mb2_tag(14, bytes(rsdp[:20]))]))
put("fuzz_multiboot2", "uefi", b"\x01" + mb2([
    mb2_tag(1, b"\0"), mb2_tag(15, bytes(rsdp)), mb2_tag(14, bytes(rsdp[:20])), mb2_tag(8, b"\0" * 24),
    mb2_tag(12, struct.pack("<Q", 0x7fe00000)), mb2_tag(6, mmap), mb2_tag(17, struct.pack("<II", 48, 1) + b"\0" * 48)]))

# ------------------------------------------------------------ ELF64
def elf(segs, entry):
    phoff = 64
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8 + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64, 56, len(segs), 64, 0, 0)
    ph = b""
    for (flags, off, va, filesz, memsz) in segs:
        ph += struct.pack("<IIQQQQQQ", 1, flags, off, va, va, filesz, memsz, 0x1000)
    body = ehdr + ph
    return body + b"\xf4" * 16


put("fuzz_elf64", "one", elf([(5, 0, 0x400000, 0x88, 0x88)], 0x400078))
put("fuzz_elf64", "two", elf([(5, 0, 0x400000, 0xc0, 0x100), (6, 0, 0x401000, 0x10, 0x2000)], 0x4000b0))

# ------------------------------------------------------------ IDENTIFY pages (zero tails trimmed)
ctrl = bytearray(540)
struct.pack_into("<HH", ctrl, 0, 0x1b36, 0x1af4)
ctrl[4:24] = b"deadbeef            "
ctrl[24:64] = b"QEMU NVMe Ctrl".ljust(40)
ctrl[64:72] = b"8.0.0   "
ctrl[77] = 7
struct.pack_into("<I", ctrl, 80, 0x00010400)
ctrl[512], ctrl[513] = 0x66, 0x44
struct.pack_into("<IH", ctrl, 516, 256, 0x5f)
ctrl[525] = 7
put("fuzz_nvme_identify", "ctrl", bytes(ctrl))
ns = bytearray(128 + 4 * 8)
struct.pack_into("<QQQ", ns, 0, 0x40000, 0x40000, 0x1000)
ns[25], ns[26], ns[29] = 7, 0x14, 1
for i, (ms, lbads) in enumerate([(0, 9), (8, 9), (16, 9), (64, 9), (0, 12), (8, 12), (16, 12), (64, 12)]):
    struct.pack_into("<I", ns, 128 + 4 * i, ms | lbads << 16)
put("fuzz_nvme_identify", "ns", bytes(ns))
put("fuzz_nvme_identify", "nslist", struct.pack("<5I", 1, 2, 3, 10, 0))

# ------------------------------------------------------------ broker commands (layout of fuzz_broker_check.c)
def view(shape, pool, mt, mqes, limit, max_qid, nvec, nss, sq, cq, has):
    b = bytes([shape])
    b += struct.pack("<Q", pool) if shape & 1 else struct.pack("<H", pool >> 12)
    b += struct.pack("<I", mt) if shape & 2 else bytes([mt >> 12])
    b += struct.pack("<H", mqes - 1) + bytes([limit, max_qid]) + struct.pack("<H", nvec)
    for (f, nsid, nsze, ms, ext, pi) in nss:
        b += bytes([f])
        if f & 0x80:
            b += struct.pack("<I", nsid)
        b += struct.pack("<Q", nsze) if f & 0x40 else struct.pack("<I", nsze)
        b += bytes([ms, ext, pi])
    return b + struct.pack("<QQQ", sq, cq, has)


def sqe(opc, nsid=0, prp1=0, prp2=0, cdw=(0, 0, 0, 0, 0, 0), flags=0, mptr=0):
    return struct.pack("<BBHIIIQQQ6I", opc, flags, 1, nsid, 0, 0, mptr, prp1, prp2, *cdw)


# shape: 2 namespaces (bits 5:3 = 2), flush broadcast (4), small pool/limit encodings
V = view(0x10 | 0x04, 1 << 24, 0x1f000, 1024, 16, 8, 4,
         [(0x01, 1, 1 << 20, 0, 0, 0), (0x1a, 2, 1000, 8, 1, 1)], 0b11, 0b111, 0b10)
put("fuzz_broker_check", "read", V + bytes([1]) + sqe(0x02, 1, 0x3000, cdw=(0, 0, 7, 0, 0, 0)))
put("fuzz_broker_check", "write-pi", V + bytes([1]) + sqe(0x01, 2, 0, cdw=(0, 0, (1 << 29) | 1, 0, 0, 0)))
put("fuzz_broker_check", "identify", V + bytes([0]) + sqe(0x06, 0, 0x1000, cdw=(1, 0, 0, 0, 0, 0)))
put("fuzz_broker_check", "create-cq", V + bytes([0]) + sqe(0x05, 0, 0x20000, cdw=((63 << 16) | 3, (1 << 16) | 3, 0, 0, 0, 0)))
put("fuzz_broker_check", "create-sq", V + bytes([0]) + sqe(0x01, 0, 0x40000, cdw=((63 << 16) | 3, (2 << 16) | 1, 0, 0, 0, 0)))
put("fuzz_broker_check", "dsm", V + bytes([1]) + sqe(0x09, 1, 0x4000, cdw=(1, 4, 0, 0, 0, 0)) +
    struct.pack("<IIQ", 0, 8, 0) + struct.pack("<IIQ", 0, 8, 100))
put("fuzz_broker_check", "log-page", V + bytes([0]) + sqe(0x02, 0, 0x2000, cdw=((127 << 16) | 2, 0, 0, 0, 0, 0)))
put("fuzz_broker_check", "set-queues", V + bytes([0]) + sqe(0x09, 0, 0, cdw=(7, 0x00030003, 0, 0, 0, 0)))
put("fuzz_broker_check", "delete-cq", V + bytes([0]) + sqe(0x04, 0, 0, cdw=(2, 0, 0, 0, 0, 0)))

# ------------------------------------------------------------ PCI configuration space
cfg = bytearray(256)
struct.pack_into("<HHHH", cfg, 0, 0x1b36, 0x0010, 0x0406, 0x0010)
cfg[9], cfg[10], cfg[11] = 2, 8, 1
struct.pack_into("<IIIIII", cfg, 0x10, 0xfebf0004, 0, 0xc001, 0xfebd1000, 0, 0)
cfg[0x34] = 0x40
cfg[0x40:0x42] = bytes([0x05, 0x50])
cfg[0x50:0x52] = bytes([0x10, 0x70])
cfg[0x70:0x72] = bytes([0x11, 0x00])
struct.pack_into("<HII", cfg, 0x72, 0x003f, 0x2000, 0x3000)
bars = struct.pack("<4I", 0xfebf0004, 0xffffc004, 0, 0xffffffff) + struct.pack("<4I", 0xc001, 0xffffffe1, 0, 0)
put("fuzz_pci_decode", "nvme", bytes(cfg) + bytes([0x70]) + bars)
put("fuzz_pci_decode", "nvme-image", bytes(cfg))

# ------------------------------------------------------------ GPT disks (layout of fuzz_gpt.c; tables from tests/qemu/gptimage.py)
def gpt_seeds():
    import sys
    import tempfile
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
    import gptimage as gi

    def seed(img, sector, front, tail, flags, maxp=8, scratch=None, fail_at=0, code=0, last32=None):
        """The image as fuzz_gpt.c takes it: `front` sectors from LBA 0, the last `tail` sectors."""
        n = len(img) // sector
        k = {512: 0, 1024: 1, 2048: 2, 4096: 3}[sector]
        fb = img[:front * sector].rstrip(b"\0")
        tb = img[len(img) - tail * sector:].lstrip(b"\0") if tail else b""
        if scratch is None:
            scratch = 63
        return (bytes([flags | k, maxp, scratch, fail_at, code]) +
                struct.pack("<IH", n - 1 if last32 is None else last32, len(fb)) + fb + tb)

    def image(size, sector, parts, corrupt=(), **kw):
        with tempfile.NamedTemporaryFile() as f:
            gi.build(f.name, size, parts, sector=sector, fill=False, corrupt=corrupt, align=sector, **kw)
            return open(f.name, "rb").read()

    three = [gi.Part(8 * 512, "esp", "EFI system"), gi.Part(16 * 512, "linux", "root"),
             gi.Part(0, "linux", "data \u00fc", attrs=1 << 63)]
    fix = 0x18
    small = image(128 * 512, 512, three, entries=16)
    put("fuzz_gpt", "512", seed(small, 512, 6, 5, fix))
    put("fuzz_gpt", "512-nofix", seed(small, 512, 6, 5, 0, maxp=2))
    put("fuzz_gpt", "512-128", seed(image(100 * 1024, 512, three), 512, 34, 33, fix))
    put("fuzz_gpt", "4k", seed(image(64 * 4096, 4096, three, entries=16), 4096, 3, 2, fix))
    put("fuzz_gpt", "1k-256", seed(image(96 * 1024, 1024, three, entries=8, entry_size=256), 1024, 4, 3, fix))
    put("fuzz_gpt", "primary-bad", seed(image(128 * 512, 512, three, ["primary-header-crc"], entries=16),
                                        512, 6, 5, 0x10))
    put("fuzz_gpt", "primary-entries-bad", seed(image(128 * 512, 512, three, ["primary-entries-crc"], entries=16),
                                                512, 6, 5, 0x10))
    put("fuzz_gpt", "backup-mismatch", seed(image(128 * 512, 512, three, ["backup-mismatch"], entries=16),
                                            512, 6, 5, 0))
    # Issue 15 §2: a backup whose partition 1 covers the primary array, the primary's array or header bad.
    for why in ("primary-entries-crc", "primary-header-crc"):
        put("fuzz_gpt", "backup-covers-primary-" + why.split("-")[1],
            seed(image(128 * 512, 512, three, ["backup-covers-primary", why], entries=16), 512, 6, 5, 0))
    put("fuzz_gpt", "overlap", seed(image(128 * 512, 512, three, ["overlap"], entries=16), 512, 6, 5, 0))
    put("fuzz_gpt", "read-fail", seed(small, 512, 6, 5, fix | 0x20, fail_at=0, code=1))
    put("fuzz_gpt", "grown", seed(small, 512, 128, 0, fix, last32=1000))
    put("fuzz_gpt", "many", seed(image(256 * 512, 512, [gi.Part(512, "linux", "p%d" % i) for i in range(1, 33)] +
                                       [gi.Part(0)], entries=64), 512, 18, 17, fix, maxp=40))
    # A disk ending at 2^64 - 1: headers written by hand at the top of the LBA space.
    last = (1 << 64) - 1
    e = gi.entry_bytes(gi.Part(0, "linux", "top"), 1, last - 100, last - 6, 128).ljust(16 * 128, b"\0")
    crc = __import__("zlib").crc32(e)
    g = "11223344-5566-7788-99aa-bbccddeeff00"
    front = bytes(512) + gi.header_bytes(1, last, 6, last - 6, g, 2, 16, 128, crc).ljust(512, b"\0") + e
    tail = e + gi.header_bytes(last, 1, 6, last - 6, g, last - 4, 16, 128, crc).ljust(512, b"\0")
    put("fuzz_gpt", "top-of-lba-space", bytes([0x40 | fix, 8, 63, 0, 0]) + struct.pack("<IH", 0, len(front)) +
        front + tail)


gpt_seeds()

# ------------------------------------------------------------ VT-d (layout of fuzz_vtd.c: u16 length, DMAR, then the rest)
def vtd_seed(table, rest):
    return struct.pack("<H", len(table)) + bytes(table) + rest


ep2 = struct.pack("<BBBBBB", 1, 8, 0, 0, 0, 0) + bytes([2, 0])
sub4 = struct.pack("<BBBBBB", 2, 8, 0, 0, 0, 0) + bytes([4, 0])
two_hop = struct.pack("<BBBBBB", 1, 10, 0, 0, 0, 0) + bytes([0x1c, 0, 0, 0])
qemu_drhd = struct.pack("<HHBBHQ", 0, 16 + len(ep2) + len(sub4), 0, 0, 0, 0xfed90000) + ep2 + sub4
all_drhd = struct.pack("<HHBBHQ", 0, 16, 1, 0, 0, 0xfed91000)
hop_drhd = struct.pack("<HHBBHQ", 0, 16 + len(two_hop), 0, 0, 0, 0xfed92000) + two_hop
usb = struct.pack("<BBBBBB", 1, 8, 0, 0, 0, 0) + bytes([0x14, 0])
rmrr_usb = struct.pack("<HHHHQQ", 1, 24 + len(usb), 0, 0, 0xe8000, 0xe8fff) + usb
# bridges: 00:04.0 -> 1..1, 00:1c.0 -> 2..3; devices: 00:02.0, 01:00.0, 02:00.0, 00:14.0, ...
topo = bytes([0, 4, 0, 1, 1, 0, 0x1c, 0, 2, 3]) + bytes(10)
devices = bytes([0, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0x14, 0]) + bytes(16)
qemu_regs = struct.pack("<IQQ", 0x10, 0xd2008c22260206, 0xf00f4a) + bytes([39]) + struct.pack("<Q", 0xffd7000) + \
    bytes([0, 0]) + struct.pack("<QQ", 0x7fdffff000, (1 << 63) | (5 << 32) | 0x10) + \
    struct.pack("<QH", 0x7fc0001000, 2047)
pt_ops = bytes([0]) + struct.pack("<Q", 0x7fc0000000) + bytes([0, 4, 1, 0, 1, 2, 2, 0, 0, 0, 1, 3, 0, 0, 0, 4, 0])
dmar = sdt("DMAR", bytes([38, 1]) + b"\0" * 10 + qemu_drhd + hop_drhd + all_drhd + rmrr_usb)
put("fuzz_vtd", "qemu-shape", vtd_seed(dmar, topo + devices + qemu_regs + pt_ops))
put("fuzz_vtd", "no-table", vtd_seed(b"", topo + devices + qemu_regs + pt_ops))
