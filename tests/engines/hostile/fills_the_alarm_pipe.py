# ruff: noqa: F821
"""Silence the guard by filling its pipe: no line, so no alarm to read.

At import the submission makes the pipe the guard reports on non-blocking and fills it
with bytes that hold no line break: a guard's report written after that fails (the pipe
is full) and is lost, and the bytes themselves make no complete line for the grader to
read as an alarm. The engine itself is correct.

Expected: a policy violation (something other than the guard wrote into its pipe).
"""

import os
import sys

_alarms = int(sys.argv[sys.argv.index("--alarms") + 1])
os.set_blocking(_alarms, False)
try:
    while True:
        os.write(_alarms, b"x" * 4096)
except BlockingIOError:
    pass
