# ruff: noqa: F821
"""Forge where a finding points: reach the worker's ``Tracer`` class through frames and
wrap its ``record`` so that ``cos``'s wrong line reads as ``sin``'s (the last review's
A6, by a class attribute: no audit event).

Expected: the frame is refused, every part scores 0 with a policy violation; were it
reached, the integrity check names the rewritten class.
"""


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign


def _pick(obj, test):
    for k in dir(obj):
        if test(k):
            return getattr(obj, k)
    return None


def _fake(places):
    for p in places:
        if isinstance(p, list) and len(p) == 4 and p[2] == "cos":
            p[1] = 1


try:
    raise ZeroDivisionError
except ZeroDivisionError as _e:
    _tb = _pick(_e, lambda s: s[2:7] == "trace" and s[-2:] == "__")
    _fr = _pick(_tb, lambda s: s[-5:] == "frame")
while _fr is not None:
    _g = _pick(_fr, lambda s: s[:2] == "f_" and s[-7:] == "glob" + "als")
    if "Tracer" in _g:
        _real_record = _g["Tracer"].record

        def _record(self, _real=_real_record):
            r = _real(self)
            for entry in r["lines"]:
                _fake(entry[2])
            return r

        _g["Tracer"].record = _record
        break
    _fr = _pick(_fr, lambda s: s[-4:] == "back")
