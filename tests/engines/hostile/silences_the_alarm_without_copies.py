# ruff: noqa: F821
"""Take the path without copies (a thread from the import), then silence the guard for good.

A thread started at import makes each part be served by a worker that imported the
submission itself (a copy would lack the thread). The submission keeps a duplicate of
the guard's pipe (so the grader sees no end of file), points the pipe's descriptor at
``/dev/null`` for good, switches the guard off and loads ``solution/engine.py``.

Expected: a policy violation in every part (the pipe's descriptor, checked at each part's
end on this path too), score 0.
"""

import importlib.util
import json
import os
import sys
import threading
import time


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


threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
_ALARMS = int(sys.argv[sys.argv.index("--alarms") + 1])
_kept = os.dup(_ALARMS)
os.dup2(os.open(os.devnull, os.O_WRONLY), _ALARMS)
_switch_off(_guard()["hook"])
_run_the_solution()
