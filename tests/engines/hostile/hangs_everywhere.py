# ruff: noqa: F821
"""Hang: every leaf hangs, so every single case times out.

With 17 ops, probing each for ``call_seconds`` would take longer than ``total_seconds``.
Expected: grading ends after ``total_seconds`` (plus a few seconds), every part at zero,
findings that say the time limit was exceeded.
"""


def tensor(x):
    while True:
        pass
