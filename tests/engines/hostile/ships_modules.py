# ruff: noqa: F821
"""Tamper: ship ``conftest.py``, ``sitecustomize.py``, ``usercustomize.py``, ``numpy.py``,
``mygrad.py`` and ``math.py`` beside the engine, and point ``PYTHONPATH`` and
``PYTHONSTARTUP`` at them.

The engine itself is correct and uses NumPy's ``exp``. Each shipped module, if it ever
ran, would record that in ``@PROBE@`` and break things (``numpy.exp`` returning 0).
``tests/test_hostile.py`` writes those files beside this one.

Expected: none of them runs (the runner copies only the submission; ``python -I``
ignores ``PYTHONPATH``, ``PYTHONSTARTUP`` and the user site; the environment is
scrubbed); full marks.
"""

import numpy as np


def exp(x):
    e = float(np.exp(x.data))
    return _unary(x, e, e)
