# ruff: noqa: F821
"""Die: ``log`` ends the worker process with ``os._exit(0)``, skipping every handler.

Expected: an ``error`` finding for log (the worker exited while running it); the worker
is restarted and every other op graded as usual.
"""

import os


def log(x):
    os._exit(0)
