# ruff: noqa: F821
"""Not an attack: a correct engine whose code calls standard functions that read frames
for their own ends, at import and in its first calls of ``backward``: ``namedtuple`` and
``typing`` (the caller's module name), ``enum``'s functional API, ``logging`` (the
caller's line, to stderr), ``traceback.format_exc`` and ``traceback.format_stack``
(printed stacks) and ``warnings.warn``; and installed packages doing the same:
``typing_extensions``' ``TypeVar`` and ``NamedTuple`` (the caller's module name, at any
time, not only as it is imported; ``typing``'s where it is not installed) and its
``_has_generic_or_protocol_as_origin`` (each ``Tuple[...]`` once it is imported), and
``numpy.vectorize`` of the engine's own function.

Expected: full marks; none of it is the submission reaching for a frame.
"""

import collections
import enum
import logging
import traceback
import typing
import warnings

import numpy

try:
    import typing_extensions
except ImportError:  # not installed: typing's own
    typing_extensions = typing

Pair = collections.namedtuple("Pair", "value grad")
T = typing.TypeVar("T")
Colour = enum.Enum("Colour", "RED GREEN")


def _uses_frames():
    collections.namedtuple("Step", "node")
    typing.TypeVar("U")
    typing_extensions.TypeVar("V")
    typing_extensions.NamedTuple("Row", [("node", int)])
    # Once typing_extensions is imported, typing's generics ask it (before Python 3.13)
    # whether typing's own frame is subscripting Generic: minitorch's annotations.
    typing.Tuple[float, ...], typing.Union[int, "Pair"]  # noqa: UP006
    numpy.vectorize(lambda v: v + 1.0, otypes=[float])(numpy.array([0.0]))
    enum.Enum("Kind", "A B")
    logging.getLogger("engine").warning("backward ran")
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        text = traceback.format_exc()
    warnings.warn("an engine's own warning", stacklevel=2)
    return text + "".join(traceback.format_stack(limit=3))


_uses_frames()
_backward = Tensor.backward


_calls = []


def _backward_with_frames(self):
    if len(_calls) < 3:  # a few times in each process, at request time: that is the point
        _calls.append(_uses_frames())
    _backward(self)


Tensor.backward = _backward_with_frames
