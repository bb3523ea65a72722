"""Gradescope's ``results.json``: written from a grading, and checked.

Gradescope reads ``/autograder/results/results.json``; :func:`from_report` (a Report from
``grade``) and :func:`results` (any list of tests, as the pytest plugin builds it) write
only the fields Gradescope defines (:data:`TOP_LEVEL_FIELDS`, :data:`TEST_FIELDS`), and
:func:`validate` checks a file against them::

    {"score": 96.0, "execution_time": 2.1, "output": "...",
     "tests": [{"name": "arithmetic", "number": "1", "score": 16.0, "max_score": 20.0,
                "status": "failed", "output": "arithmetic: 16 / 20 points\\n1. step ...",
                "visibility": "visible"}, ...]}

The autograder zip that runs the grading on Gradescope is ``graders.platforms.autograder``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

from graders.assignment import Assignment, visibility_problem
from graders.platforms.report import NOTES_HEADING, part_markdown
from graders.results import Report

#: The top-level fields of results.json that Gradescope defines; nothing else is written.
TOP_LEVEL_FIELDS = frozenset(
    {
        "score",
        "execution_time",
        "output",
        "output_format",
        "visibility",
        "stdout_visibility",
        "extra_data",
        "tests",
        "leaderboard",
    }
)
#: The fields of one entry of ``tests`` that Gradescope defines.
TEST_FIELDS = frozenset(
    {
        "score",
        "max_score",
        "status",
        "name",
        "name_format",
        "number",
        "output",
        "output_format",
        "tags",
        "visibility",
        "extra_data",
    }
)
STATUSES = ("passed", "failed")


# --- results.json --------------------------------------------------------------------


def entry(
    name: str,
    score: float,
    max_score: float,
    *,
    passed: bool,
    output: str = "",
    visibility: str = "visible",
    number: str | None = None,
    cases_digest: str = "",
    output_format: str | None = None,
) -> dict:
    """One entry of ``tests``: a failed test keeps the partial score it earned.
    ``cases_digest`` (the part's cases, see ``PartResult``) goes to its ``extra_data``;
    ``output_format`` is Gradescope's (``"md"`` for Markdown; plain text when None)."""
    problem = visibility_problem(visibility)
    if problem:
        raise ValueError(problem)
    entry = {
        "name": name,
        "score": _number(score),
        "max_score": _number(max_score),
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": visibility,
    }
    if number is not None:
        entry["number"] = number
    if output_format is not None:
        entry["output_format"] = output_format
    if cases_digest:
        entry["extra_data"] = {"cases_digest": cases_digest}
    return entry


def results(
    tests: list[dict], *, execution_time: float, output: str = "", extra_data: dict | None = None
) -> dict:
    """A whole results.json: the score is the sum of the tests' scores. The top-level
    output is plain text (``output_format: "text"``): it quotes what the student's code
    printed and the names of the files handed in, which Gradescope's default for it
    (``simple_format``) would render as HTML (a printed ``<a href>`` as a live link)."""
    data = {
        "score": _number(sum(t["score"] for t in tests)),
        "execution_time": round(max(execution_time, 0.0), 3),
        "output": output,
        "output_format": "text",
        "tests": tests,
    }
    if extra_data:
        data["extra_data"] = extra_data
    return data


def from_report(report: Report) -> dict:
    """results.json for a Report: one test per part, in the assignment's order.

    Each part's output holds its own findings only, in Markdown with the reproducer as
    a code block, so a hidden part's findings stay hidden; the top-level output (always
    shown) says nothing about any part. Every finding, with step, op, its case and its
    ``part``, goes to ``extra_data`` for instructors, ``batch`` and the feedback page.
    """
    tests = []
    for number, part in enumerate(report.parts, 1):
        passed = part.score >= part.max_score
        output = "" if passed and not part.findings else part_markdown(part)
        tests.append(
            entry(
                part.part.name,
                part.score,
                part.max_score,
                passed=passed,
                output=output,
                visibility=part.part.visibility,
                number=str(number),
                cases_digest=part.cases_digest,
                output_format="md" if output else None,
            )
        )
    name = Path(report.submission).name
    output = f"{report.assignment}: graded {name} in {report.elapsed:.1f} s."
    if report.student_output.strip():
        printed = report.student_output.strip().splitlines()[-10:]
        output += "\n\nYour code printed (last lines):\n" + "\n".join("   " + s for s in printed)
    part_of = {id(f): p.part.name for p in report.parts for f in p.findings}
    extra = {
        "assignment": report.assignment,
        "submission": name,
        "max_score": _number(report.max_score),
        "findings": [{**f.to_json(), "part": part_of.get(id(f))} for f in report.findings],
    }
    data = results(tests, execution_time=report.elapsed, output=output, extra_data=extra)
    return with_notes(data, report.notes)


def with_notes(data: dict, notes: list[str]) -> dict:
    """``data`` (results.json) with ``notes`` about the submission's form (a notebook's
    dropped magics, a folder's files left out) added: to the top-level output, which
    says nothing about any part, and to ``extra_data["notes"]``."""
    if not notes:
        return data
    extra = data.setdefault("extra_data", {})
    before = list(extra.get("notes") or [])
    combined = [*dict.fromkeys([*notes, *before])]
    output = data.get("output", "")
    if before:
        output = output.replace(_notes_text(before), "").rstrip()
    data["output"] = (output + "\n\n" if output else "") + _notes_text(combined)
    extra["notes"] = combined
    return data


def _notes_text(notes: list[str]) -> str:
    return NOTES_HEADING + "\n" + "\n".join(f"- {n}" for n in notes)


def zero(
    parts, message: str, *, execution_time: float = 0.0, extra_data: dict | None = None
) -> dict:
    """results.json for a submission that could not be graded at all: every part at zero.
    ``parts`` is an Assignment or ``(name, points, visibility)`` triples (what batch jobs
    carry)."""
    if isinstance(parts, Assignment):
        extra_data = {"assignment": parts.name, **(extra_data or {})}
        parts = [(p.name, p.points, p.visibility) for p in parts.parts]
    tests = [
        entry(name, 0.0, points, passed=False, output=message, visibility=visibility, number=str(n))
        for n, (name, points, visibility) in enumerate(parts, 1)
    ]
    return results(
        tests,
        execution_time=execution_time,
        output=message,
        extra_data={**(extra_data or {}), "error": message},
    )


def validate(data: object) -> list[str]:
    """What is wrong with ``data`` as a Gradescope results.json (empty when nothing is)."""
    if not isinstance(data, dict):
        return ["results.json must hold a JSON object"]
    problems = [f"unknown top-level field {k!r}" for k in sorted(set(data) - TOP_LEVEL_FIELDS)]
    if "score" in data and not _is_number(data["score"]):
        problems.append("score must be a number")
    if "execution_time" in data and not _is_number(data["execution_time"]):
        problems.append("execution_time must be a number")
    for key in ("output", "output_format", "stdout_visibility"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key} must be a string")
    if "visibility" in data and (problem := visibility_problem(data["visibility"])):
        problems.append(problem)
    if "score" not in data and "tests" not in data:
        problems.append("results.json needs a score or tests")
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return [*problems, "tests must be a list"]
    for i, entry in enumerate(tests):
        where = f"tests[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object")
            continue
        problems += [f"{where}: unknown field {k!r}" for k in sorted(set(entry) - TEST_FIELDS)]
        for key in ("score", "max_score"):
            if key in entry and not _is_number(entry[key]):
                problems.append(f"{where}: {key} must be a number")
        if "status" in entry and entry["status"] not in STATUSES:
            problems.append(f"{where}: status must be one of {STATUSES}")
        if "visibility" in entry and visibility_problem(entry["visibility"]):
            problems.append(f"{where}: {visibility_problem(entry['visibility'])}")
        for key in ("name", "number", "output"):
            if key in entry and not isinstance(entry[key], str):
                problems.append(f"{where}: {key} must be a string")
    return problems


def write(data: dict, path: Path | str) -> None:
    """Write results.json (``-`` for standard output), replacing any file atomically."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _number(value: float) -> float:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
