# ruff: noqa: F821
"""Exhaust processes: start children that outlive the worker and keep meddling.

At import the submission starts (1) a plain child process, (2) a child in a new session
with an empty environment, and (3) a double-forked daemon in a new session. Each ignores
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

subprocess.Popen([sys.executable, "-c", "TAG = 'child'\n" + _LINGER])
subprocess.Popen(
    [sys.executable, "-c", "TAG = 'session'\n" + _LINGER], env={}, start_new_session=True
)
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
