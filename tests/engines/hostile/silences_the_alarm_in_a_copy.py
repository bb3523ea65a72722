# ruff: noqa: F821
"""Silence the guard in a part's copy, then switch it off and run the bundled solution.

On its first node, the part's worker (a copy of the one that imported the submission)
closes the pipe the guard reports on: the copy it was forked from still holds that pipe,
so the grader sees no end of file. It then replaces the guard's checks with no-ops (a
rewrite the guard reports, to a closed pipe) and loads ``solution/engine.py`` from a
forbidden folder, answering every case with it.

Expected: a policy violation in every part (the alarm pipe was closed), score 0.
"""

import importlib.util
import json
import os
import sys

_solution = None


def _serve_frame():
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_name != "serve":
        frame = frame.f_back
    return frame


def _take_over():
    os.close(int(sys.argv[sys.argv.index("--alarms") + 1]))
    hook = _serve_frame().f_locals["guarded"]["hook"]
    names = hook.__code__.co_varnames[: hook.__code__.co_argcount][-len(hook.__defaults__) :]
    hook.__defaults__ = tuple(
        (lambda *a, **k: None) if name in ("_module", "_path") else value
        for name, value in zip(names, hook.__defaults__)
    )
    for folder in json.loads(sys.argv[sys.argv.index("--forbid-folders") + 1]):
        path = os.path.join(folder, "solution", "engine.py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("_solution", path)
            solution = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(solution)
            return solution
    return None


_own_tensor = tensor


def tensor(x):
    global _solution
    if _solution is None:
        _solution = _take_over() or sys.modules[__name__]
        globals().update(
            {k: v for k, v in vars(_solution).items() if not k.startswith("__") and k != "tensor"}
        )
    return (_solution.tensor if _solution is not sys.modules[__name__] else _own_tensor)(x)
