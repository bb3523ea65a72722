# ruff: noqa: F821
"""Drown the guard's reports in empty lines, then switch the guard off and run the solution.

At import the submission writes 50 empty lines into the pipe the guard reports on (the
grader once read at most 50 lines at a time and skipped empty ones), then replaces the
guard's checks with no-ops (a rewrite the guard reports, after the empty lines) and loads
``solution/engine.py`` from a forbidden folder.

Expected: a policy violation in every part (something other than the guard wrote into
its pipe), score 0.
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
os.write(_ALARMS, b"\n" * 50)
_switch_off(_guard()["hook"])
_run_the_solution()
