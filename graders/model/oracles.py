"""The two oracles and the gate between them.

* :func:`mygrad_reference` builds the composition with MyGrad (float64 tensors:
  an integer tensor is a constant in MyGrad 2.x and gets no gradient) and reads
  every node's value and d(output)/d(node).
* :func:`numerical_adjoints` perturbs one node's value at a time and
  re-evaluates what depends on it in plain NumPy. Where every op downstream is
  analytic it takes a complex step (no subtraction, so exact to rounding, as
  MyGrad's own tests do); otherwise a fourth-order central difference.
* :func:`reference` is the gate: it returns MyGrad's numbers only when the two
  oracles agree on every node (tolerances in ``graders.tolerances``). A case
  where they disagree is discarded, never charged to a student.
* :func:`local_derivatives` applies each op alone, with MyGrad, to values it is given
  (an engine's own), for judging an engine where its values differ from MyGrad's.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from mygrad.tensor_base import Tensor, tensor

from graders.model import ops
from graders.model.composition import Composition, Const
from graders.tolerances import (
    CENTRAL_OFFSETS,
    COMPLEX_STEP,
    GATE_CENTRAL,
    GATE_COMPLEX_STEP,
    GATE_VALUES,
    central_difference,
    central_step,
    close_elementwise,
)


@functools.cache
def mygrad_function(name: str) -> Callable[..., Tensor]:
    """The MyGrad function an op's record names (``"nnet.activations.relu"``)."""
    module, _, function = f"mygrad.{name}".rpartition(".")
    return getattr(importlib.import_module(module), function)


@dataclass(frozen=True)
class Reference:
    """Trusted numbers for one composition at one point: value and d(output)/d(node), per node."""

    values: tuple[float, ...]
    grads: tuple[float, ...]


def mygrad_reference(composition: Composition, point: Sequence[float]) -> Reference:
    """MyGrad's value and gradient of every node at one point (not gated)."""
    values, grads = _mygrad_columns(composition, _columns([point]))
    return Reference(tuple(float(v[0]) for v in values), tuple(float(g[0]) for g in grads))


def local_derivatives(
    composition: Composition, values: Sequence[float]
) -> tuple[list[float], dict[tuple[int, int], float]]:
    """Each op node applied alone by MyGrad to the values ``values`` gives its arguments
    (one per node; an op node's own is not read): the value each computes, and its
    derivative with respect to each node argument, ``{(node, position): local}``. For
    judging an engine at its own values rather than MyGrad's (not gated)."""
    outputs: list[float] = []
    locals_: dict[tuple[int, int], float] = {}
    for k in range(len(composition.inputs), composition.size):
        node = composition.node(k)
        args = [float(a.value) if isinstance(a, Const) else values[a] for a in node.args]
        tensors = [tensor(float(a)) for a in args]
        with np.errstate(all="ignore"):
            out = mygrad_function(ops.get(node.op).mygrad)(*tensors)
            out.backward()
        outputs.append(float(out.data))
        for pos, _ in node.node_args():
            grad = tensors[pos].grad
            locals_[(k, pos)] = 0.0 if grad is None else float(grad)
    return outputs, locals_


def _columns(points: Sequence[Sequence[float]]) -> list[np.ndarray]:
    """One float64 array per input, holding that input's value at every point."""
    return list(np.array([[float(v) for v in p] for p in points], dtype=np.float64).T)


def _mygrad_columns(composition: Composition, columns: list[np.ndarray]):
    """MyGrad on arrays, one element per point: every op in the catalog is elementwise, so
    one reverse pass from the sum of the outputs gives every point's gradients."""
    tensors: list = [tensor(column) for column in columns]
    for node in composition.nodes:
        args = [float(a.value) if isinstance(a, Const) else tensors[a] for a in node.args]
        with np.errstate(all="ignore"):
            tensors.append(mygrad_function(ops.get(node.op).mygrad)(*args))
    with np.errstate(all="ignore"):
        tensors[-1].backward()
    size = len(columns[0])
    values = [np.broadcast_to(np.asarray(t.data, dtype=np.float64), (size,)) for t in tensors]
    grads = [
        np.zeros(size) if t.grad is None else np.broadcast_to(np.asarray(t.grad), (size,))
        for t in tensors
    ]
    return values, grads


