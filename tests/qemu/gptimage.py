#!/usr/bin/env python3
"""tests/qemu/gptimage.py - GPT disk images for QEMU tests: build, damage, read back, check.

Builds a raw image with a valid GUID Partition Table (UEFI 2.10 §5.3) at
512 B or 4 KiB sectors (any power of two 512..64 KiB): a protective MBR,
the primary header at LBA 1 and its array at LBA 2, the backup array and
header at the end, partitions aligned as sgdisk aligns them.  Python writes
every image (sgdisk only knows 512 B sectors for image files); sgdisk, when
installed, cross-checks the 512 B ones (`--selftest`), and `--backend sgdisk`
makes sgdisk write the table instead.

Each partition is filled so every 512-byte unit says where it is: unit k of
the disk (byte offset 512*k) holds 32 copies of an 8-byte tag + k as a
little-endian u64 (tools/mkdisk.py's layout), the tag naming the region:
b"CRPART01" for partition 1, b"CRGAP___" for unpartitioned space.  A write
that lands in the wrong place always changes a checksum, even a write of
zeros.

Damage on request (--corrupt, repeatable): primary-header-crc,
primary-entries-crc, backup-header-crc, backup-entries-crc, no-primary,
no-backup, backup-mismatch (a different disk GUID, CRCs right), overlap
(partition 2 starts inside partition 1, CRCs right), backup-covers-primary
(issue 15 §2: the backup says FirstUsableLBA=2 and starts partition 1 at
LBA 2, over the primary array, CRCs right; with primary-entries-crc after it,
the issue's crafted disk).

For tests after a run:
  sums(path)                       -> manifest: sha256 of every region (lba0,
                                      primary-gpt, p1.., gaps, backup-gpt)
  check(path, manifest, allow)     -> problems: regions that changed and are not allowed
  check_fill(path, index, skip)    -> problems: sectors of partition index that no
                                      longer hold the fill, outside the skipped ranges
  read_gpt(path, sector)           -> the table as the kernel should find it
  expected_lines(path, dev)        -> the DESIGN.md §2 `block: gpt` / `block: partition` lines

usage:
  gptimage.py build OUT --size 64M [--sector 4096] --part 8M:esp:EFI --part 0:linux:data
                        [--entries 128] [--align 1M] [--corrupt KIND] [--no-fill] [--backend sgdisk]
  gptimage.py show IMAGE [--sector N] [--dev nvme0n1]
  gptimage.py sums IMAGE [--sector N] > manifest.json
  gptimage.py check IMAGE MANIFEST [--allow p2 ...]        (exit 1 on any problem)
  gptimage.py --selftest
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

UNIT = 512
SIGNATURE = b"EFI PART"
REVISION = 0x00010000
HEADER_SIZE = 92

TYPES = {
    "esp": "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
    "bios": "21686148-6449-6e6f-744e-656564454649",
    "linux": "0fc63daf-8483-4772-8e79-3d69d8477de4",
    "root-x86-64": "4f68bce3-e8cd-4db1-96e7-fbcaf984b709",
    "swap": "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f",
    "msdata": "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
}
SGDISK_CODES = {"esp": "ef00", "bios": "ef02", "linux": "8300", "root-x86-64": "8304",
                "swap": "8200", "msdata": "0700"}
CORRUPTIONS = ("primary-header-crc", "primary-entries-crc", "backup-header-crc",
               "backup-entries-crc", "no-primary", "no-backup", "backup-mismatch", "overlap",
               "backup-covers-primary")
NS = uuid.UUID("6f1c7a52-6d1e-4b43-9a55-6361707261b6")	# deterministic GUIDs by default


class Part:
    """size in bytes (0: the rest of the usable range); type a GUID or a TYPES name."""

    def __init__(self, size, type="linux", name="", guid=None, attrs=0):
        self.size = size
        self.type = TYPES.get(type, type)
        self.name = name
        self.guid = guid
        self.attrs = attrs


def parse_size(text, sector=UNIT):
    """'64M', '512K', '1G', '100s' (sectors) or bytes."""
    t = text.strip()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "S": sector}.get(t[-1:].upper())
    return int(t[:-1]) * mult if mult else int(t, 0)


def guid_bytes(text):
    return uuid.UUID(text).bytes_le		# first three fields little-endian (Appendix A)


def guid_text(b):
    return str(uuid.UUID(bytes_le=bytes(b)))


def fill_unit(tag, k):
    return (tag + struct.pack("<Q", k)) * (UNIT // 16)


def fill_bytes(tag, first_unit, nunits):
    return b"".join(fill_unit(tag, k) for k in range(first_unit, first_unit + nunits))


def part_tag(index):
    return b"CRPART%02d" % (index % 100)


GAP_TAG = b"CRGAP___"


def ascii_name(name):
    """The name as lib/gpt.c shows it: printable ASCII, '"' and the rest as '?'."""
    out = []
    units = name.encode("utf-16-le")
    i = 0
    while i + 1 < len(units) and i < 72:
        u = units[i] | units[i + 1] << 8
        if u == 0:
            break
        if 0x20 <= u <= 0x7e and u != 0x22:
            out.append(chr(u))
        else:
            out.append("?")
            if 0xd800 <= u <= 0xdbff and i + 3 < 72 and i + 3 < len(units):
                lo = units[i + 2] | units[i + 3] << 8
                if 0xdc00 <= lo <= 0xdfff:
                    i += 2
        i += 2
    return "".join(out)


# ------------------------------------------------------------------ writing

def layout(size, sector, parts, entries=128, entry_size=128, align=1 << 20):
    """Place the partitions: returns (nsectors, first_usable, last_usable, array_lbas, [(first, last)])."""
    if sector < 512 or sector & (sector - 1) or sector > 65536:
        raise ValueError("sector size must be a power of two in 512..65536")
    if size % sector:
        raise ValueError("image size must be a multiple of the sector size")
    n = size // sector
    array_lbas = -(-entries * entry_size // sector)
    first_usable, last_usable = 2 + array_lbas, n - 2 - array_lbas
    step = max(align // sector, 1)
    out, at = [], first_usable
    for i, p in enumerate(parts):
        at = -(-at // step) * step
        if p.size:
            if p.size % sector:
                raise ValueError("partition %d: size not a multiple of the sector size" % (i + 1))
            last = at + p.size // sector - 1
        else:
            last = last_usable
        if at > last_usable or last > last_usable or last < at:
            raise ValueError("partition %d does not fit" % (i + 1))
        out.append((at, last))
        at = last + 1
    return n, first_usable, last_usable, array_lbas, out


def entry_bytes(p, index, first, last, entry_size):
    guid = p.guid or str(uuid.uuid5(NS, "part-%d" % index))
    name = p.name.encode("utf-16-le")[:72]
    e = guid_bytes(p.type) + guid_bytes(guid) + struct.pack("<QQQ", first, last, p.attrs) + name
    return e.ljust(entry_size, b"\0")


def header_bytes(my, alt, first_usable, last_usable, disk_guid, array_lba, entries, entry_size, array_crc):
    h = bytearray(SIGNATURE + struct.pack("<IIII", REVISION, HEADER_SIZE, 0, 0) +
                  struct.pack("<QQQQ", my, alt, first_usable, last_usable) + guid_bytes(disk_guid) +
                  struct.pack("<QIII", array_lba, entries, entry_size, array_crc))
    struct.pack_into("<I", h, 16, zlib.crc32(h))
    return bytes(h)


def _pmbr(nsectors):
    mbr = bytearray(512)
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1,
                               min(nsectors - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def _write_at(f, offset, data):
    f.seek(offset)
    f.write(data)


def build(path, size, parts, sector=512, entries=128, entry_size=128, align=1 << 20,
          disk_guid=None, fill=True, corrupt=(), backend="python"):
    """Write the image; returns read_gpt() of the result before any corruption."""
    disk_guid = disk_guid or str(uuid.uuid5(NS, "disk"))
    n, fu, lu, array_lbas, placed = layout(size, sector, parts, entries, entry_size, align)
    with open(path, "wb") as f:
        f.truncate(size)
        if fill:
            _fill(f, sector, fu, lu, placed)
    if backend == "sgdisk":
        _build_sgdisk(path, sector, parts, placed, entries, disk_guid)
    else:
        array = b"".join(entry_bytes(p, i + 1, a, b, entry_size) for i, (p, (a, b)) in enumerate(zip(parts, placed)))
        array = array.ljust(entries * entry_size, b"\0")
        crc = zlib.crc32(array)
        with open(path, "r+b") as f:
            _write_at(f, 0, _pmbr(n).ljust(sector, b"\0"))
            _write_at(f, sector, header_bytes(1, n - 1, fu, lu, disk_guid, 2, entries, entry_size, crc).ljust(sector, b"\0"))
            _write_at(f, 2 * sector, array.ljust(array_lbas * sector, b"\0"))
            _write_at(f, (lu + 1) * sector, array.ljust(array_lbas * sector, b"\0"))
            _write_at(f, (n - 1) * sector,
                      header_bytes(n - 1, 1, fu, lu, disk_guid, lu + 1, entries, entry_size, crc).ljust(sector, b"\0"))
    table = read_gpt(path, sector)
    for kind in corrupt:
        damage(path, kind, sector)
    return table


def _fill(f, sector, fu, lu, placed):
    """Partitions with their tag, the usable space between them with the gap tag."""
    regions, at = [], fu
    for i, (a, b) in enumerate(placed):
        if a > at:
            regions.append((GAP_TAG, at, a - 1))
        regions.append((part_tag(i + 1), a, b))
        at = b + 1
    if at <= lu:
        regions.append((GAP_TAG, at, lu))
    per = sector // UNIT
    for tag, a, b in regions:
        f.seek(a * sector)
        unit, end = a * per, (b + 1) * per
        while unit < end:
            k = min(end - unit, 4096)
            f.write(fill_bytes(tag, unit, k))
            unit += k


def _build_sgdisk(path, sector, parts, placed, entries, disk_guid):
    if sector != 512:
        raise ValueError("sgdisk writes 512 B sectors only for image files")
    args = ["sgdisk", "-a", "1", "-U", disk_guid]
    if entries != 128:
        args += ["-S", str(entries)]
    for i, (p, (a, b)) in enumerate(zip(parts, placed)):
        n = i + 1
        args += ["-n", "%d:%d:%d" % (n, a, b), "-t", "%d:%s" % (n, p.type),
                 "-u", "%d:%s" % (n, p.guid or uuid.uuid5(NS, "part-%d" % n))]
        if p.name:
            args += ["-c", "%d:%s" % (n, p.name)]
        if p.attrs:
            for bit in range(64):
                if p.attrs >> bit & 1:
                    args += ["-A", "%d:set:%d" % (n, bit)]
    args.append(path)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ------------------------------------------------------------------ damage

def _rw(path, offset, length, edit):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = bytearray(f.read(length))
        edit(b)
        f.seek(offset)
        f.write(b)


def _fix_header(h):
    struct.pack_into("<I", h, 16, 0)
    struct.pack_into("<I", h, 16, zlib.crc32(bytes(h[:struct.unpack_from("<I", h, 12)[0]])))


def damage(path, kind, sector=512):
    t = read_gpt(path, sector)
    hdr = {"primary": 1, "backup": t["nsectors"] - 1}
    if kind in ("primary-header-crc", "backup-header-crc"):
        def flip(b):
            b[56] ^= 0x01		# a disk GUID byte, under the CRC
        _rw(path, hdr[kind.split("-")[0]] * sector, sector, flip)
    elif kind in ("primary-entries-crc", "backup-entries-crc"):
        h = t[kind.split("-")[0]]["header"]

        def flip(b):
            b[32] ^= 0x01		# entry 1's FirstLBA, under the array CRC
        _rw(path, h["entries_lba"] * sector, h["entry_size"], flip)
    elif kind in ("no-primary", "no-backup"):
        _rw(path, hdr[kind[3:]] * sector, sector, lambda b: b.__setitem__(slice(0, len(b)), bytes(len(b))))
    elif kind == "backup-mismatch":
        def other(b):
            b[56] ^= 0xff
            _fix_header(b)
        _rw(path, hdr["backup"] * sector, sector, other)
    elif kind == "overlap":
        for which in ("primary", "backup"):
            h = t[which]["header"]
            first1_last = t["partitions"][0]["last_lba"]

            def move(b):
                struct.pack_into("<Q", b, h["entry_size"] + 32, first1_last)	# entry 2 FirstLBA
            _rw(path, h["entries_lba"] * sector, 2 * h["entry_size"], move)
            arr_len = h["num_entries"] * h["entry_size"]
            with open(path, "rb") as f:
                f.seek(h["entries_lba"] * sector)
                crc = zlib.crc32(f.read(arr_len))

            def recrc(b):
                struct.pack_into("<I", b, 88, crc)
                _fix_header(b)
            _rw(path, h["my_lba"] * sector, sector, recrc)
    elif kind == "backup-covers-primary":
        h = t["backup"]["header"]
        _rw(path, h["entries_lba"] * sector, h["entry_size"], lambda b: struct.pack_into("<Q", b, 32, 2))
        with open(path, "rb") as f:
            f.seek(h["entries_lba"] * sector)
            crc = zlib.crc32(f.read(h["num_entries"] * h["entry_size"]))

        def widen(b):
            struct.pack_into("<Q", b, 40, 2)		# FirstUsableLBA
            struct.pack_into("<I", b, 88, crc)
            _fix_header(b)
        _rw(path, h["my_lba"] * sector, sector, widen)
    else:
        raise ValueError("unknown corruption %r (one of %s)" % (kind, ", ".join(CORRUPTIONS)))


# ------------------------------------------------------------------ reading (independent of lib/gpt.c)

def _read_copy(f, lba, sector, nsectors):
    """One header and its array: dict(rc=ok|missing|bad, why, header_crc, entries_crc, header, entries)."""
    c = {"lba": lba, "rc": "bad", "why": None, "header_crc": "none", "entries_crc": "none",
         "header": None, "entries": None}
    f.seek(lba * sector)
    s = f.read(sector).ljust(sector, b"\0")
    if s[:8] != SIGNATURE:
        c.update(rc="missing", why="no-signature")
        return c
    rev, hs, crc, rsv = struct.unpack_from("<IIII", s, 8)
    if not HEADER_SIZE <= hs <= sector:
        c["why"] = "header-size-out-of-range"
        return c
    h = bytearray(s[:hs])
    struct.pack_into("<I", h, 16, 0)
    if zlib.crc32(bytes(h)) != crc:
        c.update(header_crc="bad", why="header-crc-mismatch")
        return c
    c["header_crc"] = "ok"
    my, alt, fu, lu = struct.unpack_from("<QQQQ", s, 24)
    array_lba, num, esize, acrc = struct.unpack_from("<QIII", s, 72)
    hd = dict(my_lba=my, alternate_lba=alt, first_usable=fu, last_usable=lu, disk_guid=guid_text(s[56:72]),
              entries_lba=array_lba, num_entries=num, entry_size=esize, entries_crc=acrc, header_crc=crc)
    last = nsectors - 1
    before = my < fu
    array_lbas = -(-num * esize // sector) if num else 0
    problems = [
        (rev >> 16 != 1, "revision-unsupported"), (rsv != 0, "header-reserved-nonzero"),
        (my != lba, "my-lba-mismatch"), (fu > lu, "usable-range-inverted"), (lu > last, "usable-range-beyond-disk"),
        (alt == 0 or alt > last, "alternate-lba-out-of-range"),
        (fu <= my <= lu, "header-inside-usable-range"),
        (alt <= lu if before else alt >= fu, "alternate-lba-misplaced"),
        (esize < 128 or esize > 4096 or esize & (esize - 1), "entry-size-invalid"),
        (num == 0 or num > 4096 or num * esize > 1 << 20, "entry-count-invalid"),
        (not (array_lba > my and array_lba + array_lbas - 1 < fu) if before
         else not (array_lba > lu and array_lba + array_lbas - 1 < my), "entry-array-misplaced"),
    ]
    for bad, why in problems:
        if bad:
            c["why"] = why
            return c
    c["header"] = hd
    f.seek(array_lba * sector)
    array = f.read(num * esize)
    if zlib.crc32(array) != acrc:
        c.update(entries_crc="bad", why="entries-crc-mismatch")
        return c
    c["entries_crc"] = "ok"
    entries = []
    for i in range(num):
        e = array[i * esize:(i + 1) * esize]
        if e[:16] == bytes(16):
            continue
        first, lst, attrs = struct.unpack_from("<QQQ", e, 32)
        raw = e[56:128].decode("utf-16-le", "replace").split("\0")[0]
        p = dict(index=i + 1, type=guid_text(e[:16]), guid=guid_text(e[16:32]), first_lba=first,
                 last_lba=lst, attrs=attrs, name=raw, ascii_name=ascii_name(raw))
        if first > lst:
            c["why"] = "partition-first-after-last"
        elif first < fu or lst > lu:
            c["why"] = "partition-outside-usable-range"
        elif any(first <= q["last_lba"] and q["first_lba"] <= lst for q in entries):
            c["why"] = "partitions-overlap"
        if c["why"]:
            return c
        entries.append(p)
    c.update(rc="ok", entries=entries)
    return c


def _same(p, b):
    keys = ("disk_guid", "first_usable", "last_usable", "num_entries", "entry_size", "entries_crc")
    return all(p[k] == b[k] for k in keys) and p["alternate_lba"] == b["my_lba"] and b["alternate_lba"] == p["my_lba"]


def _differs(p, b):
    """Where two valid headers differ, named as lib/gpt.c's gpt_diff_format names them."""
    out = [name for name, keys in (("disk-guid", ("disk_guid",)), ("usable-range", ("first_usable", "last_usable")),
                                   ("entry-count", ("num_entries",)), ("entry-size", ("entry_size",)),
                                   ("entries-crc", ("entries_crc",)))
           if any(p[k] != b[k] for k in keys)]
    if p["alternate_lba"] != b["my_lba"] or b["alternate_lba"] != p["my_lba"]:
        out.append("alternate-lba")
    return out


