"""``array_compositions()`` and ``array_points()``: array DAGs whose shapes agree by
construction, and fair arrays for their inputs.

A composition is a chain: every op takes the node before it as its first argument, so
every node reaches the loss; a binary op's other argument is a fresh input whose shape
comes from ``hypothesis.extra.numpy.broadcastable_shapes`` (so both sides broadcast), or,
with probability ``sharing``, an earlier node of a compatible shape (a node used twice:
what tests the reverse pass). For a course whose ops never broadcast implicitly
(``broadcast="explicit"``, needle) the other argument has the first's shape, made so by
an explicit ``broadcast_to`` node when that op is graded too. Each input has a box, and
interval arithmetic carries the boxes through the graph (``graders.intervals``), so an
op is applied only where every value it can meet is inside its domain: no draw is
rejected. Shrinking goes toward one op, small shapes (sides of 1), no sharing and the
first choice of every parameter.

    >>> from hypothesis import given
    >>> @given(array_compositions(["sum", "mul"]))
    ... def test(c):
    ...     assert c.shapes[-1] == ()   # every composition ends in the scalar loss
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from graders import intervals as iv
from graders.model import array_ops as catalog
from graders.model import ops as scalar
from graders.model.array_composition import INPUT_NAMES, ArrayComposition
from graders.model.composition import size_problem
from graders.tolerances import MAGNITUDE_BOUND

#: Grid step of input values: distinct values stay this far apart, so no ``max`` meets a
#: tie or a near-tie a central difference would straddle.
GRID = 1 / 32
#: Boxes for fresh inputs: anything, and positive (``log``, ``sqrt``, a denominator).
ANY_BOX = (-2.0, 2.0)
POSITIVE_BOX = (0.5, 2.0)
MAX_SIDE = 3
MAX_DIMS = 3
EXPONENTS = (2.0, 3.0, 0.5, -1.0)


# --- strategies, each built once ----------------------------------------------------------
# A strategy is validated on its first draw: one built anew for every draw is validated at
# every draw (a third of the time of drawing a composition). The same arguments give the
# same strategy object, which draws exactly as a new one would.


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@functools.cache
def _sampled(options: tuple) -> st.SearchStrategy:
    return st.sampled_from(options)


@functools.cache
def _array_shapes(min_dims: int, max_dims: int) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE)


@functools.cache
def _broadcastable(shape: tuple, min_dims: int, max_dims: int) -> st.SearchStrategy:
    return hnp.broadcastable_shapes(shape, min_dims=min_dims, max_dims=max_dims, max_side=MAX_SIDE)


@functools.cache
def _distinct_axes(ndim: int, min_size: int, max_size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(_integers(0, ndim - 1), min_size=min_size, max_size=max_size, unique=True)


@functools.cache
def _permutations(ndim: int) -> st.SearchStrategy[list[int]]:
    return st.permutations(range(ndim))


_BOOLEANS = st.booleans()
_SEEDS = st.integers(0, 2**32 - 1)


def _shape(draw, min_dims: int = 0, max_dims: int = MAX_DIMS) -> tuple[int, ...]:
    return draw(_array_shapes(min_dims, max_dims))


class _Builder:
    """The composition being drawn. Everything made (inputs and nodes) is referred to by
    the order it was made in; :meth:`composition` numbers inputs first, as compositions do."""

    def __init__(self, draw, keepdims: bool, swap_only: bool, sharing: float, explicit=False):
        self.draw, self.keepdims, self.swap_only, self.sharing = draw, keepdims, swap_only, sharing
        #: Reductions over one kept axis or all to ``(1,)``, and no 0-d array
        #: (``reduce="dim"``, minitorch).
        self.one_dim = False
        #: A transpose's output is never reshaped (``views="contiguous"``, minitorch).
        self.contiguous_views = False
        #: Operands never broadcast implicitly (``broadcast="explicit"``).
        self.explicit = explicit
        #: Whether a ``broadcast_to`` node may make an operand's shape (explicit only).
        self.broadcast_to = False
        #: matmul of plain matrices only (``matmul="matrices"``, DeZero).
        self.matrices = False
        #: ``(is_input, spec, shape, interval)`` per thing made.
        self.made: list[tuple] = []

    def fresh(self, shape, box=ANY_BOX) -> int:
        self.made.append((True, tuple(shape), tuple(shape), box))
        return len(self.made) - 1

    def add(self, op: str, args: list[int], params: dict, interval) -> int:
        shape = catalog.get(op).shape([self.shape_of(a) for a in args], params)
        self.made.append((False, (op, args, params), tuple(shape), interval))
        return len(self.made) - 1

    def shape_of(self, ref: int) -> tuple[int, ...]:
        return self.made[ref][2]

    def interval_of(self, ref: int):
        return self.made[ref][3]

    def composition(self) -> ArrayComposition:
        inputs = [r for r, m in enumerate(self.made) if m[0]]
        nodes = [r for r, m in enumerate(self.made) if not m[0]]
        index = {r: i for i, r in enumerate(inputs + nodes)}
        specs = [(INPUT_NAMES[i], self.made[r][1], self.made[r][3]) for i, r in enumerate(inputs)]
        made = [
            (op, [index[a] for a in args], params)
            for op, args, params in (self.made[r][1] for r in nodes)
        ]
        return ArrayComposition.build(specs, made)


def _fits(op_name: str, shape, interval) -> bool:
    """Can ``op_name`` take a node of this shape and interval as its first argument?"""
    op = catalog.get(op_name)
    if op.shape_rule == "matmul" or op_name == "transpose":
        return len(shape) >= 2
    if op_name == "pow":
        return interval[0] >= POSITIVE_BOX[0] and interval[1] <= 10
    if op.scalar and op.arity == 1:
        record = scalar.get(op_name)
        if not record.domain(interval):
            return False
        return max(abs(v) for v in record.image(interval)) <= MAGNITUDE_BOUND
    return max(abs(v) for v in interval) <= MAGNITUDE_BOUND / 100


@st.composite
def array_compositions(
    draw,
    ops: Sequence[str] = catalog.ALL_OPS,
    *,
    min_ops: int = 1,
    max_ops: int = 4,
    sharing: float = 0.3,
    keepdims: bool = True,
    swap_only: bool = False,
    broadcast: str = "implicit",
    reduce: str = "axes",
    views: str = "any",
    matmul: str = "batched",
) -> ArrayComposition:
    """Array compositions of the array ops ``ops`` (``graders.model.array_ops``), ``min_ops``
    to ``max_ops`` of them, ending in ``loss = sum(out * w)``. ``keepdims=False`` never
    asks a reduction to keep its axes, ``swap_only`` makes every transpose a swap of
    two axes, and ``broadcast="explicit"`` never hands an op operands that broadcast
    (``ArrayComposition.broadcasts_implicitly``), for engines that cannot do otherwise;
    ``reduce="dim"`` reduces one axis and keeps it, or everything to shape ``(1,)``, and
    makes no 0-d array, and ``views="contiguous"`` never reshapes a
    transpose's output (minitorch), and ``matmul="matrices"`` multiplies plain matrices
    only (DeZero; see ``graders.presets``)."""
    names = tuple(ops)
    if not names:
        raise InvalidArgument("ops must name at least one array op")
    for name in names:
        try:
            catalog.get(name)
        except ValueError as e:
            raise InvalidArgument(str(e)) from None
    problem = size_problem(min_ops, max_ops, sharing)
    if problem:
        raise InvalidArgument(problem)
    if broadcast not in ("implicit", "explicit"):
        raise InvalidArgument(f"broadcast must be 'implicit' or 'explicit', not {broadcast!r}")
    b = _Builder(draw, keepdims, swap_only, sharing, explicit=broadcast == "explicit")
    b.broadcast_to = b.explicit and "broadcast_to" in names
    b.one_dim, b.contiguous_views = reduce == "dim", views == "contiguous"
    b.matrices = matmul == "matrices"
    count = draw(_integers(min_ops, max_ops), label="ops")
    last = None
    for _ in range(count):
        if last is None:
            op = draw(_sampled(names), label="op")
            last = b.fresh(*_first_input(draw, op, int(b.one_dim), b.matrices))
        else:
            usable = [n for n in names if _fits(n, b.shape_of(last), b.interval_of(last))]
            if b.matrices and len(b.shape_of(last)) != 2:
                usable = [n for n in usable if n != "matmul"]
            if b.contiguous_views and b.made[last][1][0] == "transpose":
                usable = [n for n in usable if n != "reshape"]
            if not usable:
                break
            op = draw(_sampled(tuple(usable)), label="op")
        last = _apply(b, op, last)
    return b.composition()


def _first_input(draw, op: str, min_dims: int = 0, matrices: bool = False):
    """A fresh input an op can take: a matrix for matmul and transpose (a plain one for
    matmul when the course multiplies no other), positive values for ops defined only
    there."""
    min_dims = 2 if op in ("matmul", "transpose") else min_dims
    max_dims = 2 if op == "matmul" and matrices else MAX_DIMS
    positive = op in ("log", "sqrt", "pow")
    return _shape(draw, min_dims, max_dims), POSITIVE_BOX if positive else ANY_BOX


def _apply(b: _Builder, op: str, first):
    draw, record = b.draw, catalog.get(op)
    shape, interval = b.shape_of(first), b.interval_of(first)
    if record.shape_rule == "elementwise" and record.arity == 2:
        second, second_interval = _second_operand(b, op, first)
        image = scalar.get(op).image(interval, second_interval)
        if max(abs(v) for v in image) > MAGNITUDE_BOUND:
            image = (-MAGNITUDE_BOUND, MAGNITUDE_BOUND)
        return b.add(op, [first, second], {}, image)
    if op == "pow":
        exponent = draw(_sampled(EXPONENTS), label="exponent")
        image = iv.power(interval, exponent)
        return b.add(op, [first], {"exponent": exponent}, image)
    if record.shape_rule == "elementwise":
        return b.add(op, [first], {}, scalar.get(op).image(interval))
    if record.shape_rule == "reduction":
        params = (
            _one_dim_params(draw, len(shape))
            if b.one_dim
            else _reduction_params(draw, len(shape), b.keepdims)
        )
        n = catalog.reduced_count(shape, params)
        image = (n * interval[0], n * interval[1]) if op == "sum" else interval
        return b.add(op, [first], params, image)
    if op == "reshape":
        return b.add(op, [first], {"shape": _reshaped(draw, shape)}, interval)
    if op == "transpose":
        axes = _permutation(draw, len(shape), b.swap_only)
        return b.add(op, [first], {"axes": axes}, interval)
    if op == "broadcast_to":
        return b.add(op, [first], {"shape": _broadcast_target(draw, shape)}, interval)
    # matmul: a fresh right-hand side, its batch dimensions broadcast against the left's
    batch = _matmul_batch(b, shape)
    m = draw(_integers(1, MAX_SIDE), label="columns")
    second = b.fresh((*batch, shape[-1], m))
    k = shape[-1]
    product = iv.mul(interval, ANY_BOX)
    image = (k * product[0], k * product[1])
    return b.add(op, [first, second], {}, image)


def _matmul_batch(b: _Builder, shape) -> tuple[int, ...]:
    """The batch dimensions of matmul's fresh right-hand side: any that broadcast against
    the left's; for an explicit course, the left's own, or none (a plain matrix), or any
    when the left is a plain matrix (as needle's tests multiply); none for a course that
    multiplies plain matrices only."""
    if b.matrices:
        return ()
    if not b.explicit:
        return b.draw(
            _broadcastable(tuple(shape[:-2]), 0, max(0, len(shape) - 2) + 1), label="batch"
        )
    if len(shape) == 2:
        return _shape(b.draw, 0, 2)
    return b.draw(_sampled((tuple(shape[:-2]), ())), label="batch")


def _second_operand(b: _Builder, op: str, first):
    """The other argument of a binary elementwise op: an earlier node of a shape that
    broadcasts with ``first`` (with probability ``sharing``), else a fresh input. For an
    explicit course, of ``first``'s very shape: a fresh input of a smaller one goes
    through a ``broadcast_to`` node first."""
    draw = b.draw
    shape = b.shape_of(first)
    fits = (lambda s: s == shape) if b.explicit else (lambda s: _broadcasts(s, shape))
    if draw(_integers(0, 99), label="share") >= 100 - round(100 * b.sharing):
        earlier = [
            ref
            for ref in range(len(b.made))
            if ref != first
            and fits(b.shape_of(ref))
            and (op != "div" or iv.away_from_zero(b.interval_of(ref), 0.5))
        ]
        if earlier:
            ref = draw(_sampled(tuple(earlier)), label="shared")
            return ref, b.interval_of(ref)
    box = POSITIVE_BOX if op == "div" else ANY_BOX
    if b.explicit:
        source = _broadcast_source(draw, shape) if b.broadcast_to else shape
        fresh = b.fresh(source, box)
        if source == shape:
            return fresh, box
        return b.add("broadcast_to", [fresh], {"shape": list(shape)}, box), box
    other = draw(_broadcastable(tuple(shape), int(b.one_dim), len(shape) + 1), label="shape")
    return (b.fresh(other, box)), box


def _broadcast_source(draw, shape) -> tuple[int, ...]:
    """A shape that broadcasts to ``shape``: some leading axes dropped, some sides made 1
    (shrinks to ``shape`` itself: no broadcast)."""
    lead = draw(_integers(0, len(shape)), label="dropped")
    return tuple(1 if draw(_BOOLEANS, label="stretched") else n for n in tuple(shape)[lead:])


def _broadcasts(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _reduction_params(draw, ndim: int, keepdims: bool) -> dict:
    everything = ndim == 0 or draw(_BOOLEANS, label="all axes")
    if everything:
        params = {"axis": None}
    else:
        axes = draw(_distinct_axes(ndim, 1, ndim), label="axes")
        params = {"axis": sorted(axes)}
    if keepdims and draw(_BOOLEANS, label="keepdims"):
        params["keepdims"] = True
    return params


def _one_dim_params(draw, ndim: int) -> dict:
    """minitorch's reductions: one axis, kept, or everything to shape ``(1,)`` (what
    minitorch's ``x.sum()`` gives, whatever ``x``'s shape)."""
    if draw(_BOOLEANS, label="all axes"):
        return {"axis": None, "single": True}
    return {"axis": [draw(_integers(0, ndim - 1), label="axis")], "keepdims": True}


def _reshaped(draw, shape) -> list[int]:
    """Another shape of the same size: its prime factors dealt into up to three axes."""
    size = int(np.prod(shape, dtype=int))
    factors, n, p = [], size, 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    ndim = draw(_integers(1, MAX_DIMS), label="dims")
    sides = [1] * ndim
    for f in factors:
        sides[draw(_integers(0, ndim - 1), label="factor")] *= f
    return sides


def _permutation(draw, ndim: int, swap_only: bool) -> list[int]:
    """A permutation that moves something; a swap of two axes for swap-only engines."""
    if swap_only:
        i, j = sorted(draw(_distinct_axes(ndim, 2, 2), label="swap"))
        axes = list(range(ndim))
        axes[i], axes[j] = j, i
        return axes
    axes = list(draw(_permutations(ndim), label="permutation"))
    if axes == sorted(axes):
        axes = axes[::-1]
    return axes


def _broadcast_target(draw, shape) -> list[int]:
    """A shape ``shape`` broadcasts to: sides of 1 stretched, maybe axes added in front
    (at least one of the two)."""
    stretched = [draw(_integers(2, MAX_SIDE), label="side") if n == 1 else n for n in shape]
    lead = draw(_integers(0, 1), label="leading")
    if lead == 0 and list(stretched) == list(shape):
        lead = 1
    return [draw(_integers(2, MAX_SIDE), label="lead") for _ in range(lead)] + stretched


# --- points ----------------------------------------------------------------------------------


@st.composite
def array_points(draw, composition: ArrayComposition) -> list[np.ndarray]:
    """One fair value for every input but ``w``: distinct grid values inside its box.

    Each array is one draw, a seed for NumPy's generator, which deals the grid values of
    the box without replacement. Drawn element by element (``hypothesis.extra.numpy``
    with ``unique=True``), the arrays took a quarter of the grading process's time on the
    reference solution, and their shrinking most of a bug's. What shrinks toward small
    cases is the composition (its ops and shapes); a seed shrinks toward 0, one fixed
    fair array."""
    found = []
    for spec in composition.inputs[:-1]:
        grid = np.arange(math.ceil(spec.box[0] / GRID), math.floor(spec.box[1] / GRID) + 1)
        size = math.prod(spec.shape)
        if size > len(grid):
            reject()  # too few distinct values: rejected, as element-wise draws were
        seed = draw(_SEEDS, label=spec.name)
        dealt = np.random.default_rng(seed).choice(grid, size=size, replace=False)
        found.append((dealt * GRID).astype(np.float64).reshape(spec.shape))
    return found
