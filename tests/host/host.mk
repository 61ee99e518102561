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
	kernel/nvme/prp.c kernel/nvme/identify.c kernel/nvme/mgr_io.c kernel/nvme/spaces.c kernel/nvme/audit.c kernel/dma/bounce.c kernel/dma/dma.c
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
