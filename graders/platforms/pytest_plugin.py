"""chaingrade's pytest plugin: grade a submission from an assignment's own tests.

Installed with the package (entry point ``pytest11``), so ``pytest assignments/`` grades
each assignment's reference solution, and ``pytest assignments/NAME --submission FILE``
grades a student's file the same way ``chaingrade check`` does.

An assignment's test file asks the ``chaingrade`` fixture for one part per test::

    @pytest.mark.visibility("after_due_date")
    def test_arithmetic(chaingrade):
        chaingrade.check_part("arithmetic")

The fixture finds the assignment from the test file's folder (the nearest
``assignment.toml``), grades only the part the test asks for (in a worker of its own, so
under ``pytest -n`` each part is graded once, by the process that runs its test, and the
score is the same as a serial run's), and fails the test with the part's findings in
plain words, not a Hypothesis traceback.

Options: ``--submission PATH``, the grading options (``--api``, ``--grading-seed-file``,
``--examples``: see ``graders.platforms.options``), ``--gradescope-results PATH`` (write
Gradescope's results.json there) and ``--chaingrade-item NAME`` (pass a ``check_part``
test when that one op or function of its part is right: GitHub Classroom's steps are all
or nothing, so its workflow gives each op its own step).

Markers:

- ``points(n)``: what the test is worth. ``check_part`` scales the part's score to it;
  without the marker a ``check_part`` test is worth its part's ``points`` in
  assignment.toml (the bundled tests say points only there). Any other test earns all of
  ``n`` when it passes and nothing when it does not.
- ``visibility(name)``: who sees the result on Gradescope, in Gradescope's words:
  ``visible``, ``hidden``, ``after_due_date`` or ``after_published``. Without it a
  ``check_part`` test takes its part's ``visibility`` from assignment.toml; any other test
  is ``visible``.

Scores: a part where some ops are wrong earns the share of its ops that are right, so a
failed ``check_part`` test keeps that partial score. Each test's points travel on its
report (``report.chaingrade``: ``score``, ``max_score``, ``visibility``, ``part``, and
the report's ``notes`` on how the submission was read, which results.json's top-level
output lists once), and with ``--junitxml`` they are written as properties of the test suite
(``<property name="score:NODEID" value="16"/>``, and ``max_score:NODEID``), which the
JUnit schema of every ``junit_family`` allows (it does not allow them in a test case).

Under pytest-xdist (``pytest -n auto``) each worker grades the parts of the tests it
runs; the controller gathers one result per test from the workers' reports and writes
the Gradescope file alone. A test whose worker crashed is failed with no points; a test that
never ran (the run was stopped) is failed with no points too, never passed.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from graders.assignment import VISIBILITIES, AssignmentError, load, visibility_problem
from graders.platforms import gradescope, options, testfiles
from graders.platforms.report import part_markdown, part_text
from graders.presets import from_option
from graders.results import PartResult, Report
from graders.sandbox.users import SandboxError

_REPORTS = pytest.StashKey[dict]()
_SEED = pytest.StashKey["int | None"]()
#: What a test earned: {"score", "max_score", "visibility", "part"}.
_POINTS = pytest.StashKey[dict]()
#: [nodeid, points or None, visibility marker or None] per collected test, in order.
_PLAN = pytest.StashKey[list]()
#: Longest test output kept in results.json.
MAX_OUTPUT = 20_000
#: The line xdist puts above a worker's failure ("[gw0] linux -- Python 3.11.7 ...").
_XDIST_HEADER = re.compile(r"\A\[gw\d+\] [^\n]* -- Python [^\n]*\n")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaingrade", "chaingrade grading")
    group.addoption(
        "--submission",
        type=Path,
        default=None,
        help="student file, folder or notebook to grade; default: the solution",
    )
    options.add_to_parser(group)
    group.addoption(
        "--gradescope-results",
        type=Path,
        default=None,
        metavar="PATH",
        help="write Gradescope's results.json to PATH",
    )
    group.addoption(
        "--chaingrade-item",
        default=None,
        metavar="NAME",
        help="pass a check_part test when this op or function of its part is right",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points the test is worth")
    config.addinivalue_line(
        "markers",
        "visibility(name): who sees the result on Gradescope: " + ", ".join(VISIBILITIES),
    )
    config.stash[_REPORTS] = {}
    try:
        options.check_examples(config.getoption("examples", None))
        config.stash[_SEED] = options.grading_seed(config.getoption("grading_seed_file", None))
        api = config.getoption("api", None)
        if api is not None:
            from_option(api)
    except ValueError as e:  # options.UsageError, or an --api that is no API
        raise pytest.UsageError(str(e)) from None
    submission = config.getoption("submission", None)
    if submission is not None and not submission.exists():
        raise pytest.UsageError(f"--submission: no such file or folder {submission}")
    if hasattr(config, "workerinput"):  # xdist workers write nothing: the controller does
        return
    config.pluginmanager.register(JunitPoints(config), "chaingrade-junit")
    path = config.getoption("gradescope_results", None)
    if path is not None:
        config.pluginmanager.register(GradescopeResults(config, path), "chaingrade-gradescope")


def pytest_collection_finish(session: pytest.Session) -> None:
    plan = [[item.nodeid, _planned_points(item), _visibility(item)] for item in session.items]
    session.config.stash[_PLAN] = plan
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker's: sent to the controller at the end
        workeroutput["chaingrade_plan"] = plan


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and not report.passed):
        points = _points(item)
        if _POINTS not in item.stash and points is not None:
            item.stash[_POINTS] = {
                "score": points if report.passed else 0.0,
                "max_score": points,
                "visibility": _visibility(item) or "visible",
            }
        if _POINTS in item.stash:  # plain data: xdist sends it to the controller as it is
            report.chaingrade = dict(item.stash[_POINTS])


class JunitPoints:
    """With --junitxml, each test's points become properties of the test suite (the only
    place the JUnit schema of every junit_family allows properties)."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        points = getattr(report, "chaingrade", None)
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - a pytest without it gets no points there
            return
        xml = self.config.stash.get(xml_key, None)
        if points and xml is not None:
            xml.add_global_property(f"score:{report.nodeid}", f"{points['score']:g}")
            xml.add_global_property(f"max_score:{report.nodeid}", f"{points['max_score']:g}")


