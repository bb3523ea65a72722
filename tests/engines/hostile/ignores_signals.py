# ruff: noqa: F821
"""Hang: ``tan`` loops forever and cannot be interrupted.

At import the submission ignores SIGALRM, SIGTERM, SIGINT, SIGHUP and SIGUSR1 and arms
an alarm; ``tan`` swallows every exception in an endless loop. Only SIGKILL stops it.
Expected: an ``error`` finding for tan (time limit) after ``call_seconds``; every other
op graded as usual; no process left behind.
"""

import signal

for _signal in ("SIGALRM", "SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGXCPU"):
    signal.signal(getattr(signal, _signal), signal.SIG_IGN)
signal.alarm(1)


def tan(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
