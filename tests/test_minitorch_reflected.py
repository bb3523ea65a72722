"""minitorch Module 1's ``Scalar`` has no ``__rsub__`` (family: minitorch).

``engines/families/minitorch_scalar.py`` is a finished Module 1 ``Scalar``; the course's
own lacks ``__rsub__``, so ``2 - x`` is not part of its API (``reflected = "optional"``
in the ``minitorch`` preset): an engine without it is not asked for that form and loses
nothing for it. One with it is graded on it like any other form: several real
``__rsub__``s compute ``x - 2``, a bug that must be charged, to ``sub`` alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader

ENGINE = Path(__file__).resolve().parent / "engines" / "families" / "minitorch_scalar.py"
RSUB = (
    "    def __rsub__(self, b: ScalarLike) -> Scalar:\n"
    "        return Add.apply(b, Neg.apply(self))\n"
)
SEEDS = (None, 1, 2, 3, 4, 5)


def variant(folder: Path, new: str) -> Path:
    text = ENGINE.read_text()
    assert text.count(RSUB) == 1
    path = folder / "engine.py"
    path.write_text(text.replace(RSUB, new))
    return path


def summaries(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


@pytest.mark.slow
def test_a_scalar_without_rsub_loses_nothing_at_every_seed(tmp_path):
    path = variant(tmp_path, "")
    for seed in SEEDS:
        report = EngineGrader(
            load("scalar_autodiff", api="minitorch"), path, grading_seed=seed, examples=5
        ).grade()
        assert report.findings == [] and report.score == report.max_score, (seed, summaries(report))


@pytest.mark.slow
def test_an_rsub_that_computes_x_minus_b_is_charged_to_sub_alone_at_every_seed(tmp_path):
    wrong = RSUB.replace("Add.apply(b, Neg.apply(self))", "Add.apply(self, Neg.apply(b))")
    path = variant(tmp_path, wrong)
    verdicts = set()
    for seed in range(1, 7):
        report = EngineGrader(
            load("scalar_autodiff", api="minitorch"), path, grading_seed=seed, examples=5
        ).grade()
        charged = {f.identity for f in report.findings}
        assert {op for _, op, _ in charged} == {"sub"}, (seed, summaries(report))
        assert report.score < report.max_score
        verdicts.add(frozenset(charged))
    assert len(verdicts) == 1, verdicts
