# ruff: noqa: F821
"""Point the guard's pipe at /dev/null, switch the guard off, and put the pipe back.

At import (in the worker every part is copied from) the submission keeps a duplicate of
the pipe the guard reports on, points the pipe's descriptor at ``/dev/null``, replaces the
guard's checks with no-ops (the guard's report of that goes nowhere), loads
``solution/engine.py`` from a forbidden folder, and puts the pipe back: the descriptor
checks at each part's end find nothing wrong.

Expected: a policy violation in every part (the integrity check, after the import, finds
the guard's rewritten defaults and reports it through the restored pipe), score 0.
"""

import importlib.util
import json
import os
import sys


def _guard():
    frame = sys._getframe()
    while frame.f_code.co_name != "serve":
        frame = frame.f_back
    return frame.f_locals["guarded"]


def _switch_off(hook):
    names = hook.__code__.co_varnames[: hook.__code__.co_argcount][-len(hook.__defaults__) :]
    hook.__defaults__ = tuple(
        (lambda *a, **k: None) if name in ("_module", "_path") else value
        for name, value in zip(names, hook.__defaults__)
    )


def _run_the_solution():
    for folder in json.loads(sys.argv[sys.argv.index("--forbid-folders") + 1]):
        path = os.path.join(folder, "solution", "engine.py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("_solution", path)
            solution = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(solution)
            globals().update({k: v for k, v in vars(solution).items() if not k.startswith("__")})


_ALARMS = int(sys.argv[sys.argv.index("--alarms") + 1])
_saved = os.dup(_ALARMS)
_null = os.open(os.devnull, os.O_WRONLY)
os.dup2(_null, _ALARMS)
_switch_off(_guard()["hook"])
_run_the_solution()
os.dup2(_saved, _ALARMS)
