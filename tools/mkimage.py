#!/usr/bin/env python3
"""tools/mkimage.py - `make image`: a GPT disk that boots Caprock under BIOS and UEFI.

Layout (512-byte logical blocks, 1 MiB alignment), the shape cloud images use:

  LBA 0             protective MBR whose boot code is GRUB's boot.img
  p1  2048..4095    BIOS boot partition (EF02): GRUB's core.img, read by boot.img
  p2  4096..        EFI system partition (EF00), FAT32 "CAPROCK-ESP":
                      /EFI/BOOT/BOOTX64.EFI   GRUB for UEFI (the removable-media path)
                      /boot/grub/grub.cfg     multiboot2 /boot/kernel.elf <cmdline>
                      /boot/kernel.elf
  p3  after p2      a small data partition (8300) whose every sector says where
                    it is: b"CAPDATA1" + its absolute LBA (u64), 32 times
  last 33 LBAs      the backup GPT

Both GRUBs come from Debian's packages (grub-pc-bin, grub-efi-amd64-bin) via
grub-mkimage with an embedded early config that finds the ESP by its FAT
volume serial, so they work whichever disk number the firmware gives the
NVMe root.  No root, no loop devices: sgdisk and mtools work on image files,
and the pieces are written into the image at their offsets here.  The patch
to boot.img is what grub-bios-setup does for a disk with an embedding area
(GRUB 2.06 util/setup.c): core.img's first LBA at 0x5c, boot drive 0xff
(trust DL), the floppy probe at 0x66 turned into NOPs, and core.img's
first-sector blocklist pointed at the rest of core.img.

usage: mkimage.py --kernel build/kernel.elf --out build/caprock.img [--cmdline "..."]
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SECTOR = 512
BIOS_BOOT_FIRST = 2048
BIOS_BOOT_SECTORS = 2048            # 1 MiB: room for core.img
ESP_SECTORS = 64 * 2048             # 64 MiB: FAT32 with one-sector clusters has > 65525 clusters
DATA_SECTORS = 8 * 2048             # 8 MiB
GPT_BACKUP_SECTORS = 33
ESP_FIRST = BIOS_BOOT_FIRST + BIOS_BOOT_SECTORS
DATA_FIRST = ESP_FIRST + ESP_SECTORS
TOTAL_SECTORS = DATA_FIRST + DATA_SECTORS + 2048   # aligned tail holds the backup GPT

# Fixed identities: the same inputs give the same disk (and tests can name them).
DISK_GUID = "c0a50c4b-0000-4000-8000-000000000000"
PART_GUIDS = ("c0a50c4b-0001-4000-8000-000000000001",
              "c0a50c4b-0002-4000-8000-000000000002",
              "c0a50c4b-0003-4000-8000-000000000003")
ESP_SERIAL = 0xCA0C0E51             # FAT volume serial; GRUB spells it "CA0C-0E51"
ESP_LABEL = "CAPROCK-ESP"
DATA_TAG = b"CAPDATA1"

GRUB_MODULES = ["part_gpt", "part_msdos", "fat", "normal", "configfile", "multiboot2", "serial",
                "terminal", "search", "search_fs_uuid", "echo", "test", "boot", "halt", "reboot"]

# boot.img offsets (GRUB 2.06 include/grub/i386/pc/boot.h).
BOOT_KERNEL_SECTOR = 0x5c
BOOT_BOOT_DRIVE = 0x64
BOOT_DRIVE_CHECK = 0x66
BOOT_BPB_START, BOOT_BPB_END = 0x03, 0x5a
MBR_CODE_END = 440                  # disk signature and partition table follow
# diskboot.img: the blocklist at the end of core.img's first sector.
DISKBOOT_LIST_START = SECTOR - 12   # u64 start, u16 len, u16 segment


def run(*args, **kw):
    subprocess.run(list(args), check=True, **kw)


def need(tool, package):
    if not shutil.which(tool):
        sys.exit("mkimage: %s not found (Debian package %s; tools/install-deps.sh installs it)" % (tool, package))


def grub_dir(platform, package):
    d = "/usr/lib/grub/" + platform
    if not os.path.isdir(d):
        sys.exit("mkimage: %s missing (Debian package %s)" % (d, package))
    return d


def esp_uuid():
    return "%04X-%04X" % (ESP_SERIAL >> 16, ESP_SERIAL & 0xffff)


def grub_cfg(cmdline):
    # No menu, no timeout: the serial console is the only one a cloud instance has.
    return "\n".join([
        "# Written by tools/mkimage.py.  COM1 at 115200 8N1, as the EC2 console expects.",
        "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1",
        "terminal_input serial",
        "terminal_output serial",
        "set timeout=0",
        "set timeout_style=hidden",
        "# Multiboot2 on UEFI: keep the firmware's display as it is rather than look for a text mode",
        "# that GOP does not have (GRUB would print 'no suitable video mode found').",
        "set gfxpayload=keep",
        "menuentry caprock {",
        "    echo 'grub: loading /boot/kernel.elf by multiboot2'",
        "    multiboot2 /boot/kernel.elf %s" % cmdline,
        "    boot",
        "}",
        "",
    ])


def early_cfg():
    return ("search --no-floppy --fs-uuid --set=root %s\n"
            "set prefix=($root)/boot/grub\n" % esp_uuid())


def make_esp(tmp, kernel, cmdline):
    esp = os.path.join(tmp, "esp.img")
    with open(esp, "wb") as f:
        f.truncate(ESP_SECTORS * SECTOR)
    # 64 heads x 32 sectors is mformat's usual fake geometry for a hard disk partition.
    run("mformat", "-i", esp, "-F", "-c", "1", "-h", "64", "-s", "32", "-T", str(ESP_SECTORS),
        "-H", str(ESP_FIRST), "-N", "%08x" % ESP_SERIAL, "-v", ESP_LABEL, "::")
    run("mmd", "-i", esp, "::/EFI", "::/EFI/BOOT", "::/boot", "::/boot/grub")
    cfg = os.path.join(tmp, "grub.cfg")
    with open(cfg, "w") as f:
        f.write(grub_cfg(cmdline))
    run("mcopy", "-i", esp, os.path.join(tmp, "BOOTX64.EFI"), "::/EFI/BOOT/BOOTX64.EFI")
    run("mcopy", "-i", esp, cfg, "::/boot/grub/grub.cfg")
    run("mcopy", "-i", esp, kernel, "::/boot/kernel.elf")
    return esp


def make_grubs(tmp):
    early = os.path.join(tmp, "early.cfg")
    with open(early, "w") as f:
        f.write(early_cfg())
    efi = os.path.join(tmp, "BOOTX64.EFI")
    run("grub-mkimage", "-O", "x86_64-efi", "-d", grub_dir("x86_64-efi", "grub-efi-amd64-bin"),
        "-o", efi, "-p", "/boot/grub", "-c", early, *GRUB_MODULES)
    core = os.path.join(tmp, "core.img")
    run("grub-mkimage", "-O", "i386-pc", "-d", grub_dir("i386-pc", "grub-pc-bin"),
        "-o", core, "-p", "/boot/grub", "-c", early, "biosdisk", *GRUB_MODULES)
    with open(core, "rb") as f:
        core_img = bytearray(f.read())
    with open(os.path.join(grub_dir("i386-pc", "grub-pc-bin"), "boot.img"), "rb") as f:
        boot_img = f.read()
    if len(boot_img) != SECTOR:
        sys.exit("mkimage: boot.img is %d bytes, want 512" % len(boot_img))
    return core_img, boot_img


def patch_core(core_img):
    """Point diskboot's blocklist at the rest of core.img, right after its first sector."""
    nsec = (len(core_img) + SECTOR - 1) // SECTOR
    if nsec > BIOS_BOOT_SECTORS:
        sys.exit("mkimage: core.img (%d sectors) does not fit the BIOS boot partition" % nsec)
    start, length, seg = struct.unpack_from("<QHH", core_img, DISKBOOT_LIST_START)
    if seg != 0x820:
        sys.exit("mkimage: core.img does not start with diskboot.img (segment 0x%x)" % seg)
    if length != nsec - 1:
        sys.exit("mkimage: core.img blocklist says %d sectors, the image has %d" % (length, nsec - 1))
    struct.pack_into("<Q", core_img, DISKBOOT_LIST_START, BIOS_BOOT_FIRST + 1)
    core_img.extend(b"\0" * (nsec * SECTOR - len(core_img)))
    return core_img


