# Host unit tests: cmocka, built with AddressSanitizer and UBSan.
# Each tests/host/test_<name>.c links with the pure library (lib/, minus the
# freestanding string functions the C library already provides).

HOST_LIB_SRCS := $(filter-out lib/string.c,$(LIB_SRCS))
HOST_TESTS    := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

$(BUILD)/host/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(host)  $<'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

# The broker and the bounce backend, their real sources, against the NVMe
# model in tests/host/model/ (SPDK-style: compile the code, stub the rest).
BROKER_HOST_SRCS := kernel/nvme/broker_queues.c kernel/nvme/broker_submit.c kernel/nvme/broker_complete.c \
	kernel/nvme/prp.c kernel/nvme/identify.c kernel/nvme/mgr_io.c kernel/nvme/spaces.c kernel/nvme/audit.c kernel/dma/bounce.c kernel/dma/dma.c \
	kernel/nvme/ctrl_lock.c kernel/nvme/poll.c
MODEL_HOST_SRCS  := tests/host/model/kshim.c tests/host/model/nvme_model.c tests/host/model/broker_rig.c
BROKER_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(BROKER_HOST_SRCS) $(MODEL_HOST_SRCS))

# The VT-d driver, its real sources but regs.c, against the unit model (tests/host/model/vtd_model.c).
VTD_HOST_SRCS := $(filter-out kernel/iommu/vtd/regs.c,$(wildcard kernel/iommu/vtd/*.c)) kernel/dma/dma.c \
	tests/host/model/kshim.c tests/host/model/vtd_model.c
VTD_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(VTD_HOST_SRCS))

$(BUILD)/host/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(host)  $<'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/host/tests/host/model/%.o: tests/host/model/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(host)  $<'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/host/test_broker_model: $(BROKER_HOST_OBJS)
$(BUILD)/host/test_vtd_model: $(VTD_HOST_OBJS)

# The copy variants the bounce lane chooses among, C and assembly.
$(BUILD)/host/kernel/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	@echo '  AS(host)  $<'
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/test_copy_variants: $(BUILD)/host/kernel/arch/x86_64/copy_variants.o \
	$(BUILD)/host/kernel/arch/x86_64/copy_sse.o

$(BUILD)/host/test_%: tests/host/test_%.c $(patsubst lib/%.c,$(BUILD)/host/lib/%.o,$(HOST_LIB_SRCS))
	@mkdir -p $(dir $@)
	@echo '  LD(host)  $@'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) $(filter %.c %.o,$^) -o $@ -lcmocka $(HOST_TEST_LIBS)

# Tests that run two ends of something on threads at once (tests/host/test_*_threads.c).
$(BUILD)/host/test_%_threads: HOST_TEST_LIBS = -pthread

test-host: $(HOST_TESTS)
	@set -e; for t in $(HOST_TESTS); do echo "== $$t"; $$t; done

# ---------------------------------------------------------------- concurrency under ThreadSanitizer
# `make tsan`: every tests/host/test_*_threads.c and tests/host/test_concurrency*.c
# (picked up by name: a new one needs no line here unless it links more than
# lib/), built with -fsanitize=thread into $(BUILD)/tsan/ and run with
# TSAN_OPTIONS that turn the first report into exit status 66.  The same
# files are ordinary host tests too (the wildcard above), under ASan/UBSan.
#
# Then the expected failures: each test built with its deliberately broken
# locking (TSAN_XFAIL: a binary name, the source and the -D that breaks it)
# must make ThreadSanitizer report, or `make tsan` fails.  That keeps the
# checker honest: a TSan build that silently stopped instrumenting (or a test
# that stopped contending) would otherwise pass forever.
#
# clang is preferred (Debian's libclang-rt-14-dev, in tools/install-deps.sh,
# carries its runtime); gcc works as well (libtsan2 comes with gcc).
TSAN_CC      ?= $(if $(shell command -v clang 2>/dev/null),clang,$(CC))
TSAN_CFLAGS  := -std=c11 -O1 -g -I. -Wall -Wextra -Werror -DCAPROCK_HOSTED -fsanitize=thread \
	-fno-omit-frame-pointer -pthread
TSAN_RUN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1
TSAN_SRCS    := $(sort $(wildcard tests/host/test_*_threads.c tests/host/test_concurrency*.c))
TSAN_TESTS   := $(patsubst tests/host/%.c,$(BUILD)/tsan/%,$(TSAN_SRCS))
TSAN_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/tsan/lib/%.o,$(HOST_LIB_SRCS))
BROKER_TSAN_OBJS := $(patsubst %.c,$(BUILD)/tsan/%.o,$(BROKER_HOST_SRCS) $(MODEL_HOST_SRCS))

# name:source:define — the build that must be caught.
TSAN_XFAIL := xfail_spinlock_broken:test_spinlock_threads:SPINLOCK_TEST_BROKEN \
	xfail_broker_skip_ctrl_lock:test_broker_threads:BROKER_TEST_SKIP_CTRL_LOCK
TSAN_XFAIL_BINS := $(foreach x,$(TSAN_XFAIL),$(BUILD)/tsan/$(firstword $(subst :, ,$(x))))

$(BUILD)/tsan/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(tsan)  $<'
	$(Q)$(TSAN_CC) $(TSAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tsan/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(tsan)  $<'
	$(Q)$(TSAN_CC) $(TSAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tsan/tests/host/model/%.o: tests/host/model/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(tsan)  $<'
	$(Q)$(TSAN_CC) $(TSAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Tests that drive the broker link its real sources and the model, as test_broker_model does.
$(BUILD)/host/test_broker_threads: $(BROKER_HOST_OBJS)
$(BUILD)/tsan/test_broker_threads $(BUILD)/tsan/xfail_broker_skip_ctrl_lock: $(BROKER_TSAN_OBJS)

$(BUILD)/tsan/test_%: tests/host/test_%.c $(TSAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo '  LD(tsan)  $@'
	$(Q)$(TSAN_CC) $(TSAN_CFLAGS) $(DEPFLAGS) $(filter %.c %.o,$^) -o $@ -lcmocka

define TSAN_XFAIL_RULE
$(BUILD)/tsan/$(1): tests/host/$(2).c $(TSAN_LIB_OBJS)
	@mkdir -p $$(dir $$@)
	@echo '  LD(tsan)  $$@ (-D$(3), must be caught)'
	$(Q)$(TSAN_CC) $(TSAN_CFLAGS) -D$(3)=1 $(DEPFLAGS) $$(filter %.c %.o,$$^) -o $$@ -lcmocka
endef
$(foreach x,$(TSAN_XFAIL),$(eval $(call TSAN_XFAIL_RULE,$(word 1,$(subst :, ,$(x))),$(word 2,$(subst :, ,$(x))),$(word 3,$(subst :, ,$(x))))))

.PHONY: tsan tsan-build
tsan-build: $(TSAN_TESTS) $(TSAN_XFAIL_BINS)

tsan: tsan-build
	@set -e; for t in $(TSAN_TESTS); do \
		echo "== $$t (tsan)"; TSAN_OPTIONS="$(TSAN_RUN_OPTIONS)" $$t; done
	@set -e; for t in $(TSAN_XFAIL_BINS); do \
		echo "== $$t (tsan, broken on purpose: must be reported)"; rc=0; \
		TSAN_OPTIONS="$(TSAN_RUN_OPTIONS)" $$t >$$t.log 2>&1 || rc=$$?; \
		if [ $$rc -ne 66 ] || ! grep -q 'WARNING: ThreadSanitizer: data race' $$t.log; then \
			echo "tsan: $$t exited $$rc without a data race report (see $$t.log)"; exit 1; fi; \
		echo "   caught: $$(grep -m1 -A3 'WARNING: ThreadSanitizer' $$t.log | grep -m1 '#0' | sed -e 's/^ *//' -e 's/ (.*//')"; \
	done
