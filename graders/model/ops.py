"""The op catalog: one declarative record per elementary function.

Everything chaingrade knows about an op lives in its record: how it prints, its
NumPy forward (also used on complex numbers by the complex-step oracle), its
MyGrad counterpart, its domain with a safety margin (``graders.tolerances``),
the image of an interval (so strategies stay inside every domain), and its
derivative rule per argument in Leibniz notation, as reports show it.

Binary ops take a node or a number in each position (``2 - x``, ``x * 3``);
``operands`` says which. The three faces of ``**`` are separate ops because a
student engine may support one and not another (micrograd has ``x**2`` but
neither ``x**y`` nor ``2**x``):

==========  ================  ==========================
op          example           operands
==========  ================  ==========================
``pow``     ``q**3``          node base, number exponent
``pow_var`` ``x**y``          node base, node exponent
``rpow``    ``2**x``          number base, node exponent
==========  ================  ==========================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from graders import intervals as iv
from graders.intervals import Interval
from graders.tolerances import (
    EXP_BOUND,
    KINK_MARGIN,
    POLE_MARGIN,
    POSITIVE_MARGIN,
    SATURATION_BOUND,
    TAN_BOUND,
)

Operand = Literal["node", "number", "either"]

#: Numbers a generated composition uses where an op takes any number, simplest first
#: (Hypothesis shrinks toward the front of the list).
CONSTANTS = (2, 3, -1, 0.5, -2, 1.5, 4, -0.5, 10)


@dataclass(frozen=True, kw_only=True)
class Op:
    """One elementary function and everything chaingrade needs to know about it.

    ``syntax`` is how a student writes it: a Python operator (``"+"``, ``"**"``,
    ``"neg"`` for unary minus) or the name of a function/method (``"exp"``).
    ``rules`` holds one Leibniz rule per argument; ``{a}`` and ``{b}`` stand
    for the arguments as written, ``{b_minus_1}`` for a number exponent less one.
    ``domain`` receives one interval per argument (a number ``c`` as ``(c, c)``)
    and says whether every point in them is safely inside the domain. ``mygrad`` is the
    MyGrad function's path in the ``mygrad`` package (``"nnet.activations.relu"``).
    """

    name: str
    syntax: str
    template: str
    arg_names: tuple[str, ...]
    operands: tuple[Operand, ...]
    #: NumPy's forward, on floats, complex numbers (the complex-step oracle) and arrays
    #: alike: what it returns is NumPy's type for its arguments (hence ``Any``).
    forward: Callable[..., Any]
    mygrad: str
    rules: tuple[str, ...]
    image: Callable[..., Interval]
    domain: Callable[..., bool] = lambda *args: True
    constants: tuple[float, ...] = CONSTANTS
    analytic: bool = True
    kink: float | None = None

    @property
    def arity(self) -> int:
        return len(self.arg_names)

    @property
    def is_operator(self) -> bool:
        return not self.syntax.isidentifier() or self.syntax == "neg"

    def write(self, args: Sequence[str]) -> str:
        """The op applied to already-written arguments, e.g. ``write(["q", "3"]) == "q ** 3"``."""
        return self.template.format(*args)

    def rule(self, position: int, args: Sequence[str]) -> str:
        """The derivative rule for one argument, written with the student's names."""
        a = args[0]
        b = args[1] if len(args) > 1 else ""
        return self.rules[position].format(a=a, b=b, b_minus_1=_minus_one(b))

    def fair_at(self, values: Sequence[float]) -> bool:
        """Is this op safely inside its domain, and away from its kink, at these argument values?"""
        if not self.domain(*(iv.point(v) for v in values)):
            return False
        return self.kink is None or abs(values[0] - self.kink) >= KINK_MARGIN


def number_text(value: float) -> str:
    """A number as printed Python shows it: ``2`` not ``2.0``, negatives in parentheses."""
    number = int(value) if float(value).is_integer() else float(value)
    return f"({number})" if number < 0 else str(number)


def _minus_one(text: str) -> str:
    try:
        return number_text(float(text.strip("()")) - 1)
    except ValueError:
        return f"({text} - 1)"


# --- domains ---------------------------------------------------------------


