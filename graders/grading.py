"""Grading: one flow for every kind of assignment.

    grade(assignment, submission) -> Report

1. Read the submission's source in this (trusted) process, never running it: a syntax
   error (with its file and line), an empty file, or a construct the assignment's static
   policy forbids (``graders.sandbox.policy``) ends grading here, every part at zero with
   one finding that says why.
2. Grade each part in a fresh worker, so no part's grade depends on another's, and
   grading one part alone (as each pytest test does, even under ``pytest -n``) gives what
   grading them all gives. A worker imports the submission once (an import error ends
   grading: every part at zero); each part is served by a copy of it forked right after
   (``Runner.next_part``), the submission as just imported, and stopped when the part is
   graded (:meth:`BaseGrader.grade_part`). With ``jobs`` above one, processes forked from
   this one share the parts after the first, each with one worker of its own whose copies
   serve the parts it takes (``_grade_shared``): a worker per process, not per part.
   Whatever the worker's guard saw (a forbidden import, a forbidden folder, tampering with
   the worker) zeroes the part with the reason; what it saw while importing zeroes every
   part.
3. The Report: the parts in the assignment's order, and every part's findings ordered by
   cause. With a private grading seed, the seed is blanked from every text the
   submission could have put it in.

A kind's grader implements only :meth:`BaseGrader.grade_part`, using ``self.runner`` (the
part's worker), :meth:`BaseGrader.search_findings` (a Hypothesis search over the kind's
cases that stops on a crash and reads back one finding per bug),
:meth:`BaseGrader.search_ops` (searched again without the ops charged),
:meth:`BaseGrader.record_case` (the part's case digest) and :meth:`BaseGrader.out_of_time`.
"""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from hypothesis.errors import Flaky

from graders import search as hypothesis_search
from graders.assignment import Assignment, Part
from graders.presets import AUTO, Preset, worker_names
from graders.results import Finding, PartResult, Report, by_cause, unique
from graders.sandbox import policy
from graders.sandbox.runner import Runner, SubmissionError
from graders.submission import HandInError, Submission

#: A part's result (or the finding that stops all grading), and what the submission printed.
PartOutcome = tuple[PartResult | Finding, str]
#: A case as a kind draws it (``search_findings``).
CaseT = TypeVar("CaseT")


def grade(
    assignment: Assignment,
    submission: Path,
    *,
    grading_seed: int | None = None,
    examples: int | None = None,
    parts: Iterable[str] | None = None,
    jobs: int = 1,
) -> Report:
    """Grade ``submission`` (every part, or the ``parts`` named) with its kind's grader,
    ``jobs`` parts at once."""
    grader = assignment.kind.grader_class()
    return grader(assignment, submission, grading_seed=grading_seed, examples=examples).grade(
        parts, jobs=jobs
    )


