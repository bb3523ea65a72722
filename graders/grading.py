"""Grading: run a submission on generated cases, part by part, and score it.

1. Start the submission's worker (``graders.runner``). A syntax or import error ends
   grading here with every part at zero and the reason.
2. Probe each op alone, one request each, so an op the engine lacks (or that crashes
   the worker) is reported as ``missing``/``error`` for that op and left out of the
   generated compositions; the other ops are still graded.
3. For each part, a Hypothesis run over ``compositions()`` of the part's available ops.
   Each example is one worker round trip: the composition at a few points plus the
   isolated and scaled probes of every node. The trusted process computes the oracles,
   discards cases the gate rejects, diagnoses the rest, and raises a failure whose
   class is the finding's identity (step, op, argument), so Hypothesis shrinks each
   distinct bug separately and never slips from one to another. A run that charges
   ops is repeated without them (Hypothesis stops looking soon after a first failure).
4. Score: an op part loses the share of its ops that have a finding anywhere; the
   machinery part loses everything to a seed, accumulation or order finding, wherever
   it was found.
"""

from __future__ import annotations

import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from graders.assignment import Assignment, Part
from graders.composition import Composition
from graders.diagnosis import Case, Diagnoser, Run
from graders.findings import MACHINERY_STEPS, Finding
from graders.oracles import reference
from graders.probes import capability_probe, fixed_checks, isolated, scaled
from graders.runner import Runner, SubmissionError
from strategies import compositions, points

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

class FindingError(AssertionError):
    """Raised inside a Hypothesis example; one subclass per finding identity."""

    def __init__(self, finding: Finding):
        super().__init__(finding.summary())
        self.finding = finding


_FAILURE_CLASSES: dict[tuple, type[FindingError]] = {}


def failure(finding: Finding) -> FindingError:
    identity = finding.identity
    if identity not in _FAILURE_CLASSES:
        name = "Wrong_" + "_".join(str(p).replace("-", "_") for p in identity if p is not None)
        _FAILURE_CLASSES[identity] = type(name, (FindingError,), {})
    return _FAILURE_CLASSES[identity](finding)


@dataclass
class PartResult:
    part: Part
    score: float
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    #: Examples in which some node had several consumers (what tests the reverse pass).
    shared_examples: int = 0

    @property
    def max_score(self) -> float:
        return self.part.points


@dataclass
class Report:
    assignment: str
    submission: str
    parts: list[PartResult]
    findings: list[Finding]
    elapsed: float = 0.0
    student_output: str = ""

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
                }
                for p in self.parts
            ],
            "findings": [f.to_json() for f in self.findings],
            "elapsed_seconds": round(self.elapsed, 3),
        }


def grade(
    assignment: Assignment,
    submission: Path,
    *,
    grading_seed: int | None = None,
    examples: int | None = None,
) -> Report:
    """Grade ``submission`` with the grader for the assignment's kind."""
    if assignment.kind == "chain_rule":
        from graders.exercises.grading import ExerciseGrader as grader
    else:
        grader = Grader
    return grader(assignment, submission, grading_seed=grading_seed, examples=examples).grade()


class BaseGrader:
    """What every kind of grader is given: the assignment, the file, the seed, the budget."""

    def __init__(
        self,
        assignment: Assignment,
        submission: Path,
        *,
        grading_seed: int | None = None,
        examples: int | None = None,
    ):
        self.assignment = assignment
        self.submission = Path(submission)
        self.seed = assignment.seed if grading_seed is None else grading_seed
        self.examples = examples or assignment.examples
        self.deadline = 0.0
        self.runner: Runner | None = None

    #: What a policy-violation finding tells the student to do instead.
    policy_advice = "compute the derivatives with your own engine"

    def grade(self) -> Report:
        raise NotImplementedError

    def _ungradable(self, error: SubmissionError | None, start: float, output: str = "") -> Report:
        """Every part at zero with one finding: the submission could not be imported, or
        it imported a module the assignment forbids (``error`` is None)."""
        output = output or self.runner.student_output()
        self.runner.cleanup()
        if self.runner.violations:
            finding = policy_violation(self.runner.violations, self.assignment.forbidden_imports,
                                       self.policy_advice)
        else:
            what = "has a syntax error" if error.kind == "syntax" else "could not be imported"
            finding = Finding("error", f"the submission {what}: {error.message}")
        parts = [PartResult(p, 0.0, [finding]) for p in self.assignment.parts]
        return Report(self.assignment.name, str(self.submission), parts, [finding],
                      time.monotonic() - start, output)


