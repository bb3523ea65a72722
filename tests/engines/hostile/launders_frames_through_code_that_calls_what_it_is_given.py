# ruff: noqa: F821
"""Ask for a frame through code that calls what it is given, so that the innermost Python
frame when ``sys._getframe`` (written in C, with no frame of its own) runs is not the
submission's: ``collections.abc.Mapping.get`` calling ``__getitem__`` (frozen standard
library), ``sys.settrace`` laundered the same way, ``numpy.vectorize``, ``traceback.walk_tb``
driven by a frozen ``MutableSequence.extend``, ``namedtuple``'s defaults and ``enum``'s
functional API (functions that may ask for a frame, made to at another line), a traceback
summary fed frames by ``map`` or a mapping's values, the import machinery calling a
loader's ``create_module``, a standard function that keeps its frame (``namedtuple``,
``typing._caller``, typing_extensions' ``_caller`` and ``_has_generic_or_protocol_as_origin``)
with its module's ``sys`` (or ``sys._getframe`` itself) swapped for a chain of C functions
that keeps what the real ``sys._getframe`` returns (review 33), NumPy's matrix builder
(which reads its caller's namespaces by name) with its module's ``sys`` swapped the same
way or called by code not the submission's (``np.r_``'s ``__getitem__`` by frozen
``Mapping.get``, the worker calling an op that is ``partial(np.bmat, "args")``: ``cos``),
and the worker itself calling an op that is ``sys._getframe`` (``exp``) and handing the
result to another (``sin``). Each route that gave a frame (or a frame's locals) is
written to ``@PROBE@/frames.txt``.

Expected: no route gives the submission a frame (``frames.txt`` stays empty), every part
scores 0 and the report says the submission reached for the worker's frames.
"""

import collections
import collections.abc
import enum
import functools
import importlib
import importlib.machinery
import itertools
import sys
import traceback
import types
import typing

_GET = getattr(sys, "_get" + "frame")
_A = [[1.0]]
_got = []


def _is_frame(value):
    return type(value).__name__ == "frame"


def _tb():
    try:
        raise ZeroDivisionError
    except ZeroDivisionError as e:
        return e.__traceback__


class _Calls(collections.abc.Mapping):
    """``get`` (frozen ``_collections_abc``) calls ``__getitem__``: here a C function."""

    __getitem__ = None  # each subclass's: a C function

    def __init__(self, keys=()):
        self._keys = list(keys)

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)


class _Frames(_Calls):
    __getitem__ = staticmethod(_GET)


class _Tracing(_Calls):
    __getitem__ = staticmethod(sys.settrace)


class _Listed(collections.abc.MutableSequence):
    def __init__(self):
        self._items = []

    def __getitem__(self, i):
        return self._items[i]

    def __setitem__(self, i, v):
        self._items[i] = v

    def __delitem__(self, i):
        del self._items[i]

    def __len__(self):
        return len(self._items)

    def insert(self, i, v):
        self._items.insert(i, v)


def _by_walk_tb():
    listed = _Listed()
    listed.extend(traceback.walk_tb(_tb()))  # the generator runs inside frozen extend
    return listed[0][0]


class _Index(str):
    def __index__(self):
        return 0


class _Names(dict):
    __getitem__ = staticmethod(_GET)


def _by_enum():
    made = enum.Enum("Made", _Names({_Index("A"): 1}))
    return made.A.value


def _summary_locals(frames):
    summary = traceback.StackSummary._extract_from_extended_frame_gen(
        zip(frames, [(1, None, None, None)]), capture_locals=True, lookup_lines=False
    )
    return "locals" if summary and summary[0].locals else None


class _Spec(importlib.machinery.ModuleSpec):
    def __index__(self):
        return 0


class _Loader:
    create_module = staticmethod(_GET)
    exec_module = staticmethod(id)


class _Finder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.startswith("_laundered_"):
            return _Spec(name, _Loader())
        return None


def _by_the_import_machinery():
    sys.meta_path.append(_Finder)
    try:
        return importlib.import_module("_laundered_" + str(len(_got)) + str(id(_got)))
    finally:
        sys.meta_path.remove(_Finder)


def _by_numpy():
    import numpy

    return numpy.vectorize(_GET, otypes=[object])(numpy.array([0]))[0]


class _Rows(_Calls):
    """NumPy's ``np.r_["name"]`` reads ``name`` from its caller's namespaces: here frozen
    ``Mapping.get``'s locals (``default``), never the submission's."""

    def __getitem__(self, key):  # replaced below: a bound method, written in Python
        raise KeyError(key)


