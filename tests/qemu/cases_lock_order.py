"""tests/qemu/cases_lock_order.py - the lock order check (issue 18, requirement 3).

selftest=lock-order (kernel/core/lock_order_selftest.c) holds real kspins
and asks the predicates kspin_lock and bkl_acquire stop on: a second
controller lock, the BKL under a kspin and anything under the console's
leaf are refused; the console under a controller is allowed; an interrupt
window's handlers start from nothing held.  Every other case runs with the
check on (a violation is a panic, which every case forbids).
"""
from harness import Case

PROOF = (r"^selftest: lock order bkl=held ctrl=allowed ctrl_then_ctrl=refused ctrl_then_console=allowed "
         r"ctrl_then_bkl=refused console_then_ctrl=refused console_then_console=refused "
         r"window_then_ctrl=allowed after_window_ctrl=refused released=allowed result=pass$")

CASES = [
    Case("lock-order-selftest", "mode=boot selftest=lock-order", timeout_s=60,
         expect=[PROOF], forbid=[r"^selftest: error ", r"^proc: "]),
    Case("lock-order-selftest-smp2", "mode=boot selftest=lock-order", devices=["-smp", "2"], timeout_s=60,
         expect=[r"^cpu: online count=2 ", PROOF], forbid=[r"^selftest: error ", r"^proc: "]),
    Case("lock-order-needs-boot-mode", "selftest=lock-order", status="fail", timeout_s=60,
         expect=[r"^cmdline: selftest=lock-order needs mode=boot$"]),
]
