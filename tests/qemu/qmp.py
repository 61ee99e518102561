"""tests/qemu/qmp.py - the smallest QMP client the tests need.

QEMU's machine protocol (docs/interop/qmp-spec.rst): connect to the
-qmp unix socket, read the greeting, negotiate capabilities, then send
commands such as `system_powerdown` (press the ACPI power button).
"""
import json
import socket
import time


def command(sock_path, name, arguments=None, timeout_s=10):
    """Run one QMP command; returns its "return" value or raises."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout_s)
            s.connect(sock_path)
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    with s, s.makefile("rw") as f:
        json.loads(f.readline())                      # greeting
        for cmd in ({"execute": "qmp_capabilities"}, {"execute": name}):
            if cmd["execute"] == name and arguments:
                cmd["arguments"] = arguments
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:                               # skip asynchronous events
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                raise RuntimeError("qmp %s: %s" % (cmd["execute"], reply["error"]))
        return reply["return"]
