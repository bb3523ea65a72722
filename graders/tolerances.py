"""Every tolerance and safety margin chaingrade uses, in one place.

Two kinds of numbers live here:

* **Margins** keep generated points away from places where a derivative is
  undefined or numerically untrustworthy: poles (``1/x`` near 0, ``tan`` near
  pi/2), kinks (``relu`` at 0), overflow (``exp`` of large numbers) and the
  edges of ``log``/``sqrt``. The op catalog (``graders.model.ops``) expresses each
  op's domain with these margins.
* **Tolerances** decide when two numbers agree. The *gate* compares the two
  oracles (MyGrad and numerical differentiation); a case where they disagree
  is discarded, never charged to a student. The *grading* tolerance compares a
  student's numbers with MyGrad's. It is set from what correct course code does:
  any correct formula in float64 passes (``s*(1-s)`` versus
  ``exp(-x)/(1+exp(-x))**2`` differ by a few ulps), and so does the epsilon guard
  of minitorch's template and similar code (``log(x + 1e-6)``, ``1/(x + 1e-6)``:
  a relative error of at most ``1e-6/x``, under 2e-5 inside the domain's margins,
  and an absolute error of about 1e-6 where ``log(x)`` is near 0). A wrong rule
  is off by O(1), so it still fails wherever the true number is not tiny: the
  fixed checks use points where each op's derivative is at least about 1e-5.
  A check with an upstream gradient ``u`` flowing in scales the absolute part
  by ``|u|``, so a number that passes alone never fails only for being scaled.

The epsilon guard, case by case (``tests/engines/correct/epsilon_guarded.py`` and
``minitorch_leaves_only.py`` get full marks at several seeds):

* ``log(x + 1e-6)`` alone: off by ``1e-6/x``, at most 2e-5 at the margin x = 0.05
  (relative to ``|log x| >= 0.05`` there: under ``rtol``), and about 1e-6 near x = 1,
  where ``log(x)`` is near 0 (under ``atol``).
* its derivative ``1/(x + 1e-6)`` and an inverse ``1/(x + 1e-6)`` (division as
  multiplication by it): relative errors ``1e-6/|x|``, under 4e-6 past the pole margin.
* downstream of a guarded node, the difference can outgrow the tolerance (``log(x) * 10``
  near x = 1 is off by 1e-5 where the value is near 0). So a value or gradient that is
  wrong against MyGrad is charged only if it is also wrong against the chain rule taken at
  the engine's *own* values (``Diagnoser._own_reference``): each op is judged on what it
  did with the numbers it was given, never on another op's rounding.
"""

from __future__ import annotations

import math

# --- margins (used by the op catalog's domains) ---------------------------

#: ``log``, ``sqrt`` and a variable base of ``**`` need an argument at least this large.
POSITIVE_MARGIN = 0.05
#: A denominator or a negative power's base stays at least this far from 0.
POLE_MARGIN = 0.25
#: ``tan`` takes arguments within this bound (pi/2 is about 1.5708).
TAN_BOUND = 1.2
#: ``exp`` (and any ``b**u``) takes exponents whose natural-log size is at most this.
EXP_BOUND = 9.0
#: ``sigmoid`` and ``tanh`` take arguments within this bound: they are flat beyond it, and
#: correct formulas such as ``exp(x)/(1+exp(x))`` overflow far beyond it.
SATURATION_BOUND = 30.0
#: Every node's value stays within this magnitude, so nothing overflows or loses precision.
MAGNITUDE_BOUND = 1e4
#: A point is unfair when a ``relu`` argument is closer than this to its kink at 0.
KINK_MARGIN = 1e-2

# --- tolerances -------------------------------------------------------------


def close(actual: float, expected: float, rtol: float, atol: float) -> bool:
    """``|actual - expected| <= atol + rtol * max(|actual|, |expected|)``; NaN and
    infinity are never close to anything (``inf`` would otherwise pass: ``inf <= inf``)."""
    if not (math.isfinite(actual) and math.isfinite(expected)):
        return False
    diff = abs(actual - expected)
    return diff <= atol + rtol * max(abs(actual), abs(expected))


