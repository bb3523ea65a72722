"""chaingrade's pytest plugin: grade a submission from an assignment's own tests.

Installed with the package (entry point ``pytest11``), so ``pytest assignments/`` grades
each assignment's reference solution, and ``pytest assignments/NAME --submission FILE``
grades a student's file the same way ``chaingrade check`` does.

An assignment's test file asks the ``chaingrade`` fixture for one part at a time::

    @pytest.mark.points(20)
    def test_arithmetic(chaingrade):
        chaingrade.check_part("arithmetic")

The fixture finds the assignment from the test file's folder (the nearest
``assignment.toml``), grades the submission once per test process, and fails the test
with the part's findings in plain words, not a Hypothesis traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.assignment import AssignmentError, load
from graders.grading import Report, grade
from graders.presets import PRESETS

_REPORTS = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaingrade", "chaingrade grading")
    group.addoption("--submission", type=Path, default=None,
                    help="student file (or folder holding it) to grade; default: the solution")
    group.addoption("--api", choices=sorted(PRESETS), default=None,
                    help="student API preset (default: the assignment's)")
    group.addoption("--grading-seed", type=int, default=None,
                    help="grade with this seed instead of the assignment's public one")
    group.addoption("--examples", type=int, default=None,
                    help="Hypothesis examples per part (default: the assignment's)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points the test is worth")
    config.stash[_REPORTS] = {}


class Chaingrade:
    """What an assignment test uses: the graded report and per-part checks."""

    def __init__(self, config: pytest.Config, node: pytest.Item, folder: Path):
        self.config = config
        self.node = node
        self.folder = folder

    def submission(self, assignment) -> Path:
        given = self.config.getoption("submission")
        if given is None:
            if assignment.solution is None:
                raise pytest.UsageError(f"{assignment.name} has no solution: pass --submission")
            return assignment.solution
        return given / assignment.submission if given.is_dir() else given

    def report(self) -> Report:
        """The submission's report for this assignment, graded once per test process."""
        try:
            assignment = load(str(self.folder), api=self.config.getoption("api"))
        except AssignmentError as e:
            raise pytest.UsageError(str(e)) from None
        submission = self.submission(assignment)
        if not submission.is_file():
            raise pytest.UsageError(f"--submission: no such file {submission}")
        key = (str(self.folder), str(submission.resolve()))
        cache = self.config.stash[_REPORTS]
        if key not in cache:
            cache[key] = grade(
                assignment, submission,
                grading_seed=self.config.getoption("grading_seed"),
                examples=self.config.getoption("examples"),
            )
        return cache[key]

    def check_part(self, name: str) -> None:
        """Pass if the part earned full marks; otherwise fail with its findings."""
        result = self.report().part(name)
        self.node.user_properties.append(("score", result.score))
        self.node.user_properties.append(("max_score", result.max_score))
        if result.score < result.max_score:
            lines = [f"{name}: {result.score:g} / {result.max_score:g} points"]
            for n, finding in enumerate(result.findings, 1):
                lines.append(f"{n}. {finding.summary()}")
                if finding.reproducer:
                    lines += ["   reproduce with:"]
                    lines += ["       " + line for line in finding.reproducer.splitlines()]
            pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def chaingrade(request: pytest.FixtureRequest) -> Chaingrade:
    folder = Path(request.node.path).parent
    while not (folder / "assignment.toml").is_file():
        if folder.parent == folder:
            raise pytest.UsageError(f"{request.node.path}: no assignment.toml in its folders")
        folder = folder.parent
    return Chaingrade(request.config, request.node, folder)



