# ruff: noqa: F821
"""Fool the guard's path checks by rebinding what they call, then put it back.

At import the submission finds the bundled solution in a forbidden folder, then rebinds
``os.fspath`` (which ``os.fsdecode`` and ``os.path.realpath`` look up at every call) and
``builtins.isinstance`` so that the solution's path reads as ``/tmp``, loads it, and
restores both: no audit event, and nothing left for the integrity check to see.

Expected: the guard still blocks and reports the read (it resolves paths with functions
it captured when the worker started), so every part scores 0 with a policy violation.
"""

import builtins
import importlib.util
import json
import os
import sys

_folders = json.loads(sys.argv[sys.argv.index("--forbid-folders") + 1])
_paths = [os.path.join(f, "solution", "engine.py") for f in _folders]
_paths = [p for p in _paths if os.path.exists(p)]
_fspath, _isinstance = os.fspath, builtins.isinstance
os.fspath = lambda p: "/tmp" if "solution" in str(p) else _fspath(p)
builtins.isinstance = lambda o, t: False if t is int else _isinstance(o, t)
try:
    for _path in _paths:
        _spec = importlib.util.spec_from_file_location("_solution", _path)
        _solution = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_solution)
        globals().update({k: v for k, v in vars(_solution).items() if k[:2] != "__"})
except PermissionError:
    pass
finally:
    os.fspath, builtins.isinstance = _fspath, _isinstance
