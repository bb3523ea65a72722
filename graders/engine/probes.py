"""Probes: one node of a composition rebuilt on its own, at the same argument values.

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
from collections.abc import Mapping, Sequence
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
_SHAPES = (("node", "node"), ("node", "number"), ("number", "node"))
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
    shapes = _SHAPES if op.operands == ("either", "either") else (op.operands,)
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
                fair = sorted(fair, key=_readability)[:most]
            fair.sort(key=_readability)  # the first point that fails is the one reported
            if fair:
                yield composition, fair


#: Small graphs on which a wrong reverse pass shows, checked before any search, each as
#: (inputs, nodes). A node is (role, argument indices): ``B`` a binary op on two nodes,
#: ``U`` and ``V`` unary ops. They cover a node used twice by one op (a leaf, and an
#: intermediate: an overwrite there cannot pass for a wrong order, even when only the
#: inputs' gradients are read), a node used at two depths (a preorder or breadth-first
#: traversal hands it on too early), a diamond, a node with three consumers, and both
#: argument orders of each (a traversal may depend on it).
MACHINERY_SHAPES: tuple[tuple[int, tuple[tuple, ...]], ...] = (
    (1, (("B", 0, 0),)),
    (1, (("U", 0), ("B", 1, 1))),
    (1, (("U", 0), ("B", 0, 1))),
    (1, (("U", 0), ("B", 1, 0))),
    (1, (("U", 0), ("U", 1), ("B", 1, 2))),
    (1, (("U", 0), ("U", 1), ("B", 2, 1))),
    (1, (("U", 0), ("U", 1), ("U", 2), ("B", 1, 3))),
    (1, (("U", 0), ("U", 1), ("U", 2), ("B", 3, 1))),
    (1, (("U", 0), ("V", 0), ("B", 1, 2))),
    (2, (("B", 0, 1), ("U", 2), ("B", 2, 3), ("B", 4, 2))),
)


def _deep_shape(levels: int) -> tuple[int, tuple[tuple, ...]]:
    """A graph deeper and larger than any a search draws: ``levels`` times a unary op of
    the last node and a binary op of that and the node before it, so every node has two
    consumers at two depths. A reverse pass that fails only past some size or depth (a
    recursion limit, a fixed-size buffer, ``if len(order) > 12: raise``) fails here at
    every seed, where generated compositions reach that size at some seeds only."""
    shape: list[tuple] = [("U", 0)]
    before, last = 1, 2  # indices: the inputs are 0 and 1, nodes count on from 2
    for _ in range(levels):
        shape.append(("U", last))
        shape.append(("B", 2 + len(shape) - 1, before))
        before, last = last, 2 + len(shape) - 1
    return 2, tuple(shape)


#: The deep graph of the machinery checks: 61 nodes, 61 levels (twice the largest search).
DEEP_SHAPE = _deep_shape(30)
MACHINERY_SHAPES = (*MACHINERY_SHAPES, DEEP_SHAPE)
#: The machinery shapes on which an overwrite fails and no wrong order can: a node used
#: twice by one op (its two contributions come from one backward, in one step).
OVERWRITE_SHAPES = MACHINERY_SHAPES[:2]
#: Unary ops preferred for the machinery checks: defined everywhere, derivatives far from 0.
_MACHINERY_UNARY = ("sin", "tanh", "exp", "neg", "sigmoid", "cos", "relu", "sqrt", "log", "tan")
_MACHINERY_BINARY = ("mul", "add", "sub", "div", "pow_var")
#: Where the machinery checks run: moderate values, so every contribution to a shared
#: node is far from 0 and a missing one shows.
_MACHINERY_POINTS = ((0.7, 1.3), (1.3, -0.7), (-0.6, 0.4), (2.2, 0.3), (0.4, 0.9))


#: Where each op's own backward is checked for an overwrite: moderate values inside every
#: op's domain, far from every kink, each argument's contribution far from 0.
_SHARED_POINTS = ((0.7, 1.3), (1.3, 0.4), (0.4, 0.9), (2.2, 0.6))


def shared_input_checks(name: str, helper: str, forms: Sequence[tuple[str, ...]] | None = None):
    """``(composition, points)`` pairs checking one op's own backward for an overwrite
    (``=`` for ``+=``): in each of its forms, every leaf the op uses is used again by
    ``helper`` (``add``, say) downstream, ``cos(x) + x``, ``(x / y + x) + y``, ``2 ** x + x``.
    The helper is handled first by any reverse pass (it is nearer the output), so only
    the op's own backward can overwrite what the leaf got, and leaves pass nothing on, so
    no traversal order can change what they get: a wrong leaf gradient, every op right
    alone, is that op's overwrite."""
    op = ops.get(name)
    shapes = _SHAPES if op.operands == ("either", "either") else (op.operands,)
    for shape in shapes if forms is None else [s for s in shapes if s in forms]:
        args, leaves = [], []
        for kind in shape:
            if kind == "number":
                args.append(Const(op.constants[0]))
            else:
                args.append(len(leaves))
                leaves.append("xy"[len(leaves)])
        nodes = [Node(name, tuple(args))]
        for leaf in range(len(leaves)):
            nodes.append(Node(helper, (len(leaves) + len(nodes) - 1, leaf)))
        composition = Composition(tuple(leaves), tuple(nodes), tuple("abc"[: len(nodes)]))
        candidates = [list(p[: len(leaves)]) for p in _SHARED_POINTS]
        fair = [p for p in candidates if composition.fair(p)][:2]
        if fair:
            yield composition, fair


