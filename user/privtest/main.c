/*
 * user/privtest/main.c - a ring-3 program that tries a privileged instruction.
 *
 * HLT at CPL 3 raises #GP; the kernel must report the fault, kill this
 * process, and carry on.  Reaching the line after it is a failure.
 */
#include "user/lib/ulib.h"

int main(const struct start_info *si)
{
	uprintf("user: privtest start_pid=%u cpl=%d attempting=hlt", si->si_pid, user_read_cpl());
	user_try_hlt();
	uprintf("user: privtest error hlt did not fault");
	return 1;
}
