# Host unit tests: cmocka, built with AddressSanitizer and UBSan.
# Each tests/host/test_<name>.c links with the pure library (lib/, minus the
# freestanding string functions the C library already provides).

HOST_LIB_SRCS := $(filter-out lib/string.c,$(LIB_SRCS))
HOST_TESTS    := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

$(BUILD)/host/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo '  CC(host)  $<'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/host/test_%: tests/host/test_%.c $(patsubst lib/%.c,$(BUILD)/host/lib/%.o,$(HOST_LIB_SRCS))
	@mkdir -p $(dir $@)
	@echo '  LD(host)  $@'
	$(Q)$(CC) $(HOST_CFLAGS) $(DEPFLAGS) $(filter %.c %.o,$^) -o $@ -lcmocka

test-host: $(HOST_TESTS)
	@set -e; for t in $(HOST_TESTS); do echo "== $$t"; $$t; done