def overwrite_checks(available: Sequence[str], broken_forms: Mapping[str, set] = {}):
    """``machinery_checks`` on :data:`OVERWRITE_SHAPES` only."""
    return machinery_checks(available, broken_forms, OVERWRITE_SHAPES)


def machinery_roles(
    available: Sequence[str], broken_forms: Mapping[str, set] = {}
) -> tuple[list[str], list[tuple]]:
    """``(binary, unary)``: up to two binary ops taking two nodes, and up to two unary
    roles (``("sin",)``, or a binary op with a number, ``("mul", Const(2))``, when the
    engine has no unary op that works), from the ops that work in those forms."""

    def works(op: str, shape: tuple) -> bool:
        return op in available and shape not in broken_forms.get(op, ())

    binary = [op for op in _MACHINERY_BINARY if works(op, ("node", "node"))][:2]
    unary: list[tuple] = [(op,) for op in _MACHINERY_UNARY if works(op, ("node",))][:2]
    if not unary:
        unary = [(op, Const(2)) for op in ("mul", "add", "pow") if works(op, ("node", "number"))]
    return binary, unary[:2]


def machinery_checks(
    available: Sequence[str],
    broken_forms: Mapping[str, set] = {},
    shapes: Sequence[tuple[int, tuple[tuple, ...]]] | None = None,
):
    """``(composition, points)`` pairs checking the reverse pass with the ops that work.

    Every shape of :data:`MACHINERY_SHAPES` is built with each of up to two binary ops and
    two unary ops from ``available`` (a binary op with a number stands in for a unary one
    when there is none), at the first two of ``_MACHINERY_POINTS`` that are fair for it.
    An op is used only in a form that is not in ``broken_forms`` (``x + 2`` may fail where
    ``x + y`` works).
    """

    binary, unary = machinery_roles(available, broken_forms)
    if not binary or not unary:
        return
    for b in binary:
        for turn in range(len(unary)):
            u, v = unary[turn], unary[(turn + 1) % len(unary)]
            for inputs, shape in MACHINERY_SHAPES if shapes is None else shapes:
                composition = build(inputs, shape, {"B": (b,), "U": u, "V": v})
                if composition is None:
                    continue
                candidates = [p[:inputs] for p in _MACHINERY_POINTS]
                fair = [list(p) for p in candidates if composition.fair(p)][:2]
                if fair:
                    yield composition, fair


def _readability(point: list[float]) -> float:
    """How far a point is from the numbers a student reads at a glance (about 1): a
    reproducer at x = 0.7 teaches more than one at x = -9000."""
    return sum(abs(abs(v) - 1.0) for v in point)


def build(inputs: int, shape: tuple[tuple, ...], roles: dict) -> Composition | None:
    """A composition of ``shape`` (as in :data:`MACHINERY_SHAPES`) with the ``roles``' ops,
    or None where an op cannot take a node where the shape puts one."""
    nodes = []
    for role, *args in shape:
        op, *extra = roles[role]
        node_args = tuple(args) + tuple(extra)
        if ops.get(op).arity != len(node_args):
            return None
        nodes.append(Node(op, node_args))
    names = (
        tuple("abcdfg"[: len(nodes)])
        if len(nodes) <= 6
        else tuple(f"n{k}" for k in range(len(nodes)))
    )
    try:
        return Composition(("x", "y")[:inputs], tuple(nodes), names)
    except ValueError:  # an op that cannot take a node where the shape puts one
        return None
