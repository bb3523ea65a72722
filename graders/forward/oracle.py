"""The trusted tangents of a composition: every node's value and its derivative along a
direction of the inputs, from the scalar oracles (``graders.model.oracles``).

Forward mode carries, for each node ``k``, ``dk = sum_i d(k)/d(x_i) * dx_i``. The scalar
oracles give d(output)/d(input) gated by numerical differentiation, so each node's row of
the Jacobian is the gradient of the composition cut off at that node (:func:`prefix`,
which keeps only the nodes and inputs it depends on, so unused nodes cost nothing):
MyGrad's gradient and the complex-step or central difference both vouch for it, and a
point where they disagree for any node is discarded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graders.model.composition import Composition, Const, Node
from graders.model.oracles import reference_arrays


@dataclass(frozen=True)
class Jacobian:
    """At every point: each node's value (nodes by points), each node's gradient with
    respect to the inputs (nodes by inputs by points), and which points the gate keeps."""

    values: np.ndarray
    rows: np.ndarray
    kept: np.ndarray

    def tangents(self, directions: np.ndarray) -> np.ndarray:
        """Every node's tangent (nodes by points) for a direction per point (points by
        inputs)."""
        return np.einsum("kip,pi->kp", self.rows, directions)


def prefix(composition: Composition, index: int) -> tuple[Composition, list[int]]:
    """The composition cut off at node ``index`` (that node its output), on the inputs it
    depends on alone; and those inputs' indices."""
    n = len(composition.inputs)
    needed, used = {index}, set()
    for k in range(index, n - 1, -1):
        if k in needed:
            for _, arg in composition.node(k).node_args():
                (used if arg < n else needed).add(arg)
    kept, chosen = sorted(used), sorted(needed)
    where = {i: j for j, i in enumerate(kept)}
    where.update({k: len(kept) + j for j, k in enumerate(chosen)})
    nodes = tuple(
        Node(
            composition.node(k).op,
            tuple(a if isinstance(a, Const) else where[a] for a in composition.node(k).args),
        )
        for k in chosen
    )
    inputs = tuple(composition.inputs[i] for i in kept)
    names = tuple(composition.all_names[k] for k in chosen)
    return Composition(inputs, nodes, names), kept


def jacobian(composition: Composition, points: Sequence[Sequence[float]]) -> Jacobian:
    """Both oracles at every point for every node (see the module docstring). Raises
    ``ArithmeticError`` or ``ValueError`` where a point breaks an op."""
    n, size = len(composition.inputs), len(points)
    values = np.zeros((composition.size, size))
    rows = np.zeros((composition.size, n, size))
    kept = np.ones(size, dtype=bool)
    columns = np.array([[float(v) for v in p] for p in points], dtype=np.float64).T
    for i in range(n):
        values[i] = columns[i]
        rows[i, i] = 1.0
    for k in range(n, composition.size):
        cut, inputs = prefix(composition, k)
        cut_points = [[float(p[i]) for i in inputs] for p in points]
        node_values, grads, node_kept = reference_arrays(cut, cut_points)
        values[k] = node_values[-1]
        rows[k, inputs] = grads[: len(inputs)]
        kept &= node_kept
    return Jacobian(values, rows, kept)


def safe_jacobian(composition: Composition, points) -> Jacobian:
    """:func:`jacobian`, point by point where some point breaks an op (that point is then
    not kept)."""
    try:
        return jacobian(composition, points)
    except (ArithmeticError, ValueError):
        if len(points) == 1:
            n = len(composition.inputs)
            return Jacobian(
                np.zeros((composition.size, 1)),
                np.zeros((composition.size, n, 1)),
                np.zeros(1, dtype=bool),
            )
    parts = [safe_jacobian(composition, [p]) for p in points]
    return Jacobian(
        np.concatenate([p.values for p in parts], axis=1),
        np.concatenate([p.rows for p in parts], axis=2),
        np.concatenate([p.kept for p in parts]),
    )