class Grader(BaseGrader):
    """Grades an autodiff engine (assignments of kind ``autodiff``)."""

    diagnoser: Diagnoser | None = None
    #: Whether the worker crashed or hung on the last case (so the part stops early).
    worker_died: bool = False

    # --- the whole submission ------------------------------------------------------

    def start(self) -> None:
        """Start the submission's worker; raises ``SubmissionError`` if it cannot import.

        ``grade`` calls it; call it yourself to run ``check_case`` on chosen cases, and
        ``runner.cleanup()`` when done.
        """
        self.deadline = time.monotonic() + self.assignment.limits.total_seconds
        self.runner = Runner(self.submission, self.assignment.api, self.assignment.limits,
                             forbidden=self.assignment.forbidden_imports)
        self.diagnoser = Diagnoser(self.assignment.api, self.runner.module_name)
        self.runner.start()

    def grade(self) -> Report:
        start = time.monotonic()
        try:
            self.start()
        except SubmissionError as e:
            return self._ungradable(e, start)
        if self.runner.violations:
            return self._ungradable(None, start)
        try:
            unavailable = self._capabilities()
            wrong_alone = self._check_ops_alone(unavailable)
            charged = {**unavailable, **wrong_alone}
            results = [self._grade_part(part, charged) for part in self.assignment.parts]
            output = self.runner.student_output()
        finally:
            self.runner.cleanup()  # every process of the submission is gone after this
        if self.runner.violations:
            return self._ungradable(None, start, output)
        findings = _unique([*charged.values(), *(f for r in results for f in r.findings)])
        findings = _drop_coincidental_accumulation(results, findings)
        self._score(results, findings, charged)
        findings = _unique(findings + [f for r in results for f in r.findings])
        return Report(
            self.assignment.name, str(self.submission), results, findings,
            time.monotonic() - start, output,
        )

    # --- capabilities ---------------------------------------------------------------

    def _capabilities(self) -> dict[str, Finding]:
        """Ops the engine lacks or crashes on, each with its finding."""
        unavailable = {}
        for name in self.assignment.ops:
            composition, point = capability_probe(name)
            outcome = self.runner.run([{"composition": composition.to_json(), "points": [point]}])
            if self.runner.violations:
                break  # graded as a policy violation
            error = outcome[0][0].get("error")
            if error:
                run = Run(composition, tuple(point), None, outcome[0][0])
                unavailable[name] = self.diagnoser._error_finding(run, error, name)
        return unavailable

    def _check_ops_alone(self, unavailable: dict[str, Finding]) -> dict[str, Finding]:
        """Each available op alone at fixed values, every way it can be written: the ops
        already wrong on their own, each with its finding. Generated compositions then
        leave them out, so Hypothesis spends its examples on what is still unknown."""
        wrong = {}
        for name in self.assignment.ops:
            if name in unavailable:
                continue
            for composition, fixed_points in fixed_checks(name):
                finding = self.check_case(composition, fixed_points)
                if finding is not None:
                    wrong[name] = finding
                    break
            if self.runner.violations:
                break
        return wrong

    # --- one part -------------------------------------------------------------------

    def _grade_part(self, part: Part, charged: dict[str, Finding]) -> PartResult:
        available = [op for op in part.ops if op not in charged]
        result = PartResult(part, 0.0)
        # Hypothesis stops generating soon after its first failure, so one wrong op can hide
        # another of the same part (a wrong `*` shows first as a wrong `-x` built on it) and
        # go uncharged. Run again without the ops already charged, until a run finds nothing
        # new or finds a bug that no op can be left out for (op None: machinery, fatal error).
        while available:
            found = self._run_part(part, available, result)
            new = [f for f in found if f.identity not in {g.identity for g in result.findings}]
            result.findings = _unique(result.findings + found)
            charged = {f.op for f in new if f.op is not None}
            if not new or any(f.op is None for f in new) or not charged & set(available):
                break
            available = [op for op in available if op not in charged]
        return result

    def _run_part(self, part: Part, available: list[str], result: PartResult) -> list[Finding]:
        """One Hypothesis run over compositions of ``available``; the findings it raised."""
        strategy = compositions(ops=available, min_ops=part.min_ops, max_ops=part.max_ops,
                                sharing=part.sharing)
        stop: list[Finding] = []  # a crash, hang or time-out: fail fast from then on

        @settings(
            max_examples=self.examples, database=None, deadline=None,
            phases=set(Phase) - {Phase.explain}, verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck), report_multiple_bugs=True,
        )
        @hypothesis_seed(self.seed ^ zlib.crc32(part.name.encode()))
        @given(st.data())
        def check(data):
            composition = data.draw(strategy, label="composition")
            case_points = [data.draw(points(composition), label="point")
                           for _ in range(self.assignment.points_per_case)]
            if stop:  # after the draws: Hypothesis needs every example to draw the same way
                raise failure(stop[0])
            result.examples += 1
            if any(len(uses) >= 2 for uses in composition.consumers):
                result.shared_examples += 1
            finding = self.check_case(composition, case_points)
            if finding is not None:
                if finding.step == "error" and (finding.op is None or self.worker_died):
                    stop.append(finding)
                raise failure(finding)

        try:
            check()
        except BaseException as e:  # noqa: BLE001 - sorted out below; our own bugs re-raise
            if stop and isinstance(e, Flaky):  # replays after a crash differ; the crash is real
                return stop[:1]
            return _findings_from(e)
        return []

    def check_case(self, composition: Composition, case_points: list) -> Finding | None:
        """Run one composition at some points (one round trip) and diagnose it."""
        if time.monotonic() > self.deadline:
            limit = self.assignment.limits.total_seconds
            return Finding("error", f"grading exceeded the total time limit of {limit:g} s")
        plan = _plan(composition, case_points)
        outcomes = self.runner.run([{"composition": c.to_json(), "points": p} for c, p in plan])
        if self.runner.violations:
            return policy_violation(self.runner.violations, self.assignment.forbidden_imports)
        self.worker_died = any(_died(o) for job in outcomes for o in job)
        if self.worker_died:
            return self._culprit(composition, case_points)
        full_outcomes = outcomes[0]
        probes = iter(zip(plan[1:], outcomes[1:]))
        for i, point in enumerate(case_points):
            case = Case(_run(composition, point, full_outcomes[i]), {}, {})
            for k in range(len(composition.inputs), composition.size):
                for kind in (case.isolated, case.scaled):
                    (probe, probe_points), probe_outcomes = next(probes)
                    kind[k] = _run(probe, probe_points[0], probe_outcomes[0])
            finding = self.diagnoser.diagnose(case)
            if finding is not None:
                return finding
        return None

    def _culprit(self, composition: Composition, case_points: list) -> Finding:
        """The worker crashed or hung on this case, and every job of the request shares that
        error. Re-run the case point by point, then its nodes alone, and blame the first op
        that kills the worker on its own (or no op, if only the whole case does)."""
        first = None
        for point in case_points:
            job = {"composition": composition.to_json(), "points": [list(point)]}
            whole = self.runner.run([job])[0][0]
            if not _died(whole):
                continue
            first = first or Run(composition, tuple(point), None, whole)
            values = composition.evaluate(point)
            for k in range(len(composition.inputs), composition.size):
                probe, probe_point = isolated(composition, k, values)
                job = {"composition": probe.to_json(), "points": [probe_point]}
                alone = self.runner.run([job])[0][0]
                if _died(alone):
                    run = Run(probe, tuple(probe_point), None, alone)
                    op = composition.node(k).op
                    return self.diagnoser._error_finding(run, alone["error"], op)
            return self.diagnoser._error_finding(first, whole["error"], None)
        return Finding("error", "the worker crashed or hung on this case, but not when it ran "
                                "again point by point: look for state kept between calls")

    # --- scores ----------------------------------------------------------------------

    def _score(
        self, results: list[PartResult], findings: list[Finding], charged: dict[str, Finding]
    ) -> None:
        """Op parts earn the share of their ops that are neither charged with a finding nor
        unverified (``charged`` holds every op missing or wrong alone, with the finding that
        stopped it: a seed bug makes every op unverifiable, and untested is not passed)."""
        charged_ops = {f.op for f in findings if f.op is not None}
        for result in results:
            part = result.part
            own_fatal = any(f.step == "error" and f.op is None for f in result.findings)
            attributed = [f for f in findings if f.op in part.ops and f not in result.findings]
            if part.machinery:
                # A seed, accumulation or order finding is about the reverse pass wherever it
                # showed up: another part's compositions may have found it first.
                machinery = [f for f in findings if f.step in MACHINERY_STEPS]
                # Untested is not passed: the reverse pass is only tested where a node has
                # several consumers (every op it could share with was missing or wrong alone).
                nothing_ran = result.shared_examples == 0
                broken = bool(machinery)
                result.score = 0.0 if broken or own_fatal or nothing_ran else part.points
                result.findings = _unique(
                    [f for f in result.findings if f.step in MACHINERY_STEPS or f.op is None]
                    + machinery
                )
                if nothing_ran and not result.findings:
                    result.findings = [Finding(
                        "missing",
                        "the reverse pass could not be tested: no composition with a shared "
                        "node could be built from the ops that work (fix the ops above first)",
                    )]
            else:
                stopped = [charged[op] for op in part.ops if op in charged]
                result.findings = _unique(
                    [f for f in result.findings if f.op in part.ops or f.op is None]
                    + attributed + stopped
                )
                ok = [op for op in part.ops if op not in charged_ops and op not in charged]
                result.score = 0.0 if own_fatal else part.points * len(ok) / len(part.ops)
            result.score = round(result.score, 4)


