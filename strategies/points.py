"""``points()``: input points at which every node of a composition is fair.

Values come from a grid of a thousand steps across each input's box, rounded to
three decimals, so a reproducer reads ``x = tensor(0.734)`` rather than
``x = tensor(0.7340000000000001)``. Compositions from ``compositions()`` carry
boxes inside which every op's domain holds; the filter then only drops the rare
point that lands on a kink (``relu`` at 0). For a hand-written composition
without boxes, ``boxes`` or the default box is used and unfair points are
filtered out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from graders.intervals import Interval
from graders.model import ops
from graders.model.composition import Composition
from graders.tolerances import KINK_MARGIN

DEFAULT_BOX: Interval = (0.5, 2.0)
GRID_STEPS = 1000


def coordinate(box: Interval) -> st.SearchStrategy[float]:
    """A number in ``box`` on a grid of ``GRID_STEPS`` steps, rounded to three decimals."""
    lo, hi = box
    return st.integers(0, GRID_STEPS).map(lambda k: round(lo + (hi - lo) * k / GRID_STEPS, 3))


def points(
    composition: Composition, boxes: Sequence[Interval] | None = None
) -> st.SearchStrategy[tuple[float, ...]]:
    """Points for ``composition``, one number per input, at which every node is fair.

    >>> from hypothesis import given
    >>> from graders.model.composition import Composition, Node
    >>> c = Composition(("x",), (Node("log", (0,)),), ("a",))
    >>> @given(points(c))
    ... def test_log_is_fair(point):
    ...     assert c.fair(point)
    >>> test_log_is_fair()
    """
    boxes = tuple(boxes or composition.boxes or [DEFAULT_BOX] * len(composition.inputs))
    if len(boxes) != len(composition.inputs):
        raise InvalidArgument(
            f"got {len(boxes)} boxes for {len(composition.inputs)} inputs {composition.inputs}"
        )
    for lo, hi in boxes:
        if not lo <= hi:
            raise InvalidArgument(f"box ({lo}, {hi}) is empty: give (low, high)")
    return st.tuples(*(coordinate(b) for b in boxes)).filter(composition.fair)


def point_sets(
    composition: Composition, size: int, boxes: Sequence[Interval] | None = None
) -> st.SearchStrategy[list[tuple[float, ...]]]:
    """``size`` points for ``composition``, every one fair: the first drawn by
    :func:`points` (Hypothesis shrinks it), the rest spread over the same grid by a
    generator whose seed Hypothesis draws, so many points cost one draw and two numbers.

    >>> from hypothesis import given
    >>> from graders.model.composition import Composition, Node
    >>> c = Composition(("x",), (Node("log", (0,)),), ("a",))
    >>> @given(point_sets(c, 32))
    ... def test_all_fair(many):
    ...     assert len(many) == 32 and all(c.fair(p) for p in many)
    >>> test_all_fair()
    """
    if size < 1:
        raise InvalidArgument(f"size={size}: give at least one point")
    boxes = tuple(boxes or composition.boxes or [DEFAULT_BOX] * len(composition.inputs))
    first = points(composition, boxes)
    seed = st.integers(0, 2**32 - 1)
    return st.tuples(first, seed).map(lambda drawn: _spread(composition, boxes, size, *drawn))


def _spread(composition, boxes, size, first, seed) -> list[tuple[float, ...]]:
    """``first`` and up to ``size - 1`` fair grid points drawn by ``numpy`` from ``seed``
    (fewer when the boxes hold few fair points: a kink may rule some out)."""
    generator = np.random.default_rng(seed)
    found = [tuple(first)]
    for _ in range(4):  # a few rounds: almost every grid point is fair
        steps = generator.integers(0, GRID_STEPS + 1, size=(size, len(boxes)))
        candidates = [
            tuple(round(lo + (hi - lo) * int(k) / GRID_STEPS, 3) for (lo, hi), k in zip(boxes, row))
            for row in steps
        ]
        fair = _fair(composition, candidates)
        found += [p for p, ok in zip(candidates, fair) if ok][: size - len(found)]
        if len(found) == size:
            break
    return found


def _fair(composition: Composition, candidates: list[tuple[float, ...]]) -> list[bool]:
    """Which candidates are fair. Inside the boxes ``compositions()`` gives, every op's
    domain holds by construction, so only kinks are checked, for all points at once."""
    if composition.boxes is None:
        return [composition.fair(p) for p in candidates]
    kinked = [
        k
        for k in range(len(composition.inputs), composition.size)
        if ops.get(composition.node(k).op).kink is not None
    ]
    if not kinked:
        return [True] * len(candidates)
    values = composition.evaluate(list(np.array(candidates, dtype=np.float64).T))
    fair = np.ones(len(candidates), dtype=bool)
    for k in kinked:
        argument = np.asarray(values[composition.node(k).args[0]], dtype=np.float64)
        fair &= np.abs(argument - ops.get(composition.node(k).op).kink) >= KINK_MARGIN
    return [bool(ok) for ok in fair]
