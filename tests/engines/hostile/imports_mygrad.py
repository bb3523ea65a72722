# ruff: noqa: F821
"""Delegate: import MyGrad and let it compute the gradients.

The engine's ``Tensor.backward`` rebuilds the graph in MyGrad and copies MyGrad's
gradients back. The import is wrapped in ``try`` so the engine still loads when the
import is blocked.

Expected: a policy violation, not just a blocked import: every part scores zero with a
finding that starts "policy violation: imports mygrad".
"""

try:
    import mygrad as mg
except ImportError:
    mg = None


def tensor(x):
    if mg is None:
        return Tensor(x)
    return mg.tensor(float(x))
