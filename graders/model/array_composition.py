"""An array composition: a DAG of array ops over named array inputs, reduced to a scalar.

Nodes are numbered in topological order, inputs first. Every input has a shape and a box
its values are drawn from; every node's shape follows from its arguments' by the op's
record (``graders.model.array_ops``), so a composition that was built is consistent by
construction. The last two nodes are the *projection*: ``loss = sum(out * w)``, with
``w`` a fixed, non-uniform array of the output's shape (an input, the last one). Every
engine family can run ``loss.backward()`` on a scalar, and the gradient flowing into the
output is ``w``, never all ones, which would hide a transpose.

    >>> c = ArrayComposition.build([("a", (2, 3), (-2.0, 2.0))], [("sum", (0,), {"axis": [1]})])
    >>> [c.name(k) for k in range(c.size)], c.node(c.size - 1).op
    (['a', 'w', 'b', 'out_w', 'loss'], 'sum')

As Python in a course's API it is written by the tensor kind (``graders.tensor.syntax.source``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from graders.model import array_ops as ops
from graders.model.array_ops import Shape

#: A node's name: a letter while they last (every generated case), then n17, n18, ...
NODE_NAMES = tuple("bcdfghkmnpqrstuv") + tuple(f"n{k}" for k in range(17, 100))
INPUT_NAMES = tuple("axyzeij")
PROJECTION = "w"
LOSS = "loss"


def frozen(params: dict) -> tuple:
    """Params as a hashable tuple of items (lists become tuples)."""
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in params.items())
    )


@dataclass(frozen=True)
class ArrayInput:
    name: str
    shape: Shape
    #: Where its values are drawn from (elementwise).
    box: tuple[float, float] = (-2.0, 2.0)
    #: Whether its values must be distinct (a ``max`` argument: no ties).
    distinct: bool = False


@dataclass(frozen=True)
class ArrayNode:
    op: str
    args: tuple[int, ...]
    params: tuple = ()

    @property
    def p(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}


@dataclass(frozen=True)
class ArrayComposition:
    inputs: tuple[ArrayInput, ...]
    nodes: tuple[ArrayNode, ...]
    names: tuple[str, ...]

    @staticmethod
    def build(inputs: Sequence, nodes: Sequence) -> ArrayComposition:
        """A composition from ``(name, shape, box[, distinct])`` inputs and ``(op, args,
        params)`` nodes, with the projection added (``w``, then ``loss = sum(out * w)``)."""
        ins = [ArrayInput(i[0], tuple(i[1]), tuple(i[2]), *i[3:]) for i in inputs]
        made = [ArrayNode(op, tuple(args), frozen(params)) for op, args, params in nodes]
        return ArrayComposition(tuple(ins), tuple(made), NODE_NAMES[: len(made)]).projected()

    def projected(self) -> ArrayComposition:
        """This composition with ``w`` as its last input and ``loss = sum(out * w)``."""
        n = len(self.inputs)

        def shift(i: int) -> int:
            return i if i < n else i + 1

        nodes = [
            ArrayNode(node.op, tuple(shift(a) for a in node.args), node.params)
            for node in self.nodes
        ]
        out = shift(n + len(self.nodes) - 1)
        w = ArrayInput(PROJECTION, self.shapes[-1], (0.5, 3.0))
        nodes += [
            ArrayNode("mul", (out, n)),
            ArrayNode("sum", (n + 1 + len(nodes),), frozen({"axis": None})),
        ]
        names = (*self.names, "out_w", LOSS)
        return ArrayComposition((*self.inputs, w), tuple(nodes), names)

    # --- structure -----------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.inputs) + len(self.nodes)

    @property
    def graded(self) -> range:
        """The nodes a student's op made (all but the projection's two)."""
        return range(len(self.inputs), self.size - 2)

    def node(self, k: int) -> ArrayNode:
        return self.nodes[k - len(self.inputs)]

    def name(self, k: int) -> str:
        return self.inputs[k].name if k < len(self.inputs) else self.names[k - len(self.inputs)]

    @cached_property
    def shapes(self) -> tuple[Shape, ...]:
        shapes = [i.shape for i in self.inputs]
        for node in self.nodes:
            shapes.append(ops.get(node.op).shape([shapes[a] for a in node.args], node.p))
        return tuple(shapes)

    @cached_property
    def consumers(self) -> tuple[tuple[int, ...], ...]:
        """For every node, the nodes that use it (once per use)."""
        uses: list[list[int]] = [[] for _ in range(self.size)]
        for j, node in enumerate(self.nodes):
            for a in node.args:
                uses[a].append(len(self.inputs) + j)
        return tuple(tuple(u) for u in uses)

    def downstream(self, k: int) -> set[int]:
        """Node ``k`` and every node that depends on it (op nodes only: an input depends
        on nothing, and ``node(j)`` of an input would index the nodes from their end)."""
        found = {k}
        for j in range(max(k + 1, len(self.inputs)), self.size):
            if any(a in found for a in self.node(j).args):
                found.add(j)
        return found

    @property
    def ops(self) -> set[str]:
        return {self.node(k).op for k in self.graded}

    def broadcasts_implicitly(self) -> bool:
        """Whether an op of the student's is handed operands that broadcast without a
        ``broadcast_to`` node: an elementwise op's operands of different shapes, or a
        ``matmul`` whose batch dimensions differ while neither side is a plain matrix.
        A course that never broadcasts implicitly (needle, ``broadcast = "explicit"``) is
        never given such a case."""
        for k in self.graded:
            node = self.node(k)
            shapes = [self.shapes[a] for a in node.args]
            kind = ops.get(node.op).shape_rule
            if kind == "elementwise" and len(set(shapes)) > 1:
                return True
            if kind == "matmul":
                a, b = shapes
                if a[:-2] != b[:-2] and len(a) > 2 and len(b) > 2:
                    return True
        return False

    # --- numbers -------------------------------------------------------------------------

    def projection(self) -> np.ndarray:
        """``w``: fixed, non-uniform and asymmetric, so no transpose or dropped gradient
        hides behind it."""
        return projection(self.inputs[-1].shape)

    def evaluate(self, arrays: Sequence[np.ndarray], override: dict | None = None) -> list:
        """Every node's value (NumPy; complex arrays work), node ``k`` replaced by
        ``override[k]`` where given. ``arrays`` holds the inputs but ``w``."""
        values = [np.asarray(a) for a in arrays] + [self.projection()]
        values = [override.get(i, v) if override else v for i, v in enumerate(values)]
        for j, node in enumerate(self.nodes):
            k = len(self.inputs) + j
            if override and k in override:
                values.append(override[k])
                continue
            with np.errstate(all="ignore"):
                values.append(ops.get(node.op).forward([values[a] for a in node.args], node.p))
        return values

    def to_json(self) -> dict:
        return {
            "inputs": [
                {"name": i.name, "shape": list(i.shape), "box": list(i.box), "distinct": i.distinct}
                for i in self.inputs
            ],
            "names": list(self.names),
            "nodes": [{"op": n.op, "args": list(n.args), "params": n.p} for n in self.nodes],
        }

    @staticmethod
    def from_json(data: dict) -> ArrayComposition:
        return ArrayComposition(
            tuple(
                ArrayInput(i["name"], tuple(i["shape"]), tuple(i["box"]), i["distinct"])
                for i in data["inputs"]
            ),
            tuple(ArrayNode(n["op"], tuple(n["args"]), frozen(n["params"])) for n in data["nodes"]),
            tuple(data["names"]),
        )


def projection(shape: Shape) -> np.ndarray:
    """The fixed upstream pattern of a shape: values 0.5 to 3 in steps of 0.25, no two
    neighbours equal, no symmetry."""
    size = int(np.prod(shape, dtype=int))
    flat = np.array([0.5 + ((7 * i + 3) % 11) / 4 for i in range(size)], dtype=np.float64)
    return flat.reshape(shape)
