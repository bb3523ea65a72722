# ruff: noqa: F821
"""Reach the worker's ``serve`` through frames and rewrite the API dict it shares with
every job (the last review's A2: ``api["gradient"] = "_fixed()"``, 100/100 with a wrong
derivative).

Expected: the frame is refused, every part scores 0 with a policy violation; were it
reached, the worker parses the API afresh for every request and reports one that no longer
reads as the text the runner sent.
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


Tensor._fixed = lambda self: 0.0

_fr = _frame_now()
while _fr is not None:
    _l = _pick(_fr, lambda s: s[:2] == "f_" and s[-6:] == "loc" + "als")
    if "api" in _l and "requests" in _l:
        _l["api"]["gradient"] = "_fixed()"
        break
    _fr = _pick(_fr, lambda s: s[-4:] == "back")
