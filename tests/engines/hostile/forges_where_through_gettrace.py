# ruff: noqa: F821
"""Forge where a finding points with no frame at all: while ``where`` traces the reverse
pass, ``sys.gettrace()`` hands out the trace function; its ``__self__`` was the tracer
(the last review's p13), or what it holds as a default is, and the lines it recorded for
``cos`` are moved to line 1.

Expected: the trace function is a plain function now, and reading its defaults is a
policy violation: every part scores 0, and no finding points at line 1.
"""

import sys


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign


def _fake(places):
    for place in places:
        if isinstance(place, list) and len(place) == 4 and place[2] == "cos":
            place[1] = 1


def _tracer():
    trace = sys.gettrace()
    found = getattr(trace, "__self__", None)
    for held in getattr(trace, "__defaults__", None) or ():
        found = found or getattr(held, "__self__", None)
    return found


_backward = Tensor.backward


def _forging(self):
    _backward(self)
    tracer = _tracer()
    if tracer is not None and hasattr(tracer, "lines"):
        for entry in tracer.lines:
            _fake(entry[2])


Tensor.backward = _forging
