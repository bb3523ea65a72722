"""Fixed cases of each array op alone, for what a short random search can miss.

Hypothesis shrinks toward small shapes, and a few examples may never draw the case that
shows a bug: ``mean`` dividing by every element shows only when some axis is *not*
averaged and has a side above 1; a transpose not inverted only for a permutation of three
axes that is not its own inverse; a wrong axis only when the sides differ. These cases
use distinct sides (2, 3, 4), every kind of ``axis``, broadcasting from the left and by
stretching, and batched matmul on either side.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition

POSITIVE = (0.5, 2.0)
ANY = (-2.0, 2.0)
#: A reduction's operand: values spread evenly over ``ANY`` sum to 0 over every axis, where
#: a mean that divides by the wrong count computes the right value (0) all the same.
OFF_CENTRE = (-1.0, 2.0)

_BINARY_SHAPES = (
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((3,), (2, 2, 3)),
    ((2, 3, 4), (2, 3, 4)),
)
_REDUCTIONS = ({"axis": None}, {"axis": [1]}, {"axis": [0, 2]}, {"axis": [2]})
#: minitorch's reductions: one axis, kept, or everything to shape (1,).
_ONE_DIM_REDUCTIONS = (
    *(((2, 3, 4), {"axis": [k], "keepdims": True}) for k in (1, 0, 2)),
    ((2, 3, 4), {"axis": None, "single": True}),
    ((4,), {"axis": None, "single": True}),
)
_RESHAPES = (((2, 3), [3, 2]), ((2, 3, 2), [4, 3]), ((6,), [2, 3]))
_BROADCASTS = (((3, 1), [2, 3, 4]), ((3,), [2, 3]), ((1, 2), [3, 2]))
#: Square ones first: a missing transpose gives wrong numbers there, not an exception, so
#: the finding can say which factor's gradient it is.
_MATMULS = (
    ((2, 2), (2, 2)),
    ((2, 2, 2), (2, 2)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((2, 1, 3, 2), (3, 2, 2)),
)
_PERMUTATIONS = (((2, 3), [1, 0]), ((2, 3, 4), [1, 2, 0]), ((2, 3, 4), [2, 0, 1]))
_SWAPS = (((2, 3), [1, 0]), ((2, 3, 4), [2, 1, 0]), ((2, 3, 4), [0, 2, 1]))


def values(shape, box) -> np.ndarray:
    """Distinct values spread over ``box`` in a fixed shuffled order."""
    n = int(np.prod(shape, dtype=int))
    order = np.argsort(np.sin(np.arange(n) * 12.9898 + 1.0))
    spread = box[0] + (box[1] - box[0]) * (order + 1) / (n + 1)
    return np.round(spread, 4).reshape(shape)


def _case(op: str, specs, params) -> tuple[ArrayComposition, list[np.ndarray]]:
    names = "ax"
    inputs = [(names[i], shape, box) for i, (shape, box) in enumerate(specs)]
    composition = ArrayComposition.build(inputs, [(op, list(range(len(specs))), params)])
    return composition, [values(shape, box) for shape, box in specs]


def fixed_cases(
    op: str,
    *,
    keepdims: bool = True,
    swap_only: bool = False,
    broadcast: str = "implicit",
    reduce: str = "axes",
    views: str = "any",
    matmul: str = "batched",
) -> Iterator[tuple[ArrayComposition, list[np.ndarray]]]:
    """Cases of ``op`` alone: ``(composition, point)``; for a course that never broadcasts
    implicitly (``broadcast="explicit"``), only those whose operands need no broadcast; for
    one that reduces one kept axis (``reduce="dim"``), such reductions (the conventions of
    ``Preset.conventions``; ``views`` concerns compositions only); for one that multiplies
    plain matrices only (``matmul="matrices"``), those."""
    for composition, point in _fixed_cases(op, keepdims, swap_only, reduce):
        if broadcast == "explicit" and composition.broadcasts_implicitly():
            continue
        if matmul == "batched" or _plain_matrices(composition):
            yield composition, point


def _plain_matrices(composition: ArrayComposition) -> bool:
    """Whether every matmul of ``composition`` multiplies two 2-d operands."""
    return all(
        len(composition.shapes[a]) == 2
        for node in composition.nodes
        if node.op == "matmul"
        for a in node.args
    )


def _fixed_cases(op, keepdims, swap_only, reduce="axes"):
    record = ops.get(op)
    if record.shape_rule == "elementwise" and record.arity == 2:
        for a, b in _BINARY_SHAPES:
            yield _case(op, [(a, ANY), (b, POSITIVE if op == "div" else ANY)], {})
    elif op == "pow":
        for exponent in (2.0, 3.0, 0.5, -1.0):
            yield _case(op, [((2, 3), POSITIVE)], {"exponent": exponent})
    elif record.shape_rule == "elementwise":
        positive = op in ("log", "sqrt")
        yield _case(op, [((2, 3), POSITIVE if positive else ANY)], {})
    elif record.shape_rule == "reduction" and reduce == "dim":
        for shape, params in _ONE_DIM_REDUCTIONS:
            yield _case(op, [(shape, OFF_CENTRE)], params)
    elif record.shape_rule == "reduction":
        for params in _REDUCTIONS:
            for keep in (False, True) if keepdims else (False,):
                yield _case(op, [((2, 3, 4), OFF_CENTRE)], {**params, "keepdims": keep})
    elif op == "reshape":
        for shape, target in _RESHAPES:
            yield _case(op, [(shape, ANY)], {"shape": target})
    elif op == "broadcast_to":
        for shape, target in _BROADCASTS:
            yield _case(op, [(shape, ANY)], {"shape": target})
    elif op == "transpose":
        for shape, axes in _SWAPS if swap_only else _PERMUTATIONS:
            yield _case(op, [(shape, ANY)], {"axes": axes})
    elif op == "matmul":
        for a, b in _MATMULS:
            yield _case(op, [(a, ANY), (b, ANY)], {})


#: Small graphs where a node is used more than once, each on the ops it needs: ``(ops,
#: inputs, nodes)`` with nodes as ``(op, args, params)``. An overwritten gradient (``=``
#: for ``+=``) shows where a use's contribution arrives after another's (``e = d * a``
#: after ``d = a + x``); a reverse pass that handles a node before all its users shows on
#: paths of different lengths to one node (``f = tanh(exp(d)) * d``).
MACHINERY = (
    (("add", "mul"), ((2, 3), (2, 3)), (("add", [0, 1], {}), ("mul", [2, 0], {}))),
    (
        ("add", "mul"),
        ((2, 3), (3,)),
        (("mul", [0, 1], {}), ("add", [2, 1], {}), ("mul", [3, 2], {})),
    ),
    (
        ("mul", "exp", "tanh"),
        ((2, 3), (2, 3)),
        (("mul", [0, 1], {}), ("exp", [2], {}), ("tanh", [3], {}), ("mul", [4, 2], {})),
    ),
    (
        ("mul", "sum"),
        ((2, 3), (3,)),
        (("mul", [0, 1], {}), ("sum", [2], {"axis": [0]}), ("mul", [3, 1], {})),
    ),
    (
        ("matmul", "add"),
        ((2, 2), (2, 2)),
        (("matmul", [0, 1], {}), ("add", [2, 0], {}), ("matmul", [3, 1], {})),
    ),
    (
        ("sub", "mul", "mean"),
        ((2, 3), (2, 3)),
        (("sub", [0, 1], {}), ("mul", [2, 0], {}), ("mean", [3], {"axis": [1]})),
    ),
    # the two broadcasting graphs above, broadcast by a node of their own (needle's way)
    (
        ("broadcast_to", "mul", "add"),
        ((2, 3), (3,)),
        (("broadcast_to", [1], {"shape": [2, 3]}), ("mul", [0, 2], {}), ("add", [3, 2], {})),
    ),
    (
        ("broadcast_to", "mul", "sum"),
        ((2, 3), (3,)),
        (
            ("broadcast_to", [1], {"shape": [2, 3]}),
            ("mul", [0, 2], {}),
            ("sum", [3], {"axis": [0]}),
            ("mul", [4, 1], {}),
        ),
    ),
)


def _deep_graph(levels: int) -> tuple:
    """A graph deeper and larger than any a search draws (one op every engine has), each
    node added to the one before it: ``levels`` nodes, each used by the next two. A
    reverse pass that fails only past some size or depth (a recursion limit, ``if
    len(topo) > 12: raise``) fails here at every seed. The values grow as Fibonacci
    numbers do: about 2e6 at 30 levels, far from overflow."""
    nodes = [("add", [0, 1], {})]
    before, last = 1, 2  # indices: the inputs are 0 and 1, nodes count on from 2
    for _ in range(levels - 1):
        nodes.append(("add", [last, before], {}))
        before, last = last, 1 + len(nodes)
    return (("add",), ((2, 3), (2, 3)), tuple(nodes))


#: The deep graph of the reverse-pass part: 30 nodes, 30 levels.
MACHINERY = (*MACHINERY, _deep_graph(30))


def machinery_cases(
    available, *, broadcast: str = "implicit", reduce: str = "axes", **conventions
) -> Iterator[tuple[ArrayComposition, list[np.ndarray]]]:
    """The :data:`MACHINERY` graphs whose ops are all ``available`` (and, for a course
    that never broadcasts implicitly, whose operands need no broadcast; for one that
    reduces one kept axis, with their reductions keeping it or reducing everything to
    shape (1,)). ``conventions``: the rest
    of ``Preset.conventions``, which these graphs meet as they are."""
    for needs, shapes, nodes in MACHINERY:
        if set(needs) <= set(available):
            inputs = [("ax"[i], shape, ANY) for i, shape in enumerate(shapes)]
            if reduce == "dim":
                nodes = [(op, args, _kept(op, params)) for op, args, params in nodes]
            composition = ArrayComposition.build(inputs, list(nodes))
            if broadcast == "explicit" and composition.broadcasts_implicitly():
                continue
            if conventions.get("matmul") == "matrices" and not _plain_matrices(composition):
                continue
            yield composition, [values(shape, ANY) for shape in shapes]


def _kept(op: str, params: dict) -> dict:
    """A reduction's params as a ``reduce="dim"`` course writes it: one axis kept, or
    everything to shape (1,)."""
    if ops.get(op).shape_rule != "reduction":
        return params
    return (
        {**params, "single": True} if params.get("axis") is None else {**params, "keepdims": True}
    )
