# ruff: noqa: F821
"""Die: ``exp`` segfaults the worker by reading address 0 through ctypes.

Expected: an ``error`` finding for exp saying it crashed with SIGSEGV; the worker is
restarted and every other op graded as usual.
"""

import ctypes


def exp(x):
    ctypes.string_at(0)
