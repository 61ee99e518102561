/*
 * user/hello/main.c - the smallest ring-3 program: report where it runs.
 */
#include "user/lib/ulib.h"

int main(const struct start_info *si)
{
	struct cap_info info;
	int slot = ulog_console_slot();
	int err = sys_cap_info(slot, &info);

	uprintf("user: hello start_pid=%u cpl=%d caps=%u console_slot=%d console_type=%s",
		si->si_pid, user_read_cpl(), si->si_ncaps, slot, err ? "error" : cap_type_name(info.ci_type));
	return user_read_cpl() == 3 ? 0 : 1;
}