def _array_extent(h, sector):
    return (h["entries_lba"], h["entries_lba"] + -(-h["num_entries"] * h["entry_size"] // sector) - 1)


def _meta(p, b, end, sector, nsectors):
    """The sectors any later boot could read as its table (issue 15 §2): name -> (first, last).

    A valid header's array is where it says; a missing one where a repaired copy would be: the
    primary's from LBA 2, as large as the backup's and at least 16 KiB; a backup's just below its
    header, as large as the primary's (16 KiB when that is unknown)."""
    min_lbas = -(-16384 // sector)
    below = _array_lbas(p["header"], sector) if p["header"] else min_lbas

    def under(lba):
        return (max(lba - below, 0), lba - 1)
    plbas = max(min_lbas, _array_lbas(b["header"], sector) if b["header"] else 0)
    return [("lba0", (0, 0)), ("primary-header", (1, 1)),
            ("primary-array", _array_extent(p["header"], sector) if p["header"] else (2, min(1 + plbas, nsectors - 1))),
            ("backup-header", (b["lba"], b["lba"])),
            ("backup-array", _array_extent(b["header"], sector) if b["header"] else under(b["lba"])),
            ("end-header", (end["lba"], end["lba"])),
            ("end-array", _array_extent(end["header"], sector) if end["header"] else under(end["lba"]))]


def _array_lbas(h, sector):
    return -(-h["num_entries"] * h["entry_size"] // sector)


def read_gpt(path, sector=512):
    """The table as lib/gpt.c's gpt_read_disk should see it (same rules, written separately).

    Returns dict(nsectors, primary, backup, used=primary|backup|None, backup_state, copies, rule,
    differs, meta, entries (all used entries of the table in use), partitions (those offered),
    refused [(entry, what it covers)])."""
    nsectors = os.path.getsize(path) // sector
    with open(path, "rb") as f:
        p = _read_copy(f, 1, sector, nsectors)
        blba = p["header"]["alternate_lba"] if p["header"] else nsectors - 1
        b = _read_copy(f, blba, sector, nsectors)
        end = b if blba == nsectors - 1 else _read_copy(f, nsectors - 1, sector, nsectors)
    differs = _differs(p["header"], b["header"]) if p["header"] and b["header"] else []
    if b["rc"] == "ok":
        state = "mismatch" if p["rc"] == "ok" and differs else "ok"
    else:
        state = "missing" if b["rc"] == "missing" else "bad"
    if p["header"] and b["header"]:
        copies = "agree" if p["rc"] == "ok" and b["rc"] == "ok" and not differs else "disagree"
    else:
        copies = "primary-only" if p["header"] else ("backup-only" if b["header"] else "none")
    # The rule (UEFI 2.10 §5.3.2): a valid primary; a backup standing in for a primary whose header
    # is valid only if it describes the same table; a backup when the primary header is invalid.
    if p["rc"] == "ok":
        used, rule = "primary", "primary-valid"
    elif b["rc"] == "ok" and p["header"] and differs:
        used, rule = None, "backup-differs-from-primary-header"
    elif b["rc"] == "ok":
        used, rule = "backup", "backup-same-table" if p["header"] else "primary-header-invalid"
    else:
        used, rule = None, "none"
    meta = _meta(p, b, end, sector, nsectors)
    entries = (p if used == "primary" else b)["entries"] if used else []
    offered, refused = [], []
    for q in entries:
        hit = [name for name, (a, z) in meta if q["first_lba"] <= z and a <= q["last_lba"]]
        if hit:
            refused.append((q, hit[0]))
        else:
            offered.append(q)
    return dict(nsectors=nsectors, sector=sector, primary=p, backup=b, used=used, backup_state=state,
                copies=copies, rule=rule, differs=differs, meta=meta, entries=entries, partitions=offered,
                refused=refused)


def expected_lines(path, dev="nvme0n1", sector=512):
    """The DESIGN.md §2 proof lines for this image (None for the gpt line if no table is usable)."""
    t = read_gpt(path, sector)
    if not t["used"]:
        return []
    lines = ["block: gpt dev=%s partitions=%d header_crc=%s entries_crc=%s backup=%s copies=%s rule=%s "
             "differs=%s offered=%d refused=%d" % (
                 dev, len(t["entries"]), t["primary"]["header_crc"], t["primary"]["entries_crc"], t["backup_state"],
                 t["copies"], t["rule"], ",".join(t["differs"]) or "none", len(t["partitions"]), len(t["refused"]))]
    for q in t["partitions"]:
        lines.append('block: partition dev=%sp%d first_lba=%d last_lba=%d type=%s name="%s"' % (
            dev, q["index"], q["first_lba"], q["last_lba"], q["type"], q["ascii_name"]))
    for q, what in t["refused"]:
        lines.append('block: partition dev=%sp%d first_lba=%d last_lba=%d type=%s name="%s" offered=no reason=covers-%s' % (
            dev, q["index"], q["first_lba"], q["last_lba"], q["type"], q["ascii_name"], what))
    return lines


# ------------------------------------------------------------------ checking after a run

def regions(path, sector=512):
    """Named LBA ranges covering the whole disk: lba0, primary-gpt, p<N>, gap-<first>, backup-gpt."""
    t = read_gpt(path, sector)
    n = t["nsectors"]
    h = (t[t["used"]]["header"]) if t["used"] else None
    if not h:
        return [("disk", 0, n - 1)]
    fu, lu = h["first_usable"], h["last_usable"]
    out, at = [("lba0", 0, 0), ("primary-gpt", 1, fu - 1)], fu
    for q in sorted(t["partitions"], key=lambda q: q["first_lba"]):
        if q["first_lba"] > at:
            out.append(("gap-%d" % at, at, q["first_lba"] - 1))
        out.append(("p%d" % q["index"], q["first_lba"], q["last_lba"]))
        at = q["last_lba"] + 1
    if at <= lu:
        out.append(("gap-%d" % at, at, lu))
    out.append(("backup-gpt", lu + 1, n - 1))
    return out


def _hash(f, sector, first, last):
    h = hashlib.sha256()
    f.seek(first * sector)
    left = (last - first + 1) * sector
    while left:
        b = f.read(min(left, 1 << 20))
        if not b:
            h.update(bytes(left))		# short file: what QEMU would read, zeros
            break
        h.update(b)
        left -= len(b)
    return h.hexdigest()


def sums(path, sector=512):
    with open(path, "rb") as f:
        return {"sector": sector, "size": os.path.getsize(path),
                "regions": [{"name": nm, "first": a, "last": b, "sha256": _hash(f, sector, a, b)}
                            for nm, a, b in regions(path, sector)]}


def check(path, manifest, allow=()):
    """Problems (strings) for every region of the manifest that changed and is not in allow."""
    problems = []
    sector = manifest["sector"]
    if os.path.getsize(path) != manifest["size"]:
        problems.append("image size changed: %d -> %d" % (manifest["size"], os.path.getsize(path)))
    with open(path, "rb") as f:
        for r in manifest["regions"]:
            if r["name"] not in allow and _hash(f, sector, r["first"], r["last"]) != r["sha256"]:
                problems.append("%s (lba %d..%d) changed" % (r["name"], r["first"], r["last"]))
    return problems


def check_fill(path, index, skip=(), sector=512):
    """Problems for sectors of partition `index` that no longer hold the fill,
    except partition-relative ranges in skip [(rel_lba, count), ...]."""
    t = read_gpt(path, sector)
    q = [p for p in t["partitions"] if p["index"] == index]
    if not q:
        return ["no partition %d" % index]
    q, per, bad = q[0], sector // UNIT, []
    with open(path, "rb") as f:
        for lba in range(q["first_lba"], q["last_lba"] + 1):
            rel = lba - q["first_lba"]
            if any(a <= rel < a + c for a, c in skip):
                continue
            f.seek(lba * sector)
            if f.read(sector) != fill_bytes(part_tag(index), lba * per, per):
                bad.append(rel)
    return ["p%d: %d sector(s) lost the fill, first at relative lba %d" % (index, len(bad), bad[0])] if bad else []


# ------------------------------------------------------------------ self-test

# What `sgdisk -v` (1.0.9) says about each kind of damage.
SGDISK_SAYS = {
    "primary-header-crc": "Main header: ERROR", "no-primary": "Main header: ERROR",
    "primary-entries-crc": "Main partition table: ERROR",
    "backup-header-crc": "Backup header: ERROR", "no-backup": "Backup header: ERROR",
    "backup-entries-crc": "Backup partition table: ERROR",
    "backup-mismatch": "disk GUID", "overlap": "overlap",
}


def _sgdisk_verify(path):
    r = subprocess.run(["sgdisk", "-v", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.stdout


def selftest():
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL", what)

    have_sgdisk = shutil.which("sgdisk") is not None
    parts = [Part(1 << 20, "esp", "EFI system"), Part(2 << 20, "root-x86-64", "root"),
             Part(0, "linux", 'données "x"', attrs=1 << 60)]
    with tempfile.TemporaryDirectory() as d:
        for sector in (512, 4096):
            img = os.path.join(d, "disk%d.img" % sector)
            t = build(img, 8 << 20, parts, sector=sector)
            tag = "sector=%d" % sector
            expect(t["used"] == "primary" and t["backup_state"] == "ok", tag + ": valid table")
            expect([q["index"] for q in t["partitions"]] == [1, 2, 3], tag + ": three partitions")
            if len(t["partitions"]) != 3:
                continue
            p1 = t["partitions"][0]
            expect(p1["first_lba"] * sector == 1 << 20 and (p1["last_lba"] + 1) * sector == 2 << 20,
                   tag + ": aligned to 1 MiB")
            expect(t["partitions"][2]["last_lba"] == t["primary"]["header"]["last_usable"], tag + ": rest of disk")
            expect(t["partitions"][2]["ascii_name"] == "donn?es ?x?", tag + ": name as the kernel shows it")
            expect(t["partitions"][2]["attrs"] == 1 << 60, tag + ": attributes")
            lines = expected_lines(img, "nvme0n1", sector)
            expect(lines[0] == "block: gpt dev=nvme0n1 partitions=3 header_crc=ok entries_crc=ok backup=ok "
                   "copies=agree rule=primary-valid differs=none offered=3 refused=0",
                   tag + ": gpt line " + lines[0])
            expect(lines[1].startswith("block: partition dev=nvme0n1p1 first_lba=%d " % p1["first_lba"]) and
                   lines[1].endswith('type=c12a7328-f81f-11d2-ba4b-00a0c93ec93b name="EFI system"'),
                   tag + ": partition line " + lines[1])
            for i in (1, 2, 3):
                expect(check_fill(img, i, sector=sector) == [], tag + ": fill of p%d" % i)
            with open(img, "rb") as f:
                f.seek(p1["first_lba"] * sector)
                expect(f.read(16) == b"CRPART01" + struct.pack("<Q", p1["first_lba"] * sector // UNIT),
                       tag + ": fill says where it is")

            # Nothing changes -> no problems; a byte in p2 -> p2 only, and the fill check finds it.
            m = sums(img, sector)
            names = [r["name"] for r in m["regions"]]
            expect(names[:3] == ["lba0", "primary-gpt", "gap-%d" % t["primary"]["header"]["first_usable"]] and
                   names[-1] == "backup-gpt" and "p1" in names and "p3" in names, tag + ": regions " + str(names))
            expect(check(img, m) == [], tag + ": unchanged image passes")
            p2 = t["partitions"][1]
            _rw(img, (p2["first_lba"] + 5) * sector + 7, 1, lambda b: b.__setitem__(0, b[0] ^ 0xff))
            probs = check(img, m)
            expect(len(probs) == 1 and probs[0].startswith("p2 "), tag + ": change in p2 found: " + str(probs))
            expect(check(img, m, allow=("p2",)) == [], tag + ": change in p2 allowed")
            expect(check_fill(img, 2, sector=sector) != [], tag + ": fill check finds it")
            expect(check_fill(img, 2, skip=[(5, 1)], sector=sector) == [], tag + ": and skips it")
            gap = [r for r in m["regions"] if r["name"].startswith("gap-")][0]
            _rw(img, gap["first"] * sector, 8, lambda b: b.__setitem__(slice(0, 8), bytes(8)))
            expect(any(p.startswith(gap["name"] + " ") for p in check(img, m, allow=("p2",))),
                   tag + ": zeros written into a gap found")

            if sector == 512 and have_sgdisk:
                out = _sgdisk_verify(img)
                expect("No problems found" in out and "ERROR" not in out and "CRC" not in out,
                       "sgdisk -v accepts the python-written table:\n" + out)

            # Damage, each kind alone, against what read_gpt (and the kernel) must conclude.
            want = {
                "primary-header-crc": ("backup", "ok", "bad", "none"),
                "primary-entries-crc": ("backup", "ok", "ok", "bad"),
                "no-primary": ("backup", "ok", "none", "none"),
                "backup-header-crc": ("primary", "bad", "ok", "ok"),
                "backup-entries-crc": ("primary", "bad", "ok", "ok"),
                "no-backup": ("primary", "missing", "ok", "ok"),
                "backup-mismatch": ("primary", "mismatch", "ok", "ok"),
                "overlap": (None, "bad", "ok", "ok"),
            }
            for kind, (used, bstate, hcrc, ecrc) in want.items():
                img2 = os.path.join(d, "%s-%d.img" % (kind, sector))
                build(img2, 8 << 20, parts, sector=sector, fill=False, corrupt=[kind])
                t2 = read_gpt(img2, sector)
                got = (t2["used"], t2["backup_state"], t2["primary"]["header_crc"], t2["primary"]["entries_crc"])
                expect(got == (used, bstate, hcrc, ecrc), "%s %s: got %s" % (tag, kind, got))
                if used:
                    expect([q["first_lba"] for q in t2["partitions"]] == [q["first_lba"] for q in t["partitions"]],
                           "%s %s: partitions survive" % (tag, kind))
                if sector == 512 and have_sgdisk:
                    out = _sgdisk_verify(img2)
                    expect(SGDISK_SAYS[kind] in out, "sgdisk -v notices %s:\n%s" % (kind, out))

        # The same layout written by sgdisk reads back identically.
        if have_sgdisk:
            a, b = os.path.join(d, "py.img"), os.path.join(d, "sg.img")
            sp = [Part(1 << 20, "esp", "EFI system"), Part(2 << 20, "linux", "root", attrs=1 << 63), Part(0, "swap", "swap")]
            ta = build(a, 8 << 20, sp, fill=False)
            tb = build(b, 8 << 20, sp, fill=False, backend="sgdisk")
            expect(tb["used"] == "primary" and tb["backup_state"] == "ok", "sgdisk table valid")
            expect(ta["partitions"] == tb["partitions"], "python and sgdisk tables agree:\n%s\n%s" % (
                ta["partitions"], tb["partitions"]))
            for k in ("first_usable", "last_usable", "disk_guid", "entries_crc", "num_entries", "entry_size"):
                expect(ta["primary"]["header"][k] == tb["primary"]["header"][k], "headers agree on " + k)
        else:
            print("note: sgdisk not installed; cross-checks skipped")

        # Layout errors are errors.
        for bad in (lambda: layout(8 << 20, 1000, parts), lambda: layout(8 << 20, 512, [Part(9 << 20)]),
                    lambda: layout(8 << 20 | 1, 512, parts)):
            try:
                bad()
                expect(False, "bad layout accepted")
            except ValueError:
                pass

    print("gptimage selftest: %s (%d failure(s))%s" % ("FAIL" if failures else "ok", len(failures),
          "" if have_sgdisk else ", sgdisk checks skipped"))
    return 1 if failures else 0


# ------------------------------------------------------------------ command line

def _part_arg(text, sector):
    size, _, rest = text.partition(":")
    typ, _, name = rest.partition(":")
    return Part(parse_size(size, sector), typ or "linux", name)


def main(argv):
    if argv[1:2] == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("out")
    b.add_argument("--size", required=True)
    b.add_argument("--sector", type=int, default=512)
    b.add_argument("--part", action="append", default=[], help="SIZE[:TYPE[:NAME]], SIZE 0 = the rest")
    b.add_argument("--entries", type=int, default=128)
    b.add_argument("--entry-size", type=int, default=128)
    b.add_argument("--align", default="1M")
    b.add_argument("--disk-guid")
    b.add_argument("--corrupt", action="append", default=[], choices=CORRUPTIONS)
    b.add_argument("--no-fill", action="store_true")
    b.add_argument("--backend", choices=("python", "sgdisk"), default="python")
    for name in ("show", "sums"):
        s = sub.add_parser(name)
        s.add_argument("image")
        s.add_argument("--sector", type=int, default=512)
        s.add_argument("--dev", default="nvme0n1")
    c = sub.add_parser("check")
    c.add_argument("image")
    c.add_argument("manifest")
    c.add_argument("--allow", action="append", default=[], help="a region name (p2, gap-N, ...) that may change")
    a = ap.parse_args(argv[1:])

    if a.cmd == "build":
        parts = [_part_arg(p, a.sector) for p in a.part]
        build(a.out, parse_size(a.size, a.sector), parts, a.sector, a.entries, a.entry_size,
              parse_size(a.align, a.sector), a.disk_guid, not a.no_fill, a.corrupt, a.backend)
        for line in expected_lines(a.out, "nvme0n1", a.sector):
            print(line)
        return 0
    if a.cmd == "show":
        t = read_gpt(a.image, a.sector)
        for which in ("primary", "backup"):
            c = t[which]
            print("%s lba=%d state=%s why=%s header_crc=%s entries_crc=%s" % (
                which, c["lba"], c["rc"], c["why"], c["header_crc"], c["entries_crc"]))
        print("used=%s backup=%s" % (t["used"], t["backup_state"]))
        for line in expected_lines(a.image, a.dev, a.sector):
            print(line)
        return 0 if t["used"] else 1
    if a.cmd == "sums":
        json.dump(sums(a.image, a.sector), sys.stdout, indent=1)
        print()
        return 0
    with open(a.manifest) as f:
        problems = check(a.image, json.load(f), a.allow)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
