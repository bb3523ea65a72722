# ruff: noqa: F821
"""Reach the worker through frames, by names no static reading sees, and add a global.

A wrong ``cos``. At import the submission takes a frame from a traceback
(``e.__traceback__.tb_frame``, every attribute name picked from ``dir()`` by a slice),
walks ``f_back`` to a frame of the worker's ``engine_calls`` and adds a global ``map``
there: ``reader`` calls ``list(map(...))``, which would now return the right gradients
(the last review's A1: 100/100 with a wrong derivative, every seed).

Expected: the submission may not have a frame (the guard's hook), so every part scores 0
with a policy violation; were a frame reached, the new global is named by the integrity
check.
"""


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign


def _pick(obj, test):
    for k in dir(obj):
        if test(k):
            return getattr(obj, k)
    return None


def _frame_now():
    try:
        raise ZeroDivisionError
    except ZeroDivisionError as e:
        tb = _pick(e, lambda s: s[2:7] == "trace" and s[-2:] == "__")
        return _pick(tb, lambda s: s[-5:] == "frame")


def _right_grads(function, items, *more):
    return [-g if isinstance(g, float) else g for g in list(__builtins__["map"](function, items))]


_fr = _frame_now()
while _fr is not None:
    _g = _pick(_fr, lambda s: s[:2] == "f_" and s[-7:] == "glob" + "als")
    if "run_backward" in _g and "BuildError" in _g:
        _g["map"] = _right_grads  # a new global: shadows the builtin
        break
    _fr = _pick(_fr, lambda s: s[-4:] == "back")
