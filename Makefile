# Caprock build.  `make` builds build/kernel.elf; `make check` runs every test
# (`make tsan`: the concurrency tests under ThreadSanitizer, tests/host/host.mk).
# CC=clang works as well as the default gcc.

BUILD   ?= build
CC      ?= gcc
LD      := ld
PYTHON  ?= python3

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

# Make's built-in default for CC is "cc"; we mean gcc unless told otherwise.
ifeq ($(origin CC),default)
CC := gcc
endif

IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
COMMON  := -std=c11 -O2 -g -I. $(WARN) -fno-common
FREESTANDING := -ffreestanding -fno-builtin -mno-red-zone -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
ifneq ($(IS_CLANG),1)
# Keep gcc from turning memcpy's own loop back into a call to memcpy.
FREESTANDING += -fno-tree-loop-distribute-patterns
endif

KERNEL_CFLAGS := $(COMMON) $(FREESTANDING) -mcmodel=kernel -mgeneral-regs-only -DCAPROCK_KERNEL
USER_CFLAGS   := $(COMMON) $(FREESTANDING) -mcmodel=small -DCAPROCK_USER
HOST_CFLAGS   := -std=c11 -O1 -g -I. -Wall -Wextra -Werror -DCAPROCK_HOSTED \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
DEPFLAGS = -MMD -MP

# ---------------------------------------------------------------- sources
LIB_SRCS     := $(wildcard lib/*.c)
KERNEL_SRCS  := $(shell find kernel -name '*.c' | sort)
KERNEL_ASM   := $(sort $(wildcard boot/*.S)) $(shell find kernel -name '*.S' | sort)
USER_PROGS   := hello:user/hello privtest:user/privtest nvme:drivers/nvme blk:user/blockclient tlbtest:user/tlbtest
USER_LIB_SRCS := $(wildcard user/lib/*.c)
USER_LIB_ASM  := $(wildcard user/lib/*.S)

KERNEL_OBJS := $(patsubst %.c,$(BUILD)/kernel-obj/%.o,$(KERNEL_SRCS) $(LIB_SRCS)) \
	$(patsubst %.S,$(BUILD)/kernel-obj/%.o,$(KERNEL_ASM))
USER_RT_OBJS := $(patsubst %.c,$(BUILD)/user-obj/%.o,$(USER_LIB_SRCS) $(LIB_SRCS)) \
	$(patsubst %.S,$(BUILD)/user-obj/%.o,$(USER_LIB_ASM))
USER_ELFS := $(foreach p,$(USER_PROGS),$(BUILD)/user/$(firstword $(subst :, ,$(p))).elf)

# Objects built on the way to a test binary are kept, not deleted as intermediates.
.SECONDARY:
.PHONY: FORCE all check test-host tsan test-qemu test-bench lint run run-pci-nvme debug clean deps fuzz bench image run-image
all: $(BUILD)/kernel.elf

# ---------------------------------------------------------------- user programs
$(BUILD)/user-obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC(user)  $<'
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/user-obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo '  CC(user)  $<'
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

# One ELF per program: its own directory's sources plus the user runtime.
define USER_PROG
$(BUILD)/user/$(1).elf: $(USER_RT_OBJS) user/user.ld $(patsubst %.c,$(BUILD)/user-obj/%.o,$(wildcard $(2)/*.c))
	@mkdir -p $$(dir $$@)
	@echo '  LD        $$@'
	$(Q)$(LD) -nostdlib -static -no-pie --gc-sections -z max-page-size=4096 -T user/user.ld \
		-o $$@ $$(filter %.o,$$^)
endef
$(foreach p,$(USER_PROGS),$(eval $(call USER_PROG,$(firstword $(subst :, ,$(p))),$(lastword $(subst :, ,$(p))))))

# ---------------------------------------------------------------- kernel
$(BUILD)/kernel-obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC        $<'
	$(Q)$(CC) $(KERNEL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/kernel-obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo '  AS        $<'
	$(Q)$(CC) $(KERNEL_CFLAGS) $(DEPFLAGS) -Wa,-I$(BUILD)/user -c $< -o $@

$(BUILD)/kernel-obj/kernel/core/user_images_blob.o: $(USER_ELFS)

$(BUILD)/kernel.ld: boot/kernel.ld kernel/core/memlayout.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -I. $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(BUILD)/kernel.ld
	@echo '  LD        $@'
	$(Q)$(LD) -nostdlib -static -no-pie --gc-sections -z max-page-size=4096 -T $(BUILD)/kernel.ld --no-warn-rwx-segments \
		-o $@ $(KERNEL_OBJS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- tests
include tests/host/host.mk
include tests/fuzz/fuzz.mk

test-qemu: $(BUILD)/kernel.elf
	$(PYTHON) tests/qemu/run_tests.py --kernel $(BUILD)/kernel.elf --work $(BUILD)/qemu-tests

# the benchmark scripts' parsing and summaries, on canned inputs (no QEMU)
test-bench:
	$(PYTHON) tests/bench/test_bench.py

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,portability,performance --suppress=missingIncludeSystem \
		-I. -DCAPROCK_KERNEL kernel lib drivers user

check: all test-host tsan test-bench fuzz-smoke lint test-qemu

# ---------------------------------------------------------------- running
run: $(BUILD)/kernel.elf
	tools/run-smoke.sh

run-pci-nvme: $(BUILD)/kernel.elf
	tools/qemu-pci-nvme-smoke.sh

debug: $(BUILD)/kernel.elf
	tools/debug.sh

# ---------------------------------------------------------------- disk image
# build/caprock.img: GPT, BIOS boot + EFI system + data partitions, GRUB from
# Debian's packages loading kernel.elf by multiboot2 (tools/mkimage.py; no root,
# no loop devices).  `make image IMAGE_CMDLINE="mode=serve nvme.read=0:8"`.
IMAGE_CMDLINE ?= mode=serve
# Rewritten only when the command line changes, so the image rebuilds exactly then.
$(BUILD)/image-cmdline.txt: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' "$(IMAGE_CMDLINE)" | cmp -s - $@ || printf '%s\n' "$(IMAGE_CMDLINE)" > $@

$(BUILD)/caprock.img: $(BUILD)/kernel.elf tools/mkimage.py $(BUILD)/image-cmdline.txt
	$(PYTHON) tools/mkimage.py --kernel $(BUILD)/kernel.elf --out $@ --cmdline "$(IMAGE_CMDLINE)"

image: $(BUILD)/caprock.img

# Boot the image built last from an NVMe root: FIRMWARE=seabios (default) or
# ovmf, MACHINE=pc,pit=off,hpet=off (default) or q35, DATA_VOLUME=1.
run-image:
	@test -f $(BUILD)/caprock.img || $(MAKE) --no-print-directory image
	IMAGE=$(BUILD)/caprock.img tools/run-image.sh

FORCE:

deps:
	tools/install-deps.sh

clean:
	rm -rf $(BUILD)
