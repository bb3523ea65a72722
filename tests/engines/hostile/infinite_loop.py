# ruff: noqa: F821
"""Hang: ``cos`` loops forever.

Expected: an ``error`` finding for cos (time limit) after ``call_seconds``; every other
op graded as usual.
"""


def cos(x):
    while True:
        pass
