# ruff: noqa: F821
"""Delegate: import torch and jax lazily, inside ``exp``, through ``importlib`` and
``__import__``, swallowing the ImportError.

Nothing is imported at load time, and the engine stays correct whether or not the
imports work. Expected: the attempts are recorded anyway: every part scores zero with a
finding "policy violation: imports jax, torch".
"""

import importlib

_honest_exp = exp


def exp(x):
    try:
        importlib.import_module("torch")
    except ImportError:
        pass
    try:
        __import__("jax.numpy")
    except ImportError:
        pass
    return _honest_exp(x)