class BaseGrader:
    """The grading flow every kind shares; a kind implements :meth:`grade_part`."""

    #: What a policy-violation finding tells the student to do instead.
    policy_advice = "take the import out, so that the grader sees your own engine's derivatives"
    #: Whether the kind grades engines on arrays: ``--api auto`` then picks, of two engines
    #: in one hand-in, the one on arrays (minitorch Module 2 keeps Module 1's Scalar).
    on_arrays = False

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
        #: What the worker gets, once resolved (``graders.submission``; ``read_source``).
        self.handed_in: Submission | None = None
        self.private_seed = grading_seed is not None
        self.seed = assignment.seed if grading_seed is None else grading_seed
        self.examples = examples or assignment.examples
        self.deadline = 0.0
        self._runner: Runner | None = None
        #: Modules the submission imports that are not installed here (notes, no penalty).
        self.absent: list[str] = []
        #: The student API: the assignment's, or once ``--api auto`` has found it, that.
        self.api: Preset | str = assignment.api
        #: The cases the part being graded checked (``record_case``), and how many.
        self._digest = hashlib.sha256()
        self._recorded = 0

    # --- the flow ------------------------------------------------------------------------

    def grade(self, parts: Iterable[str] | None = None, *, jobs: int = 1) -> Report:
        """The Report; ``jobs`` parts are graded at once (each in a process of its own,
        forked from this one), which changes nothing but the time it takes."""
        start = time.monotonic()
        self.deadline = start + self.assignment.limits.total_seconds
        selected = self.assignment.select(parts)
        blocked = self.read_source()
        if blocked is not None:
            return self._all_zero(selected, blocked, start)
        results, printed = [], []
        try:
            for result, output in self._grade_parts(selected, jobs):
                printed.append(output)
                if isinstance(result, Finding):  # the submission could not even be imported
                    return self._all_zero(selected, result, start, printed)
                results.append(result)
        finally:
            if self._runner is not None:
                self._runner.cleanup()  # every process of the submission is gone after this
        findings = by_cause([f for r in results for f in r.findings])
        report = Report(
            self.assignment.name,
            str(self.submission),
            results,
            findings,
            time.monotonic() - start,
            _joined(printed),
            self._notes(),
        )
        return report.redacted(str(self.seed)) if self.private_seed else report

    @property
    def runner(self) -> Runner:
        """The part's worker (``start`` gives one)."""
        if self._runner is None:
            raise RuntimeError("no worker yet: start() gives one")
        return self._runner

    def grade_part(self, part: Part) -> PartResult:
        """Grade one part with ``self.runner``, a worker that has imported the submission."""
        raise NotImplementedError(f"{type(self).__name__} must implement grade_part")

    def located(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` with ``where`` (places in the student's files) where the kind can
        tell; run with the part's worker, after its grading."""
        return findings

    def sweep(self) -> None:
        """Run every function of the submission once, whatever the part: so what the code
        does at run time (a lazy forbidden import) is seen in every part's worker, and
        every part of a submission that breaks the policy scores 0. A kind may keep what
        it learns for ``grade_part``."""

    def start(self) -> None:
        """A fresh worker for the submission in ``self.runner``: a new one that imports it,
        or, while this grading's runner is in use, its next copy (``Runner.next_part``).

        Raises ``SubmissionError`` if the submission cannot be imported. ``grade`` calls it
        for every part; call it yourself to run a kind's checks on chosen cases, and
        ``runner.cleanup()`` when done.
        """
        if self._runner is not None and not self._runner.cleaned_up:
            self.runner.next_part()
            return
        if not self.deadline:
            self.deadline = time.monotonic() + self.assignment.limits.total_seconds
        if self.handed_in is None:
            try:
                self.handed_in = self.assignment.handed_in(self.submission)
            except HandInError as e:
                raise SubmissionError("import", str(e)) from None
        self._runner = Runner(
            self.handed_in,
            self.api,
            self.assignment.limits,
            forbidden=self.assignment.forbidden_imports,
            private_folders=self._private_folders(),
            deadline=self.deadline,
            arrays=self.on_arrays,
        )
        self.runner.start()
        if self.runner.detected:  # --api auto: every later worker gets what this one found
            self.api = self.runner.preset

    def _grade_parts(self, parts: tuple[Part, ...], jobs: int):
        """``(result, what the submission printed)`` for each part, in order, lazily: the
        caller stops at the first result that is a Finding (the submission cannot even be
        imported), so a hang on import costs its time limit once."""
        first = self.grade_in_fresh_worker(parts[0])
        yield first
        rest = parts[1:]
        if isinstance(first[0], Finding) or not rest:
            return
        helpers = self._helpers(jobs, len(rest))
        if not helpers:
            yield from (self.grade_in_fresh_worker(part) for part in rest)
            return
        yield from self._grade_shared(rest, helpers)

    def _helpers(self, jobs: int, parts: int) -> int:
        """How many processes grade parts beside this one: ``jobs`` at once in all, no more
        than there are parts, each with a worker user of its own (this one keeps its own)."""
        helpers = min(jobs, parts) - 1
        if "fork" not in multiprocessing.get_all_start_methods():
            return 0
        pool = self._runner.pool if self._runner is not None else []
        return min(helpers, len(pool) - 1) if pool else helpers

    def _grade_shared(self, parts: tuple[Part, ...], helpers: int) -> list[PartOutcome]:
        """Each part graded once, by this process (its worker's next copy, as with one job)
        or by one of ``helpers`` processes forked from it, each of which starts one worker
        and grades whatever part is next (``_next_parts``) from that worker's copies: a
        worker per process, not per part. The helpers start as this grader is (a fork:
        nothing is pickled to them) and send back only their outcomes."""
        context = multiprocessing.get_context("fork")
        taken = context.Value("i", 0)  # how many parts were taken, under its own lock
        running: list[tuple[Connection, BaseProcess]] = []
        for _ in range(helpers):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=self._grade_in_helper, args=(parts, taken, send))
            process.start()
            send.close()  # the helper's end: the pipe reads EOF once the helper is gone
            running.append((receive, process))
        outcomes: dict[int, PartOutcome] = {}
        for index in _next_parts(taken, len(parts)):
            outcomes[index] = self.grade_in_fresh_worker(parts[index])
        for receive, process in running:
            with receive:
                while True:
                    try:
                        index, outcome = receive.recv()
                    except EOFError:
                        break
                    outcomes[index] = outcome
            process.join()
        if len(outcomes) < len(parts):
            failed = [p.name for i, p in enumerate(parts) if i not in outcomes]
            raise RuntimeError(
                f"grading parts {failed} in a forked process failed (its traceback is above)"
            )
        return [outcomes[index] for index in range(len(parts))]

    def _grade_in_helper(self, parts: tuple[Part, ...], taken, send: Connection) -> None:
        """In a process forked by ``_grade_shared``: let go of the parent's worker, then
        grade the next part until none is left, sending each outcome with its index."""
        if self._runner is not None:
            self._runner.disown()  # the parent's: it keeps serving the parent
            self._runner = None
        try:
            for index in _next_parts(taken, len(parts)):
                send.send((index, self.grade_in_fresh_worker(parts[index])))
        finally:
            if self._runner is not None:
                self._runner.cleanup()
            send.close()

    def grade_in_fresh_worker(self, part: Part) -> PartOutcome:
        """The part's result (or the finding that stops all grading: an import error), and
        what the submission printed."""
        try:
            self.start()
        except SubmissionError as e:
            runner = self._runner  # None when the hand-in could not even be resolved
            output = runner.student_output() if runner is not None else ""
            if runner is not None:
                runner.cleanup()
                if runner.violations:
                    return self.policy_finding(runner.violations), output
            if e.kind == "api":
                text = (
                    f"chaingrade could not tell how to call your engine (--api auto): "
                    f"{e.message}; name its API with --api (README: Grading your own engine "
                    "family)"
                )
            else:
                what = "has a syntax error" if e.kind == "syntax" else "could not be imported"
                text = f"the submission {what}: {e.message}{self._missing_module(e.message)}"
            return Finding("error", text), output
        self.sweep()
        result = self.policy_zero(part) if self.runner.violations else self._graded(part)
        if not self.runner.violations:
            result.findings = self.located(result.findings)
        self.runner.end_part()  # its checks on the way out may find a violation too
        output = self.runner.student_output()
        if self.runner.violations:
            return self.policy_zero(part), output
        result.findings = by_cause(result.findings)
        return result, output

    def _graded(self, part: Part) -> PartResult:
        """``grade_part``'s result, with the digest of the cases it checked (unless the
        kind gave one of its own): the same digest means the same cases were checked."""
        self._digest, self._recorded = hashlib.sha256(), 0
        result = self.grade_part(part)
        if not result.cases_digest and self._recorded:
            result.cases_digest = self._digest.hexdigest()[:16]
        return result

    # --- what every kind may use -----------------------------------------------------------

    def record_case(self, text: str) -> None:
        """Add one checked case (its composition and points, as text) to the part's digest."""
        self._digest.update(text.encode())
        self._recorded += 1

    def search_findings(
        self,
        label: str,
        draw: Callable[[Any], CaseT],
        judge: Callable[[CaseT], Finding | None],
        *,
        stops: Callable[[Finding], bool],
        examples: int | None = None,
    ) -> list[Finding]:
        """One Hypothesis search (seeded by ``label``): each example draws a case
        (``draw(data)``, every draw first) and ``judge`` gives its finding or None. What it
        raised, one finding per bug (``search.findings_from``).

        Once a finding ``stops`` the search (the worker crashed or hung), every later
        example fails at once with it, so shrinking costs no more crashes; Hypothesis then
        finds the replays flaky, and the crash alone is the result."""
        stop: list[Finding] = []

        def body(data: Any) -> None:
            case = draw(data)
            if stop:  # after the draws: Hypothesis needs every example to draw the same way
                raise hypothesis_search.failure(stop[0])
            finding = judge(case)
            if finding is not None:
                if stops(finding):
                    stop.append(finding)
                raise hypothesis_search.failure(finding)

        try:
            hypothesis_search.search(
                body,
                seed=self.seed,
                part=label,
                examples=self.examples if examples is None else examples,
            )
        except BaseException as e:  # noqa: BLE001 - sorted out below; our own bugs re-raise
            if stop and isinstance(e, Flaky):  # replays after a crash differ; the crash is real
                return stop[:1]
            return hypothesis_search.findings_from(e)
        return []

    def score(self, result: PartResult, *, charged: Iterable[str], broken: bool) -> None:
        """Score a part by the one rule every kind shares, over the kind's items
        (``Kind.items``): a part with items (an op part's ops, an exercise's functions)
        earns the share of them not ``charged``; a part without is all or nothing.
        ``broken``: a fault that hides every item (a wrong seed, a broken reverse pass, a
        fatal error), so nothing is earned: untested is not passed."""
        part = result.part
        items = self.assignment.kind.items(self.assignment.prepared, part)
        if not items:
            result.score = 0.0 if broken else round(part.points, 4)
            return
        charged = set(charged)
        ok = () if broken else tuple(item for item in items if item not in charged)
        result.credited = ok
        result.score = round(part.points * len(ok) / len(items), 4)

    def search_ops(
        self,
        result: PartResult,
        available: list[str],
        search: Callable[[list[str]], list[Finding]],
    ) -> None:
        """``search(ops)`` over ``available``, again without the ops it charged, its new
        findings added to ``result``.

        Hypothesis stops generating soon after its first failure, so one wrong op can hide
        another of the same part (a wrong ``*`` shows first as a wrong ``-x`` built on it)
        and go uncharged. The search runs again until it finds nothing new, or a bug that
        no op can be left out for (op None: the reverse pass, a fatal error)."""
        while available:
            found = search(available)
            seen = {g.identity for g in result.findings}
            new = [f for f in found if f.identity not in seen]
            result.findings = unique(result.findings + found)
            blamed = {f.op for f in new if f.op is not None}
            if not new or any(f.op is None for f in new) or not blamed & set(available):
                break
            available = [op for op in available if op not in blamed]

    def search(self, part: Part, body: Callable, *, shrink: bool = True) -> None:
        """Run ``body(data)`` under the shared Hypothesis configuration and this grading's
        seed (see ``graders.search``); exceptions propagate."""
        hypothesis_search.search(
            body, seed=self.seed, part=part.name, examples=self.examples, shrink=shrink
        )

    def out_of_time(self) -> Finding | None:
        """The finding for a grading past its total time limit, or None."""
        if time.monotonic() <= self.deadline:
            return None
        limit = self.assignment.limits.total_seconds
        return Finding("error", f"grading exceeded the total time limit of {limit:g} s")

    def _missing_module(self, message: str) -> str:
        """For an import error that names a module the submission's code could not import
        (``No module named 'numba'``): where the code imports it and what to do."""
        missing = re.search(r"No module named '([\w.]+)'", message)
        if missing is None or self.handed_in is None:
            return ""
        texts = self.handed_in.texts()
        return ": " + policy.missing_module(texts, missing.group(1), self.handed_in.where)

    def policy_finding(self, seen: Iterable[str]) -> Finding:
        """The finding for a submission that breaks the policy: ``seen`` lists what it did
        (the static check's violations, or what the worker's guard saw)."""
        seen = sorted(set(seen))
        imports = sorted({s.split(" ", 1)[1] for s in seen if s.startswith("import ")})
        other = [s for s in seen if not s.startswith("import ")]
        said = []
        if imports:
            said.append(
                f"imports {', '.join(imports)} while it runs, which this assignment does not "
                "allow (a library that computes derivatives, or chaingrade's own code)"
            )
        if other:
            said.append(
                "; ".join(other[:8]) + (f" (and {len(other) - 8} more)" if len(other) > 8 else "")
            )
        # Advice to work without a library only where one was imported while running;
        # every other violation says what to do itself.
        advice = f": {self.policy_advice}" if imports else ""
        return Finding(
            "error",
            f"policy violation: {'; '.join(said)}{advice} (a policy violation scores 0; "
            "chaingrade policy lists what is allowed)",
        )

    def policy_zero(self, part: Part) -> PartResult:
        return PartResult(part, 0.0, [self.policy_finding(self.runner.violations)])

    # --- before anything runs --------------------------------------------------------------

    def read_source(self) -> Finding | None:
        """The finding that stops grading before any code runs, or None: a submission that
        cannot be graded as handed in (no entry, a limit broken: ``graders.submission``),
        a syntax error (its file and line, or its notebook cell and line), an entry that
        defines nothing, or a static-policy violation in any file that is copied."""
        try:
            self.handed_in = handed_in = self.assignment.handed_in(self.submission)
        except HandInError as e:
            return Finding("error", f"the submission cannot be graded as handed in: {e}")
        problem = handed_in.source_problem()
        if problem:
            return Finding("error", f"the submission {problem}")
        texts = handed_in.texts()
        if _defines_nothing(texts[handed_in.entry]):
            return Finding(
                "error",
                f"the submission is empty: {handed_in.label(handed_in.entry)} has no code; "
                "start from the starter file",
            )
        called = worker_names(self.api)  # what never runs when graded is not judged
        violations = policy.check(texts, self.assignment.policy, called, handed_in.entry)
        self.absent = policy.absent_imports(texts, self.assignment.policy, handed_in.where)
        if violations:
            return self.policy_finding(
                f"{handed_in.where(v.file, v.line)}: {v.construct} ({v.why})" for v in violations
            )
        return None

    def _private_folders(self) -> tuple[Path, ...]:
        """Folders the worker may not read: the assignment's and the solution's."""
        folders = [self.assignment.folder]
        if self.assignment.solution is not None:
            folders.append(self.assignment.solution.parent)
        return tuple(folders)

    def _notes(self) -> list[str]:
        """What the report says about the submission's form and how its engine was called
        (never a penalty)."""
        notes = list(self.handed_in.notes) if self.handed_in is not None else []
        notes += self.absent
        notes += self._runner.notes if self._runner is not None else []  # a root worker
        if self.assignment.api == AUTO and isinstance(self.api, Preset):
            notes.append(
                f"--api auto found your engine's API: {self.api.describe()}; if that is not "
                "how your engine is called, give --api (README: Grading your own engine family)"
            )
        return notes

    # --- results that stop grading ---------------------------------------------------------

    def _all_zero(
        self, parts: tuple[Part, ...], finding: Finding, start: float, printed: Sequence[str] = ()
    ) -> Report:
        """Every part at zero with one finding that says why."""
        output = _joined(printed)
        results = [PartResult(p, 0.0, [finding]) for p in parts]
        report = Report(
            self.assignment.name,
            str(self.submission),
            results,
            [finding],
            time.monotonic() - start,
            output,
            self._notes(),
        )
        return report.redacted(str(self.seed)) if self.private_seed else report


def reverse_pass_untested(result: PartResult) -> bool:
    """Whether a reverse-pass part checked no composition with a shared node (it then
    earns nothing); if so and nothing else was found, a finding says why."""
    if result.shared_examples:
        return False
    if not result.findings:
        result.findings = [
            Finding(
                "missing",
                "the reverse pass could not be tested: no composition with a shared node "
                "could be built from the ops that work (fix the ops above first)",
            )
        ]
    return True


def _next_parts(taken, count: int) -> Iterator[int]:
    """The index of each part this process takes, until all ``count`` are taken; ``taken``
    (a shared ``multiprocessing.Value``) counts the parts taken by every process."""
    while True:
        with taken.get_lock():
            index = taken.value
            if index >= count:
                return
            taken.value = index + 1
        yield index


def _defines_nothing(text: str) -> bool:
    """Whether a module holds nothing but docstrings, ``pass`` and comments."""
    return all(
        isinstance(n, ast.Pass) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        for n in ast.parse(text).body
    )


def _joined(printed: Sequence[str]) -> str:
    """What the submission printed across parts, the last 2000 characters."""
    return "\n".join(p for p in printed if p.strip())[-2000:]
