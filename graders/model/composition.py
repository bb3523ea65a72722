"""A composition: a DAG of catalog ops over named inputs and numbers.

Nodes are numbered in topological order: the inputs first, then one node per
op application; the last node is the output. An argument is either the index
of an earlier node or a :class:`Const`. The same node may appear as both
arguments (``x * x``) and may feed any number of later nodes.

A composition prints as the Python a student would write, one op per line::

    >>> from graders.model.composition import Composition, Node, Const
    >>> c = Composition(("x", "y"), (Node("pow", (0, Const(2))), Node("mul", (1, 2))), ("a", "p"))
    >>> print(c.source())
    a = x ** 2
    p = y * a
    >>> print(c.evaluate([3.0, 1.0])[-1])
    9.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from graders.intervals import Interval
from graders.model import ops
from graders.tolerances import MAGNITUDE_BOUND


@dataclass(frozen=True)
class Const:
    """A number written into the composition, e.g. the 2 in ``2 - x``."""

    value: float


Arg = int | Const


@dataclass(frozen=True)
class Node:
    """One application of a catalog op to earlier nodes (by index) and numbers."""

    op: str
    args: tuple[Arg, ...]

    def node_args(self) -> list[tuple[int, int]]:
        """``(position, node index)`` for each argument that is a node."""
        return [(pos, a) for pos, a in enumerate(self.args) if not isinstance(a, Const)]


@dataclass(frozen=True)
class Composition:
    inputs: tuple[str, ...]
    nodes: tuple[Node, ...]
    names: tuple[str, ...]
    #: Where each input may be drawn from; every point inside is fair (see ``strategies``).
    boxes: tuple[Interval, ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if len(self.names) != len(self.nodes):
            raise ValueError("a composition needs one name per node")
        for k, node in enumerate(self.nodes):
            op = ops.get(node.op)
            if len(node.args) != op.arity:
                raise ValueError(f"{node.op} takes {op.arity} arguments, got {len(node.args)}")
            for pos, arg in enumerate(node.args):
                if not isinstance(arg, Const) and not 0 <= arg < len(self.inputs) + k:
                    raise ValueError(f"node {self.names[k]!r} refers to a later node")
                wanted = op.operands[pos]
                if (wanted == "number") != isinstance(arg, Const) and wanted != "either":
                    raise ValueError(f"{node.op} needs a {wanted} as {op.arg_names[pos]}")

    def __hash__(self) -> int:
        """Computed once: compositions key the oracles' cache, asked many times a case."""
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.inputs, self.nodes, self.names))
            self.__dict__["_hash"] = cached
        return cached

    # --- structure ---------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of nodes, inputs included."""
        return len(self.inputs) + len(self.nodes)

    @property
    def all_names(self) -> tuple[str, ...]:
        return self.inputs + self.names

    @property
    def output(self) -> int:
        return self.size - 1

    def node(self, index: int) -> Node:
        """The op node at a global index (inputs come first and have no node)."""
        return self.nodes[index - len(self.inputs)]

    @cached_property
    def consumers(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """For each node, the ``(consumer index, argument position)`` pairs that use it."""
        uses: list[list[tuple[int, int]]] = [[] for _ in range(self.size)]
        for k, node in enumerate(self.nodes, start=len(self.inputs)):
            for pos, arg in node.node_args():
                uses[arg].append((k, pos))
        return tuple(tuple(u) for u in uses)

    def downstream(self, index: int) -> set[int]:
        """The nodes whose value depends on ``index`` (itself included)."""
        found = {index}
        for k in range(index + 1, self.size):
            if any(arg in found for _, arg in self.node(k).node_args()):
                found.add(k)
        return found

    # --- printing ----------------------------------------------------------

    def arg_text(self, arg: Arg) -> str:
        return ops.number_text(arg.value) if isinstance(arg, Const) else self.all_names[arg]

    def expression(self, index: int) -> str:
        """The right-hand side of a node as the student writes it, e.g. ``y * a``."""
        node = self.node(index)
        return ops.get(node.op).write([self.arg_text(a) for a in node.args])

    def line(self, index: int) -> str:
        return f"{self.all_names[index]} = {self.expression(index)}"

    def source(self) -> str:
        return "\n".join(self.line(k) for k in range(len(self.inputs), self.size))

    def __str__(self) -> str:
        return self.source()

    # --- evaluation --------------------------------------------------------

    def evaluate(self, point: Sequence, override: Mapping[int, Any] | None = None) -> list:
        """Every node's value at ``point`` in plain NumPy, inputs first (numbers, or arrays:
        one element per point).

        ``override`` replaces chosen nodes' values (the numerical oracle perturbs one node
        and re-evaluates what depends on it). Complex numbers flow through analytic ops.
        """
        override = dict(override or {})
        values: list = [override.get(i, _scalar(v)) for i, v in enumerate(point)]
        for k, node in enumerate(self.nodes, start=len(self.inputs)):
            if k in override:
                values.append(override[k])
                continue
            args = [_scalar(a.value) if isinstance(a, Const) else values[a] for a in node.args]
            with np.errstate(all="ignore"):
                values.append(ops.get(node.op).forward(*args))
        return values

    def argument_values(self, values: Sequence[float], index: int) -> list[float]:
        """The values a node's op receives, numbers included."""
        return [a.value if isinstance(a, Const) else values[a] for a in self.node(index).args]

    def fair(self, point: Sequence[float]) -> bool:
        """Is every node finite, moderate, and safely inside its op's domain at ``point``?"""
        if len(point) != len(self.inputs):
            return False
        values = self.evaluate(point)
        if not all(math.isfinite(v) and abs(v) <= MAGNITUDE_BOUND for v in map(float, values)):
            return False
        return all(
            ops.get(self.node(k).op).fair_at([float(v) for v in self.argument_values(values, k)])
            for k in range(len(self.inputs), self.size)
        )

    # --- plain data (what crosses to the student's worker) -------------------

    def to_json(self) -> dict:
        return {
            "inputs": list(self.inputs),
            "names": list(self.names),
            "nodes": [
                {
                    "op": n.op,
                    "syntax": ops.get(n.op).syntax,
                    "args": [{"const": a.value} if isinstance(a, Const) else a for a in n.args],
                }
                for n in self.nodes
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Composition:
        nodes = tuple(
            Node(n["op"], tuple(Const(a["const"]) if isinstance(a, dict) else a for a in n["args"]))
            for n in data["nodes"]
        )
        return cls(tuple(data["inputs"]), nodes, tuple(data["names"]))


def size_problem(min_ops: object, max_ops: object, sharing: object) -> str | None:
    """What is wrong with a composition size and sharing, or None: one rule for
    ``strategies.compositions()`` and assignment.toml alike."""
    if not (isinstance(max_ops, int) and max_ops >= 1):
        return f"max_ops={max_ops!r} must be a positive integer"
    if not (isinstance(min_ops, int) and 1 <= min_ops <= max_ops):
        return f"min_ops={min_ops!r} must be an integer from 1 to max_ops"
    if not (isinstance(sharing, int | float) and 0.0 <= sharing <= 1.0):
        return f"sharing={sharing!r} must be between 0 and 1"
    return None


def _scalar(value):
    return value if isinstance(value, complex) else np.float64(value)
