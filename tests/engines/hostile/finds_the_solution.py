# ruff: noqa: F821
"""Cheat: find chaingrade's installation (an editable install points into the checkout)
and the bundled reference solution, and run it in place of the engine.

It asks the import system for chaingrade's package and for ``assignments``, walks up from
there, and imports ``solution/engine.py`` from any folder it can list. Its own engine has
a wrong ``cos``.

Expected: neither chaingrade nor the assignment can be found or read from the worker:
the attempt is a policy violation ("imports graders" or a read of the assignment), and
the score is 0, never 100.
"""

import glob
import importlib.util
import os

_found = None
for _name in ("graders", "strategies", "assignments"):
    try:
        _spec = importlib.util.find_spec(_name)
    except Exception:
        _spec = None
    for _where in getattr(_spec, "submodule_search_locations", None) or []:
        _root = os.path.dirname(_where)
        for _path in glob.glob(os.path.join(_root, "assignments", "*", "solution", "engine.py")):
            _found = _path
if _found:
    _spec = importlib.util.spec_from_file_location("stolen", _found)
    _stolen = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_stolen)
    globals().update({k: v for k, v in vars(_stolen).items() if not k.startswith("__")})


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
