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

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from graders.composition import Composition
from graders.intervals import Interval

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
    >>> from graders.composition import Composition, Node
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