# --- plain helpers ------------------------------------------------------------------


def policy_violation(modules, forbidden, advice=BaseGrader.policy_advice) -> Finding:
    """The finding for a submission that imported a module the assignment forbids."""
    names = ", ".join(sorted(modules))
    return Finding(
        "error",
        f"policy violation: imports {names}; this assignment forbids importing "
        f"{', '.join(forbidden)}: {advice} (every part scores 0)",
    )


def _plan(composition: Composition, case_points: list) -> list[tuple[Composition, list]]:
    """The jobs of one case: the composition at every point, then per point and node
    the isolated and the scaled probe (in the order ``check_case`` reads them back)."""
    plan = [(composition, [list(p) for p in case_points])]
    for point in case_points:
        values = composition.evaluate(point)
        for k in range(len(composition.inputs), composition.size):
            probe, probe_point = isolated(composition, k, values)
            plan.append((probe, [probe_point]))
            plan.append((scaled(probe), [probe_point]))
    return plan


def _died(outcome: dict) -> bool:
    """Did the worker crash or hang (rather than the student's code raise)?"""
    return outcome.get("error", {}).get("kind") in ("crash", "timeout")


def _run(composition: Composition, point, outcome: dict) -> Run:
    point = tuple(float(v) for v in point)
    return Run(composition, point, reference(composition, point), outcome)


