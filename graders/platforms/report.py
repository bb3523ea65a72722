"""Reports: the grading result as text for a student, as Markdown for Gradescope, or as
JSON for machines."""

from __future__ import annotations

import json
import re
import textwrap

from graders import places, root_cause
from graders.results import Finding, PartResult, Report, number

#: The heading of the notes about how a submission was read (not a penalty).
NOTES_HEADING = "About your submission (not a penalty):"


def text(report: Report, *, header: str = "") -> str:
    width = max([len(p.part.name) for p in report.parts] + [5])
    lines = [header] if header else []
    for p in report.parts:
        mark = "ok " if p.score == p.max_score else "   "
        lines.append(f"  {mark}{p.part.name:<{width}}  {_points(p.score)} / {_points(p.max_score)}")
    lines.append(f"     {'total':<{width}}  {_points(report.score)} / {_points(report.max_score)}")
    if report.notes:  # how the submission was read: a notebook's dropped magics, ...
        lines += ["", NOTES_HEADING]
        for note in report.notes:
            lines += textwrap.wrap(note, 100, initial_indent="  - ", subsequent_indent="    ")
    if not report.findings:
        lines += ["", "No findings: every chain-rule step checked out."]
        return "\n".join(lines) + "\n"
    lines += ["", f"Findings ({len(report.findings)}):"]
    said: set = set()
    for n, finding in enumerate(report.findings, 1):
        lines += ["", *textwrap.wrap(f"{n}. {finding.summary()}", 100, subsequent_indent="   ")]
        if finding.node:
            lines.append(f"   node: {finding.node}")
        lines += [f"   where: {places.text(place)}" for place in finding.where[:1]]
        lines += ["   " + line for line in root_lines(report.findings, finding, said)]
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
    said: set = set()
    for n, finding in enumerate(result.findings, 1):
        lines.append(f"{n}. {finding.summary()}")
        if finding.node:
            lines.append(f"   node: {finding.node}")
        lines += [f"   where: {places.text(place)}" for place in finding.where[:1]]
        lines += ["   " + line for line in root_lines(result.findings, finding, said)]
        if finding.reproducer:
            lines.append("   reproduce with:")
            lines += ["       " + line if line else "" for line in finding.reproducer.splitlines()]
    return "\n".join(lines)


def part_markdown(result: PartResult) -> str:
    """One part's score and findings as Markdown (Gradescope's ``output_format: "md"``):
    the reproducer as a Python code block, the student's own text escaped."""
    lines = [
        f"**{_md(result.part.name)}: {_points(result.score)} / {_points(result.max_score)} points**"
    ]
    said: set = set()
    for n, finding in enumerate(result.findings, 1):
        lines += ["", f"{n}. **{_md(finding.headline())}**: {_md(finding.message)}"]
        if finding.node:
            lines.append(f"   - node: {_code(finding.node)}")
        if finding.rule:
            lines.append(f"   - rule: {_code(finding.rule)}")
        if finding.expected is not None or finding.actual is not None:
            lines.append(
                f"   - expected {_code(number(finding.expected))}, "
                f"your engine gives {_code(number(finding.actual))}"
            )
        lines += [_where_markdown(place) for place in finding.where[:1]]
        lines += ["   - " + _md(line) for line in root_lines(result.findings, finding, said)]
        if finding.reproducer:
            fence = "`" * max(3, _longest_backticks(finding.reproducer) + 1)
            lines += ["", "   reproduce with:", "", f"   {fence}python"]
            lines += ["   " + line if line else "" for line in finding.reproducer.splitlines()]
            lines.append(f"   {fence}")
    return "\n".join(lines)


def root_lines(findings, finding: Finding, said: set) -> list[str]:
    """The root cause across ops (``graders.root_cause``), said once per op and root:
    on a finding whose op is built on a wrong op, the statement (later ones: see above); on
    the root op's own finding, the ops that follow from it."""
    root = root_cause.root_of(finding)
    if root is not None and finding.op:
        if (finding.op, root) in said:
            return [f"root cause: your {root}, as said above"]
        said.add((finding.op, root))
        return ["root cause: " + root_cause.statement(finding.op, root, finding.where[0])]
    follow = dict.fromkeys(f.op for f in root_cause.dependents(findings, finding))
    if root is None and follow:
        ops = ", ".join(follow)
        return [f"follows from this: {ops} (built on your {finding.op}; right once it is)"]
    return []


def _where_markdown(place: dict) -> str:
    """The place in the student's file: where, then the lines around it, its own marked."""
    excerpt = places.excerpt_lines(place)
    width = len(str(excerpt[-1][0]))
    body = [f"{'>' if here else ' '} {n:>{width}} | {line}" for n, line, here in excerpt]
    fence = "`" * max(3, _longest_backticks("\n".join(body)) + 1)
    return "\n".join(
        [
            f"   - where: {_code(places.location(place))} in {_code(place['function'])}",
            "",
            f"   {fence}",
            *["   " + line for line in body],
            f"   {fence}",
        ]
    )


def _md(text: str) -> str:
    """Text with the characters escaped that Markdown or HTML would read inside a line
    (emphasis, code, links, tags, tables, strikethrough)."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", str(text))


def _code(text: str) -> str:
    """Inline code that holds any text: a fence longer than the backticks inside."""
    text = str(text).replace("\n", " ")
    fence = "`" * (_longest_backticks(text) + 1)
    return f"{fence} {text} {fence}"


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def as_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, allow_nan=False, default=str)


def _points(value: float) -> str:
    return f"{value:g}"
