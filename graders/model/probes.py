"""Probes: one node of a composition rebuilt on its own, at the same argument values.

Every kind that grades scalar catalog ops builds them (the engine kind on a reverse-mode
engine, the forward kind on dual numbers and function transforms); the engine kind's own
machinery graphs live in ``graders.engine.probes``.

A probe separates a wrong local derivative from broken chain-rule machinery: the
isolated op has fresh leaves as arguments and nothing around it, so its leaves'
gradients are its local derivatives, full stop. The *scaled* probe puts one more op, a
:class:`Scaler`, on the op's output so the gradient flowing into the op is not 1; an op
that forgets to multiply by its upstream gradient is invisible otherwise. The scaler is
not taken on trust: the grader picks the first of :data:`SCALERS` the engine gets right
on its own (``out * 3`` needs a right ``*`` with a number; ``out * s``, ``3 * out``,
``-out``, ``out / 0.5``, ``out + out`` or ``out ** 2`` stand in where it is not), so the gradient
flowing in is the trusted one, never a number the student's own ``*`` made up.

>>> from graders.model.composition import Composition, Const, Node
>>> c = Composition(("x",), (Node("mul", (0, 0)), Node("pow", (1, Const(3)))), ("q", "d"))
>>> probe, point = isolated(c, 2, c.evaluate([2.0]))
>>> print(probe.source())
d = q ** 3
>>> point
[4.0]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from graders.model import ops
from graders.model.composition import Composition, Const, Node

#: The gradient the first scaler sends into the op under test.
UPSTREAM_SCALE = 3
#: Argument values for the capability probe of each op: fair for every op in the catalog.
PROBE_VALUES = (0.7, 1.3)
#: Where each op is checked on its own before any composition: both signs, both sides of 1,
#: small and large magnitudes out to the widest bound an op allows (``exp`` to 9,
#: ``tanh``/``sigmoid`` to 28, ``sin``/``cos`` and arithmetic out to 9000, near the bound
#: on every node's size), and values just inside each margin (``relu`` at 0.02, ``log``
#: at 0.06). A rule wrong only for negative arguments, only far from 0 or only near a margin
#: cannot hide; each op keeps the values that are fair for it.
FIXED_VALUES = tuple(
    sorted(
        {
            sign * magnitude
            for magnitude in (
                0.02,
                0.06,
                0.3,
                0.7,
                1.19,
                1.3,
                2.2,
                3.5,
                5.0,
                8.5,
                12.0,
                20.0,
                28.0,
                60.0,
                500.0,
                9000.0,
            )
            for sign in (-1, 1)
        }
    )
)
#: The ways an op of two operands, either a node or a number, can be written.
SHAPES = (("node", "node"), ("node", "number"), ("number", "node"))
#: At most this many fixed points per composition (one worker round trip each).
_MOST_POINTS = 40


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


@dataclass(frozen=True)
class Scaler:
    """One op put on a probe's output to send a gradient other than 1 into it.

    ``args`` holds ``OUT`` (the probe's output), numbers (``Const``) and at most one
    ``LEAF`` (a fresh leaf holding ``leaf_value``).
    """

    op: str
    args: tuple

    def text(self, out: str = "t") -> str:
        """How it reads on a node ``t``: ``t * 3``."""
        names = [out if a == OUT else "s" if a == LEAF else a for a in self.args]
        return ops.get(self.op).write(
            [n if isinstance(n, str) else ops.number_text(n.value) for n in names]
        )


OUT, LEAF = "out", "leaf"
#: The value of a scaler's own leaf (``out * s``).
LEAF_VALUE = 3.0
#: Scalers, preferred first; each sends a gradient far from 1 and is defined everywhere.
SCALERS = (
    Scaler("mul", (OUT, Const(UPSTREAM_SCALE))),
    Scaler("mul", (OUT, LEAF)),
    Scaler("mul", (Const(UPSTREAM_SCALE), OUT)),
    Scaler("neg", (OUT,)),
    Scaler("div", (OUT, Const(0.5))),
    # The output used twice: any engine with a right ``+`` sends 2 into the op under test
    # (checked alone, where ``+`` itself gets the seed 1, so its own upstream step does
    # not matter), so an engine with no ``*``, ``-`` or ``/`` still has its ops verified.
    Scaler("add", (OUT, OUT)),
    # An engine of one-input functions only (DeZero's step 9: square and exp): the square
    # of the output sends 2 * out into the op under test (1 only where out = 0.5, and
    # there a dropped upstream gradient is not charged, as it cannot show).
    Scaler("pow", (OUT, Const(2))),
)
#: Where a scaler is checked on its own leaf before it is used.
_SCALER_POINTS = ((0.7,), (-1.3,), (2.2,))


def scaler_checks():
    """``(scaler, composition, points)``: each scaler alone on a leaf ``t``; the grader
    uses the first whose value and gradients are right at every point."""
    for scaler in SCALERS:
        probe = Composition(("t",), (), ())
        composition, extra = scaled(probe, scaler)
        yield scaler, composition, [list(p) + extra for p in _SCALER_POINTS]


def scaled(probe: Composition, scaler: Scaler = SCALERS[0]) -> tuple[Composition, list[float]]:
    """The probe with ``scaler`` on its output, and the values of any leaf it adds (to
    append to the probe's point). The probe's own leaves keep their indices."""
    output = probe.output
    inputs = probe.inputs
    extra: list[float] = []
    if LEAF in scaler.args:
        name = "s"
        while name in probe.all_names:
            name += "_"
        inputs = inputs + (name,)
        extra = [LEAF_VALUE]
    shift = len(inputs) - len(probe.inputs)

    def moved(arg):
        if isinstance(arg, Const) or arg < len(probe.inputs):
            return arg
        return arg + shift

    nodes = tuple(Node(n.op, tuple(moved(a) for a in n.args)) for n in probe.nodes)
    args = tuple(
        moved(output) if a == OUT else len(probe.inputs) if a == LEAF else a for a in scaler.args
    )
    name = "scaled"
    while name in probe.all_names:
        name += "_"
    composition = Composition(inputs, nodes + (Node(scaler.op, args),), probe.names + (name,))
    return composition, extra


def form(node: Node) -> tuple[str, ...]:
    """How a node is written: ``("node", "number")`` for ``x + 2``, one word per argument."""
    return tuple("number" if isinstance(a, Const) else "node" for a in node.args)


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


@functools.cache
def fixed_checks(name: str, most: int | None = None) -> tuple:
    """``(composition, points)`` pairs checking one op alone at ``FIXED_VALUES``.

    Every way the op can be written is covered: for ``+ - * /`` two nodes, a number on the
    right and a number on the left (``__rsub__`` is a different method from ``__sub__``),
    each with a few of the op's numbers. Only fair points are kept, at most ``most``.
    The same every time, so worked out once (do not change the lists).
    """
    return tuple(_fixed_checks(name, most))


def _operands(shape: Sequence[str], number: float | None) -> tuple[int | Const, ...]:
    """One way of writing an op: its leaves in order, and ``number`` where the shape has
    a number (given only for a shape that has one)."""
    leaves = iter(range(len(shape)))
    return tuple(
        Const(number) if kind == "number" and number is not None else next(leaves) for kind in shape
    )


def _fixed_checks(name: str, most: int | None):
    op = ops.get(name)
    shapes = SHAPES if op.operands == ("either", "either") else (op.operands,)
    for shape in shapes:
        for number in op.constants[:3] if "number" in shape else (None,):
            leaves = ("x", "y")[: shape.count("node")]
            composition = Composition(leaves, (Node(name, _operands(shape, number)),), ("a",))
            if len(leaves) == 1:
                candidates = [(v,) for v in FIXED_VALUES]
            else:  # each value against a neighbour and two from elsewhere in the list
                candidates = [
                    pair
                    for turn in (1, 9, 17)
                    for pair in zip(FIXED_VALUES, FIXED_VALUES[turn:] + FIXED_VALUES[:turn])
                ]
            fair = [list(p) for p in candidates if composition.fair(p)]
            if most is None:
                fair = fair[:_MOST_POINTS]
            else:  # a screen: the most readable points, where every derivative is far from 0
                fair = sorted(fair, key=readability)[:most]
            fair.sort(key=readability)  # the first point that fails is the one reported
            if fair:
                yield composition, fair


def readability(point: list[float]) -> float:
    """How far a point is from the numbers a student reads at a glance (about 1): a
    reproducer at x = 0.7 teaches more than one at x = -9000."""
    return sum(abs(abs(v) - 1.0) for v in point)
