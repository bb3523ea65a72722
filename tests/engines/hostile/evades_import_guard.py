# ruff: noqa: F821
"""Delegate and tamper: remove every import hook it can find, then import MyGrad inside
``exp``, use it, and delete it from ``sys.modules`` to hide the traces.

At import the submission keeps only the standard finders in ``sys.meta_path`` and clears
``sys.path_importer_cache``. Expected: the guard is an audit hook, which Python code
cannot remove: the import is blocked and reported, every part scores zero with a finding
"policy violation: imports mygrad".
"""

import importlib
import sys

sys.meta_path[:] = [
    f
    for f in sys.meta_path
    if getattr(f, "__module__", "") in ("_frozen_importlib", "_frozen_importlib_external")
]
sys.path_importer_cache.clear()

_honest_exp = exp


def exp(x):
    try:
        mg = importlib.import_module("mygrad")
    except ImportError:
        return _honest_exp(x)
    out = _honest_exp(x)
    out.data = float(mg.exp(x.data))
    for name in [n for n in sys.modules if n.split(".")[0] == "mygrad"]:
        del sys.modules[name]
    return out
