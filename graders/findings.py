"""Findings: what went wrong, in the chain-rule step vocabulary of DESIGN.md.

A finding names the step (``forward``, ``local-derivative``, ``upstream``,
``accumulation``, ``order``, ``seed``, ``missing``, ``error``, and for hand-derived
chain-rule exercises ``combination``), the op and argument where that applies, the node
as the student wrote it, the expected and actual numbers, the derivative rule in Leibniz
notation, and a reproducer. A finding about a function the student wrote for an exercise
(``dg_dp``) names it in ``function``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

STEPS = (
    "forward",
    "local-derivative",
    "upstream",
    "accumulation",
    "order",
    "seed",
    "missing",
    "error",
    # Exercises (graders.exercises): a total derivative is not the chain-rule combination of
    # the partials (a missing path, a product where a sum belongs, a wrong sign).
    "combination",
)

#: Steps about the reverse pass as a whole rather than one op's rule.
MACHINERY_STEPS = ("accumulation", "order", "seed")


@dataclass(frozen=True)
class Finding:
    step: str
    message: str
    op: str | None = None
    argument: int | None = None
    argument_name: str | None = None
    node: str | None = None
    expected: float | None = None
    actual: float | str | None = None
    rule: str | None = None
    reproducer: str | None = None
    at: dict[str, float] = field(default_factory=dict)
    #: The student's function the finding is about (exercises: ``"dg_dp"``), else None.
    function: str | None = None

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"unknown step {self.step!r}")

    @property
    def identity(self) -> tuple:
        """What makes two findings the same bug (Hypothesis keeps one failure per identity)."""
        return (self.step, self.op, self.argument)

    def headline(self) -> str:
        """``step local-derivative, op pow (base)``."""
        text = f"step {self.step}"
        if self.function:
            text += f", function {self.function}"
        if self.op:
            text += f", op {self.op}"
            if self.argument_name:
                text += f" ({self.argument_name})"
        return text

    def summary(self) -> str:
        return f"{self.headline()}: {self.message}"

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("expected", "actual"):  # strict JSON has no NaN or Infinity
            if isinstance(data[key], float) and not math.isfinite(data[key]):
                data[key] = repr(data[key])
        data["summary"] = self.summary()
        return data


def number(value: float | str | None) -> str:
    """A number as reports show it: ``147``, ``0.3333333``, or what the engine gave instead."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:.7g}"
    return str(value)


def at_text(at: dict[str, float]) -> str:
    return ", ".join(f"{name}={number(v)}" for name, v in at.items())
