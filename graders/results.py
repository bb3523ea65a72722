"""Results: findings, per-part results and the report of one grading.

This module is the data model every output reads (text, JSON, Gradescope, the pytest
plugin, batch summaries), so it imports neither MyGrad, Hypothesis nor NumPy.

A :class:`Finding` says what went wrong, in the chain-rule step vocabulary (the core
:data:`STEPS` and the steps kinds declare, :func:`vocabulary`; documented in the README):
the step, the op and argument where that applies, the node as the student wrote it, the
expected and actual numbers, the derivative rule in Leibniz notation, and a reproducer. A
finding about a function the student wrote for an exercise (``dg_dp``) names it in
``function``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from graders.parts import Part

#: The core chain-rule steps, those of every kind (README: "Chain-rule steps"). A kind adds
#: the steps only its findings use (:class:`KindStep`, declared in ``Kind.steps``), as a
#: pytest plugin adds its hooks: the exercises kind ``combination``, the tensor kind
#: ``shape`` and ``unbroadcast``. Together they make the one vocabulary every report
#: reader shares (:func:`vocabulary`).
Step = Literal[
    "forward",
    "local-derivative",
    "upstream",
    "accumulation",
    "order",
    "seed",
    "missing",
    "error",
]
STEPS: tuple[Step, ...] = get_args(Step)

#: Steps about the reverse pass as a whole rather than one op's rule.
MACHINERY_STEPS: tuple[Step, ...] = ("accumulation", "order", "seed")
#: The order findings are listed in: causes first (an error that stops everything, the
#: seed and the reverse pass), then each op's own findings, ``missing`` last. A kind's
#: steps go in after the step each names (:func:`cause_order`).
CORE_CAUSE_ORDER: tuple[Step, ...] = (
    "seed",
    "order",
    "accumulation",
    "forward",
    "local-derivative",
    "upstream",
    "error",
    "missing",
)


@dataclass(frozen=True)
class KindStep:
    """A step of the report vocabulary that only one kind's findings use, declared by that
    kind (``graders.kinds.Kind.steps``), which registers it when the kind is defined.

    >>> KindStep("shape", after="forward", meaning="a gradient whose shape is not its node's")
    KindStep(name='shape', after='forward', meaning="a gradient whose shape is not its node's")
    """

    name: str
    #: The step it is listed after in the cause order: a core step, or one the kind
    #: declared before it.
    after: str
    #: What a finding of this step says went wrong (the README's table says it too).
    meaning: str


#: The steps kinds declared: name -> (the kind, the step), in the order they were added.
_DECLARED: dict[str, tuple[str, KindStep]] = {}


def add_steps(kind: str, steps: tuple[KindStep, ...]) -> None:
    """Add ``kind``'s own steps to the vocabulary (``graders.kinds.Kind`` does this when a
    kind is defined; defining it again adds nothing). ValueError when a step is a core
    step or another kind's, or is listed after a step not yet known."""
    for step in steps:
        owner = _DECLARED.get(step.name, (kind, step))
        if step.name in STEPS or owner != (kind, step):
            taken = "a core step" if step.name in STEPS else f"kind {owner[0]!r}'s"
            raise ValueError(f"kind {kind!r} declares step {step.name!r}: it is {taken}")
        if step.after not in STEPS and step.after not in _DECLARED:
            raise ValueError(
                f"kind {kind!r}: step {step.name!r} is listed after {step.after!r}, "
                "which is no core step nor one declared before it"
            )
        _DECLARED[step.name] = (kind, step)


def vocabulary() -> tuple[str, ...]:
    """Every step a finding can name: the core steps, then the kinds' in the order added."""
    return (*STEPS, *_DECLARED)


def kind_steps() -> dict[str, str]:
    """The steps kinds declared: step -> the kind that declared it."""
    return {name: kind for name, (kind, _) in _DECLARED.items()}


def cause_order() -> tuple[str, ...]:
    """Every known step in the order findings are listed in: :data:`CORE_CAUSE_ORDER`,
    each kind's step right after the step it names (steps after the same one by kind
    name, then as declared), so the order does not depend on which kind loaded first."""
    following: dict[str, list[str]] = {}
    for name, (_, step) in sorted(_DECLARED.items(), key=lambda item: item[1][0]):
        following.setdefault(step.after, []).append(name)

    def listed(step: str) -> list[str]:
        return [step, *(s for later in following.get(step, []) for s in listed(later))]

    return tuple(s for core in CORE_CAUSE_ORDER for s in listed(core))


#: The fewest digits a private seed is blanked out of reports with (``Report.redacted``).
SECRET_DIGITS = 6


