"""tests/qemu/qmp.py - the smallest QMP client the tests need.

QEMU's machine protocol (docs/interop/qmp-spec.rst): connect to the
-qmp unix socket, read the greeting, negotiate capabilities, then send
commands such as `system_powerdown` (press the ACPI power button).
"""
import json
import socket
import time


def command(sock_path, name, arguments=None, timeout_s=10, wait_event=None):
    """Run one QMP command; returns its "return" value or raises.  name may be a list of
    (name, arguments) pairs instead: sent back to back in one session (a device_del on the heels
    of its device_add), the last one's value returned.

    wait_event: (event name, {data key: value}) to wait for after the
    command returned (device_del completes with DEVICE_DELETED, which comes
    only once the guest has ejected the device); raises if it does not come
    within timeout_s of the command."""
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
        steps = name if isinstance(name, list) else [(name, arguments)]
        cmds = [{"execute": "qmp_capabilities"}] + [
            dict({"execute": n}, **({"arguments": a} if a else {})) for n, a in steps]
        for cmd in cmds:
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:                               # skip asynchronous events
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                raise RuntimeError("qmp %s: %s" % (cmd["execute"], reply["error"]))
        result = reply["return"]
        if wait_event:
            event, match = wait_event
            s.settimeout(timeout_s)             # a guest that never ejects: an error, not a hang
            while True:
                try:
                    line = f.readline()
                except socket.timeout:
                    raise RuntimeError("qmp %s: no %s %s within %ds" % (name, event, match, timeout_s))
                if not line:
                    raise RuntimeError("qmp %s: connection closed before %s %s" % (name, event, match))
                msg = json.loads(line)
                data = msg.get("data", {})
                if msg.get("event") == event and all(data.get(k) == v for k, v in match.items()):
                    break
        return result
