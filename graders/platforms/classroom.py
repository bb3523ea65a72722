"""GitHub Classroom: the autograding workflow for an assignment's student repository.

GitHub Classroom reads points from workflow steps: each
``classroom-resources/autograding-command-grader`` step runs one command and earns its
``max-score`` when the command exits 0, and the ``autograding-grading-reporter`` step
sends every step's result to Classroom. :func:`workflow` writes the steps for the student
pack that ``chaingrade release`` makes, where it lives at ``.github/workflows/classroom.yml``.
It installs chaingrade from the pack (``requirements.txt``) at the exact versions of
``constraints.txt``.

Classroom has no partial credit within a step, so a test of a part with partial credit
gets one step per item (op, or exercise function): ``pytest FILE::TEST --chaingrade-item
NAME``, worth an equal share of the test's points, so the steps add up to what Gradescope
gives. Shares are whole points (Classroom's command grader reads ``max-score`` with
``parseInt``), split by largest remainder: when a test's points are not a multiple of its
items, a partly right part can differ from Gradescope's score: by up to what the steps
above the equal share exceed it by, together. :func:`uneven_parts` says which part and by
how much (``chaingrade classroom`` and ``release`` warn, and the
workflow carries it as a comment). Of the bundled assignments only chain_rule_multi has
such parts (8, 8 and 10 functions: no whole split of 100 keeps their weights). Other
tests get one step each, all or nothing. Hidden tests cannot run in a repository students
can read, so only ``visible`` tests get steps (grade the rest with ``chaingrade batch`` or
Gradescope). ``chaingrade classroom --api NAME --entry NAME`` puts both on every step's
command, as ``chaingrade gradescope`` bakes them into ``run_autograder``: a course whose
engines are micrograd-, needle- or DeZero-shaped grades without editing the assignment.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Sequence

from graders.assignment import Assignment
from graders.platforms import testfiles

WORKFLOW_PATH = ".github/workflows/classroom.yml"
DEFAULT_INSTALL = "python -m pip install -r requirements.txt -c constraints.txt"
#: The runner's Python (and so the versions constraints.txt pins).
DEFAULT_PYTHON = "3.11"


class ClassroomError(ValueError):
    """A workflow that cannot be written; the message says what to fix."""


def steps(assignment: Assignment, options: Sequence[str] = ()) -> list[tuple[str, str, float]]:
    """``(step name, pytest command, points)`` for each step, in the order of the tests;
    ``options`` (``--api``, ``--entry``: ``autograder.grading_options``) go on every
    command, as ``run_autograder`` gives them to every grading."""
    tests = [
        (t, t.points)
        for t in testfiles.read(assignment)
        if t.visibility == "visible" and t.points is not None
    ]
    parts = {p.name: p for p in assignment.parts}
    found = []
    for test, points in tests:
        command = " ".join(
            [
                "python -m pytest -p no:cacheprovider -q",
                repr(test.nodeid),
                *map(shlex.quote, options),
            ]
        )
        part = parts.get(test.part) if test.part is not None else None
        items = assignment.kind.items(assignment.prepared, part) if part else ()
        if not items:
            found.append((test.part or test.name, command, points))
            continue
        for item, share in zip(items, _shares(points, len(items))):
            found.append((f"{test.part}: {item}", f"{command} --chaingrade-item {item}", share))
    return found


def uneven_parts(assignment: Assignment) -> list[str]:
    """Why a student's Classroom total can differ from Gradescope's: one line per visible
    test with partial credit whose points are not a whole multiple of its items (so its
    steps' whole-number shares are unequal, or do not add up to its points)."""
    found = []
    for test in testfiles.read(assignment):
        part = next((p for p in assignment.parts if p.name == test.part), None)
        if test.visibility != "visible" or test.points is None or part is None:
            continue
        items = assignment.kind.items(assignment.prepared, part)
        if items and not (float(test.points).is_integer() and int(test.points) % len(items) == 0):
            steps = _shares(test.points, len(items))
            shares = ", ".join(map(str, sorted(set(steps))))
            found.append(
                f"{test.part}: {test.points:g} points over {len(items)} items "
                f"(Classroom steps of {shares} points, Gradescope {test.points / len(items):.4g} "
                f"an item: a total can differ by up to {_widest_gap(test.points, steps):.4g})"
            )
    return found


def _widest_gap(points: float, steps: list[int]) -> float:
    """How far a student's Classroom total for one test can be from Gradescope's: every
    step above the equal share passed and none below, or the other way round."""
    equal = points / len(steps)
    return max(
        sum(s - equal for s in steps if s > equal), sum(equal - s for s in steps if s < equal)
    )


def _shares(total: float, count: int) -> list[int]:
    """``count`` whole numbers adding up to ``total`` (rounded), as equal as they can be."""
    whole = round(total)
    base, extra = divmod(whole, count)
    return [base + (1 if k < extra else 0) for k in range(count)]


def workflow(
    assignment: Assignment,
    *,
    python: str = DEFAULT_PYTHON,
    install: str = DEFAULT_INSTALL,
    options: Sequence[str] = (),
) -> str:
    """The workflow file's text (YAML), steps in the order of the tests, each given
    ``options`` (see :func:`steps`)."""
    planned = steps(assignment, options)
    uneven = uneven_parts(assignment)
    if not planned:
        raise ClassroomError(f"{assignment.name} has no visible tests with points to grade")
    minutes = max(1, math.ceil((assignment.limits.total_seconds + 60) / 60))
    lines = [
        f"# GitHub Classroom autograding for {assignment.name}, written by chaingrade.",
        "# One step per op (or function) of each public test, worth its share of the points.",
        *(f"# Not an equal share (a total here can differ from Gradescope's): {u}" for u in uneven),
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
    for name, command, points in planned:
        step = _step_id(name, ids)
        ids.append(step)
        lines += [
            f"      - name: {_quote(name)}",
            f"        id: {step}",
            "        uses: classroom-resources/autograding-command-grader@v1",
            "        with:",
            f"          test-name: {_quote(name)}",
            "          setup-command: ''",
            f"          command: {_quote(command)}",
            f"          timeout: {minutes}",
            f"          max-score: {_score(points)}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        uses: classroom-resources/autograding-grading-reporter@v1",
        "        env:",
        *(f'          {s.upper()}_RESULTS: "${{{{steps.{s}.outputs.result}}}}"' for s in ids),
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
