"""The oracles of one composition at many points at once: its inputs stacked.

Grading checks each composition at several points, and the numerical gate takes a
directional derivative per node and direction (four evaluations each where a central
difference is needed). Run one point at a time, that is hundreds of NumPy calls on
arrays of a few elements, and the time goes to Python, not to arithmetic. Here the
points (and, for the gate, the directions and the difference's steps) are stacked along
a new leading axis, the *batch*: :func:`stacked` rewrites the composition so that every
node carries that axis and no op mixes two batch entries (reductions and transposes
shift their axes past it, an argument of fewer dimensions is reshaped to line up before
an op broadcasts it). One MyGrad graph and one evaluation per node then serve every
point, and each point gets the very numbers, and the very verdict of the gate, that
``array_oracles.reference`` gives it alone (its tests compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from graders.model import array_ops as ops
from graders.model import array_oracles as oracles
from graders.model.array_composition import (
    ArrayComposition,
    ArrayInput,
    ArrayNode,
    frozen,
    projection,
)
from graders.tolerances import (
    CENTRAL_OFFSETS,
    COMPLEX_STEP,
    GATE_VALUES,
    central_difference,
    central_step,
    close_elementwise,
    gate_agrees,
)


@dataclass(frozen=True)
class Stacked(ArrayComposition):
    """A composition whose every node has a leading batch axis (see :func:`stacked`)."""

    #: Where each node of the original composition is in this one.
    index: tuple[int, ...] = ()
    #: The original output's shape: ``w`` is its projection, the same for every entry.
    out_shape: tuple[int, ...] = ()

    def projection(self) -> np.ndarray:
        return np.array(np.broadcast_to(projection(self.out_shape), self.inputs[-1].shape))


@lru_cache(maxsize=256)
def stacked(composition: ArrayComposition, batch: int) -> Stacked:
    """``composition`` on ``batch`` entries at once, entry ``i`` of every node being that
    node at the ``i``-th entry's inputs."""
    inputs = [ArrayInput(i.name, (batch, *i.shape), i.box, i.distinct) for i in composition.inputs]
    shapes = composition.shapes
    index = list(range(len(inputs)))
    nodes: list[ArrayNode] = []
    names: list[str] = []

    def add(op: str, args, params: dict, name: str) -> int:
        nodes.append(ArrayNode(op, tuple(args), frozen(params)))
        names.append(name)
        return len(inputs) + len(nodes) - 1

    def lined_up(a: int, ndim: int) -> int:
        """Node ``a`` (original index) with ones in front up to ``ndim`` dimensions."""
        shape = shapes[a]
        if len(shape) == ndim:
            return index[a]
        padded = [batch, *([1] * (ndim - len(shape))), *shape]
        return add("reshape", [index[a]], {"shape": padded}, f"_{composition.name(a)}")

    for k in range(len(composition.inputs), composition.size):
        node, out = composition.node(k), shapes[k]
        op, p = ops.get(node.op), node.p
        ndim = len(shapes[node.args[0]])
        if op.shape_rule == "reduction":
            axes = range(ndim) if p.get("axis") is None else (a % ndim for a in p["axis"])
            p = {**p, "axis": [a + 1 for a in axes]}
        elif node.op == "transpose":
            p = {**p, "axes": [0, *(a % ndim + 1 for a in p["axes"])]}
        elif node.op in ("reshape", "broadcast_to"):
            p = {**p, "shape": [batch, *p["shape"]]}
        if op.shape_rule in ("elementwise", "matmul") or node.op == "broadcast_to":
            full = max(len(shapes[a]) for a in node.args) if op.shape_rule != "shape" else len(out)
            args = [lined_up(a, full) for a in node.args]
        else:
            args = [index[a] for a in node.args]
        index.append(add(node.op, args, p, composition.name(k)))
    return Stacked(
        tuple(inputs),
        tuple(nodes),
        tuple(names),
        index=tuple(index),
        out_shape=composition.inputs[-1].shape,
    )


def references(
    composition: ArrayComposition, points: Sequence[Sequence[np.ndarray]]
) -> list[oracles.ArrayReference | None]:
    """``array_oracles.reference`` of each point: MyGrad's numbers where the numerical
    oracle agrees on every node, else None (the point is discarded). A point seen before
    (Hypothesis replays its cases) is not worked out again."""
    keys = [(composition, *(np.asarray(a, dtype=np.float64).tobytes() for a in p)) for p in points]
    new = {key: p for key, p in zip(keys, points) if key not in _CACHE}
    if len(_CACHE) + len(new) > _CACHE_SIZE:
        _CACHE.clear()
        new = dict(zip(keys, points))
    _CACHE.update(zip(new, _worked_out(composition, list(new.values()))))
    return [_CACHE[key] for key in keys]


_CACHE: dict[tuple, oracles.ArrayReference | None] = {}
_CACHE_SIZE = 1 << 12


def _worked_out(composition: ArrayComposition, points: list) -> list:
    if len(points) < 2:
        return [oracles.reference(composition, p) for p in points]
    try:
        arrays = [
            np.stack([np.asarray(p[i], dtype=np.float64) for p in points])
            for i in range(len(points[0]))
        ]
        found = oracles.mygrad_reference(stacked(composition, len(points)), arrays)
        kept = _agrees(composition, arrays, found)
    except (ArithmeticError, ValueError):
        return [oracles.reference(composition, p) for p in points]
    return [_entry(composition, found, i) if ok else None for i, ok in enumerate(kept)]


