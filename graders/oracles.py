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
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mygrad as mg
import numpy as np

from graders import ops
from graders.composition import Composition, Const
from graders.tolerances import GATE_CENTRAL, GATE_COMPLEX_STEP, close

COMPLEX_STEP = 1e-20


@functools.cache
def mygrad_function(name: str) -> Callable[..., mg.Tensor]:
    """The MyGrad function an op's record names (``"nnet.activations.relu"``)."""
    module, _, function = f"mygrad.{name}".rpartition(".")
    return getattr(importlib.import_module(module), function)


@dataclass(frozen=True)
class Reference:
    """Trusted numbers for one composition at one point: value and d(output)/d(node), per node."""

    values: tuple[float, ...]
    grads: tuple[float, ...]


def mygrad_reference(composition: Composition, point: Sequence[float]) -> Reference:
    tensors: list = [mg.tensor(float(v)) for v in point]
    for node in composition.nodes:
        args = [float(a.value) if isinstance(a, Const) else tensors[a] for a in node.args]
        with np.errstate(all="ignore"):
            tensors.append(mygrad_function(ops.get(node.op).mygrad)(*args))
    tensors[-1].backward()
    return Reference(
        values=tuple(float(t.data) for t in tensors),
        grads=tuple(0.0 if t.grad is None else float(t.grad) for t in tensors),
    )


def numerical_adjoints(composition: Composition, point: Sequence[float]) -> list[tuple[float, str]]:
    """``(d(output)/d(node), method)`` for every node; method is ``"complex"`` or ``"central"``."""
    values = composition.evaluate(point)
    return [_adjoint(composition, point, k, float(values[k])) for k in range(composition.size)]


def _adjoint(composition: Composition, point, k: int, v: float) -> tuple[float, str]:
    def output(value) -> complex:
        return composition.evaluate(point, override={k: value})[-1]

    downstream = composition.downstream(k) - {k}
    if all(ops.get(composition.node(j).op).analytic for j in downstream):
        return float(np.imag(output(complex(v, COMPLEX_STEP)))) / COMPLEX_STEP, "complex"
    h = 7.4e-4 * max(1.0, abs(v))  # about eps**(1/5): balances truncation and rounding
    f = {s: float(output(v + s * h)) for s in (-2, -1, 1, 2)}
    return (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * h), "central"


@functools.lru_cache(maxsize=65536)
def _cached_reference(composition: Composition, point: tuple[float, ...]) -> Reference | None:
    return _gated_reference(composition, point)


def reference(composition: Composition, point: Sequence[float]) -> Reference | None:
    """MyGrad's numbers if the numerical oracle agrees on every node, else ``None`` (discard).

    Remembered per (composition, point): the probes of a case and the fixed checks of
    each part ask for the same ones again and again.
    """
    return _cached_reference(composition, tuple(float(v) for v in point))


def _gated_reference(composition: Composition, point: Sequence[float]) -> Reference | None:
    try:
        trusted = mygrad_reference(composition, point)
        numeric = numerical_adjoints(composition, point)
    except (ArithmeticError, ValueError):
        return None
    plain = composition.evaluate(point)
    for k in range(composition.size):
        if not (math.isfinite(trusted.values[k]) and math.isfinite(trusted.grads[k])):
            return None
        if not close(trusted.values[k], float(plain[k]), rtol=1e-12, atol=1e-12):
            return None
        adjoint, method = numeric[k]
        tolerance = GATE_COMPLEX_STEP if method == "complex" else GATE_CENTRAL
        if not close(adjoint, trusted.grads[k], **tolerance):
            return None
    return trusted
