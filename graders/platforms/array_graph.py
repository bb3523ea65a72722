"""An array finding's case as a graph to draw (``graph_drawing``), as a scalar one is.

An array finding's ``case`` (``graders.tensor.where.case``) holds the composition
(``ArrayComposition.to_json()``), every input's numbers and, when the grader gave it, the
student's API. :class:`ArrayGraph` shows that composition with what ``graph_drawing``
reads of a scalar one (names, nodes and their arguments, consumers), and each box's text:
the node as the student writes it and its shape. :func:`highlight` marks what the finding
is about: the edge into the op for a gradient it passes back wrong (``local-derivative``,
``upstream``, ``unbroadcast``, ``shape``), the op's node for a value (``forward``, a value
in the wrong shape). The numbers are in the finding's text, not in the boxes: arrays do
not fit in one.
"""

from __future__ import annotations

from dataclasses import dataclass

from graders.model.array_composition import ArrayComposition
from graders.presets import Preset, resolve

#: Steps about the gradient an op passes back to an argument: drawn on that edge.
GRADIENT_STEPS = ("local-derivative", "upstream", "unbroadcast", "shape")


def drawable(case) -> bool:
    return isinstance(case, dict) and isinstance(case.get("array_composition"), dict)


@dataclass(frozen=True)
class _Node:
    op: str
    args: tuple[int, ...]

    def node_args(self):
        return list(enumerate(self.args))


class ArrayGraph:
    """An ``ArrayComposition`` as ``graph_drawing`` reads a ``Composition``."""

    def __init__(self, case: dict):
        self.composition = ArrayComposition.from_json(case["array_composition"])
        self.api = case_api(case)
        self.inputs = tuple(i.name for i in self.composition.inputs)
        self.size = self.composition.size
        self.all_names = [self.composition.name(k) for k in range(self.size)]
        self.consumers = [[] for _ in range(self.size)]
        for k in range(len(self.inputs), self.size):
            for position, arg in enumerate(self.composition.node(k).args):
                self.consumers[arg].append((k, position))

    def node(self, k: int) -> _Node:
        node = self.composition.node(k)
        return _Node(node.op, tuple(node.args))

    def box_lines(self, k: int) -> list[str]:
        """A box's text: the node as the student writes it, and its shape."""
        from graders.tensor.syntax import write

        shape = f"shape {tuple(self.composition.shapes[k])}"
        name = self.all_names[k]
        if k < len(self.inputs):
            return [name, shape]
        node = self.composition.node(k)
        args = [self.all_names[a] for a in node.args]
        return [f"{name} = {write(node.op, args, node.p, self.api)}", shape]

    def at_op(self, op: str | None) -> int | None:
        """The first node that applies ``op`` (the finding's: a one-op case has one)."""
        return next(
            (k for k in range(len(self.inputs), self.size) if self.composition.node(k).op == op),
            None,
        )


def highlight(finding: dict, graph: ArrayGraph, highlight_class):
    """What the finding points at, as ``graph_drawing.Highlight``: the edge from the
    argument into the op (its gradient is wrong), or the op's node (its value is)."""
    step, op = finding.get("step"), finding.get("op")
    at = graph.at_op(op)
    if at is None:
        return highlight_class(None)
    args = graph.composition.node(at).args
    argument = finding.get("argument")
    if step in GRADIENT_STEPS and (argument is None or 0 <= argument < len(args)):
        position = argument if argument is not None else 0
        label = f"{step} of {op}" if step == "local-derivative" else f"{step} into {op}"
        if finding.get("argument_name") and step != "upstream":
            label += f" ({finding['argument_name']})"
        return highlight_class(args[position], {(args[position], at, position): label})
    return highlight_class(at, node_label=f"{step} of {op}")


def case_api(case: dict) -> Preset | None:
    """The student API a case (scalar or array) was built with (None: MyGrad's, the
    catalog's form)."""
    try:
        found = resolve(case["api"]) if isinstance(case.get("api"), dict) else None
    except ValueError:
        return None
    return found if isinstance(found, Preset) else None