def _entry(composition: ArrayComposition, found, i: int) -> oracles.ArrayReference:
    """Entry ``i`` of stacked numbers, as ``mygrad_reference`` gives them for that point."""
    big = stacked(composition, len(found.values[0]))
    values = [found.values[j][i] for j in big.index[:-1]]
    grads = [found.grads[j][i] for j in big.index[:-1]]
    return oracles.ArrayReference((*values, np.array(np.sum(values[-1]))), (*grads, np.array(1.0)))


def _agrees(composition: ArrayComposition, arrays: list, found) -> np.ndarray:
    """Per entry, whether ``oracles.numerically_agrees`` holds: every node's value is
    NumPy's, and its gradient projected on ``DIRECTIONS`` random directions (the same as
    there: one generator per node) is the numerical directional derivative of the loss.
    Each node takes one evaluation, of the nodes downstream of it only, over every entry,
    direction and step."""
    n = len(arrays[0])
    big = stacked(composition, n)
    plain = big.evaluate(arrays)
    kept = np.ones(n, dtype=bool)
    for k in range(composition.size - 1):  # the loss: its own derivative is 1, exactly
        j = big.index[k]
        value, grad = found.values[j], found.grads[j]
        kept &= _rows(np.isfinite(value) & np.isfinite(grad))
        kept &= _rows(close_elementwise(value, plain[j], **GATE_VALUES))
        downstream = composition.downstream(k)
        analytic = all(ops.get(composition.node(m).op).analytic for m in downstream - {k})
        rng = np.random.default_rng(1000 + k)
        directions = np.stack(
            [rng.standard_normal(composition.shapes[k]) for _ in range(oracles.DIRECTIONS)]
        )
        exact = _per_entry(grad[:, None] * directions)  # (entries, directions)
        scale = _per_entry(np.abs(grad[:, None] * directions))
        numeric = _directional(composition, plain, k, directions, analytic)
        kept &= np.all(gate_agrees(numeric, exact, scale, analytic=analytic), axis=1)
    return kept


def _directional(composition, plain: list, k: int, directions, analytic: bool) -> np.ndarray:
    """d(loss)/d(node k) along each direction, per entry: ``(entries, directions)``."""
    n, d = len(plain[0]), len(directions)
    steps = (1j * COMPLEX_STEP,) if analytic else CENTRAL_OFFSETS
    big = stacked(composition, n)
    value = plain[big.index[k]]
    if analytic:
        h = np.ones(n)
    else:
        h = central_step(np.max(np.abs(value).reshape(n, -1), axis=1, initial=0.0))
    # entries x steps x directions, flattened into one batch
    shift = np.stack([s * d_ for s in steps for d_ in directions])  # (s*d, *shape)
    h_ = h.reshape(n, 1, *([1] * (value.ndim - 1)))
    perturbed = (value[:, None] + h_ * shift[None]).reshape(n * len(shift), *value.shape[1:])
    wide = stacked(composition, n * len(shift))
    downstream = composition.downstream(k)
    # every node the perturbation cannot reach is left as it was (None: never read)
    override = {
        wide.index[m]: np.repeat(plain[big.index[m]], len(shift), axis=0)
        if any(c in downstream for c in composition.consumers[m])
        else None
        for m in range(composition.size)
        if m not in downstream
    }
    override[wide.index[k]] = perturbed
    _skip_unread_line_ups(wide, override)
    with np.errstate(all="ignore"):
        out_w = wide.evaluate(_inputs(wide, override), override=override)[wide.index[-2]]
    loss = _per_entry(out_w.reshape(n, len(shift), *out_w.shape[1:]))  # (n, s*d)
    loss = loss.reshape(n, len(steps), d)
    if analytic:
        return np.imag(loss[:, 0]) / COMPLEX_STEP
    f = {s: np.real(loss[:, i]) for i, s in enumerate(CENTRAL_OFFSETS)}
    return central_difference(f, h[:, None])


def _skip_unread_line_ups(wide: Stacked, override: dict) -> None:
    """Leave unevaluated (None) the reshapes ``stacked`` added to line up a node that is
    itself never read: evaluated, they would reshape None and raise, and the whole
    composition would fall back to one point at a time (``_worked_out``)."""
    added = set(range(len(wide.inputs), wide.size)) - set(wide.index)
    for j in sorted(added):
        if all(a in override and override[a] is None for a in wide.node(j).args):
            override[j] = None


def _inputs(wide: Stacked, override: dict) -> list:
    """The inputs but ``w`` for an evaluation whose every input is overridden."""
    return [override[i] for i in range(len(wide.inputs) - 1)]


def _rows(mask: np.ndarray) -> np.ndarray:
    return np.asarray(mask.reshape(len(mask), -1).all(axis=1))  # an array, as typed


def _per_entry(values: np.ndarray) -> np.ndarray:
    """Sum over every axis but the first two (entries x directions), or but the first."""
    return values.reshape(*values.shape[:2], -1).sum(axis=-1) if values.ndim > 2 else values
