/*
 * tests/host/test_console_policy.c - host tests for lib/console_policy.c:
 * a process may write only its own events; every kernel event, a line
 * without the "subsystem: event" form, and a pid= key of its own are
 * refused (broker invariant: unforgeable kernel lines).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "lib/console_policy.h"

#define UNUSED __attribute__((unused))

static bool allowed(const char *line, const char **why)
{
	return console_process_line_allowed(line, strlen(line), why);
}

static void test_process_events_allowed(void **state UNUSED)
{
	static const char *const ok[] = {
		"provider: nvme started cpl=3 caps=DeviceMmio,Interrupt,DMAPool",
		"provider: error anything at all",
		"nvme: read ok nsid=1 lba=0 blocks=8 bytes=4096 crc32=0x12345678",
		"nvme: read error nsid=1 lba=4096 sct=0x2 sc=0x81",
		"nvme: write ok nsid=1", "nvme: flush error", "nvme: bound bdf=0000:00:04.0",
		"nvme: admin completion wake=interrupt", "nvme: namespaces active=1", "nvme: command timeout",
		"bench: job=randread4k qd=32 iops=1", "selftest: hostile attempt=x result=refused",
		"client: started", "user: hello start_pid=1",
	};
	const char *why;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!allowed(ok[i], &why))
			fail_msg("refused %s (%s)", ok[i], why);
	}
}

static void test_kernel_events_refused(void **state UNUSED)
{
	static const char *const bad[] = {
		"run: complete status=pass errors=0",
		"nvme: controller released bdf=0000:00:02.0 stopped=yes ledger_live=0",
		"nvme: cloud shape classification cloud_shape=aws-nitro-ebs real_aws_enumeration=amazon-ebs-identity-enumerated",
		"nvme: identify controller vid=0x1d0f model=\"Amazon Elastic Block Store\"",
		"nvme: identify namespace nsid=1 lbas=1 lba_bytes=512",
		"nvme: error device completion for no live command",
		"nvme: shutdown bdf=0000:00:02.0 result=complete", "nvme: manager bind bdf=x",
		"nvme: broker refused pid=1", "selftest: ring3 result=pass", "dma: audit matching_words=0",
		"pci: nvme controller bdf=0000:00:04.0", "proc: exit pid=1 name=nvme status=0", "power: button",
		"block: gpt dev=nvme0n1 partitions=3", "iommu: verify step=x result=ok", "clock: tsc_hz=1",
		"console: refused line", "boot: caprock", "acpi: rsdp", "mem: ram_end=0",
		"nvmex: read ok", "nvme:read ok", "nvme: ", "nvme:", "", "read ok", " nvme: read ok",
		"NVME: read ok", "nvme: readx ok", "selftest: hostile-clientx a=b", "providers: x",
	};
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (allowed(bad[i], &why))
			fail_msg("allowed %s", bad[i]);
	}
}

static void test_pid_key_is_the_kernels(void **state UNUSED)
{
	const char *why = NULL;

	assert_false(allowed("nvme: read ok nsid=1 pid=99", &why));
	assert_string_equal(why, "pid-key-is-the-kernels");
	assert_false(allowed("provider: pid=3", &why));
	/* Not a key of its own: part of another key's name or value. */
	assert_true(allowed("provider: start_pid=3", &why));
	assert_true(allowed("provider: note=xpid=3", &why));
}

static void test_reasons(void **state UNUSED)
{
	const char *why = NULL;

	assert_false(allowed("free text with no subsystem", &why));
	assert_string_equal(why, "not-subsystem-event-form");
	assert_false(allowed("run: complete status=pass", &why));
	assert_string_equal(why, "kernel-event");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_events_allowed),
		cmocka_unit_test(test_kernel_events_refused),
		cmocka_unit_test(test_pid_key_is_the_kernels),
		cmocka_unit_test(test_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
