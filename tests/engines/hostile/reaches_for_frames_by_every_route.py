# ruff: noqa: F821
"""Ask for a frame by every route there is, once at import and once inside ``backward``,
and write each route that gave one to ``@PROBE@/frames.txt``: ``sys._getframe`` (found as
``getattr(sys, ...)``), ``sys._current_frames``, a traceback's ``tb_frame`` (by
``operator.attrgetter``), a generator's ``gi_frame`` and a coroutine's ``cr_frame``,
``inspect.currentframe``, ``inspect.stack``, ``traceback.walk_stack``,
``traceback.walk_tb``, ``logging.currentframe``, a trace and a profile function
(``sys.settrace``, ``sys.setprofile``), which would be called with frames, and its own
code dressed as the standard library's, which may use frames (``compile`` under
``inspect.py``'s name, ``code.replace(co_filename=...)``, a ``<frozen ...>`` name).

Expected: no route gives the submission a frame (``frames.txt`` stays empty), every part
scores 0 and the report says the submission reached for the worker's frames.
"""

import inspect
import logging
import operator
import sys
import traceback
import types


def _tb():
    try:
        raise ZeroDivisionError
    except ZeroDivisionError as e:
        return e.__traceback__


def _gen():
    yield 1


async def _coro():
    pass


def _dressed(filename):
    """A function that asks for its caller's frame, compiled under ``filename``."""
    names = {"sys": sys}
    exec(compile("def f():\n    return sys._getframe(1)\n", filename, "exec"), names)
    return names["f"]()


def _replaced():
    def asking():
        return sys._getframe(1)

    code = asking.__code__.replace(co_filename=inspect.__file__)
    return types.FunctionType(code, {"sys": sys})()


def _routes():
    def traced(*args):
        _got.append("a trace or profile function")

    return {
        "sys._getframe": lambda: getattr(sys, "_get" + "frame")(),
        "sys._current_frames": lambda: next(iter(sys._current_frames().values())),
        "tb_frame": lambda: operator.attrgetter("tb_" + "frame")(_tb()),
        "gi_frame": lambda: getattr(_gen(), "gi_" + "frame"),
        "cr_frame": lambda: getattr(_coro(), "cr_" + "frame"),
        "inspect.currentframe": inspect.currentframe,
        "inspect.stack": lambda: inspect.stack()[0][0],
        "traceback.walk_stack": lambda: next(traceback.walk_stack(None))[0],
        "traceback.walk_tb": lambda: next(traceback.walk_tb(_tb()))[0],
        "logging.currentframe": logging.currentframe,
        "sys.settrace": lambda: sys.settrace(traced),
        "sys.setprofile": lambda: sys.setprofile(traced),
        "compile as inspect.py": lambda: _dressed(inspect.__file__),
        "compile as the import machinery": lambda: _dressed("<frozen importlib._bootstrap>"),
        "code.replace": _replaced,
    }


_got = []


def _try_all(when):
    for name, route in _routes().items():
        try:
            frame = route()
        except Exception:
            continue
        if type(frame).__name__ == "frame":
            _got.append(f"{when}: {name}")
    for stop in (sys.settrace, sys.setprofile):
        try:
            stop(None)
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
