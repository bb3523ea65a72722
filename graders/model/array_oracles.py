"""The two oracles of array compositions, and the gate between them.

* :func:`mygrad_reference`: MyGrad on float64 arrays, every node's value and
  d(loss)/d(node) (MyGrad keeps the gradient of every tensor of the graph).
* :func:`numerically_agrees`: for every node, the derivative of the loss along a few
  random directions of that node's value (``<grad, d>``, as jax's ``check_grads``
  does), taken by a complex step where every op downstream is analytic and by a
  fourth-order central difference otherwise. Its cost grows with the nodes and the
  directions, not with the elements of each array.
* :func:`reference`: MyGrad's numbers if both agree on every node, else None: the case
  is discarded, never charged (tolerances in ``graders.tolerances``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.tolerances import (
    CENTRAL_OFFSETS,
    COMPLEX_STEP,
    GATE_VALUES,
    central_difference,
    central_step,
    close_elementwise,
    gate_agrees,
)

#: Random directions per node.
DIRECTIONS = 2


@dataclass(frozen=True)
class ArrayReference:
    """Trusted numbers for one composition at one point: each node's value and gradient."""

    values: tuple[np.ndarray, ...]
    grads: tuple[np.ndarray, ...]


def mygrad_reference(composition: ArrayComposition, arrays: Sequence) -> ArrayReference:
    """MyGrad's value and gradient of every node (not gated)."""
    from mygrad.tensor_base import Tensor, tensor

    leaves = [np.asarray(a, dtype=np.float64) for a in arrays] + [composition.projection()]
    tensors = [tensor(a) for a in leaves]
    for node in composition.nodes:
        with np.errstate(all="ignore"):
            made = ops.get(node.op).reference([tensors[a] for a in node.args], node.p)
        if not isinstance(made, Tensor):  # the catalog's references are MyGrad functions
            raise TypeError(f"{node.op}'s reference gave a {type(made).__name__}, not a Tensor")
        # A shape op makes a view, and a MyGrad view's .grad is a view of its base's
        # gradient, not d(loss)/d(view): a copy is a node of its own.
        tensors.append(made * 1.0 if ops.get(node.op).shape_rule == "shape" else made)
    with np.errstate(all="ignore"):
        tensors[-1].backward()
    values = tuple(np.array(t.data, dtype=np.float64) for t in tensors)
    grads = tuple(
        np.zeros(np.shape(t.data)) if t.grad is None else np.array(t.grad, dtype=np.float64)
        for t in tensors
    )
    return ArrayReference(values, grads)


def numerically_agrees(
    composition: ArrayComposition, arrays: Sequence, found: ArrayReference
) -> bool:
    """Whether every node's gradient, projected on random directions, is the numerical
    directional derivative of the loss, and every value NumPy's."""
    plain = composition.evaluate(arrays)
    for k in range(composition.size):
        value = np.asarray(plain[k], dtype=np.float64)
        if not (np.all(np.isfinite(found.values[k])) and np.all(np.isfinite(found.grads[k]))):
            return False
        if not np.all(close_elementwise(found.values[k], value, **GATE_VALUES)):
            return False
        analytic = all(
            ops.get(composition.node(j).op).analytic for j in composition.downstream(k) - {k}
        )
        rng = np.random.default_rng(1000 + k)
        for _ in range(DIRECTIONS):
            direction = rng.standard_normal(np.shape(value))
            exact = float(np.sum(found.grads[k] * direction))
            scale = float(np.sum(np.abs(found.grads[k] * direction)))
            numeric = _directional(composition, arrays, k, value, direction, analytic)
            if not gate_agrees(numeric, exact, scale, analytic=analytic):
                return False
    return True


def _directional(composition, arrays, k, value, direction, analytic: bool) -> float:
    def loss(v) -> complex:
        with np.errstate(all="ignore"):
            return composition.evaluate(arrays, override={k: v})[-1]

    if analytic:
        return float(np.imag(loss(value + 1j * COMPLEX_STEP * direction)) / COMPLEX_STEP)
    h = float(central_step(np.max(np.abs(value), initial=0.0)))
    f = {s: float(np.real(loss(value + s * h * direction))) for s in CENTRAL_OFFSETS}
    return central_difference(f, h)


_CACHE: dict[tuple, ArrayReference | None] = {}
_CACHE_SIZE = 1 << 12


def reference(composition: ArrayComposition, arrays: Sequence) -> ArrayReference | None:
    """MyGrad's numbers if the numerical oracle agrees on every node, else None (discard)."""
    key = (composition, tuple(np.asarray(a, dtype=np.float64).tobytes() for a in arrays))
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        try:
            found = mygrad_reference(composition, arrays)
            _CACHE[key] = found if numerically_agrees(composition, arrays, found) else None
        except (ArithmeticError, ValueError):
            _CACHE[key] = None
    return _CACHE[key]
