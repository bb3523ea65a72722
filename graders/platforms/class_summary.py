"""Class analytics for ``chaingrade batch``: summary.png, summary.html and each student's
feedback page, from the results files batch writes (``OUT/NAME.json``).

An instructor sees which chain-rule steps the class gets wrong: the score histogram, the
mean score per part, and a step × op heat map that counts **students** (a student with
six findings about one op counts once in each cell), with ``missing`` in its own column,
so one unfinished submission cannot hide a conceptual bug others share. summary.html
adds the submissions that could not be graded and the entries passed over, with why,
and links every student's own page (``OUT/NAME.html``, ``html_report``).
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path
from urllib.parse import quote

from graders import kinds
from graders.assignment import Assignment
from graders.platforms import html_report

#: The heat map's columns: every step but ``missing`` (the core's and every kind's), in
#: cause order, then ``missing``.
COLUMNS = tuple(s for s in kinds.all_steps_in_cause_order() if s != "missing") + ("missing",)
#: The row of findings about no op (the reverse pass, the seed, a crash on import).
NO_OP = "(no op)"


def status(data: dict) -> str:
    batch = (data.get("extra_data") or {}).get("batch")
    return batch.get("status", "graded") if isinstance(batch, dict) else "graded"


def wrong(data: dict) -> set[tuple[str, str]]:
    """The distinct (step, op) pairs of one result's findings."""
    findings = (data.get("extra_data") or {}).get("findings") or []
    return {
        (str(f.get("step")), str(f.get("op") or f.get("function") or NO_OP))
        for f in findings
        if isinstance(f, dict) and f.get("step")
    }


