"""Reports: the grading result as text for a student, or as JSON for machines."""

from __future__ import annotations

import json
import textwrap

from graders.results import PartResult, Report


def text(report: Report, *, header: str = "") -> str:
    width = max([len(p.part.name) for p in report.parts] + [5])
    lines = [header] if header else []
    for p in report.parts:
        mark = "ok " if p.score == p.max_score else "   "
        lines.append(f"  {mark}{p.part.name:<{width}}  {_points(p.score)} / {_points(p.max_score)}")
    lines.append(f"     {'total':<{width}}  {_points(report.score)} / {_points(report.max_score)}")
    if not report.findings:
        lines += ["", "No findings: every chain-rule step checked out."]
        return "\n".join(lines) + "\n"
    lines += ["", f"Findings ({len(report.findings)}):"]
    for n, finding in enumerate(report.findings, 1):
        lines += ["", *textwrap.wrap(f"{n}. {finding.summary()}", 100, subsequent_indent="   ")]
        if finding.node:
            lines.append(f"   node: {finding.node}")
        if finding.reproducer:
            lines.append("   reproduce with:")
            lines += ["       " + line if line else "" for line in finding.reproducer.splitlines()]
    if report.student_output.strip():
        lines += ["", "Your code printed (last lines):"]
        lines += ["   " + line for line in report.student_output.strip().splitlines()[-10:]]
    return "\n".join(lines) + "\n"


def part_text(result: PartResult) -> str:
    """One part's score and findings in plain words (pytest failures, Gradescope output)."""
    lines = [f"{result.part.name}: {_points(result.score)} / {_points(result.max_score)} points"]
    for n, finding in enumerate(result.findings, 1):
        lines.append(f"{n}. {finding.summary()}")
        if finding.node:
            lines.append(f"   node: {finding.node}")
        if finding.reproducer:
            lines.append("   reproduce with:")
            lines += ["       " + line if line else "" for line in finding.reproducer.splitlines()]
    return "\n".join(lines)


def as_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, allow_nan=False, default=str)


def _points(value: float) -> str:
    return f"{value:g}"