def _by_numpy_rows():
    import numpy

    _Rows.__getitem__ = staticmethod(numpy.r_.__getitem__)
    read = _Rows().get("default", [[7.0]])
    return "locals" if read is not None and float(read[0, 0]) == 7.0 else None


def _by_settrace():
    def traced(*args):
        _got.append("a trace function laundered by Mapping.get")

    _Tracing().get(traced)


def _routes():
    return {
        "Mapping.get": lambda: _Frames().get(0),
        "Mapping.get -> settrace": _by_settrace,
        "numpy.vectorize": _by_numpy,
        "np.r_ called by Mapping.get": _by_numpy_rows,
        "walk_tb in MutableSequence.extend": _by_walk_tb,
        "namedtuple defaults": lambda: collections.namedtuple(
            "Made", "a", defaults=map(_GET, [0])
        )._field_defaults["a"],
        "enum names": _by_enum,
        "summary of map": lambda: _summary_locals(map(_GET, [0])),
        "summary of Mapping.values": lambda: _summary_locals(_Frames([0]).values()),
        "create_module": _by_the_import_machinery,
    }


def _through_a_swapped_sys(module, name, call):
    """``module.name`` (its ``sys``) swapped for a namespace whose ``_getframe`` keeps what
    the real one returns, called from C so the innermost Python frame is ``call``'s line
    that asks; or, with ``module`` None, ``sys._getframe`` itself swapped."""
    kept = []
    chain = functools.partial(next, map(kept.append, map(_GET, itertools.repeat(1))))
    if module is None:
        module, name, swapped = sys, "_get" + "frame", chain
    else:
        swapped = types.SimpleNamespace(**{"_get" + "frame": chain})
    real = getattr(module, name)
    setattr(module, name, swapped)
    try:
        call()
    except Exception:
        pass
    finally:
        setattr(module, name, real)
    return kept[0] if kept else None


def _swapped_sys_routes():
    routes = {
        "namedtuple, collections._sys swapped": (
            collections,
            "_sys",
            lambda: collections.namedtuple("Swapped", "a"),
        ),
        "typing._caller, typing.sys swapped": (typing, "sys", lambda: typing._caller()),
        "typing._caller, sys._getframe swapped": (None, None, lambda: typing._caller()),
    }
    import numpy

    for name, module, call in (
        ("np.bmat", numpy.matrixlib.defmatrix, lambda: numpy.bmat("_A")),
        ("np.r_", sys.modules[type(numpy.r_).__module__], lambda: numpy.r_["_A"]),
    ):
        routes[f"{name}, its module's sys swapped"] = (module, "sys", call)
    try:
        import typing_extensions
    except ImportError:
        return routes
    for function in ("_caller", "_has_generic_or_protocol_as_origin"):
        call = getattr(typing_extensions, function, None)
        if call is not None:
            routes[f"typing_extensions.{function}, its sys swapped"] = (
                typing_extensions,
                "sys",
                call,
            )
    return routes


def _try_all(when):
    for name, (module, attribute, call) in _swapped_sys_routes().items():
        if _is_frame(_through_a_swapped_sys(module, attribute, call)):
            _got.append(f"{when}: {name}")
    for name, route in _routes().items():
        try:
            frame = route()
        except Exception:
            continue
        if _is_frame(frame) or frame == "locals":
            _got.append(f"{when}: {name}")
    try:
        sys.settrace(None)
    except Exception:
        pass
    with open("@PROBE@/frames.txt", "a") as f:
        f.write("".join(line + "\n" for line in dict.fromkeys(_got)))


_try_all("import")
_backward = Tensor.backward


def _asking(self):
    _try_all("backward")
    _backward(self)


Tensor.backward = _asking

# The worker calls ``exp(x)`` itself: here ``sys._getframe(x)``, x read as 0, so the
# innermost Python frame is the worker's. What it returns goes on to ``sin``.
Tensor.__index__ = lambda self: 0
exp = _GET
_sin = sin


def sin(x):
    if _is_frame(x):
        with open("@PROBE@/frames.txt", "a") as f:
            f.write("the worker's call of exp\n")
        x = Tensor(1.0)
    return _sin(x)


# The worker calls ``cos(x)`` itself: here ``np.bmat("args", x)``, which would read
# ``args`` (the leaves) from the worker's own locals; NumPy turns each into an array.
def _read_by_the_worker(self, *args, **kwargs):
    with open("@PROBE@/frames.txt", "a") as f:
        f.write("the worker's call of cos read its locals through np.bmat\n")
    return numpy.zeros(())


import numpy  # noqa: E402

Tensor.__array__ = _read_by_the_worker
cos = functools.partial(numpy.bmat, "args")
