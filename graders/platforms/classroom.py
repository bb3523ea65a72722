"""GitHub Classroom: the autograding workflow for an assignment's student repository.

GitHub Classroom reads points from workflow steps: each
``classroom-resources/autograding-command-grader`` step runs one command and earns its
``max-score`` when the command exits 0, and the ``autograding-grading-reporter`` step
sends every step's result to Classroom. :func:`workflow` writes one step per public
test (``pytest FILE::TEST``, worth the test's points), for the student pack that
``chaingrade release`` makes, where it lives at ``.github/workflows/classroom.yml``.

Classroom has no partial credit within a step, so a part earns all its points or none
there; hidden tests cannot run in a repository students can read, so only ``visible``
tests get steps (grade the rest with ``chaingrade batch`` or Gradescope).
"""

from __future__ import annotations

import json
import math
import re

from graders.assignment import Assignment
from graders.platforms import testfiles

WORKFLOW_PATH = ".github/workflows/classroom.yml"
DEFAULT_INSTALL = "python -m pip install -r requirements.txt"


class ClassroomError(ValueError):
    """A workflow that cannot be written; the message says what to fix."""


def workflow(assignment: Assignment, *, python: str = "3.11",
             install: str = DEFAULT_INSTALL) -> str:
    """The workflow file's text (YAML), steps in the order of the tests."""
    tests = [t for t in testfiles.read(assignment) if t.visibility == "visible"
             and t.points is not None]
    if not tests:
        raise ClassroomError(f"{assignment.name} has no visible tests with points to grade")
    minutes = max(1, math.ceil((assignment.limits.total_seconds + 60) / 60))
    lines = [
        f"# GitHub Classroom autograding for {assignment.name}, written by chaingrade.",
        "# One step per public test, worth its points (all or nothing per step).",
        "name: Autograding Tests",
        "'on':",
        "  - push",
        "  - repository_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        f"          python-version: {_quote(python)}",
        "      - name: Install chaingrade",
        f"        run: {_quote(install)}",
    ]
    ids = []
    for test in tests:
        step = _step_id(test.part or test.name, ids)
        ids.append(step)
        command = f"python -m pytest -p no:cacheprovider -q {test.nodeid!r}"
        lines += [
            f"      - name: {_quote(test.part or test.name)}",
            f"        id: {step}",
            "        uses: classroom-resources/autograding-command-grader@v1",
            "        with:",
            f"          test-name: {_quote(test.part or test.name)}",
            "          setup-command: ''",
            f"          command: {_quote(command)}",
            f"          timeout: {minutes}",
            f"          max-score: {_score(test.points)}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        uses: classroom-resources/autograding-grading-reporter@v1",
        "        env:",
        *(f"          {s.upper()}_RESULTS: \"${{{{steps.{s}.outputs.result}}}}\"" for s in ids),
        "        with:",
        f"          runners: {','.join(ids)}",
    ]
    return "\n".join(lines) + "\n"


def _step_id(name: str, taken: list[str]) -> str:
    """A step id GitHub accepts (letters, digits, ``-``), unique in the workflow."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "test"
    if not base[0].isalpha():
        base = "test-" + base
    step, n = base, 2
    while step in taken:
        step, n = f"{base}-{n}", n + 1
    return step


def _quote(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _score(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:g}"
