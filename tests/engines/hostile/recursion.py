# ruff: noqa: F821
"""Die: unbounded recursion, in Python and in C.

``tanh`` recurses forever in Python (a RecursionError, just an exception). ``sigmoid``
lifts the recursion limit and makes C recurse 200,000 levels deep (``repr`` of a
nested list), which overflows the C stack: a segfault. Expected: ``error`` findings
for tanh and sigmoid; every other op graded as usual.
"""

import sys


def tanh(x):
    return tanh(x)


def sigmoid(x):
    sys.setrecursionlimit(10**8)
    nested = []
    for _ in range(200_000):
        nested = [nested]
    return repr(nested)