def numerical_adjoints(composition: Composition, point: Sequence[float]) -> list[tuple[float, str]]:
    """``(d(output)/d(node), method)`` for every node; method is ``"complex"`` or ``"central"``."""
    columns = _columns([point])
    values = composition.evaluate(columns)
    return [
        (float(adjoint[0]), method)
        for adjoint, method in (
            _adjoint(composition, columns, k, np.asarray(values[k], dtype=np.float64))
            for k in range(composition.size)
        )
    ]


def _adjoint(composition: Composition, columns, k: int, v: np.ndarray) -> tuple[np.ndarray, str]:
    """d(output)/d(node k) at every point, numerically: node k's value replaced, what
    depends on it evaluated again (arrays, one element per point)."""

    def output(value) -> np.ndarray:
        with np.errstate(all="ignore"):
            return composition.evaluate(columns, override={k: value})[-1]

    downstream = composition.downstream(k) - {k}
    if all(ops.get(composition.node(j).op).analytic for j in downstream):
        return np.imag(output(v + 1j * COMPLEX_STEP)) / COMPLEX_STEP, "complex"
    h = central_step(np.abs(v))
    f = {s: np.real(output(v + s * h)) for s in CENTRAL_OFFSETS}
    return central_difference(f, h), "central"


#: Gated references already computed, per (composition, point): the probes of a case and
#: the fixed checks of each part ask for the same ones again and again.
_CACHE: dict[tuple[Composition, tuple[float, ...]], Reference | None] = {}
_CACHE_SIZE = 1 << 16


def reference(composition: Composition, point: Sequence[float]) -> Reference | None:
    """MyGrad's numbers if the numerical oracle agrees on every node, else ``None`` (discard)."""
    return references(composition, [point])[0]


def references(
    composition: Composition, points: Sequence[Sequence[float]]
) -> list[Reference | None]:
    """:func:`reference` at every point, computed for all of them at once (both oracles
    run on arrays) and remembered."""
    keys = [(composition, tuple(float(v) for v in p)) for p in points]
    todo = list(dict.fromkeys(key[1] for key in keys if key not in _CACHE))
    if todo:
        if len(_CACHE) + len(todo) > _CACHE_SIZE:
            _CACHE.clear()
        for point, found in zip(todo, _gated_references(composition, todo), strict=True):
            _CACHE[(composition, point)] = found
    return [_CACHE[key] for key in keys]


def _gated_references(composition: Composition, points: list) -> list[Reference | None]:
    try:
        values, grads, kept = reference_arrays(composition, points)
    except (ArithmeticError, ValueError):  # one bad point spoils the batch: one at a time
        if len(points) == 1:
            return [None]
        return [_gated_references(composition, [p])[0] for p in points]
    return [reference_at((values, grads, kept), i) for i in range(len(points))]


def reference_at(arrays, i: int) -> Reference | None:
    """Point ``i``'s gated reference from ``reference_arrays``'s arrays (None: discarded)."""
    values, grads, kept = arrays
    if not kept[i]:
        return None
    return Reference(tuple(float(v) for v in values[:, i]), tuple(float(g) for g in grads[:, i]))


def reference_arrays(
    composition: Composition, points: Sequence[Sequence[float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both oracles and the gate at every point at once, not remembered: MyGrad's values
    and gradients (node by point) and which points the gate keeps. Raises
    ``ArithmeticError`` or ``ValueError`` where some point breaks an op (``references``
    then goes point by point)."""
    columns = _columns(points)
    values, grads = _mygrad_columns(composition, columns)
    plain = composition.evaluate(columns)
    kept = np.ones(len(points), dtype=bool)
    for k in range(composition.size):
        adjoint, method = _adjoint(composition, columns, k, np.asarray(plain[k], np.float64))
        tolerance = GATE_COMPLEX_STEP if method == "complex" else GATE_CENTRAL
        kept &= np.isfinite(values[k]) & np.isfinite(grads[k])
        kept &= close_elementwise(values[k], np.real(plain[k]), **GATE_VALUES)
        kept &= close_elementwise(adjoint, grads[k], **tolerance)
    return np.array(values), np.array(grads), kept
