# ruff: noqa: F821
"""Reach the builtins, then ``sys._getframe``, by two computed attribute reads the static
policy once let through (review 30): ``getattr`` on a "class of the file never rebound"
whose decorator rebinds its name to a function (``getattr(Config, "__globals__")``, the
name spelled backwards), and ``string.Formatter().get_field("0.__globals__[...]")``;
then launder ``sys._getframe`` through a frozen ``Mapping.get`` inside ``backward`` and
write what the frames show to ``@PROBE@/frames.txt``.

Expected: with the static policy on, both reads are violations before anything runs;
with it off, the guard refuses the frame. Either way ``frames.txt`` stays empty, every
part scores 0 and the report names the violation.
"""

import collections.abc
import string


def _pick(cls):
    return _pick


@_pick
class Config:
    pass


def _backwards(text):
    return text[::-1]


_by_class = getattr(Config, _backwards("__slabolg__"))[_backwards("__snitliub__")]
_FIELDS = string.Formatter()


def _field(obj, dotted):
    return _FIELDS.get_field("0" + dotted, (obj,), {})[0]


_by_format = _field(collections.abc.Mapping.get, "." + _backwards("__slabolg__"))
_builtins = _by_class if isinstance(_by_class, dict) else vars(_by_class)
_sys = _builtins[_backwards("__tropmi__")]("s" + "ys")
_same = _by_format[_backwards("__snitliub__")] is _by_class


class _Launder(collections.abc.Mapping):
    __getitem__ = staticmethod(_field(_sys, "." + _backwards("emarfteg_")))

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


_backward = Tensor.backward


def _spying(self):
    try:
        frame = _Launder().get(1)
        names = []
        while frame is not None:
            names.append(_field(frame, ".f_code.co_name"))
            frame = _field(frame, ".f_back")
        with open("@PROBE@/frames.txt", "a") as f:
            f.write(" ".join(names) + "\n")
    except Exception:
        pass
    _backward(self)


Tensor.backward = _spying
