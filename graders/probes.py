"""Probes: one node of a composition rebuilt on its own, at the same argument values.

A probe separates a wrong local derivative from broken chain-rule machinery: the
isolated op has fresh leaves as arguments and nothing around it, so its leaves'
gradients are its local derivatives, full stop. The *scaled* probe multiplies the op's
output by ``UPSTREAM_SCALE`` so the gradient flowing into the op is not 1; an op that
forgets to multiply by its upstream gradient is invisible otherwise.

>>> from graders import ops
from graders.composition import Composition, Const, Node
>>> c = Composition(("x",), (Node("mul", (0, 0)), Node("pow", (1, Const(3)))), ("q", "d"))
>>> probe, point = isolated(c, 2, c.evaluate([2.0]))
>>> print(probe.source())
d = q ** 3
>>> point
[4.0]
"""

from __future__ import annotations

from collections.abc import Sequence

from graders import ops
from graders.composition import Composition, Const, Node

#: The gradient the scaled probe sends into the op under test.
UPSTREAM_SCALE = 3
#: Argument values for the capability probe of each op: fair for every op in the catalog.
PROBE_VALUES = (0.7, 1.3)
#: Where each op is checked on its own before any composition: both signs, both sides of 1,
#: so a rule wrong only for negative arguments (relu) or only above 1 cannot hide.
FIXED_VALUES = (-2.2, -1.3, -0.6, 0.3, 0.7, 1.3, 2.2)
_SHAPES = (("node", "node"), ("node", "number"), ("number", "node"))


def isolated(composition: Composition, index: int, values: Sequence[float]):
    """The node at ``index`` on fresh leaves, and the point that gives them the same values.

    Each argument position gets its own leaf, even when the node uses one node twice
    (``x * x`` becomes ``x * x2``), so each leaf's gradient is one local derivative.
    """
    node = composition.node(index)
    leaves: list[str] = []
    point: list[float] = []
    args: list = []
    for arg in node.args:
        if isinstance(arg, Const):
            args.append(arg)
            continue
        name = composition.all_names[arg]
        while name in leaves:
            name += "2"
        args.append(len(leaves))
        leaves.append(name)
        point.append(float(values[arg]))
    out_name = composition.all_names[index]
    while out_name in leaves:
        out_name += "_out"
    probe = Composition(tuple(leaves), (Node(node.op, tuple(args)),), (out_name,))
    return probe, point


def scaled(probe: Composition) -> Composition:
    """The isolated probe with its output multiplied by ``UPSTREAM_SCALE``."""
    output = probe.output
    name = "scaled"
    while name in probe.all_names:
        name += "_"
    return Composition(
        probe.inputs,
        probe.nodes + (Node("mul", (output, Const(UPSTREAM_SCALE))),),
        probe.names + (name,),
    )


def leaf_positions(composition: Composition, index: int) -> list[int]:
    """For the isolated probe of ``index``: the argument position each leaf stands for."""
    args = composition.node(index).args
    return [pos for pos, arg in enumerate(args) if not isinstance(arg, Const)]


def capability_probe(name: str) -> tuple[Composition, list[float]]:
    """One op on fresh leaves at fixed fair values: does the engine have it at all?"""
    op = ops.get(name)
    leaves: list[str] = []
    args: list = []
    for kind in op.operands:
        if kind == "number":
            args.append(Const(op.constants[0]))
        else:
            args.append(len(leaves))
            leaves.append("xy"[len(leaves)])
    composition = Composition(tuple(leaves), (Node(name, tuple(args)),), ("a",))
    return composition, list(PROBE_VALUES[: len(leaves)])


def fixed_checks(name: str):
    """``(composition, points)`` pairs checking one op alone at ``FIXED_VALUES``.

    Every way the op can be written is covered: for ``+ - * /`` two nodes, a number on the
    right and a number on the left (``__rsub__`` is a different method from ``__sub__``),
    each with a few of the op's numbers. Only fair points are kept.
    """
    op = ops.get(name)
    shapes = _SHAPES if op.operands == ("either", "either") else (op.operands,)
    for shape in shapes:
        for number in op.constants[:3] if "number" in shape else (None,):
            leaves = ("x", "y")[: shape.count("node")]
            args, leaf = [], 0
            for kind in shape:
                if kind == "number":
                    args.append(Const(number))
                else:
                    args.append(leaf)
                    leaf += 1
            composition = Composition(leaves, (Node(name, tuple(args)),), ("a",))
            if len(leaves) == 1:
                candidates = [(v,) for v in FIXED_VALUES]
            else:
                candidates = list(zip(FIXED_VALUES, FIXED_VALUES[3:] + FIXED_VALUES[:3]))
            fair = [list(p) for p in candidates if composition.fair(p)]
            if fair:
                yield composition, fair