def close_elementwise(actual, expected, rtol: float, atol: float):
    """:func:`close` for arrays, element by element (a boolean array)."""
    import numpy as np

    with np.errstate(all="ignore"):
        diff = np.abs(actual - expected)
        bound = atol + rtol * np.maximum(np.abs(actual), np.abs(expected))
        return np.isfinite(actual) & np.isfinite(expected) & (diff <= bound)


#: The numerical oracle's steps: a complex step (``imag(f(x + ih)) / h``, no subtraction,
#: so as small as we like) where every op downstream is analytic, else a fourth-order
#: central difference whose step, about eps**(1/5), balances truncation and rounding
#: (:func:`central_step`).
COMPLEX_STEP = 1e-20
CENTRAL_STEP = 7.4e-4


def central_step(size):
    """The central difference's step at a value of magnitude ``size`` (a number or an
    array): ``CENTRAL_STEP``, relative past 1."""
    import numpy as np

    return CENTRAL_STEP * np.maximum(1.0, size)


#: Where the central difference evaluates, in units of its step h.
CENTRAL_OFFSETS = (-2, -1, 1, 2)


def central_difference(f, h):
    """The fourth-order central difference from ``f[s]``, the function at ``x + s*h`` for
    each ``s`` of :data:`CENTRAL_OFFSETS` (numbers or arrays alike)."""
    return (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * h)


#: A MyGrad value versus NumPy's own evaluation of the same node (the same arithmetic).
GATE_VALUES = dict(rtol=1e-12, atol=1e-12)
#: MyGrad versus complex-step differentiation (exact to rounding: no subtraction).
GATE_COMPLEX_STEP = dict(rtol=1e-8, atol=1e-10)
#: MyGrad versus a fourth-order central difference (truncation and rounding near 1e-10).
GATE_CENTRAL = dict(rtol=1e-6, atol=1e-8)
#: A student's value or gradient versus MyGrad's.
GRADING = dict(rtol=1e-4, atol=1e-6)
#: Where a number was computed (``graders.where``): a number the tracer saw stored versus
#: one use's contribution (the same arithmetic, rounding apart) ...
SAME_CONTRIBUTION = dict(rtol=1e-9, atol=1e-12)
#: ... and a traced gradient versus MyGrad's, to tell a buggy node from a right one.
TRACED_GRADIENT = dict(rtol=1e-6, atol=1e-9)
#: Two exercise answers an instructor says are the same function (a task file's check).
SAME_FUNCTION = dict(rtol=1e-9, atol=1e-9)


def gate_agrees(numeric, exact, scale, *, analytic: bool):
    """Does a numerical directional derivative agree with MyGrad's (``exact``, the
    gradient projected on the direction; ``scale``, that projection's sum of absolute
    terms)? Relative to the larger of ``scale`` and ``|numeric|``, so cancellation in the
    projection never makes the bound tiny. Works on numbers and arrays alike."""
    import numpy as np

    tolerance = GATE_COMPLEX_STEP if analytic else GATE_CENTRAL
    bound = tolerance["atol"] + tolerance["rtol"] * np.maximum(scale, np.abs(numeric))
    return np.abs(numeric - exact) <= bound


def grading(scale: float = 1.0) -> dict[str, float]:
    """The grading tolerance for a number computed with an upstream gradient of size
    ``scale`` flowing in (1 for a value, or a gradient with nothing above it)."""
    return dict(rtol=GRADING["rtol"], atol=GRADING["atol"] * max(1.0, abs(scale)))


def grading_sum(terms: float) -> dict[str, float]:
    """The grading tolerance for a gradient that sums chain-rule terms whose sizes add up
    to ``terms`` (each path's product of local derivatives, in absolute value). Each term
    carries its own relative error, so the sum's error is relative to ``terms``, not to
    the sum, which cancellation can make tiny (``log(x) - log(x)``'s gradient is 0, while an
    epsilon-guarded ``log`` leaves about 1e-6 of each term behind)."""
    return dict(rtol=GRADING["rtol"], atol=GRADING["atol"] + GRADING["rtol"] * abs(terms))
