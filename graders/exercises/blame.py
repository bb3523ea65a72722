"""Blame: which step of a hand-derived exercise is wrong.

Given a student's answers at some points (numbers that came back from the worker) and
MyGrad's values of every step, :func:`blame` returns at most one finding per function:

1. ``missing`` / ``error``: the function is absent, raised, or returned no number;
2. ``local-derivative``: a local partial (``dg_dp``) differs from MyGrad;
3. for a wrong total (``dg_dx``), the chain rule is recomputed from the student's *own*
   partials, summed over every path. If that recomputation equals the student's total,
   the total is right given the partials: the wrong partial is blamed (its finding says
   so) and the total is not charged. That holds even when every partial looks right at
   this point (within the tolerance, while a cancellation in the total magnifies their
   error): then the total is *pending* (``blame(..., pending=set)``), never blamed on the
   combination, and the grader checks the partials at the other points before it decides.
   Otherwise the combination is wrong, step ``combination``, and the finding says how
   when it can tell: a missing path, a link dropped from a path, a path with the wrong
   sign, a product where a sum belongs or a sum where a product belongs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from graders.exercises.parse import Exercise
from graders.exercises.steps import Step, formula
from graders.model import ops
from graders.results import Finding, at_text, number
from graders.tolerances import GRADING, close


@dataclass(frozen=True)
class Broken:
    """A function that gave no number: ``kind`` is ``"missing"`` or ``"error"``."""

    kind: Literal["missing", "error"]
    message: str


Answer = float | Broken


@dataclass(frozen=True)
class Observation:
    """One point: MyGrad's value of every step, and the student's answers."""

    point: tuple[float, ...]
    expected: dict[str, float]
    answers: dict[str, Answer]

    def number(self, function: str) -> float:
        """The student's answer to ``function`` here, where it is known to be a number: a
        function that gave none is blamed for that first (``_Blame._broken``)."""
        answer = self.answers[function]
        if isinstance(answer, Broken):
            raise TypeError(f"{function}() gave no number at {self.point}")
        return answer


def blame(
    exercise: Exercise,
    steps: Sequence[Step],
    observations: Sequence[Observation],
    module: str = "answers",
    pending: set[str] | None = None,
) -> list[Finding]:
    """The findings for one case (a few points), at most one per function, in step order.

    A wrong total that is the chain-rule combination of the student's own partials, all
    of which look right here, is added to ``pending`` (if given) instead of being charged.
    """
    return _Blame(exercise, steps, module, pending).run(observations)


def right(answer: Answer | None, expected: float) -> bool:
    return isinstance(answer, float) and close(answer, expected, **GRADING)


class _Blame:
    def __init__(self, exercise: Exercise, steps: Sequence[Step], module: str, pending=None):
        self.pending = pending if pending is not None else set()
        self.exercise = exercise
        self.steps = list(steps)
        self.leibniz = {s.function: s.leibniz for s in steps}
        self.module = module

    def run(self, observations: Sequence[Observation]) -> list[Finding]:
        findings: dict[str, Finding] = {}
        # A function left out of this case (already found broken) is not judged again.
        asked = [s for s in self.steps if all(s.function in o.answers for o in observations)]
        failures: dict[str, str] = {}  # how each broken function failed, its name left out
        for step in asked:
            broken = self._broken(step, observations)
            if broken:
                findings[step.function], failures[step.function] = broken
        for step in asked:
            failed = failures.get(step.function)
            same = [g for g in _factors(step) if failed is not None and failures.get(g) == failed]
            if same:
                self._note(
                    findings,
                    step.function,
                    f" (perhaps only because it uses {same[0]}, "
                    f"which fails the same way: fix that first)",
                )
        for step in asked:
            wrong = _wrong(step, observations)
            if wrong and not step.is_total and step.function not in findings:
                findings[step.function] = self._local(step, wrong)
        follows: dict[str, list[str]] = {}  # a wrong partial -> the totals right given it
        for step in asked:
            wrong = _wrong(step, observations)
            if wrong and step.is_total and step.function not in findings:
                self._total(step, wrong, findings, follows)
        for partial, totals in follows.items():
            is_, s_, it = ("is", "", "it is") if len(totals) == 1 else ("are", "s", "they are")
            self._note(
                findings,
                partial,
                (
                    f"; your {' and '.join(totals)} {is_} the right chain-rule combination{s_} of "
                    f"your partials, so {it} wrong only because {partial} is"
                ),
            )
        return [findings[s.function] for s in self.steps if s.function in findings]

    @staticmethod
    def _note(findings: dict[str, Finding], function: str, text: str) -> None:
        finding = findings[function]
        findings[function] = replace(finding, message=finding.message + text)

    # --- 1. no number -------------------------------------------------------------------

    def _broken(self, step: Step, observations: Sequence[Observation]):
        """The finding for a function that gave no number, and how it failed (or None)."""
        for o in observations:
            answer = o.answers.get(step.function)
            if isinstance(answer, Broken):
                call, message = self._call(step.function, o.point), answer.message
                own = f"{step.function}() "
                failed = message[len(own) :] if message.startswith(own) else message
                text = f"{call} {failed}" if message.startswith(own) else f"{call}: {message}"
                return Finding(
                    answer.kind,
                    text,
                    node=self._node(step),
                    rule=step.leibniz,
                    reproducer=self._repro(o.point, [(step.function, None)]),
                    at=self._at(o.point),
                    function=step.function,
                ), f"{answer.kind}: {failed}"
        return None

    # --- 2. a local partial ---------------------------------------------------------------

    def _local(self, step: Step, wrong: Sequence[Observation]) -> Finding:
        o = wrong[0]
        f = step.function
        expected, actual = o.expected[f], o.number(f)
        hints = []
        if all(close(-x.number(f), x.expected[f], **GRADING) for x in wrong):
            hints.append("the sign is wrong")
        others = [d for d in self.exercise.dependencies[step.of] if d != step.wrt]
        if others:
            held = " and ".join(others)
            hints.append(f"a partial derivative holds {held} fixed")
        op, argument, argument_name, rule_text = self._single_op(step)
        if rule_text:
            hints.append(f"the rule: {rule_text}")
        message = (
            f"{self._call(f, o.point)} returned {number(actual)}, expected {step.leibniz} = "
            f"{number(expected)} for {self.exercise.lines[step.of]}"
        )
        if hints:
            message += " (" + "; ".join(hints) + ")"
        return Finding(
            "local-derivative",
            message,
            op=op,
            argument=argument,
            argument_name=argument_name,
            node=self.exercise.lines[step.of],
            expected=expected,
            actual=actual,
            rule=step.leibniz,
            reproducer=self._repro(o.point, [(f, expected)]),
            at=self._at(o.point),
            function=f,
        )

    def _single_op(self, step: Step) -> tuple[str | None, int | None, str | None, str | None]:
        """The op, argument and catalog rule when the intermediate is a single op."""
        local = self.exercise.local[step.of]
        if len(local.nodes) != 1:
            return None, None, None, None
        node = local.nodes[0]
        op = ops.get(node.op)
        positions = [pos for pos, a in node.node_args() if local.inputs[a] == step.wrt]
        if len(positions) != 1:
            return op.name, None, None, None
        args = [local.arg_text(a) for a in node.args]
        return op.name, positions[0], op.arg_names[positions[0]], op.rule(positions[0], args)

    # --- 3. a total -----------------------------------------------------------------------

    def _total(
        self,
        step: Step,
        wrong: Sequence[Observation],
        findings: dict,
        follows: dict[str, list[str]],
    ) -> None:
        f = step.function
        factors = _factors(step)
        wrong_factors = [g for g in factors if g in findings]
        own = all(isinstance(o.answers.get(g), float) for g in factors for o in wrong)
        own_totals = [_combine(step.paths, o.answers) for o in wrong] if own else []
        consistent = own and all(
            close(o.number(f), total, **GRADING) for o, total in zip(wrong, own_totals)
        )
        if consistent and wrong_factors:
            for g in wrong_factors:
                if findings[g].step == "local-derivative":
                    follows.setdefault(g, []).append(f)
            return
        if consistent:  # the chain rule of partials that look right here: check them elsewhere
            self.pending.add(f)
            return
        findings[f] = self._combination(step, wrong, own, own_totals, wrong_factors)

    def _combination(self, step, wrong, own, own_totals, wrong_factors) -> Finding:
        f = step.function
        o = wrong[0]
        expected, actual = o.expected[f], o.number(f)
        rule = formula(step, self.steps)
        message = (
            f"{self._call(f, o.point)} returned {number(actual)}, expected "
            f"{step.leibniz} = {number(expected)}"
        )
        how = None
        if own and not wrong_factors:
            message += ". Your partials are right, so the combination is wrong"
        elif own:
            message += (
                f". It is not the chain-rule combination of your own partials either "
                f"(that gives {number(own_totals[0])})"
            )
            how = self._how(step, [(x.answers[f], x.answers) for x in wrong])
        else:
            message += ", and it cannot be checked against your partials (not all of them work)"
        if how is None:
            how = self._how(step, [(x.answers[f], x.expected) for x in wrong])
        message += f": {how}" if how else ""
        message += f". The chain rule: {rule}"
        factors = _factors(step)
        checks = [(f, expected)]
        if own:
            checks.append((self._combination_code(step), None if wrong_factors else expected))
        return Finding(
            "combination",
            message,
            node=self.exercise.lines[step.of],
            expected=expected,
            actual=actual,
            rule=rule,
            reproducer=self._repro(o.point, checks, extra=factors),
            at=self._at(o.point),
            function=f,
        )

    def _how(self, step: Step, rows: Sequence[tuple[float, dict]]) -> str | None:
        """What the student's total is, if it is a recognizable slip in the chain rule."""
        for description, candidate in self._candidates(step):
            try:
                if all(close(actual, candidate(values), **GRADING) for actual, values in rows):
                    return description
            except (KeyError, TypeError, OverflowError):
                continue
        return None

    def _candidates(self, step: Step) -> list[tuple[str, Callable[[dict], float]]]:
        paths = [list(p) for p in step.paths]
        m = len(paths)
        text = ["*".join(self.leibniz[g] for g in p) for p in paths]
        of, wrt = step.of, step.wrt
        found: list[tuple[str, Callable[[dict], float]]] = []
        indices = range(m)
        for size in range(m - 1, 0, -1):  # missing paths
            for kept in itertools.combinations(indices, size):
                missing = [text[k] for k in indices if k not in kept]
                found.append(
                    (
                        f"a missing path: it leaves out {_join(missing)}; the chain rule sums over "
                        f"every path from {wrt} to {of}",
                        lambda v, kept=kept: sum(_product(paths[k], v) for k in kept),
                    )
                )
        factors = list(dict.fromkeys(g for p in paths for g in p))
        for g in factors:  # a link dropped wherever it appears
            if all(len(p) == 1 for p in paths if g in p):
                continue
            where = [text[k] for k in indices if g in paths[k]]
            found.append(
                (
                    f"a missing link: it drops {self.leibniz[g]} from {_join(where)}; along a path "
                    f"the chain rule multiplies every link",
                    lambda v, g=g: sum(_product(_drop(p, g), v) for p in paths),
                )
            )
        for size in range(1, m + 1):  # signs
            for flipped in itertools.combinations(indices, size):
                if size == m:
                    description = "a sign error: it has the opposite sign"
                else:
                    description = (
                        f"a sign error: {_join([text[k] for k in flipped])} enters "
                        f"with the wrong sign; every path adds"
                    )
                found.append(
                    (
                        description,
                        lambda v, flipped=flipped: sum(
                            (-1 if k in flipped else 1) * _product(paths[k], v) for k in indices
                        ),
                    )
                )
        if m >= 2:
            found.append(
                (
                    "a product where a sum belongs: it multiplies the paths "
                    + " * ".join(f"({t})" for t in text)
                    + " where the chain rule adds them",
                    lambda v: math.prod(_product(p, v) for p in paths),
                )
            )
        if any(len(p) > 1 for p in paths):
            found.append(
                (
                    "a sum where a product belongs: it adds the links along a path ("
                    + " + ".join(self.leibniz[g] for g in paths[0])
                    + ") where the chain rule "
                    "multiplies them",
                    lambda v: sum(sum(v[g] for g in p) for p in paths),
                )
            )
        return found

    # --- text -----------------------------------------------------------------------------

    def _node(self, step: Step) -> str:
        return self.exercise.lines[step.of]

    def _at(self, point: Sequence[float]) -> dict[str, float]:
        return dict(zip(self.exercise.inputs, (float(v) for v in point)))

    def _call(self, function: str, point: Sequence[float]) -> str:
        return f"{function}({at_text(self._at(point))})"

    def _combination_code(self, step: Step) -> str:
        args = ", ".join(self.exercise.inputs)
        return " + ".join("*".join(f"{g}({args})" for g in path) for path in step.paths)

    def _repro(self, point, checks, extra: Sequence[str] = ()) -> str:
        """Python to paste: import the functions, set the inputs, print each check."""
        inputs = self.exercise.inputs
        names = sorted({*(f for f, _ in checks if f.isidentifier()), *extra})
        args = ", ".join(inputs)
        lines = [f"from {self.module} import {', '.join(names)}", ""]
        lines.append(f"{args} = {', '.join(repr(float(v)) for v in point)}")
        for code, expected in checks:
            expression = f"{code}({args})" if code.isidentifier() else code
            label = expression if len(expression) <= 60 else "chain rule from your partials"
            tail = f', "  expected {expected:.10g}"' if expected is not None else ""
            lines.append(f'print("{label} =", {expression}{tail})')
        return "\n".join(lines) + "\n"


def _factors(step: Step) -> list[str]:
    """The local steps on a total's paths, each once."""
    return list(dict.fromkeys(g for path in step.paths for g in path))


def _wrong(step: Step, observations: Sequence[Observation]) -> list[Observation]:
    """The observations at which the student's answer to ``step`` is not MyGrad's."""
    f = step.function
    return [o for o in observations if not right(o.answers[f], o.expected[f])]


def _product(path: Sequence[str], values: dict) -> float:
    return math.prod(values[g] for g in path)


def _drop(path: Sequence[str], link: str) -> list[str]:
    return [h for h in path if h != link] if len(path) > 1 else list(path)


def _combine(paths: Sequence[Sequence[str]], values: dict) -> float:
    """The multivariable chain rule: the sum over paths of the product of the links."""
    return sum(_product(p, values) for p in paths)


def _join(texts: Sequence[str]) -> str:
    quoted = [f"the path {t}" for t in texts]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
