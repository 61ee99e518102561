#!/usr/bin/env python3
"""tools/mkdisk.py - make a raw disk image whose every sector says where it is.

Each 512-byte sector N holds 32 copies of TAG (8 bytes) + N as a little-endian
u64, the layout of the linux-guest anchor (../shared/anchors), so a read that
lands on the wrong sector never checksums right.  --sparse makes a huge image
of zeros beyond the first --pattern-bytes (for 64-bit LBA tests).

usage: mkdisk.py PATH --size BYTES [--tag CAPROCK1] [--sparse --pattern-bytes N]
"""
import argparse
import os
import struct


def sector(tag, n):
    return (tag + struct.pack("<Q", n)) * 32


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--size", type=int, required=True, help="bytes, a multiple of 4096")
    ap.add_argument("--tag", default="CAPROCK1")
    ap.add_argument("--sparse", action="store_true")
    ap.add_argument("--pattern-bytes", type=int, default=0)
    a = ap.parse_args()
    tag = a.tag.encode()[:8].ljust(8, b"_")
    if a.size % 4096:
        ap.error("size must be a multiple of 4096")
    filled = min(a.pattern_bytes, a.size) if a.sparse else a.size
    with open(a.path, "wb") as f:
        chunk = []
        for n in range(filled // 512):
            chunk.append(sector(tag, n))
            if len(chunk) == 2048:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
        f.truncate(a.size)
    os.chmod(a.path, 0o644)


if __name__ == "__main__":
    main()
