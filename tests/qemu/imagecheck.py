"""tests/qemu/imagecheck.py - check the console's data claims against the disk images.

After a run powers off, every `nvme: read ok` line's crc32 must equal zlib's
CRC-32 of the same bytes of the image, and every `nvme: write ok` extent must
hold the DESIGN.md §2 write pattern in the image.
"""
import struct
import zlib

MASK = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def namespaces(run):
    """nsid and (bdf, nsid) -> lba_bytes, from the kernel's identify namespace lines."""
    out = {}
    for l in run.find(r"^nvme: identify namespace "):
        kv = run.kv(l)
        out[int(kv["nsid"])] = int(kv["lba_bytes"])
        if "bdf" in kv:
            out[(kv["bdf"], int(kv["nsid"]))] = int(kv["lba_bytes"])
    return out


def serials(run):
    """bdf -> controller serial, from the kernel's identify controller lines."""
    return dict((run.kv(l).get("bdf"), run.kv(l).get("serial"))
                for l in run.find(r"^nvme: identify controller "))


def lookup(table, kv, serial_of=None):
    """A table keyed by (bdf, nsid), (serial, nsid) or nsid alone, for a line's keys."""
    nsid = int(kv["nsid"])
    for key in ((kv.get("bdf"), nsid), ((serial_of or {}).get(kv.get("bdf")), nsid), nsid):
        if key in table:
            return table[key]
    return None


def read_image(path, offset, length):
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    return data + bytes(length - len(data))


def check_reads(run, images, min_reads=1):
    """images: nsid -> image path.  Returns a list of problems."""
    problems = []
    lbs = namespaces(run)
    serial_of = serials(run)
    lines = run.find(r"^nvme: read ok ")
    if len(lines) < min_reads:
        problems.append("expected at least %d 'read ok' lines, got %d" % (min_reads, len(lines)))
    for l in lines:
        kv = run.kv(l)
        lba, blocks = int(kv["lba"]) + int(kv.get("first_lba", 0)), int(kv["blocks"])
        image, size = lookup(images, kv, serial_of), lookup(lbs, kv)
        if image is None or size is None:
            problems.append("read with no image/identify line: %s" % l)
            continue
        data = read_image(image, lba * size, blocks * size)
        want = "0x%08x" % zlib.crc32(data)
        if kv["crc32"] != want or int(kv["bytes"]) != len(data):
            problems.append("crc mismatch: %s (host crc32=%s bytes=%d)" % (l, want, len(data)))
    return problems


def check_pattern(path, offset, length, seed):
    data = read_image(path, offset, length)
    k0 = offset // 8
    for i in range(0, length, 8):
        (got,) = struct.unpack_from("<Q", data, i)
        if got != splitmix64(seed ^ (k0 + i // 8)):
            return "word %d at byte %d" % (i // 8, offset + i)
    return None


def check_writes(run, images, extents, nsid=1, first_lba=0):
    """extents: [(lba, count, seed)] from the command line, relative to a device starting at
    first_lba of namespace nsid; each must be in the image."""
    problems = []
    lbs = namespaces(run).get(nsid)
    if lbs is None:
        return ["no identify line for nsid %d" % nsid]
    for lba, count, seed in extents:
        bad = check_pattern(images[nsid], (first_lba + lba) * lbs, count * lbs, seed)
        if bad:
            problems.append("write pattern lba=%d count=%d seed=%#x not in image: first bad %s" % (lba, count, seed, bad))
    return problems


def check_untouched(path, tag, skip_extents, lbs=512):
    """Every 512-byte sector of a tools/mkdisk.py image outside skip_extents [(lba, count)]
    (in blocks of lbs bytes) still says where it is: nothing else on the disk changed."""
    tag = tag.encode()[:8].ljust(8, b"_")
    skip = [(lba * lbs // 512, (lba + count) * lbs // 512) for lba, count in skip_extents]
    with open(path, "rb") as f:
        data = f.read()
    for n in range(len(data) // 512):
        if any(a <= n < b for a, b in skip):
            continue
        if data[n * 512:(n + 1) * 512] != (tag + struct.pack("<Q", n)) * 32:
            return ["sector %d changed outside the written extents" % n]
    return []