class Chaingrade:
    """What an assignment test uses: the graded report and per-part checks."""

    def __init__(self, config: pytest.Config, node: pytest.Item, folder: Path):
        self.config = config
        self.node = node
        self.folder = folder

    def submission(self, assignment) -> Path:
        """--submission (a file, a folder or a notebook: ``graders.submission`` finds the
        entry in a folder); else the reference solution; else the student's file beside
        the tests (as in the pack ``chaingrade release`` makes)."""
        given = self.config.getoption("submission")
        if given is not None:
            return given
        if assignment.solution is not None and assignment.solution.exists():
            return assignment.solution
        own = assignment.folder / assignment.submission
        if own.exists():
            return own
        raise pytest.UsageError(
            f"{assignment.name}: no {assignment.submission} in {assignment.folder}: "
            "pass --submission"
        )

    def report(self, part: str) -> Report:
        """The submission's report for one part of this assignment (graded once per test
        process, in a worker of its own)."""
        try:
            assignment = load(
                str(self.folder),
                api=self.config.getoption("api"),
                entry=self.config.getoption("entry"),
            )
        except AssignmentError as e:
            raise pytest.UsageError(str(e)) from None
        if part not in {p.name for p in assignment.parts}:
            pytest.fail(
                f"check_part: no part {part!r}; parts: "
                + ", ".join(p.name for p in assignment.parts),
                pytrace=False,
            )
        submission = self.submission(assignment)
        if not submission.exists():
            raise pytest.UsageError(f"--submission: no such file or folder {submission}")
        key = (str(self.folder), str(submission.resolve()), part)
        cache = self.config.stash[_REPORTS]
        if key not in cache:
            from graders.grading import grade  # Hypothesis and MyGrad: only when grading

            try:
                cache[key] = grade(
                    assignment,
                    submission,
                    grading_seed=self.config.stash[_SEED],
                    examples=self.config.getoption("examples"),
                    parts=[part],
                )
            except SandboxError as e:
                pytest.fail(f"chaingrade cannot grade here: {e}", pytrace=False)
            except Exception as e:  # noqa: BLE001 - our bug: say so without our traceback
                pytest.fail(
                    f"chaingrade could not grade this part (an error in chaingrade, "
                    f"not in your code: {type(e).__name__}: {e}); tell your "
                    f"instructor",
                    pytrace=False,
                )
        return cache[key]

    def check_part(self, name: str) -> None:
        """Pass if the part earned full marks; otherwise fail with its findings.

        Either way the test records its score: the part's share of ops that are right,
        scaled to the test's ``points`` marker.
        """
        graded = self.report(name)
        result = graded.part(name)
        worth = _points(self.node)
        worth = result.max_score if worth is None else worth
        item = self.config.getoption("chaingrade_item")
        if item is not None:
            return self._check_item(result, item, worth, graded.notes)
        if result.score >= result.max_score:
            score = worth
        else:
            score = round(result.score * worth / result.max_score, 4)
        visibility = _visibility(self.node) or result.part.visibility
        self.node.stash[_POINTS] = {
            "part": name,
            "score": score,
            "max_score": worth,
            "visibility": visibility,
            "cases_digest": result.cases_digest,
            "notes": list(graded.notes),  # how the submission was read, for results.json
        }
        if score < worth:
            message = part_text(result)
            worth_note = ""
            if worth != result.max_score:
                worth_note = f"\n(this test is worth {worth:g}: {score:g} / {worth:g})"
            # Gradescope shows the same failure as Markdown (results.json ``output_format``)
            self.node.stash[_POINTS]["markdown"] = part_markdown(result) + "\n" + worth_note
            pytest.fail(message + worth_note, pytrace=False)

    def _check_item(
        self, result: PartResult, item: str, worth: float, notes: Sequence[str] = ()
    ) -> None:
        """Pass when ``item`` (an op or function of the part) earned its share of the part,
        as the part's score counts it: the all-or-nothing view Classroom's steps need."""
        earned = item in result.credited
        self.node.stash[_POINTS] = {
            "part": result.part.name,
            "score": worth if earned else 0.0,
            "max_score": worth,
            "visibility": result.part.visibility,
            "notes": list(notes),
        }
        if not earned:
            about = [f for f in result.findings if item in (f.op, f.function)] or result.findings
            pytest.fail(
                f"{item} earned nothing in {result.part.name}:\n"
                + "\n".join(f.summary() for f in about),
                pytrace=False,
            )


