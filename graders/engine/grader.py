"""The engine grader: one part of an ``engine`` assignment, on a worker of its own.

1. Probe each of the part's ops alone, one request each, so an op that crashes or hangs
   the worker (or a one-form op the engine lacks) is reported for that op and left out of
   the generated compositions; the other ops are still graded.
2. Pick the scaler of the upstream checks: the first of ``probes.SCALERS`` (``t * 3``,
   ``t * s``, ...) the engine gets right on its own. If none, every op is unverified
   (a finding says so) and earns no credit.
3. Check each available op alone at fixed values spread over its whole domain, every
   way it can be written (``graders.model.probes.fixed_checks``), reporting every
   finding of every form. A form that fails (``x + 2`` raises) is charged, quoting it,
   and left out from then on; the op is still tested in the forms that work (fixed
   machinery graphs, generated compositions). When several ops are wrong alone in one
   way no op explains, the reverse pass is blamed once (``common_cause``).
4. A Hypothesis search over ``compositions()`` of the ops not yet charged, in their
   working forms. Each example is one composition at ``inputs_per_case`` points
   (``strategies.point_sets``), run in one worker round trip; the points where some number
   is wrong run again with the isolated and scaled probes of every node. The trusted
   process computes the oracles (once per job, on arrays), discards points the gate
   rejects, diagnoses the rest, and raises a failure
   whose class is the finding's identity (step, op, argument), so Hypothesis shrinks each
   distinct bug separately and never slips from one to another. A search that charges
   ops is repeated without them (Hypothesis stops looking soon after a first failure).
5. Every op's own backward is checked for an overwrite (``=`` for ``+=``) with its inputs
   used again downstream (``probes.shared_input_checks``: ``cos(x) + x``), every op of
   the assignment in one request, by the machinery part (by each op part when there is
   none): ``accumulation`` naming the op.
6. Score: an op part earns the share of its ops with no finding; the machinery part
   earns nothing once a seed, accumulation or order finding (or a reverse pass that
   skips local derivatives) is made, once its compositions raise where every op works
   alone (``Finding.composed``), or when no composition with a shared node could be
   built from the ops that work.

Which part pays: an overwrite, a wrong order and an error of the reverse pass itself
(``backward()`` raising on a graph whose every op works alone and under the scaler) are
the machinery part's, whatever op's code holds them, never an op part's (op parts hand
them over: ``_owned_elsewhere``); without a machinery part, the op part pays. An error
tied to an op costs that op: it raised alone, or only with the scaler on its output (its
upstream cannot be checked; the machinery part pays too, its compositions raise). A
crash, hang or error no op explains costs the whole part it happens in. ``missing`` is
the grader's call (``Diagnoser.error_finding``): an op asked for alone that the engine
cannot build, never the worker's label alone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from graders.assignment import Part
from graders.engine.common_cause import common_cause
from graders.engine.diagnosis import Case, Diagnoser, Run
from graders.engine.jobs import (
    died,
    expected_arrays,
    expected_of,
    job_of,
    outcome_at,
    own_values,
    right_at,
    run_of,
)
from graders.engine.jobs import plan as plan_jobs
from graders.engine.probes import machinery_checks, overwrite_checks, shared_input_checks
from graders.engine.reuse import check_reuse
from graders.engine.reverse_pass import own_overwrite
from graders.engine.scoring import judged
from graders.engine.where import locate
from graders.grading import BaseGrader
from graders.model import ops
from graders.model.composition import Composition
from graders.model.oracles import (
    reference,
    reference_at,
)
from graders.model.probes import (
    SCALERS,
    Scaler,
    capability_probe,
    fixed_checks,
    form,
    isolated,
    scaler_checks,
)
from graders.presets import Preset
from graders.results import Finding, PartResult, unique
from graders.sandbox.protocol import Job
from strategies import compositions, point_sets

#: Ops asked, in this order, whether a common cause holds outside a part: each with code
#: of its own in most engines.
_WITNESSES = ("mul", "add", "exp", "sin", "tanh", "log", "cos", "neg", "sub", "sqrt")
#: Points per fixed check when the machinery part screens its ops.
_SCREEN_POINTS = 3


class EngineGrader(BaseGrader):
    """Grades an autodiff engine (assignments of kind ``engine``), one part at a time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._diagnoser: Diagnoser | None = None
        #: Whether the worker crashed or hung on the last case (so the part stops early).
        self.worker_died = False
        #: What the sweep found: every op the engine lacks or crashes on, with its finding.
        self._unavailable: dict[str, Finding] = {}
        #: The finding when no op can be built at all (no leaf constructor, no backward).
        self._no_engine: Finding | None = None
        #: Ops that crashed or hung the worker on their own: not run again in later parts.
        self._killers: dict[str, Finding] = {}
        #: What the scaled probes put on an op's output (None: nothing the engine gets right).
        self.scaler: Scaler | None = SCALERS[0]
        #: Per op, the forms (``probes.form``) that failed alone: left out from then on.
        self.broken_forms: dict[str, set[tuple[str, ...]]] = {}
        #: The ops of the part being graded, and what the overwrite check found (None:
        #: not run yet in this part).
        self._part_ops: list[str] = []
        self._overwrite: list[Finding] | None = None

    def start(self) -> None:
        super().start()
        preset = self.runner.preset
        if not isinstance(preset, Preset):  # a started worker has found the API, if auto
            raise RuntimeError(f"the worker started without an API: {preset!r}")
        self._diagnoser = Diagnoser(preset, self.runner.module_name)
        self.worker_died = False

    @property
    def diagnoser(self) -> Diagnoser:
        """The diagnosis for this worker's API (``start`` makes it)."""
        if self._diagnoser is None:
            raise RuntimeError("no worker yet: start() gives one")
        return self._diagnoser

    def sweep(self) -> None:
        """Every op of the assignment on its capability probe (see ``BaseGrader.sweep``)."""
        self._unavailable = self._capabilities(self.assignment.ops)

    def grade_part(self, part: Part) -> PartResult:
        if self._no_engine is not None:
            return PartResult(part, 0.0, [self._no_engine])
        self.broken_forms = {}
        self._overwrite = None
        unavailable = {op: f for op, f in self._unavailable.items() if op in part.ops}
        self.scaler = self._pick_scaler()
        found = self._check_ops_alone(part.ops, unavailable, part_is_machinery=part.machinery)
        alone = [f for fs in found.values() for f in fs]
        # Ops some form of which ran (an op that only raised says nothing about gradients).
        working = [
            op
            for op in part.ops
            if op not in unavailable
            and (
                self._forms_left(op)
                or any(f.step not in ("error", "missing") for f in found.get(op, []))
            )
        ]
        common = common_cause(alone, working, self.diagnoser.preset)
        if common is not None and self._right_outside(part, alone, working):
            common = None  # one bug in code the part's ops share, not the reverse pass
        if common is not None:  # the reverse pass, not each op: the verdict is made
            # A broken reverse pass makes every op's gradients unreliable: what is left
            # is what the values and the lookups say.
            others = [
                f for f in alone if f.step in ("forward", "error", "missing") and not f.composed
            ]
            result = PartResult(part, 0.0, [*unavailable.values(), common, *others])
            self._score(result, unavailable)
            return result
        # An op is left out altogether once every form of it failed alone.
        charged = dict(unavailable)
        for op, findings in found.items():
            if findings and self._forms_left(op) == set():
                charged[op] = findings[0]
        earlier = [f for f in alone if f.op not in charged or f is not charged[f.op]]
        if self.scaler is None and not part.machinery:
            earlier += self._unverified(part, charged, found)
        self._part_ops = [op for op in part.ops if op not in charged]
        if self._checks_overwrites(part):
            scope = self.assignment.ops if part.machinery else self._part_ops
            earlier += self._own_overwrites(scope)
        machinery = self._check_machinery(part, charged) if part.machinery else None
        result = self._search(part, charged, machinery, earlier)
        self._score(result, charged)
        # An overwrite or a wrong order costs the machinery part, not this one: shown there
        # (its own checks find it), never under a part that lost nothing for it.
        result.findings = [f for f in result.findings if not self._owned_elsewhere(part, f)]
        return result

    def _score(self, result: PartResult, charged: dict[str, Finding]) -> None:
        """The part's score (``scoring.judged`` says what its findings cost)."""
        named, broken = judged(result, charged)
        self.score(result, charged=named, broken=broken)

    def located(self, findings: list[Finding]) -> list[Finding]:
        """Each finding's place in the student's code (``graders.engine.where``)."""
        return locate(self, findings)

    def _owned_elsewhere(self, part: Part, finding: Finding) -> bool:
        """Is this an overwrite, a wrong order, or an error of the reverse pass itself (no
        op to tie it to, every op right alone: ``Finding.composed``) found while grading an
        op part, when the assignment has a machinery part to charge it (see
        ``grade_part``)? An overwrite in one op's own backward is that op's (``op`` named)
        and the machinery part's both: see ``scoring.judged``."""
        reverse_pass = finding.step in ("accumulation", "order") or (
            finding.composed and finding.op is None
        )
        return (
            reverse_pass and not part.machinery and any(p.machinery for p in self.assignment.parts)
        )

    def _checks_overwrites(self, part: Part) -> bool:
        """Which part checks every op's own backward for an overwrite: the machinery part
        (for every op of the assignment, its own or not), or each op part when the
        assignment has none (see ``_own_overwrites``)."""
        return part.machinery or not any(p.machinery for p in self.assignment.parts)

    def _own_overwrites(self, names) -> list[Finding]:
        """``accumulation`` with the op named, for every op whose own backward overwrites a
        gradient (``=`` for ``+=``): each op in each form, its leaves used again downstream
        (``probes.shared_input_checks``), all in one request. An op the engine lacks, or a
        check that raised, is left to the op's own part; so is any other finding."""
        helper = next((op for op in ("add", "mul", "sub") if self._usable(op)), None)
        if helper is None:
            return []
        checks = [
            (name, composition, check_points)
            for name in dict.fromkeys(names)
            if self._usable(name)
            for composition, check_points in shared_input_checks(name, helper)
        ]
        if not checks:
            return []
        jobs: list[Job] = [job_of(c, ps, packed=True) for _, c, ps in checks]
        expected = functools.cache(lambda: [expected_arrays(c, ps) for _, c, ps in checks])
        outcomes = self.runner.run(jobs, expected)
        if self.runner.violations or any(
            died(o) for job in outcomes if isinstance(job, list) for o in job
        ):
            return []  # a violation is charged where it shows; a crash, by the op's own part
        found: dict[str, Finding] = {}
        raw: list[Finding] = []  # as the reverse-pass diagnosis said it
        passed = {name for name, _, _ in checks}
        for (name, composition, check_points), job, want in zip(checks, outcomes, expected()):
            right = right_at(composition, check_points, want, job)
            if right.all():
                continue
            passed.discard(name)
            wrong = [p for p, ok in zip(check_points, right) if not ok]
            for finding in self.check_case_all(composition, wrong, first=True):
                if finding.step in ("accumulation", "order") and finding.op is None:
                    raw.append(finding)
                    found.setdefault(
                        name, own_overwrite(name, composition, finding, self.diagnoser.preset)
                    )
        if len(found) >= 2 and not passed:
            # Every op overwrites: the code they share (an accumulate function, the
            # reverse pass's own bookkeeping) is where the fix goes, said once.
            return [replace(raw[0], step="accumulation")]
        return list(found.values())

    def _usable(self, op: str) -> bool:
        """Is ``op`` in the assignment and built by the engine (not missing, no crash)?"""
        return op in self.assignment.ops and op not in self._unavailable

    def _right_outside(self, part: Part, alone: list[Finding], working: list[str]) -> bool:
        """Does some op outside the part contradict the common cause? One seen inside one
        part may be one op's code that the part's ops share (micrograd's ``__pow__`` serves
        ``x ** 2``, ``x ** y`` and ``2 ** x``), not the reverse pass: an op of another
        part that is right alone says so, unless the cause predicts it right (``+`` when
        every leaf gets exactly the seed)."""
        outside = [
            op
            for op in _WITNESSES
            if op in self.assignment.ops and op not in part.ops and op not in self._unavailable
        ]
        preset = self.diagnoser.preset
        for op in outside[:2]:
            found = self._check_ops_alone((op,), {}, part_is_machinery=True).get(op, [])
            if common_cause([*alone, *found], [*working, op], preset) is None:
                return True
        return False

    def _forms_left(self, op: str) -> set[tuple[str, ...]]:
        """The forms of ``op`` not (yet) broken."""
        return _forms(op) - self.broken_forms.get(op, set())

    def _allowed_forms(self, ops_: list[str]) -> dict[str, set[tuple[str, ...]]]:
        return {op: self._forms_left(op) for op in ops_ if op in self.broken_forms}

    def _pick_scaler(self) -> Scaler | None:
        """The first scaler the engine gets right on its own leaf, or None (one request)."""
        checks = list(scaler_checks())
        jobs: list[Job] = [job_of(c, p) for _, c, p in checks]
        outcomes = self.runner.run(jobs)
        for (scaler, composition, scaler_points), outcome in zip(checks, outcomes):
            runs = [run_of(composition, p, o) for p, o in zip(scaler_points, outcome)]
            if all(self.diagnoser.right_alone(run) for run in runs):
                return scaler
        return None

    def _unverified(self, part, charged, found) -> list[Finding]:
        """Ops whose upstream step could not be checked (no scaler works): not credited."""
        tried = ", ".join(f"`{s.text()}`" for s in SCALERS)
        return [
            Finding(
                "missing",
                f"{op}'s backward could not be checked for multiplying by the gradient flowing "
                f"into it: your engine gets none of {tried} right on a leaf t (fix * first), "
                f"so {op} is unverified and earns no credit yet",
                op=op,
            )
            for op in part.ops
            if op not in charged and not found.get(op)
        ]

    # --- capabilities ---------------------------------------------------------------

    def _capabilities(self, names: tuple[str, ...]) -> dict[str, Finding]:
        """Ops the engine lacks or crashes on, each with its finding: one request per op, so
        an op that crashes or hangs the worker is found at once. An op that crashed or hung
        the worker in an earlier part is not run again. An op written in several forms
        (``x + y``, ``x + 2``, ``2 + x``) that merely raises here is left to the fixed
        checks, which charge the forms that fail and keep the ones that work."""
        names = tuple(n for n in names if n not in self._killers)
        probes = [capability_probe(name) for name in names]
        jobs = [job_of(c, [p]) for c, p in probes]
        outcomes = [self.runner.run([job])[0][0] for job in jobs]
        unavailable = dict(self._killers)
        errors = [o.get("error") or {} for o in outcomes]
        if errors and all(e.get("kind") == "missing" and e.get("op") is None for e in errors):
            # No op's fault: the leaf constructor or the backward is missing (most often
            # the API is not the engine's). One finding says so, not one per op.
            run = Run(probes[0][0], tuple(probes[0][1]), None, outcomes[0])
            self._no_engine = self.diagnoser.error_finding(run, errors[0], None, missing=True)
        for name, (composition, point), outcome in zip(names, probes, outcomes):
            error = outcome.get("error")
            if error and (died(outcome) or len(_forms(name)) == 1):
                run = Run(composition, tuple(point), None, outcome)
                unavailable[name] = self.diagnoser.error_finding(run, error, name)
                if died(outcome):
                    self._killers[name] = unavailable[name]
        return unavailable

    def _check_ops_alone(
        self,
        names: tuple[str, ...],
        unavailable: dict[str, Finding],
        *,
        part_is_machinery: bool = False,
    ) -> dict[str, list[Finding]]:
        """Each available op alone at fixed values, every way it can be written: every
        finding per op (one per identity). A form with a finding about its own op is
        broken (``self.broken_forms``): generated compositions leave it out, so
        Hypothesis spends its examples on what is still unknown."""
        found: dict[str, list[Finding]] = {}
        # The machinery part only screens its ops (a few points each): their own parts
        # check them over the whole domain.
        most = _SCREEN_POINTS if part_is_machinery else None
        for name in names:
            if name in unavailable:
                continue
            findings: list[Finding] = []
            for composition, fixed_points in fixed_checks(name, most):
                new = self.check_case_all(composition, fixed_points)
                written = form(composition.nodes[0])
                if any(f.op in (name, None) for f in new):
                    self.broken_forms.setdefault(name, set()).add(written)
                if (
                    self.diagnoser.preset.optional(name, written)
                    and new
                    and all(f.step == "missing" for f in new)
                ):
                    continue  # the course's API leaves this form out (2 - x): not charged
                findings = unique(findings + new)
                if self.runner.violations or any(f.stops_everything for f in new):
                    break
            found[name] = findings
            if self.runner.violations:
                break
        return found

    def _check_machinery(self, part: Part, charged: dict[str, Finding]) -> Finding | None:
        """The reverse pass on small fixed graphs built from the ops that work (see
        ``probes.MACHINERY_SHAPES``): the first finding, if any. A wrong traversal or an
        overwritten gradient is named here, before and without any search. A second graph
        that reuses the nodes of a first (``graders.engine.reuse``) shows state kept between
        reverse passes."""
        available = [op for op in part.ops if op not in charged]
        for composition, fixed_points in machinery_checks(available, self.broken_forms):
            finding = self.check_case(composition, fixed_points)
            if finding is not None:
                return finding
        return check_reuse(self.runner, self.diagnoser.preset, available)

    # --- one part -------------------------------------------------------------------

    def _search(
        self,
        part: Part,
        charged: dict[str, Finding],
        machinery: Finding | None,
        earlier: Sequence[Finding] = (),
    ) -> PartResult:
        available = [op for op in part.ops if op not in charged]
        result = PartResult(part, 0.0, unique([*charged.values(), *earlier]))
        if machinery is not None:
            result.findings.append(machinery)
            if machinery.op is None:  # the reverse pass is broken: the verdict is made
                return result
        self.search_ops(result, available, lambda ops_: self._run_part(part, ops_, result))
        return result

    def _run_part(self, part: Part, available: list[str], result: PartResult) -> list[Finding]:
        """One Hypothesis run over compositions of ``available``; the findings it raised."""
        strategy = compositions(
            ops=available,
            min_ops=part.min_ops,
            max_ops=part.max_ops,
            sharing=part.sharing,
            forms=self._allowed_forms(available),
        )

        def draw(data) -> tuple[Composition, list]:
            composition = data.draw(strategy, label="composition")
            case_points = data.draw(
                point_sets(composition, self.assignment.inputs_per_case), label="points"
            )
            return composition, case_points

        def judge(case: tuple[Composition, list]) -> Finding | None:
            composition, case_points = case
            result.examples += 1
            if any(len(uses) >= 2 for uses in composition.consumers):
                result.shared_examples += 1
            finding = self.check_case(composition, case_points, probe_first=False)
            if finding is not None and self._owned_elsewhere(part, finding):
                return None  # the machinery part's: shrinking it here would cost time only
            return finding

        def stops(finding: Finding) -> bool:  # a crash, hang or time-out: fail fast after
            return finding.step == "error" and (finding.op is None or self.worker_died)

        return self.search_findings(part.name, draw, judge, stops=stops)

    def check_case(
        self, composition: Composition, case_points: list, probe_first: bool = True
    ) -> Finding | None:
        """Run one composition at some points and diagnose it (see ``check_case_all``):
        the first finding, or None."""
        found = self.check_case_all(composition, case_points, first=True, probe_first=probe_first)
        return found[0] if found else None

    def check_case_all(
        self,
        composition: Composition,
        case_points: list,
        first: bool = False,
        probe_first: bool = True,
    ) -> list[Finding]:
        """Run one composition at some points and diagnose it: every finding, one per
        identity (only the first point's with ``first``).

        With ``probe_first`` the probes of every node run with the composition (one round
        trip): how the fixed checks find a dropped upstream gradient at the output, where
        the composition alone cannot show it. Without, the composition runs alone first,
        and only the points where some number is wrong are run again with their probes, to
        be diagnosed: most generated cases of most engines are right at every point."""
        late = self.out_of_time()
        if late is not None:
            return [late]
        self.record_case(f"{composition.source()}|{case_points}\n")
        own = None
        if not probe_first:
            outcomes, _, right, stop = self._run_plan(
                composition, case_points, [(composition, case_points)]
            )
            if stop is not None:
                return [stop]
            wrong = np.flatnonzero(~right)
            if not len(wrong):
                return []
            case_points = [case_points[i] for i in wrong]
            own = own_values(composition, outcomes[0], wrong)
        plan = plan_jobs(composition, case_points, scaler=self.scaler, own=own)
        outcomes, expected, right, stop = self._run_plan(composition, case_points, plan)
        if stop is not None:
            return [stop]
        kinds = 2 if self.scaler is not None else 1
        found: list[Finding] = []
        for i in map(int, np.flatnonzero(~right)):  # all right: no finding (nor diagnosis)
            runs = []
            for (job_composition, job_points), outcome, arrays in zip(plan, outcomes, expected):
                point = tuple(float(v) for v in job_points[i])
                ref = (
                    reference(job_composition, point) if arrays is None else reference_at(arrays, i)
                )
                runs.append(
                    Run(job_composition, point, ref, outcome_at(job_composition, outcome, i))
                )
            case = Case(runs[0], {}, {})
            probes = iter(runs[1:])
            for k in range(len(composition.inputs), composition.size):
                for kind in (case.isolated, case.scaled)[:kinds]:
                    kind[k] = next(probes)
            new = self.diagnoser.findings(case)
            if self.diagnoser.tied and any(f.step == "order" for f in new):
                new = self._overwrite_or_order(new)
            found = unique(found + new)
            if new and (first or any(f.stops_everything for f in new)):
                break
        return found

    def _run_plan(
        self, composition: Composition, case_points: list, plan: list
    ) -> tuple[list, list, np.ndarray, Finding | None]:
        """Run a plan's jobs (``jobs.plan``: one round trip, numbers packed) and compute their
        references meanwhile: ``(outcomes, expected, right, stop)``, each job's outcomes (a
        packed array, or one per point) and references (``jobs.expected_of``), per point whether
        every number of every job is right, and the finding that stops the case (or None)."""
        jobs = [job_of(c, [list(p) for p in ps], packed=True) for c, ps in plan]
        expected = functools.cache(lambda: expected_of(plan))
        outcomes, stop = self._ran(composition, case_points, jobs, meanwhile=expected)
        if stop is not None:
            return outcomes, [], np.zeros(0, dtype=bool), stop  # nothing is read
        right = np.ones(len(case_points), dtype=bool)
        for (c, ps), job_expected, job_outcomes in zip(plan, expected(), outcomes):
            right &= right_at(c, ps, job_expected, job_outcomes)
        return outcomes, expected(), right, None

    def _ran(
        self, composition: Composition, case_points: list, jobs: list, meanwhile=None
    ) -> tuple[list, Finding | None]:
        """The jobs' outcomes (one list per job), and the finding that stops the case, if
        any: a policy violation, or the worker crashed or hung. ``meanwhile``: work to do
        while the worker runs (``Runner.run``)."""
        outcomes = self.runner.run(jobs, meanwhile)
        if self.runner.violations:
            return outcomes, self.policy_finding(self.runner.violations)
        self.worker_died = any(died(o) for job in outcomes if isinstance(job, list) for o in job)
        if self.worker_died:
            return outcomes, self._culprit(composition, case_points)
        return outcomes, None

    def _overwrite_or_order(self, findings: list[Finding]) -> list[Finding]:
        """An ``order`` finding an overwrite explains as well (inputs' gradients alone):
        the fixed graphs on which only an overwrite can fail (a node used twice by one op,
        ``probes.OVERWRITE_SHAPES``) decide; their finding, once per part, replaces it."""
        if self._overwrite is None:
            self._overwrite = []
            for composition, fixed_points in overwrite_checks(self._part_ops, self.broken_forms):
                found = self.check_case_all(composition, fixed_points, first=True)
                if any(f.step == "accumulation" for f in found):
                    self._overwrite = [f for f in found if f.step == "accumulation"][:1]
                    break
        if not self._overwrite:
            return findings
        return [self._overwrite[0] if f.step == "order" else f for f in findings]

    def _culprit(self, composition: Composition, case_points: list) -> Finding:
        """The worker crashed or hung on this case, and every job of the request shares that
        error. Re-run the case point by point, then its nodes alone, and blame the first op
        that kills the worker on its own (or no op, if only the whole case does)."""
        first = None
        for point in case_points:
            job = job_of(composition, [list(point)])
            whole = self.runner.run([job])[0][0]
            crash = whole.get("error")
            if crash is None or not died(whole):
                continue
            first = first or Run(composition, tuple(point), None, whole)
            values = composition.evaluate(point)
            for k in range(len(composition.inputs), composition.size):
                probe, probe_point = isolated(composition, k, values)
                job = job_of(probe, [probe_point])
                alone = self.runner.run([job])[0][0]
                error = alone.get("error")
                if error is not None and died(alone):
                    run = Run(probe, tuple(probe_point), None, alone)
                    op = composition.node(k).op
                    return self.diagnoser.error_finding(run, error, op)
            return self.diagnoser.error_finding(first, crash, None)
        return Finding(
            "error",
            "the worker crashed or hung on this case, but not when it ran "
            "again point by point: look for state kept between calls",
        )


def _forms(op: str) -> set[tuple[str, ...]]:
    """Every form an op can be written in (``probes.form``)."""
    operands = ops.get(op).operands
    if operands == ("either", "either"):
        return {("node", "node"), ("node", "number"), ("number", "node")}
    return {operands}