def heat(results: dict[str, dict]) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Rows (ops, most students first), columns (steps present, ``missing`` last) and the
    number of graded students with each (step, op)."""
    counts = Counter(pair for d in results.values() if status(d) == "graded" for pair in wrong(d))
    steps = [s for s in COLUMNS if any(step == s for step, _ in counts)]
    by_op = Counter()
    for (step, op), n in counts.items():
        by_op[op] += n if step != "missing" else 0
    ops = sorted({op for _, op in counts}, key=lambda op: (-by_op[op], op))
    return ops, steps, dict(counts)


def part_means(results: dict[str, dict], assignment: Assignment) -> list[tuple[str, float, float]]:
    """(part, mean score, points) over every result, ungraded ones at zero."""
    means = []
    for part in assignment.parts:
        scores = [
            float(t.get("score", 0))
            for d in results.values()
            for t in d.get("tests", [])
            if t.get("name") == part.name
        ]
        means.append((part.name, sum(scores) / len(scores) if scores else 0.0, part.points))
    return means


# --- the picture ----------------------------------------------------------------------------


def figure(results: dict[str, dict], assignment: Assignment):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    ops, steps, counts = heat(results)
    rows = max(len(ops), 3)
    fig = plt.figure(figsize=(13, 4.2 + 0.32 * rows))
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.5], height_ratios=[1, 1])
    _histogram(fig.add_subplot(grid[0, 0]), results, assignment)
    _means(fig.add_subplot(grid[1, 0]), part_means(results, assignment))
    _heat_map(fig.add_subplot(grid[:, 1]), ops, steps, counts, len(results))
    fig.suptitle(f"chaingrade: {assignment.name}")
    fig.tight_layout()
    return fig


def _histogram(axes, results: dict[str, dict], assignment: Assignment) -> None:
    scores = [float(d.get("score", 0)) for d in results.values()]
    maximum = assignment.max_score or 1.0
    # One bar per score, never a bin: 95, 96 and 100 are three grades, not one bar.
    counts = Counter(round(score, 6) for score in scores)
    width = maximum / 100
    axes.bar(list(counts), list(counts.values()), width=width, color="#4C72B0")
    axes.set_xlim(-2 * width, maximum + 2 * width)
    axes.set_xlabel(f"score (out of {maximum:g})")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    mean = sum(scores) / len(scores) if scores else 0.0
    axes.set_title(f"{len(scores)} submissions, mean {mean:.1f}")


def _means(axes, means: list[tuple[str, float, float]]) -> None:
    names = [name for name, _, _ in means][::-1]
    shares = [100 * mean / points if points else 0.0 for _, mean, points in means][::-1]
    bars = axes.barh(names, shares, color="#55A868")
    for bar, (_, mean, points) in zip(bars, means[::-1]):
        axes.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{mean:.1f} / {points:g}",
            va="center",
            fontsize=8,
        )
    axes.set_xlim(0, 115)
    axes.set_xlabel("mean score per part (% of its points)")
    axes.set_title("per-part means")


def _heat_map(axes, ops, steps, counts, students: int) -> None:
    axes.set_title("students with each wrong step (rows: ops; one student counts once)")
    if not ops:
        axes.text(0.5, 0.5, "no wrong steps found", ha="center", va="center")
        axes.set_axis_off()
        return
    import numpy as np

    grid = np.array([[counts.get((s, op), 0) for s in steps] for op in ops])
    axes.imshow(grid, cmap="Reds", aspect="auto", vmin=0, vmax=max(1, students))
    axes.set_xticks(range(len(steps)), steps, rotation=30, ha="right")
    axes.set_yticks(range(len(ops)), ops)
    for (row, column), n in np.ndenumerate(grid):
        if n:
            dark = n > 0.6 * max(1, students)
            axes.text(
                column,
                row,
                str(n),
                ha="center",
                va="center",
                color="white" if dark else "black",
                fontsize=9,
            )
    if "missing" in steps and len(steps) > 1:  # its own column, set apart
        axes.axvline(steps.index("missing") - 0.5, color="#34495e", linewidth=2.5)


def plot(results: dict[str, dict], assignment: Assignment, path: Path) -> None:
    figure(results, assignment).savefig(path, dpi=100)


# --- the pages ------------------------------------------------------------------------------


def write_pages(
    results: dict[str, dict],
    assignment: Assignment,
    out: Path,
    passed_over: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> None:
    """``OUT/NAME.html`` for every result, summary.png and summary.html."""
    for name, data in results.items():
        html_report.write(data, out / f"{name}.html")
    plot(results, assignment, out / "summary.png")
    page = summary_page(results, assignment, passed_over or {}, errors or {})
    (out / "summary.html").write_text(page, encoding="utf-8")


def summary_page(
    results: dict[str, dict],
    assignment: Assignment,
    passed_over: dict[str, str],
    errors: dict[str, str],
) -> str:
    from graders.platforms.inline_svg import inline

    svg = inline(figure(results, assignment), prefix="summary-")
    not_graded = {
        name: f"{status(d)}: {(d.get('extra_data') or {}).get('error', '')}"
        for name, d in results.items()
        if status(d) != "graded"
    }
    not_graded.update({name: f"not graded: {reason}" for name, reason in errors.items()})
    body = [
        f"<h1>{escape(assignment.name)}: {len(results)} submissions</h1>",
        f'<figure class="summary">{svg}</figure>',
        _students(results),
        _listing("Could not be graded", "not-graded", not_graded),
        _listing("Skipped", "skipped", passed_over),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>chaingrade: {escape(assignment.name)}, class summary</title>\n"
        f"<style>{html_report.STYLE}</style>\n</head>\n<body>\n"
        f'<main class="chaingrade summary">\n{chr(10).join(body)}\n</main>\n</body>\n</html>\n'
    )


def _students(results: dict[str, dict]) -> str:
    rows = []
    for name, data in results.items():
        maximum = sum(float(t.get("max_score", 0)) for t in data.get("tests", []))
        steps = sorted({step for step, _ in wrong(data)}, key=COLUMNS.index)
        rows.append(
            f'<tr><td><a href="{escape(quote(name))}.html">{escape(name)}</a></td>'
            f'<td class="score">{float(data.get("score", 0)):g} / {maximum:g}</td>'
            f"<td>{escape(status(data))}</td><td>{escape(', '.join(steps))}</td></tr>"
        )
    return (
        '<h2>Students</h2>\n<table class="parts students">\n<thead><tr><th>student</th>'
        "<th>score</th><th>status</th><th>wrong steps</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>"
    )


def _listing(title: str, kind: str, entries: dict[str, str]) -> str:
    if not entries:
        return f'<h2>{title}</h2>\n<p class="{kind}">None.</p>'
    items = "\n".join(
        f"<li><strong>{escape(name)}</strong>: {escape(reason)}</li>"
        for name, reason in entries.items()
    )
    return f'<h2>{title}</h2>\n<ul class="{kind}">\n{items}\n</ul>'