@pytest.fixture
def chaingrade(request: pytest.FixtureRequest) -> Chaingrade:
    folder = Path(request.node.path).parent
    while not (folder / "assignment.toml").is_file():
        if folder.parent == folder:
            raise pytest.UsageError(f"{request.node.path}: no assignment.toml in its folders")
        folder = folder.parent
    return Chaingrade(request.config, request.node, folder)


# --- Gradescope results ---------------------------------------------------------------


class GradescopeResults:
    """Gathers one result per test (in the xdist controller, from the workers' reports)
    and writes Gradescope's results.json when the session ends."""

    def __init__(self, config: pytest.Config, path: Path):
        self.config = config
        self.path = path
        self.start = time.monotonic()
        self.reports: dict[str, list] = {}
        self.worker_plans: list[list] = []
        self.written: dict | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.setdefault(report.nodeid, []).append(report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # xdist: a worker finished
        plan = getattr(node, "workeroutput", {}).get("chaingrade_plan")
        if plan:
            self.worker_plans.append(plan)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        plan: dict[str, tuple] = {}
        for rows in [self.config.stash.get(_PLAN, []), *self.worker_plans]:
            for nodeid, points, visibility in rows:
                plan.setdefault(nodeid, (points, visibility))
        order = list(plan) + [n for n in self.reports if n not in plan]
        tests = []
        for nodeid in order:
            entry = _entry(nodeid, self.reports.get(nodeid, []), *plan.get(nodeid, (None, None)))
            if entry is not None:
                entry["number"] = str(len(tests) + 1)
                tests.append(entry)
        passed = sum(t["status"] == "passed" for t in tests)
        output = f"{passed} of {len(tests)} tests passed."
        self.written = gradescope.results(
            tests, execution_time=time.monotonic() - self.start, output=output
        )
        notes = [  # how the submission was read (a notebook's magics dropped, ...)
            note
            for reports in self.reports.values()
            for report in reports
            for note in (getattr(report, "chaingrade", None) or {}).get("notes") or ()
        ]
        gradescope.with_notes(self.written, [str(n) for n in dict.fromkeys(notes)])
        gradescope.write(self.written, self.path)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.written is not None:
            score = self.written["score"]
            total = sum(t["max_score"] for t in self.written["tests"])
            terminalreporter.write_line(
                f"chaingrade: {score:g} / {total:g} points; Gradescope results in {self.path}"
            )


def _entry(nodeid: str, reports: list, points: float | None, visibility: str | None):
    """One Gradescope test from a test's reports (setup, call, teardown, or a crash)."""
    failed = any(r.failed for r in reports)
    if not failed and any(r.skipped for r in reports):
        return None  # skipped or expected to fail: no points either way
    recorded: dict = {}
    for report in reports:
        recorded.update(getattr(report, "chaingrade", None) or {})
    # chaingrade's own failure of a part, as Markdown (not a failure in setup or teardown)
    ours = failed and all(r.when == "call" for r in reports if r.failed)
    markdown = str(recorded.get("markdown") or "") if ours else ""
    max_score = _float(recorded.get("max_score"), points or 0.0)
    score = _float(recorded.get("score"), None)
    if not reports:
        passed, score = False, 0.0
        output = "This test did not run: the test run stopped before it."
    elif failed:
        passed = False
        score = score if score is not None and score < max_score else 0.0
        output = markdown or "\n\n".join(
            _XDIST_HEADER.sub("", r.longreprtext) for r in reports if r.failed
        )
    else:
        passed = True
        score = max_score if score is None else min(score, max_score)
        output = ""
    visibility = recorded.get("visibility") or visibility or "visible"
    if visibility_problem(visibility):  # a worker's report said something else: the default
        visibility = "visible"
    name = str(recorded.get("part") or nodeid.split("::", 1)[-1])
    return gradescope.entry(
        name,
        score,
        max_score,
        passed=passed,
        cases_digest=str(recorded.get("cases_digest") or ""),
        output=output[-MAX_OUTPUT:],
        visibility=visibility,
        output_format="md" if markdown else None,
    )


def _float(value, default):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _points(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("points")
    if marker is None:
        return None
    value = _float(marker.args[0] if marker.args else marker.kwargs.get("n"), None)
    if value is None or value < 0:
        raise pytest.UsageError(f"{item.nodeid}: points({marker.args}) needs a number >= 0")
    return value


def _planned_points(item: pytest.Item) -> float | None:
    """What a test is worth before it runs: its ``points`` marker, else the points of the
    part it checks (``check_part("name")`` read from its source, as ``testfiles`` reads it),
    so a test that never runs still counts in the total without the points written twice."""
    marked = _points(item)
    if marked is not None or not isinstance(item, pytest.Function):
        return marked
    name = item.originalname
    if item.cls is not None:
        name = f"{item.cls.__name__}::{name}"
    for test in _tests_in(Path(item.path)):
        if test.name == name:
            return test.points
    return None


@functools.cache
def _tests_in(path: Path) -> tuple[testfiles.TestInfo, ...]:
    """The tests of one file with the points of the parts they check (none when the file
    has no readable assignment.toml above it: the fixture then says what is wrong)."""
    folder = path.parent
    while not (folder / "assignment.toml").is_file():
        if folder.parent == folder:
            return ()
        folder = folder.parent
    try:
        parts = {part.name: part for part in load(str(folder)).parts}
        return tuple(testfiles.read_file(path, path.name, parts))
    except (AssignmentError, OSError, SyntaxError, ValueError):
        return ()


def _visibility(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("visibility")
    if marker is None:
        return None
    value = marker.args[0] if marker.args else marker.kwargs.get("name")
    problem = visibility_problem(value)
    if problem:
        raise pytest.UsageError(f"{item.nodeid}: {problem}")
    return value
