# ruff: noqa: F821
"""Die: ``exp`` kills its own process with SIGKILL, as the memory limit or the OOM killer
would.

Expected: the finding for exp says what happened, "killed by signal 9 (memory limit or
killed)", not "sys.exit or os._exit in your code?"; every other op graded as usual.
"""

import os
import signal

_honest_exp = exp


def exp(x):
    os.kill(os.getpid(), signal.SIGKILL)
    return _honest_exp(x)