@dataclass(frozen=True)
class Finding:
    #: A core :data:`Step`, or one a kind declared (:func:`vocabulary`).
    step: str
    message: str
    op: str | None = None
    argument: int | None = None
    argument_name: str | None = None
    node: str | None = None
    expected: float | str | None = None
    actual: float | str | None = None
    rule: str | None = None
    reproducer: str | None = None
    at: dict[str, float] = field(default_factory=dict)
    #: The student's function the finding is about (exercises: ``"dg_dp"``), else None.
    function: str | None = None
    #: The case the finding was made on, for drawing it (engine kinds): ``composition``
    #: (``Composition.to_json()``), ``point``, the trusted ``expected`` values and grads
    #: and the student's ``actual`` ones per node (``None`` where not read), ``focus``:
    #: the node (and argument) the finding is about, and ``api``: the student API's fields
    #: (``graders.presets``), so nodes can be written as the student writes them. Plain
    #: JSON data.
    case: dict | None = None
    #: The axes a finding is about (array engines): those a gradient must be summed over
    #: (``unbroadcast``), or the reduction's whose gradient is wrong; None elsewhere.
    axes: tuple[int, ...] | None = None
    #: An ``error`` raised only where ops are composed, each having run right alone: with
    #: an op, that op under a trusted gradient other than 1 (``x * 3`` on its output); with
    #: none, the reverse pass itself. The machinery part is charged for it either way.
    composed: bool = False
    #: Places in the student's own files (``graders.places``: ``{"file", "line",
    #: "function", "code"}``), first the line that computed the wrong number; empty when
    #: none is certain.
    where: tuple[dict, ...] = ()

    def __post_init__(self) -> None:
        if self.step not in STEPS and self.step not in _DECLARED:
            raise ValueError(f"unknown step {self.step!r}: choose one of {', '.join(vocabulary())}")

    @property
    def identity(self) -> tuple:
        """What makes two findings the same bug (Hypothesis keeps one failure per identity):
        the step, what it is about (the op, or the student's function), the argument."""
        return (self.step, self.function or self.op, self.argument)

    @property
    def stops_everything(self) -> bool:
        """An error that is no op's fault (a crash on import, a policy violation)."""
        return self.step == "error" and self.op is None and self.function is None

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
            data[key] = _strict(data[key])
        if data["case"] is not None:
            data["case"] = _strict(data["case"])
        data["summary"] = self.summary()
        return data


def _strict(value):
    """``value`` with every non-finite float written as text (strict JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def unique(findings: list[Finding]) -> list[Finding]:
    """The first finding of each identity, in order."""
    first: dict[tuple, Finding] = {}
    for finding in findings:
        first.setdefault(finding.identity, finding)
    return list(first.values())


def by_cause(findings: list[Finding]) -> list[Finding]:
    """One finding per identity, in :func:`cause_order` (stable otherwise). A step this
    process has not heard of (a finding unpickled where its kind was never loaded) goes
    last rather than stopping the report."""
    order = {step: k for k, step in enumerate(cause_order())}

    def rank(finding: Finding) -> int:
        if finding.stops_everything:
            return -1
        return order.get(finding.step, len(order))

    return sorted(unique(findings), key=rank)


def number(value: object) -> str:
    """A number as reports show it: ``147``, ``0.3333333``, or what the engine gave instead."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:.7g}"
    return str(value)


def at_text(at: dict[str, float]) -> str:
    return ", ".join(f"{name}={number(v)}" for name, v in at.items())


@dataclass
class PartResult:
    part: Part
    score: float
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    #: Examples in which some node had several consumers (what tests the reverse pass).
    shared_examples: int = 0
    #: A digest of every case the part checked, in order: the same seed gives the same one.
    cases_digest: str = ""
    #: The items (ops, or exercise functions) that earned their share of the part's points;
    #: empty for an all-or-nothing part.
    credited: tuple[str, ...] = ()

    @property
    def max_score(self) -> float:
        return self.part.points

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass
class Report:
    assignment: str
    submission: str
    parts: list[PartResult]
    findings: list[Finding]
    elapsed: float = 0.0
    student_output: str = ""
    #: What was done to the submission before grading, never a penalty: a notebook's
    #: code cells graded and its magics dropped, a folder's files left out and why.
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(p.score for p in self.parts), 4)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)

    def part(self, name: str) -> PartResult:
        for result in self.parts:
            if result.part.name == name:
                return result
        raise KeyError(f"no part {name!r}; parts: {', '.join(p.part.name for p in self.parts)}")

    def redacted(self, secret: str) -> Report:
        """This report with ``secret`` (a private seed) blanked out of every text the
        submission could have put it in. A secret of fewer than :data:`SECRET_DIGITS`
        digits is left: it is in every report's numbers (a seed of 1 blanked every 1), and
        blanking it would say which it is (``options.grading_seed`` warns about one)."""
        if len(secret.lstrip("-")) < SECRET_DIGITS:
            return self

        def clean(finding: Finding) -> Finding:
            texts = {
                k: getattr(finding, k).replace(secret, "[redacted]")
                for k in ("message", "node", "reproducer", "actual")
                if isinstance(getattr(finding, k), str)
            }
            return replace(finding, **texts)

        parts = [replace(p, findings=[clean(f) for f in p.findings]) for p in self.parts]
        return replace(
            self,
            parts=parts,
            findings=[clean(f) for f in self.findings],
            student_output=self.student_output.replace(secret, "[redacted]"),
            notes=[n.replace(secret, "[redacted]") for n in self.notes],
        )

    def to_json(self) -> dict:
        return {
            "assignment": self.assignment,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [
                {
                    "name": p.part.name,
                    "score": round(p.score, 4),
                    "max_score": p.max_score,
                    "findings": [f.summary() for f in p.findings],
                    "cases_digest": p.cases_digest,
                }
                for p in self.parts
            ],
            "findings": [f.to_json() for f in self.findings],
            "notes": list(self.notes),
            "elapsed_seconds": round(self.elapsed, 3),
        }