def _findings_from(error: BaseException) -> list[Finding]:
    if isinstance(error, FindingError):
        return [error.finding]
    if isinstance(error, Flaky):
        return [Finding(
            "error",
            "your engine gave different results when the same case was run again: "
            "look for state kept between calls (module-level variables, caches)",
        )]
    if isinstance(error, BaseExceptionGroup):
        return _unique([f for e in error.exceptions for f in _findings_from(e)])
    raise error


def _drop_coincidental_accumulation(results: list[PartResult], findings: list[Finding]):
    """Without the ``accumulation`` findings when an ``order`` finding was made too.

    An order bug passes on partial gradients; at special points, which shrinking seeks out
    (at x = 0.5, x**(2*x) == x), such a gradient can equal the sum of some of its
    contributions, and that case reads as ``accumulation``. An accumulation bug alone never
    reads as ``order`` (its wrong gradient is always such a sum), so the order finding is
    the one to trust. The machinery part scores zero either way.
    """
    if not any(f.step == "order" for f in findings):
        return findings
    for result in results:
        result.findings = [f for f in result.findings if f.step != "accumulation"]
    return [f for f in findings if f.step != "accumulation"]


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple, Finding] = {}
    for f in findings:
        seen.setdefault(f.identity, f)
    return list(seen.values())
