# ruff: noqa: F821
"""Not an attack: the engine the ``reads_the_solution_*`` attacks fall back to, a wrong
``cos`` and nothing else, whose score is what those attacks honestly earn.

Expected: ``cos`` charged, the other parts full.
"""


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