def patch_mbr(mbr, boot_img):
    """boot.img's code over the protective MBR, keeping its BPB area, signature and table."""
    mbr = bytearray(mbr)
    new = bytearray(boot_img[:MBR_CODE_END])
    new[BOOT_BPB_START:BOOT_BPB_END] = mbr[BOOT_BPB_START:BOOT_BPB_END]
    struct.pack_into("<Q", new, BOOT_KERNEL_SECTOR, BIOS_BOOT_FIRST)
    new[BOOT_BOOT_DRIVE] = 0xff                         # use the drive the BIOS passes in DL
    new[BOOT_DRIVE_CHECK:BOOT_DRIVE_CHECK + 2] = b"\x90\x90"  # hard disk: skip the floppy probe
    mbr[:MBR_CODE_END] = new
    if mbr[510:512] != b"\x55\xaa" or mbr[450] != 0xee:
        sys.exit("mkimage: sector 0 is not a protective MBR")
    return bytes(mbr)


def copy_sparse(src, dst, offset, chunk=1 << 20):
    """Copy src into dst at offset, leaving all-zero chunks as holes (the image stays sparse)."""
    zero = bytes(chunk)
    with open(src, "rb") as s:
        pos = offset
        while True:
            block = s.read(chunk)
            if not block:
                break
            if block != zero[:len(block)]:
                dst.seek(pos)
                dst.write(block)
            pos += len(block)


