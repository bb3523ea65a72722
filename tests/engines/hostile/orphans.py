# ruff: noqa: F821
"""Exhaust processes: start children that outlive the worker and keep meddling.

At import the submission starts (1) a plain child process, (2) a child in a new session
with an empty environment, and (3) a double-forked daemon in a new session (where the
worker may run no program, forked copies of itself stand in for (1) and (2)). Each ignores
SIGTERM, SIGINT and SIGHUP, records its pid (and start time) in ``@PROBE@``, and keeps
overwriting the grader's results file ``@RESULTS@/results.json`` with a forged full score.
The engine itself is correct.

Expected: full marks (it is a correct engine), and once grading returns none of those
processes is alive, so the results file the grader writes afterwards stays the grader's.
"""

import os
import subprocess
import sys
import time

_LINGER = r"""
import json, os, signal, time
for name in ("SIGTERM", "SIGINT", "SIGHUP"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
with open("/proc/self/stat") as f:
    started = f.read().rsplit(")", 1)[1].split()[19]
with open(os.path.join("@PROBE@", "%s-%d.pid" % (TAG, os.getpid())), "w") as f:
    f.write("%d %s" % (os.getpid(), started))
forged = json.dumps({"score": 100, "max_score": 100, "forged_by": TAG})
while True:
    try:
        with open(os.path.join("@RESULTS@", "results.json"), "w") as f:
            f.write(forged)
    except OSError:
        pass
    time.sleep(0.02)
"""


def _start(tag, **how):
    """A new Python running ``_LINGER``; where the kernel lets the worker run no program
    (Landlock), a forked copy of this one instead (in a new session, if asked)."""
    try:
        subprocess.Popen([sys.executable, "-c", f"TAG = {tag!r}\n" + _LINGER], **how)
    except OSError:
        if os.fork() == 0:
            if how.get("start_new_session"):
                os.setsid()
            try:
                exec(f"TAG = {tag!r}\n" + _LINGER)
            finally:
                os._exit(0)


_start("child")
_start("session", env={}, start_new_session=True)
if os.fork() == 0:
    os.setsid()
    try:
        if os.fork() == 0:
            exec("TAG = 'daemon'\n" + _LINGER)
    finally:
        os._exit(0)

_deadline = time.monotonic() + 4  # until all three have recorded themselves
while len(os.listdir("@PROBE@")) < 3 and time.monotonic() < _deadline:
    time.sleep(0.02)
