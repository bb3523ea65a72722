# ruff: noqa: F821
"""Exhaust processes and tamper: start a daemon, then SIGKILL the worker's supervisor.

At import the submission double-forks a daemon into a new session (it ignores SIGTERM,
SIGINT and SIGHUP, records its pid in ``@PROBE@`` and lives forever), clears its own
parent-death signal, and kills its parent, the supervisor that would otherwise kill
the daemon. With the supervisor gone, the daemon's parent is init.

Expected: the runner notices the supervisor is gone and stops the worker: every part
scores zero with a finding that says why, and the daemon is dead once grading returns
(the runner's last-resort sweep finds it by the worker's environment marker).
"""

import ctypes
import os
import signal
import time

if os.fork() == 0:
    os.setsid()
    try:
        if os.fork() == 0:
            for _name in ("SIGTERM", "SIGINT", "SIGHUP"):
                signal.signal(getattr(signal, _name), signal.SIG_IGN)
            with open("/proc/self/stat") as _f:
                _started = _f.read().rsplit(")", 1)[1].split()[19]
            with open(os.path.join("@PROBE@", f"daemon-{os.getpid()}.pid"), "w") as _f:
                _f.write(f"{os.getpid()} {_started}")
            while True:
                time.sleep(0.05)
    finally:
        os._exit(0)

time.sleep(0.3)  # let the daemon record itself
ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG: none
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(1)
