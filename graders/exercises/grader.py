"""Grading hand-derived chain-rule exercises (assignments of kind ``exercises``).

Each part is one exercise (``graders.exercises.tasks``); the student writes every step
as a function of the inputs in one answers file. For each part:

1. the published examples, if any, as one case;
2. a Hypothesis run over fair points of the exercise (``strategies.points`` on its
   boxes), ``inputs_per_case`` points per case. A case is one worker round trip: every
   function the student still has to answer, at every point of the case, as ``call``
   jobs. Student code runs only in the worker; only numbers come back.

The trusted process computes MyGrad's value of every step (``steps.expected``) and drops
any point the numerical oracle does not confirm, then ``blame`` names the wrong step. The
first finding per function is kept. A function that is missing or raised is not called
again; a case that crashes or hangs the worker is re-run one function at a time to find
the culprit. The part's case digest is the one every kind keeps (``record_case``).

Score: a part loses the share of its functions that have a finding (``BaseGrader.score``,
the rule every kind shares, over ``KIND.items``: the exercise's functions). A total that is
wrong only because a partial it uses is wrong (it is the right combination of the
student's own partials) is not charged again: the partial is.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis.errors import Unsatisfiable

from graders.exercises.blame import Broken, Observation, blame
from graders.exercises.steps import expected
from graders.exercises.tasks import Task
from graders.grading import BaseGrader
from graders.parts import Part
from graders.results import Finding, PartResult
from graders.sandbox.protocol import CallJob, Job, Outcome
from graders.worker_numbers import NotANumber, read
from strategies import points

#: Worker outcomes that mean the whole request died, not one function.
_FATAL_KINDS = ("timeout", "crash")


class ExerciseGrader(BaseGrader):
    """Grades a file of hand-derived derivatives (assignments of kind ``exercises``)."""

    policy_advice = "derive the derivatives by hand"

    def grade_part(self, part: Part) -> PartResult:
        task: Task = self.assignment.prepared[part.name]
        state = _PartState(task)
        result = PartResult(part, 0.0)
        if task.published:
            self._case(state, [p for p, _ in task.published], [v for _, v in task.published])
            result.examples += 1
        strategy = points(task.exercise.composition)
        per_case = self.assignment.inputs_per_case

        def check(data):
            case_points = [data.draw(strategy, label="point") for _ in range(per_case)]
            self.record_case(f"{case_points}\n")
            if state.fatal is None and state.asked():
                result.examples += 1
                self._case(state, case_points)

        try:
            self.search(part, check, shrink=False)
        except Unsatisfiable:
            pass  # the exercise's boxes were checked at load; nothing fair was drawn
        result.findings = state.findings()
        charged = [f.function for f in result.findings if f.function is not None]
        self.score(result, charged=charged, broken=state.fatal is not None)
        return result

    def _case(self, state: _PartState, case_points, published=None) -> None:
        """One round trip: every function still asked for, at every fair point of the case."""
        state.fatal = state.fatal or self.out_of_time()
        if state.fatal is not None:
            return
        task = state.task
        kept = []
        for k, point in enumerate(case_points):
            values = published[k] if published else expected(task.exercise, task.steps, point)
            if values is not None:  # a point the oracles do not agree on is never charged
                kept.append((tuple(float(v) for v in point), values))
        if not kept:
            return
        functions = state.asked()
        answers = self._answers(functions, [p for p, _ in kept])
        observations = [
            Observation(point, values, {f: answers[f][i] for f in functions})
            for i, (point, values) in enumerate(kept)
        ]
        module = self.runner.module_name
        state.add(blame(task.exercise, task.steps, observations, module, state.pending))

    def _answers(self, functions: list[str], case_points: list) -> dict[str, list]:
        jobs: list[Job] = [
            CallJob(call=f, points=[list(p) for p in case_points]) for f in functions
        ]
        outcomes = self.runner.run(jobs)
        if any(_fatal(o) for outcome in outcomes for o in outcome):
            # Something crashed or hung the worker: run each function alone to find it.
            outcomes = [self.runner.run([job])[0] for job in jobs]
        return {f: [_answer(f, o) for o in outcome] for f, outcome in zip(functions, outcomes)}


class _PartState:
    """What one part has found so far: the first finding per function."""

    def __init__(self, task: Task):
        self.task = task
        self.found: dict[str, Finding] = {}
        self.fatal: Finding | None = None
        #: Totals that were the chain rule of partials looking right where they were wrong
        #: (``blame``'s ``pending``): blamed on a partial found wrong elsewhere, or not at all.
        self.pending: set[str] = set()

    def asked(self) -> list[str]:
        """The functions still worth calling: not missing and not known to raise."""
        return [
            f
            for f in self.task.functions
            if f not in self.found or self.found[f].step not in ("missing", "error")
        ]

    def add(self, findings: list[Finding]) -> None:
        """Keep the first finding per function (``blame`` names one on each)."""
        for finding in findings:
            if finding.function is not None:
                self.found.setdefault(finding.function, finding)

    def findings(self) -> list[Finding]:
        for total in sorted(self.pending):
            self._blame_pending(total)
        ordered = [self.found[f] for f in self.task.functions if f in self.found]
        return [self.fatal, *ordered] if self.fatal else ordered

    def _blame_pending(self, total: str) -> None:
        """A pending total is the chain rule of the student's own partials: if one of them
        was found wrong at another point, that partial is to blame (its finding says so);
        a combination finding made where the partials looked right is withdrawn."""
        step = next(s for s in self.task.steps if s.function == total)
        factors = dict.fromkeys(g for path in step.paths for g in path)
        wrong = [
            g for g in factors if getattr(self.found.get(g), "step", None) == "local-derivative"
        ]
        if not wrong:
            return
        if getattr(self.found.get(total), "step", None) == "combination":
            del self.found[total]
        note = (
            f"; your {total} is the right chain-rule combination of your partials, so it is "
            f"wrong only because {wrong[0]} is"
        )
        finding = self.found[wrong[0]]
        if note not in finding.message:
            self.found[wrong[0]] = replace(finding, message=finding.message + note)


def _fatal(outcome: Outcome) -> bool:
    error = outcome.get("error")
    return isinstance(error, dict) and error.get("kind") in _FATAL_KINDS


def _answer(function: str, outcome: Outcome) -> float | Broken:
    """A student's answer as a float, type-checked, or what went wrong instead."""
    if "error" in outcome:
        error = outcome["error"] if isinstance(outcome["error"], dict) else {}
        kind = "missing" if error.get("kind") == "missing" else "error"
        return Broken(kind, str(error.get("message", "failed"))[:500])
    try:
        return read(outcome.get("value"), missing_is_zero=False)
    except NotANumber as e:
        what = str(e) if "not a number" in str(e) else f"{e}, not a number"
        return Broken("error", f"{function}() returned {what}")