def data_sectors():
    return b"".join((DATA_TAG + struct.pack("<Q", lba)) * 32
                    for lba in range(DATA_FIRST, DATA_FIRST + DATA_SECTORS))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cmdline", default="mode=serve")
    a = ap.parse_args()
    for tool, pkg in (("sgdisk", "gdisk"), ("mformat", "mtools"), ("mcopy", "mtools"),
                      ("mmd", "mtools"), ("grub-mkimage", "grub-common")):
        need(tool, pkg)
    if any(c in a.cmdline for c in "\"'\\$;{}\n"):
        sys.exit("mkimage: the command line may not contain quotes, backslashes, $, ;, braces or newlines")

    tmp = tempfile.mkdtemp(prefix="caprock-image-")
    try:
        core_img, boot_img = make_grubs(tmp)
        core_img = patch_core(core_img)
        esp = make_esp(tmp, a.kernel, a.cmdline)
        out_tmp = a.out + ".tmp"
        with open(out_tmp, "wb") as f:
            f.truncate(TOTAL_SECTORS * SECTOR)
        last = lambda first, n: str(first + n - 1)  # noqa: E731
        run("sgdisk", "--clear", "--disk-guid=" + DISK_GUID,
            "--new=1:%d:%s" % (BIOS_BOOT_FIRST, last(BIOS_BOOT_FIRST, BIOS_BOOT_SECTORS)),
            "--typecode=1:EF02", "--change-name=1:BIOS boot", "--partition-guid=1:" + PART_GUIDS[0],
            "--new=2:%d:%s" % (ESP_FIRST, last(ESP_FIRST, ESP_SECTORS)),
            "--typecode=2:EF00", "--change-name=2:EFI system", "--partition-guid=2:" + PART_GUIDS[1],
            "--new=3:%d:%s" % (DATA_FIRST, last(DATA_FIRST, DATA_SECTORS)),
            "--typecode=3:8300", "--change-name=3:caprock-data", "--partition-guid=3:" + PART_GUIDS[2],
            out_tmp, stdout=subprocess.DEVNULL)
        with open(out_tmp, "r+b") as f:
            mbr = f.read(SECTOR)
            f.seek(0)
            f.write(patch_mbr(mbr, boot_img))
            f.seek(BIOS_BOOT_FIRST * SECTOR)
            f.write(core_img)
            copy_sparse(esp, f, ESP_FIRST * SECTOR)
            f.seek(DATA_FIRST * SECTOR)
            f.write(data_sectors())
        run("sgdisk", "--verify", out_tmp, stdout=subprocess.DEVNULL)
        os.replace(out_tmp, a.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("mkimage: %s %d MiB gpt bios-boot=p1 esp=p2 data=p3 esp_uuid=%s cmdline=\"%s\"" %
          (a.out, TOTAL_SECTORS * SECTOR >> 20, esp_uuid(), a.cmdline))


if __name__ == "__main__":
    main()
