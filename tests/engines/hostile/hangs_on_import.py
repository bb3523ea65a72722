# ruff: noqa: F821
"""Hang: the submission never finishes importing, and ignores SIGTERM and SIGINT.

Expected: grading ends after ``startup_seconds`` with every part at zero and a finding
saying the import exceeded the time limit.
"""

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