def _positive(a: Interval, *rest: Interval) -> bool:
    return a[0] >= POSITIVE_MARGIN


def _denominator_away_from_zero(a: Interval, b: Interval) -> bool:
    return iv.away_from_zero(b, POLE_MARGIN)


def _number_power_base(a: Interval, c: Interval) -> bool:
    exponent = c[0]
    if exponent < 0 and not iv.away_from_zero(a, POLE_MARGIN):
        return False
    return float(exponent).is_integer() or a[0] >= POSITIVE_MARGIN


def _exp_argument(a: Interval) -> bool:
    return a[1] <= EXP_BOUND


def _positive_base_power(a: Interval, b: Interval) -> bool:
    if a[0] < POSITIVE_MARGIN:
        return False
    lo, hi = iv.mul(b, (math.log(a[0]), math.log(a[1])))
    return -EXP_BOUND <= lo and hi <= EXP_BOUND


def _saturating_argument(a: Interval) -> bool:
    return iv.inside(a, -SATURATION_BOUND, SATURATION_BOUND)


def _tan_argument(a: Interval) -> bool:
    return iv.inside(a, -TAN_BOUND, TAN_BOUND)


# --- images ----------------------------------------------------------------


def _trig_image(f: Callable[[float], float], first_extremum: float) -> Callable:
    """Image of sin or cos: endpoints plus the extrema (spaced by pi) inside the interval."""

    def image(a: Interval) -> Interval:
        if a[1] - a[0] >= 2 * math.pi:
            return (-1.0, 1.0)
        k = math.ceil((a[0] - first_extremum) / math.pi)
        values = [f(a[0]), f(a[1])]
        while first_extremum + k * math.pi <= a[1]:
            values.append(f(first_extremum + k * math.pi))
            k += 1
        return (min(values), max(values))

    return image


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _relu(x):
    return np.maximum(x, 0.0)


# --- the catalog -----------------------------------------------------------

_BINARY = ("a", "b")

