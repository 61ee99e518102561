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
    """nsid -> lba_bytes, from the identify namespace lines."""
    out = {}
    for l in run.find(r"^nvme: identify namespace "):
        kv = run.kv(l)
        out[int(kv["nsid"])] = int(kv["lba_bytes"])
    return out


def read_image(path, offset, length):
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    return data + bytes(length - len(data))


def check_reads(run, images, min_reads=1):
    """images: nsid -> image path.  Returns a list of problems."""
    problems = []
    lbs = namespaces(run)
    lines = run.find(r"^nvme: read ok ")
    if len(lines) < min_reads:
        problems.append("expected at least %d 'read ok' lines, got %d" % (min_reads, len(lines)))
    for l in lines:
        kv = run.kv(l)
        nsid, lba, blocks = int(kv["nsid"]), int(kv["lba"]), int(kv["blocks"])
        if nsid not in images or nsid not in lbs:
            problems.append("read of nsid %d with no image/identify line: %s" % (nsid, l))
            continue
        data = read_image(images[nsid], lba * lbs[nsid], blocks * lbs[nsid])
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


def check_writes(run, images, extents, nsid=1):
    """extents: [(lba, count, seed)] from the command line; each must be in the image."""
    problems = []
    lbs = namespaces(run).get(nsid)
    if lbs is None:
        return ["no identify line for nsid %d" % nsid]
    for lba, count, seed in extents:
        bad = check_pattern(images[nsid], lba * lbs, count * lbs, seed)
        if bad:
            problems.append("write pattern lba=%d count=%d seed=%#x not in image: first bad %s" % (lba, count, seed, bad))
    return problems
