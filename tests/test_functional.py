"""Functional engines (issue 26 item 3): ``grad(f)``, autograd's ``grad(f, argnum)`` and
``jvp(f, xs, vs)``, graded by functional_autodiff under ``--api auto``.

Three correct engines in three styles: the reference solution (a closure-based tracer,
``grad(f)`` giving every partial), a tape with ``grad(fun, argnum)`` (only one argument
traced at a time), and dual numbers behind ``jvp``. Each gets full marks at six grading
seeds; each one-bug engine (tests/engines/functional/buggy, one bug in one of them) is
named on its step and op, with nothing else found and nothing else charged, at the same
six seeds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from suite_seeds import seeds_for

from graders import assignment, grading
from graders.presets import AUTO
from graders.sandbox.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ROOT / "tests" / "engines" / "functional"
SOLUTION = ROOT / "assignments" / "functional_autodiff" / "solution" / "autodiff.py"
#: Grading seeds: every one under the ``ci`` profile, one per engine under ``dev``
#: (``suite_seeds.seeds_for``).
SEEDS = (11, 22, 33, 44, 55, 66)
#: Examples per part: each op alone does not depend on the seed, the search does; a few
#: examples per seed, over six seeds, cover it at a bearable cost.
EXAMPLES = 4

CORRECT = {
    "closure_tracer": SOLUTION,
    "tape_argnum": ENGINES / "correct" / "tape_argnum.py",
    "dual_jvp": ENGINES / "correct" / "dual_jvp.py",
}
#: Each correct engine's fields as ``--api auto`` must find them.
DETECTED = {
    "closure_tracer": dict(leaf="grad", transform="grad"),
    "tape_argnum": dict(leaf="grad", transform="grad_argnum"),
    "dual_jvp": dict(leaf="jvp", transform="jvp"),
}

#: Each one-bug engine's finding: (step, op, argument).
BUGS = {
    "closure_sin_local_derivative": ("local-derivative", "sin", 0),
    "closure_div_divisor_sign": ("local-derivative", "div", 1),
    "closure_log_forward": ("forward", "log", None),
    "closure_exp_upstream": ("upstream", "exp", 0),
    "closure_accumulation_overwrite": ("accumulation", None, None),
    "tape_rmul_local_derivative": ("local-derivative", "mul", 1),
    "tape_mul_both_traced": ("local-derivative", "mul", None),
    "tape_rdiv_sign": ("local-derivative", "div", 1),
    "tape_tanh_local_derivative": ("local-derivative", "tanh", 0),
    "tape_sigmoid_forward": ("forward", "sigmoid", None),
    "dual_cos_upstream": ("upstream", "cos", 0),
    "dual_sqrt_local_derivative": ("local-derivative", "sqrt", 0),
    "dual_constant_seed": ("seed", None, None),
    "dual_jvp_ignores_tangents": ("seed", None, None),
}
#: The bug that hides every derivative: every part scores 0.
HIDES_EVERYTHING = {"dual_jvp_ignores_tangents"}


def _hand_in(engine: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "autodiff.py"
    shutil.copy(engine, target)
    return target


def _grade(engine: Path, folder: Path, seed: int):
    task = assignment.load("functional_autodiff", api=AUTO)
    return grading.grade(task, _hand_in(engine, folder), grading_seed=seed, examples=EXAMPLES)


def test_every_bug_engine_is_listed():
    assert sorted(p.stem for p in (ENGINES / "buggy").glob("*.py")) == sorted(BUGS)
    assert sorted(p.stem for p in (ENGINES / "correct").glob("*.py")) == sorted(
        name for name, path in CORRECT.items() if path.parent.parent == ENGINES
    )
    assert len(BUGS) >= 8


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_auto_finds_each_transform(name, tmp_path):
    with Runner(_hand_in(CORRECT[name], tmp_path), AUTO) as runner:
        found = runner.preset
    for field, value in DETECTED[name].items():
        assert getattr(found, field) == value, field


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_engines_get_full_marks_at_six_seeds(name, tmp_path):
    for seed in seeds_for(name, SEEDS):
        report = _grade(CORRECT[name], tmp_path / str(seed), seed)
        assert report.findings == [], (seed, [f.summary() for f in report.findings])
        assert report.score == report.max_score, seed


#: The bugs a quick run grades: the first bug of each step, the first of each style
#: (closure, tape, dual), and the one that hides every derivative; the others are ``slow``
#: (``--full``, as CI runs, grades every one).
QUICK_BUGS = (
    {next(n for n in BUGS if BUGS[n][0] == step) for step in {s for s, _, _ in BUGS.values()}}
    | {next(n for n in BUGS if n.startswith(f"{style}_")) for style in ("closure", "tape", "dual")}
    | HIDES_EVERYTHING
)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in QUICK_BUGS else pytest.mark.slow) for n in sorted(BUGS)],
)
def test_one_bug_engines_are_named_on_their_step_and_op_alone(name, tmp_path):
    step, op, argument = BUGS[name]
    for seed in seeds_for(name, SEEDS):
        report = _grade(ENGINES / "buggy" / f"{name}.py", tmp_path / str(seed), seed)
        found = {f.identity for f in report.findings}
        assert found == {(step, op, argument)}, (seed, [f.summary() for f in report.findings])
        for result in report.parts:
            assert result.score == _expected_score(name, result.part, op), (seed, result.part.name)


def _expected_score(name: str, part, op: str | None) -> float:
    """What a part earns when only ``op`` is wrong (``None``: the machinery part's; every
    part's when the bug hides every derivative)."""
    if name in HIDES_EVERYTHING:
        return 0.0
    if part.machinery:
        return 0.0 if op is None else part.points
    if op in part.ops:
        return round(part.points * (len(part.ops) - 1) / len(part.ops), 4)
    return part.points


def test_a_case_no_op_explains_says_so_and_names_no_op(tmp_path):
    """An accumulation bug: every op is right alone, so the finding names no op and says
    plainly that which op breaks the chain rule cannot be told."""
    report = _grade(ENGINES / "buggy" / "closure_accumulation_overwrite.py", tmp_path, SEEDS[0])
    (finding,) = report.findings
    assert finding.op is None and finding.composed
    assert "cannot be told" in finding.message and "used more than once" in finding.message


@pytest.mark.parametrize(
    "name, shows",
    [
        ("closure_exp_upstream", ["grad(f)(", "* 3"]),
        ("closure_log_forward", ["f(", "grad(f)("]),
        ("tape_tanh_local_derivative", ["grad(f, 0)("]),
        ("dual_cos_upstream", ["jvp(f, ("]),
    ],
)
def test_the_reproducer_calls_the_transform_and_shows_the_bug(name, shows, tmp_path):
    """Run beside the engine, the reproducer prints a number that is not the one it says
    is expected, written the way the engine's transform is called."""
    report = _grade(ENGINES / "buggy" / f"{name}.py", tmp_path / "graded", SEEDS[0])
    (finding,) = report.findings
    code = finding.reproducer
    assert all(text in code for text in shows), code
    (tmp_path / "graded" / "reproduce.py").write_text(code)
    printed = subprocess.run(
        [sys.executable, "reproduce.py"],
        cwd=tmp_path / "graded",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert any(_differs(line) for line in printed.splitlines()), printed


def _differs(line: str) -> bool:
    """A printed ``call = got   expected want`` line whose numbers differ."""
    got, _, want = line.partition("=")[2].partition("expected")
    numbers = [float(t) for t in got.strip(" ()").replace(",", " ").split()]
    wanted = [float(t) for t in want.strip(" ()").replace(",", " ").split()]
    return len(numbers) == len(wanted) and any(
        abs(a - b) > 1e-3 * max(1.0, abs(b)) for a, b in zip(numbers, wanted)
    )
