"""``graders.check()``: grading from Python or a notebook.

    >>> import graders
    >>> report = graders.check("engine.py", assignment="scalar_autodiff")  # doctest: +SKIP
    >>> print(report)       # the text ``chaingrade check`` prints     # doctest: +SKIP
    >>> report              # in Jupyter: the feedback page, graph and all  # doctest: +SKIP

The report is a :class:`~graders.results.Report` (``score``, ``parts``, ``findings``)
that also prints as text and shows as the feedback page (``html_report``) in Jupyter.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from graders.assignment import AssignmentError, load
from graders.grading import grade
from graders.platforms import gradescope, html_report, report
from graders.results import Report


class CheckedReport(Report):
    """A Report that prints as ``chaingrade check``'s text and shows as the feedback page."""

    def __str__(self) -> str:
        return report.text(self)

    def _repr_html_(self) -> str:
        return html_report.fragment(gradescope.from_report(self))

    def html(self) -> str:
        """The feedback page as a whole HTML document, to save or send."""
        return html_report.page(gradescope.from_report(self))


def check(
    submission: str | os.PathLike,
    assignment: str | None = None,
    *,
    api: str | None = None,
    entry: str | None = None,
    examples: int | None = None,
) -> CheckedReport:
    """Grade ``submission`` (a file, a folder or a notebook, as ``chaingrade check``
    takes it) as ``chaingrade check`` does: the assignment's public seed, every part at
    once; ``assignment`` defaults as on the command line, ``entry`` is ``--entry``."""
    from graders.platforms.cli import default_assignment
    from graders.platforms.options import check_examples

    path = Path(submission)
    if not path.exists():
        raise AssignmentError(f"no such file or folder: {path}")
    check_examples(examples)
    loaded = load(assignment or default_assignment(path), api=api, entry=entry)
    graded = grade(loaded, path, examples=examples, jobs=os.cpu_count() or 1)
    return CheckedReport(**{f.name: getattr(graded, f.name) for f in fields(graded)})
