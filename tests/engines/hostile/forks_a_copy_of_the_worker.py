# ruff: noqa: F821
"""Hide a process: call the worker's own fork (the one its guard allows) at import.

The submission walks up the stack to the worker's ``serve`` and calls its ``fork_part``,
the fork the guard lets the zygote make for each part. The child records its pid (and
start time) in ``@PROBE@`` and lives on, a process no part asked for, with the grader's
pipes in hand. The engine itself is correct.

Expected: a policy violation in every part, and no process of the submission alive once
grading returns. The frame that leads to ``serve`` is refused now (``frames.py``), so no
process is made; were one made, the runner would find it kept running after its part.
"""

import os
import sys
import time


def _worker_globals():
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_name != "serve":
        frame = frame.f_back
    return frame.f_globals


if _worker_globals()["fork_part"]() == 0:
    with open("/proc/self/stat") as _f:
        _started = _f.read().rsplit(")", 1)[1].split()[19]
    with open(os.path.join("@PROBE@", f"hidden-{os.getpid()}.pid"), "w") as _f:
        _f.write(f"{os.getpid()} {_started}")
    time.sleep(60)
    os._exit(0)
