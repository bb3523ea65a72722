# ruff: noqa: F821
"""Exit: ``exp`` calls ``sys.exit(0)``.

Expected: an ``error`` finding for exp naming SystemExit; every other op graded as usual.
"""

import sys


def exp(x):
    sys.exit(0)
