# ruff: noqa: F821
"""Exhaust output: ``log`` writes 500 MB to stdout and stderr, through Python's streams
and straight to file descriptors 1 and 2; at import the submission tries to write to
the terminal (``/dev/tty``) too.

Expected: the worker is stopped at ``output_bytes``: an ``error`` finding for log that
names the output limit, quickly; the worker has no terminal to write to; every other op
graded as usual.
"""

import os
import sys

try:
    with open("/dev/tty", "w") as _tty:
        _tty.write("flood " * 100_000)
except OSError:
    pass


def log(x):
    chunk = "flood " * 170_000  # about 1 MB
    for _ in range(250):
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
        os.write(1, chunk.encode())
        os.write(2, chunk.encode())
