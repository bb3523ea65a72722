"""The engine kind's machinery graphs: small fixed graphs with reused nodes, on which a
wrong reverse pass shows (a node used twice by one op, at two depths, a diamond, a deep
graph), and the shared-input and overwrite checks built on them. A node alone and the
scaled probe are the model's (``graders.model.probes``): the forward kind builds them too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graders.model import ops
from graders.model.composition import Composition, Const, Node
from graders.model.probes import SHAPES

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
    shapes = SHAPES if op.operands == ("either", "either") else (op.operands,)
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
