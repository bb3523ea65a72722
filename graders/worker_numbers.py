"""A number from the worker's reply, type-checked: what every kind that reads plain numbers
back (an engine's values and gradients, an exercise's answers) shares.

>>> read(2, missing_is_zero=False)
2.0
>>> read(None, missing_is_zero=True)
0.0
>>> read(True, missing_is_zero=False)
Traceback (most recent call last):
    ...
graders.worker_numbers.NotANumber: bool (not a number)
"""

from __future__ import annotations


class NotANumber(Exception):
    pass


def read(raw, *, missing_is_zero: bool) -> float:
    """A number from the worker's reply, type-checked: plain int/float only."""
    if raw is None and missing_is_zero:
        return 0.0
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise NotANumber(_describe(raw))
    return float(raw)


def _describe(raw) -> str:
    if isinstance(raw, dict) and "not_a_number" in raw:
        return f"a {str(raw['not_a_number'])[:60]} (not a number)"
    return "None" if raw is None else f"{type(raw).__name__} (not a number)"
