# libFuzzer harnesses (DESIGN.md §3): one per parser of untrusted bytes and
# one for the broker's validation of provider commands.
#
#   make fuzz               every harness for FUZZ_SECONDS (default 10) each
#   make fuzz-smoke         every harness for FUZZ_RUNS inputs over its seed
#                           corpus, fixed seed: short enough for `make check`
#
# Harnesses are tests/fuzz/fuzz_<name>.c, built with clang (FUZZ_CC; CC may
# be gcc) into $(BUILD)/fuzz/fuzz_<name>, linked with the host build of lib/
# (minus lib/string.c, as for the host tests) instrumented for coverage.
# Seeds, and inputs that once crashed a harness (kept as regressions), live
# in tests/fuzz/corpus/fuzz_<name>/; new inputs go to $(BUILD)/fuzz/corpus/,
# crash artifacts to $(BUILD)/fuzz/artifacts/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_RUNS    ?= 20000
FUZZ_SEED    ?= 1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -O1 -g -I. -Wall -Wextra -Werror -DCAPROCK_HOSTED $(FUZZ_SAN) \
	-fno-omit-frame-pointer

FUZZ_NAMES    := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     := $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
FUZZ_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/fuzz/lib/%.o,$(filter-out lib/string.c,$(LIB_SRCS)))

.PHONY: fuzz fuzz-smoke fuzz-build

$(BUILD)/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(fuzz)  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo '  LD(fuzz)  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) $< $(FUZZ_LIB_OBJS) -o $@


# The sequence fuzzer runs the broker's real sources against the device model.
FUZZ_BROKER_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(BROKER_HOST_SRCS) $(MODEL_HOST_SRCS))

$(BUILD)/fuzz/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(fuzz)  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz/tests/host/model/%.o: tests/host/model/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(fuzz)  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz_broker_sequences: tests/fuzz/fuzz_broker_sequences.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJS) \
		$(FUZZ_BROKER_OBJS)
	@mkdir -p $(dir $@)
	@echo '  LD(fuzz)  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) $< $(FUZZ_LIB_OBJS) $(FUZZ_BROKER_OBJS) -o $@

fuzz-build: $(FUZZ_BINS)

# One harness: $(1) name, $(2) libFuzzer options.  The scratch corpus comes
# first so that libFuzzer writes new inputs there, never into the tree.
define FUZZ_RUN
	@mkdir -p $(BUILD)/fuzz/corpus/$(1) $(BUILD)/fuzz/artifacts tests/fuzz/corpus/$(1)
	@echo "== fuzz $(1) $(2)"
	$(Q)$(BUILD)/fuzz/$(1) $(2) -artifact_prefix=$(BUILD)/fuzz/artifacts/$(1)- \
		-print_final_stats=1 $(BUILD)/fuzz/corpus/$(1) tests/fuzz/corpus/$(1)

endef

# The same, quietly: the log is shown whole only if the harness fails.
define FUZZ_RUN_QUIET
	@mkdir -p $(BUILD)/fuzz/smoke/$(1) $(BUILD)/fuzz/artifacts tests/fuzz/corpus/$(1)
	@echo "== fuzz-smoke $(1)"
	$(Q)$(BUILD)/fuzz/$(1) $(2) -artifact_prefix=$(BUILD)/fuzz/artifacts/$(1)- \
		$(BUILD)/fuzz/smoke/$(1) tests/fuzz/corpus/$(1) >$(BUILD)/fuzz/smoke/$(1).log 2>&1 || \
		{ cat $(BUILD)/fuzz/smoke/$(1).log; exit 1; }
	@grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' $(BUILD)/fuzz/smoke/$(1).log | tail -n 1

endef

fuzz: $(FUZZ_BINS)
	$(foreach n,$(FUZZ_NAMES),$(call FUZZ_RUN,$(n),-max_total_time=$(FUZZ_SECONDS)))

# Each input of the sequence fuzzer boots a controller model: fewer runs, same seed.
FUZZ_RUNS_fuzz_broker_sequences ?= 400

fuzz-smoke: $(FUZZ_BINS)
	@rm -rf $(BUILD)/fuzz/smoke
	$(foreach n,$(FUZZ_NAMES),$(call FUZZ_RUN_QUIET,$(n),-runs=$(or $(FUZZ_RUNS_$(n)),$(FUZZ_RUNS)) -seed=$(FUZZ_SEED)))
