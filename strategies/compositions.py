"""``compositions()``: random expression DAGs over the op catalog.

Each input gets a box to be drawn from; interval arithmetic carries the boxes
through the graph, and an op is applied only where every point of its
arguments' intervals is safely inside its domain. The ``points()`` strategy
then draws from the boxes and almost never has to reject.

Shrinking goes toward one op on one input, the first box, no sharing and the
simplest numbers (Hypothesis shrinks integers toward 0 and ``sampled_from``
toward the front).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from graders import intervals as iv
from graders.intervals import Interval
from graders.model import ops as catalog
from graders.model.composition import Composition, Const, Node, size_problem
from graders.tolerances import MAGNITUDE_BOUND

INPUT_NAMES = ("x", "y", "z", "w")
NODE_NAMES = tuple("abcdfghkmnpqrstuv")

#: Input boxes, simplest first. The first fits every unary op (positive, below tan's bound);
#: the last gives bases between 0 and 1 for ``x ** y``.
BOXES: tuple[Interval, ...] = ((0.5, 1.0), (1.0, 3.0), (-2.0, 2.0), (-3.0, -0.5), (0.1, 0.5))

#: Ops for which using one node as both arguments is a constant in disguise (x - x, x / x).
_NO_SELF_PAIR = {"sub", "div"}


def _validated(ops_names: Iterable[str], inputs, min_ops: int, max_ops: int, sharing: float):
    names = tuple(ops_names)
    if not names:
        raise InvalidArgument("ops must name at least one op")
    for name in names:
        try:
            catalog.get(name)
        except ValueError as e:
            raise InvalidArgument(str(e)) from None
    lo, hi = (inputs, inputs) if isinstance(inputs, int) else tuple(inputs)
    if not 1 <= lo <= hi <= len(INPUT_NAMES):
        raise InvalidArgument(
            f"inputs={inputs!r}: give a count or a (min, max) pair between 1 and {len(INPUT_NAMES)}"
        )
    problem = size_problem(min_ops, max_ops, sharing)
    if problem:
        raise InvalidArgument(problem)
    return names, lo, hi


def compositions(
    ops: Sequence[str] = catalog.ALL_OPS,
    *,
    inputs: int | tuple[int, int] = (1, 3),
    max_ops: int = 8,
    min_ops: int = 1,
    sharing: float = 0.35,
    forms: Mapping[str, Collection[tuple[str, ...]]] | None = None,
) -> st.SearchStrategy[Composition]:
    """Random compositions of catalog ops, every node reaching the output.

    ``ops`` names the allowed ops (see ``graders.model.ops.ALL_OPS``); ``inputs`` is a count or a
    ``(min, max)`` range; ``min_ops`` and ``max_ops`` bound the number of op steps drawn
    (a step that cannot be applied fairly is skipped, so a graph may come out smaller), and
    ``max_ops`` also bounds the op nodes of the result;
    ``sharing`` is how often an argument reuses a node that already has a consumer
    (``x * x``, diamonds). Nodes left without a consumer are joined into the output with the
    first allowed binary op that takes two nodes (``add`` by default), or else dropped.
    ``forms`` restricts how an op with a node or a number on either side may be written,
    ``{"add": {("node", "node"), ("number", "node")}}`` (no ``x + 2``); a drawn form left
    out becomes the next one allowed. An op given no form at all is not used.

    >>> from hypothesis import given
    >>> from strategies import compositions
    >>> @given(compositions(ops=["mul", "exp"], inputs=2, max_ops=4))
    ... def test_only_mul_and_exp(c):
    ...     assert {node.op for node in c.nodes} <= {"mul", "exp"} and 1 <= len(c.nodes) <= 4
    >>> test_only_mul_and_exp()
    """
    names, lo, hi = _validated(ops, inputs, min_ops, max_ops, sharing)
    shapes = {name: _allowed_shapes(name, forms) for name in names}
    names = tuple(name for name in names if shapes[name]) or names
    steps = st.lists(_step(names), min_size=min_ops, max_size=max_ops)
    return _compositions(names, st.integers(lo, hi), steps, sharing, max_ops, shapes)


def _allowed_shapes(name: str, forms) -> tuple[tuple[str, str], ...]:
    """The shapes ``name`` may take, in ``_SHAPES`` order (only either-side ops have several)."""
    if catalog.get(name).operands != ("either", "either"):
        return (catalog.get(name).operands,)
    if forms is None or name not in forms:
        return _SHAPES
    for shape in forms[name]:
        if shape not in _SHAPES:
            raise InvalidArgument(f"forms[{name!r}]: {shape!r} is not one of {_SHAPES}")
    return tuple(s for s in _SHAPES if s in forms[name])


#: An argument pick: a roll that decides whether to reuse a consumed node, and which one.
_PICK = st.tuples(st.integers(0, 99), st.integers(0, 63))
_SHAPES = (("node", "node"), ("node", "number"), ("number", "node"))


def _step(op_names) -> st.SearchStrategy:
    """One op application, drawn independently of the graph so far.

    Its choices are interpreted against the graph when it is added (``_Builder.add``). The
    first op choice, ``None``, skips the step: Hypothesis's shrinker reliably zeroes a step it
    cannot delete, so a skip is how an irrelevant step disappears from a shrunk graph.
    """
    return st.tuples(
        st.sampled_from((None, *op_names)),
        st.integers(0, len(_SHAPES) - 1),
        st.integers(0, 15),  # which of the op's numbers (modulo their count)
        st.tuples(_PICK, _PICK),
        st.booleans(),  # may the first node argument be the reused one (`a * b`, a shared)?
    )


_BOX = st.sampled_from(BOXES)


@st.composite
def _compositions(draw, op_names, input_counts, step_lists, sharing, max_ops, shapes):
    n_inputs = draw(input_counts)
    boxes = [draw(_BOX) for _ in range(n_inputs)]
    steps = draw(step_lists)
    graph = _Builder(boxes, sharing, shapes)
    for step in steps:
        graph.add(*step)
    if not graph.nodes:  # all skipped, or nothing fit: one op on a box that fits every op
        graph = _Builder([BOXES[0]] * n_inputs, sharing, shapes)
        graph.add(op_names[0], 0, 0, ((0, 0), (0, 0)))
        if not graph.nodes:  # `x - x` and `x / x` are refused: put a number on the right
            graph.add(op_names[0], 1, 0, ((0, 0), (0, 0)))
    joiner = next(
        (
            n
            for n in op_names
            if catalog.get(n).operands == ("either", "either") and ("node", "node") in shapes[n]
        ),
        None,
    )
    if joiner is not None:
        graph.join_dangling(catalog.get(joiner), max_ops)
    return graph.composition()


class _Builder:
    """Grows a DAG node by node, tracking each node's interval and whether it is consumed."""

    def __init__(self, boxes: Sequence[Interval], sharing: float, shapes=None):
        self.boxes = list(boxes)
        self.shapes = shapes or {}
        self.share_below = round(sharing * 100)
        self.intervals: list[Interval] = list(boxes)
        self.nodes: list[Node] = []
        self.consumed: list[bool] = [False] * len(boxes)

    def add(
        self, op_name: str | None, shape_index: int, number_index: int, picks, share_first=False
    ) -> None:
        """Apply the op if some choice of arguments keeps it fair; otherwise skip the step."""
        if op_name is None:
            return
        op = catalog.get(op_name)
        shape = _SHAPES[shape_index] if op.operands == ("either", "either") else op.operands
        allowed = self.shapes.get(op_name, (shape,))
        if shape not in allowed:  # a form left out: the next one allowed, in drawn order
            shape = next(
                _SHAPES[(shape_index + i) % len(_SHAPES)]
                for i in range(1, len(_SHAPES))
                if _SHAPES[(shape_index + i) % len(_SHAPES)] in allowed
            )
        args: list = []
        node_positions = [p for p, kind in enumerate(shape) if kind == "node"]
        # One node argument may reuse a node; the other extends the newest chain, so sharing
        # adds edges instead of orphaning nodes. Which one reuses matters to a wrong traversal
        # (breadth-first handles `a * b` and `b * a` differently), so it is drawn.
        sharer = node_positions[0] if share_first else node_positions[-1]
        for position, (kind, pick) in enumerate(zip(shape, picks)):
            if kind == "number":
                args.append(Const(op.constants[number_index % len(op.constants)]))
            else:
                args.append(self._pick(pick, args, may_share=position == sharer))
        args = self._fit(op, args)
        if args is not None:
            self._append(op, args)

    def join_dangling(self, joiner: catalog.Op, max_ops: int) -> None:
        """Join op nodes nobody consumes into the output (up to ``max_ops`` nodes in all),
        so little drawn work is pruned."""
        n_inputs = len(self.boxes)
        for k in range(len(self.intervals) - 2, n_inputs - 1, -1):
            output = len(self.intervals) - 1
            if len(self.nodes) >= max_ops:
                return
            if not self.consumed[k] and self._fair(joiner, [output, k]):
                self._append(joiner, [output, k])

    def _pick(self, pick: tuple[int, int], chosen: list, may_share: bool) -> int:
        roll, which = pick
        if may_share and roll < self.share_below:  # reuse any node, even a chosen one (x * x)
            return len(self.intervals) - 1 - which % len(self.intervals)
        order = self._preference()
        fresh = [k for k in order if k not in chosen]
        return fresh[0] if fresh else order[0]

    def _preference(self) -> list[int]:
        """Unconsumed nodes newest first (they make chains), then the rest newest first."""
        newest = list(reversed(range(len(self.intervals))))
        return [k for k in newest if not self.consumed[k]] + [k for k in newest if self.consumed[k]]

    def _fit(self, op: catalog.Op, args: list) -> list | None:
        """The drawn arguments if they are fair; else the first fair swap of the first node arg."""
        if self._fair(op, args):
            return args
        positions = [p for p, a in enumerate(args) if not isinstance(a, Const)]
        for k in self._preference():
            candidate = list(args)
            candidate[positions[0]] = k
            if self._fair(op, candidate):
                return candidate
        return None

    def _fair(self, op: catalog.Op, args: list) -> bool:
        node_args = [a for a in args if not isinstance(a, Const)]
        if op.name in _NO_SELF_PAIR and len(node_args) == 2 and node_args[0] == node_args[1]:
            return False
        spans = [iv.point(a.value) if isinstance(a, Const) else self.intervals[a] for a in args]
        if not op.domain(*spans):
            return False
        try:
            lo, hi = op.image(*spans)
        except (OverflowError, ValueError, ZeroDivisionError):
            return False
        return -MAGNITUDE_BOUND <= lo <= hi <= MAGNITUDE_BOUND

    def _append(self, op: catalog.Op, args: list) -> None:
        spans = [iv.point(a.value) if isinstance(a, Const) else self.intervals[a] for a in args]
        for a in args:
            if not isinstance(a, Const):
                self.consumed[a] = True
        self.nodes.append(Node(op.name, tuple(args)))
        self.intervals.append(op.image(*spans))
        self.consumed.append(False)

    def composition(self) -> Composition:
        """Keep only what reaches the output (the last node), renumbered and named."""
        n_inputs = len(self.boxes)
        keep = {n_inputs + len(self.nodes) - 1}
        for k in range(n_inputs + len(self.nodes) - 1, n_inputs - 1, -1):
            if k in keep:
                keep.update(a for _, a in self.nodes[k - n_inputs].node_args())
        kept_inputs = [i for i in range(n_inputs) if i in keep]
        kept_nodes = [k for k in range(n_inputs, n_inputs + len(self.nodes)) if k in keep]
        renumber = {old: new for new, old in enumerate(kept_inputs + kept_nodes)}
        nodes = tuple(
            Node(n.op, tuple(a if isinstance(a, Const) else renumber[a] for a in n.args))
            for n in (self.nodes[k - n_inputs] for k in kept_nodes)
        )
        return Composition(
            inputs=INPUT_NAMES[: len(kept_inputs)],
            nodes=nodes,
            names=_node_names(len(nodes)),
            boxes=tuple(self.boxes[i] for i in kept_inputs),
        )


def _node_names(count: int) -> tuple[str, ...]:
    if count <= len(NODE_NAMES):
        return NODE_NAMES[:count]
    return tuple(f"v{k}" for k in range(1, count + 1))