CATALOG: dict[str, Op] = {
    op.name: op
    for op in [
        Op(
            name="add",
            syntax="+",
            template="{0} + {1}",
            arg_names=_BINARY,
            operands=("either", "either"),
            forward=lambda a, b: a + b,
            mygrad="add",
            rules=("d/d{a} ({a} + {b}) = 1", "d/d{b} ({a} + {b}) = 1"),
            image=iv.add,
        ),
        Op(
            name="sub",
            syntax="-",
            template="{0} - {1}",
            arg_names=_BINARY,
            operands=("either", "either"),
            forward=lambda a, b: a - b,
            mygrad="subtract",
            rules=("d/d{a} ({a} - {b}) = 1", "d/d{b} ({a} - {b}) = -1"),
            image=iv.sub,
        ),
        Op(
            name="mul",
            syntax="*",
            template="{0} * {1}",
            arg_names=_BINARY,
            operands=("either", "either"),
            forward=lambda a, b: a * b,
            mygrad="multiply",
            rules=("d/d{a} ({a}*{b}) = {b}", "d/d{b} ({a}*{b}) = {a}"),
            image=iv.mul,
        ),
        Op(
            name="div",
            syntax="/",
            template="{0} / {1}",
            arg_names=_BINARY,
            operands=("either", "either"),
            forward=lambda a, b: a / b,
            mygrad="divide",
            rules=("d/d{a} ({a}/{b}) = 1/{b}", "d/d{b} ({a}/{b}) = -{a}/{b}**2"),
            image=lambda a, b: iv.mul(a, iv.reciprocal(b)),
            domain=_denominator_away_from_zero,
        ),
        Op(
            name="neg",
            syntax="neg",
            template="-{0}",
            arg_names=("a",),
            operands=("node",),
            forward=lambda a: -a,
            mygrad="negative",
            rules=("d/d{a} (-{a}) = -1",),
            image=lambda a: (-a[1], -a[0]),
        ),
        Op(
            name="pow",
            syntax="**",
            template="{0} ** {1}",
            arg_names=("base", "exponent"),
            operands=("node", "number"),
            forward=lambda a, b: a**b,
            mygrad="power",
            rules=("d/d{a} {a}**{b} = {b}*{a}**{b_minus_1}", ""),
            image=lambda a, c: iv.power(a, c[0]),
            domain=_number_power_base,
            constants=(2, 3, -1, 0.5, -2, 1.5, 4),
        ),
        Op(
            name="pow_var",
            syntax="**",
            template="{0} ** {1}",
            arg_names=("base", "exponent"),
            operands=("node", "node"),
            forward=lambda a, b: a**b,
            mygrad="power",
            rules=(
                "d/d{a} {a}**{b} = {b}*{a}**({b} - 1)",
                "d/d{b} {a}**{b} = {a}**{b}*log({a})",
            ),
            image=iv.exp_of_log,
            domain=_positive_base_power,
        ),
        Op(
            name="rpow",
            syntax="**",
            template="{0} ** {1}",
            arg_names=("base", "exponent"),
            operands=("number", "node"),
            forward=lambda a, b: a**b,
            mygrad="power",
            rules=("", "d/d{b} {a}**{b} = {a}**{b}*log({a})"),
            image=iv.exp_of_log,
            domain=_positive_base_power,
            constants=(2, 3, 0.5, 1.5, 10),
        ),
        Op(
            name="exp",
            syntax="exp",
            template="exp({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.exp,
            mygrad="exp",
            rules=("d/d{a} exp({a}) = exp({a})",),
            image=iv.increasing(math.exp),
            domain=_exp_argument,
        ),
        Op(
            name="log",
            syntax="log",
            template="log({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.log,
            mygrad="log",
            rules=("d/d{a} log({a}) = 1/{a}",),
            image=iv.increasing(math.log),
            domain=_positive,
        ),
        Op(
            name="sin",
            syntax="sin",
            template="sin({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.sin,
            mygrad="sin",
            rules=("d/d{a} sin({a}) = cos({a})",),
            image=_trig_image(math.sin, math.pi / 2),
        ),
        Op(
            name="cos",
            syntax="cos",
            template="cos({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.cos,
            mygrad="cos",
            rules=("d/d{a} cos({a}) = -sin({a})",),
            image=_trig_image(math.cos, 0.0),
        ),
        Op(
            name="tan",
            syntax="tan",
            template="tan({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.tan,
            mygrad="tan",
            rules=("d/d{a} tan({a}) = 1/cos({a})**2",),
            image=iv.increasing(math.tan),
            domain=_tan_argument,
        ),
        Op(
            name="tanh",
            syntax="tanh",
            template="tanh({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.tanh,
            mygrad="tanh",
            rules=("d/d{a} tanh({a}) = 1 - tanh({a})**2",),
            image=iv.increasing(math.tanh),
            domain=_saturating_argument,
        ),
        Op(
            name="sqrt",
            syntax="sqrt",
            template="sqrt({0})",
            arg_names=("a",),
            operands=("node",),
            forward=np.sqrt,
            mygrad="sqrt",
            rules=("d/d{a} sqrt({a}) = 1/(2*sqrt({a}))",),
            image=iv.increasing(math.sqrt),
            domain=_positive,
        ),
        Op(
            name="sigmoid",
            syntax="sigmoid",
            template="sigmoid({0})",
            arg_names=("a",),
            operands=("node",),
            forward=_sigmoid,
            mygrad="nnet.activations.sigmoid",
            rules=("d/d{a} sigmoid({a}) = sigmoid({a})*(1 - sigmoid({a}))",),
            image=iv.increasing(lambda x: 1.0 / (1.0 + math.exp(-x))),
            domain=_saturating_argument,
        ),
        Op(
            name="relu",
            syntax="relu",
            template="relu({0})",
            arg_names=("a",),
            operands=("node",),
            forward=_relu,
            mygrad="nnet.activations.relu",
            rules=("d/d{a} relu({a}) = 1 if {a} > 0 else 0",),
            image=iv.increasing(lambda x: max(x, 0.0)),
            analytic=False,
            kink=0.0,
        ),
    ]
}

ALL_OPS: tuple[str, ...] = tuple(CATALOG)


def get(name: str) -> Op:
    """The catalog record for ``name``, with an error that lists the valid names."""
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError(f"unknown op {name!r}; chaingrade knows: {', '.join(ALL_OPS)}") from None
