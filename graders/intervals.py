"""Interval arithmetic, just enough to keep generated compositions inside every op's domain.

Each input of a generated composition is drawn from a box ``(lo, hi)``. Pushing
those boxes through the graph gives an interval that contains every value a
node can take; an op is only applied to a node whose interval lies inside the
op's domain. That way the point strategy never has to reject a draw because
``log`` met a negative number. Intervals are conservative (``x - x`` gives
``[-4, 4]`` on ``x in [-2, 2]``), which only means some ops are applied less
often than they could be.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Interval = tuple[float, float]


def point(value: float) -> Interval:
    return (float(value), float(value))


def add(a: Interval, b: Interval) -> Interval:
    return (a[0] + b[0], a[1] + b[1])


def sub(a: Interval, b: Interval) -> Interval:
    return (a[0] - b[1], a[1] - b[0])


def mul(a: Interval, b: Interval) -> Interval:
    corners = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]
    return (min(corners), max(corners))


def reciprocal(b: Interval) -> Interval:
    """``1/b`` for an interval that does not contain 0."""
    return (1.0 / b[1], 1.0 / b[0])


def increasing(f: Callable[[float], float]) -> Callable[[Interval], Interval]:
    """The image of a monotonically increasing function."""
    return lambda a: (f(a[0]), f(a[1]))


def power(a: Interval, c: float) -> Interval:
    """``a**c`` for a number ``c`` (the caller checks the domain first)."""
    values = [a[0] ** c, a[1] ** c]
    if a[0] < 0 < a[1] and c > 0:
        values.append(0.0)
    return (min(values), max(values))


def exp_of_log(base: Interval, exponent: Interval) -> Interval:
    """``base**exponent`` for a positive base, as ``exp(exponent*log(base))``."""
    lo, hi = mul(exponent, (math.log(base[0]), math.log(base[1])))
    return (math.exp(lo), math.exp(hi))


def inside(a: Interval, lo: float, hi: float) -> bool:
    return lo <= a[0] and a[1] <= hi


def away_from_zero(a: Interval, margin: float) -> bool:
    return a[0] >= margin or a[1] <= -margin
