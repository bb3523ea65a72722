"""The forward kind (issue 26): dual-number engines graded by forward_autodiff, under
``--api auto``, in three styles (a class with module functions, a class with methods,
namedtuples with module functions) under other names than the preset's.

Every engine is handed in as ``dual.py``, as a student hands it in. Correct engines get
full marks at six grading seeds; each one-bug engine (tests/engines/forward/buggy, one
bug in one of the correct engines each) is named on its step and op, with nothing else
found and nothing else charged, at the same six seeds.
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

ENGINES = Path(__file__).resolve().parent / "engines" / "forward"
#: Grading seeds: every one under the ``ci`` profile, one per engine under ``dev``
#: (``suite_seeds.seeds_for``).
SEEDS = (11, 22, 33, 44, 55, 66)
#: Examples per part: the fixed checks of each op alone do not depend on the seed, the
#: search does; a few examples per seed, over six seeds, cover it at a bearable cost.
EXAMPLES = 4

#: Each correct engine's fields as ``--api auto`` must find them.
DETECTED = {
    "dual_class": dict(leaf="Dual", value="val", gradient="der", unary="function"),
    "autodiff_try_except": dict(leaf="AutoDiff", value="val", gradient="der", unary="function"),
    "methods_tangent": dict(leaf="Forward", value="value", gradient="tangent", unary="method"),
    "namedtuple_functions": dict(
        leaf="Pair", value="primal", gradient="dot", unary="function", binary="function"
    ),
}

#: Each one-bug engine's finding: (step, op, argument).
BUGS = {
    "sin_upstream": ("upstream", "sin", 0),
    "sin_changes_input": ("upstream", "sin", 0),
    "mul_local_derivative": ("local-derivative", "mul", 1),
    "log_forward": ("forward", "log", None),
    "constant_seed": ("seed", None, None),
    "constructor_drops_tangent": ("seed", None, None),
    "div_quotient_sign": ("local-derivative", "div", 1),
    "cos_sign": ("local-derivative", "cos", 0),
    "pow_exponent": ("local-derivative", "pow", 0),
    "pow_var_upstream": ("upstream", "pow_var", 1),
    "tanh_local_derivative": ("local-derivative", "tanh", 0),
    "neg_upstream": ("upstream", "neg", 0),
    "sigmoid_upstream": ("upstream", "sigmoid", 0),
    "relu_forward": ("forward", "relu", None),
    "sqrt_local_derivative": ("local-derivative", "sqrt", 0),
}
#: The one bug that hides every derivative: every part scores 0.
HIDES_EVERYTHING = {"constructor_drops_tangent"}


def _hand_in(engine: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "dual.py"
    shutil.copy(engine, target)
    return target


def _grade(engine: Path, folder: Path, seed: int):
    task = assignment.load("forward_autodiff", api=AUTO)
    return grading.grade(task, _hand_in(engine, folder), grading_seed=seed, examples=EXAMPLES)


def test_every_bug_engine_is_listed():
    assert sorted(p.stem for p in (ENGINES / "buggy").glob("*.py")) == sorted(BUGS)
    assert sorted(p.stem for p in (ENGINES / "correct").glob("*.py")) == sorted(DETECTED)
    assert len(BUGS) >= 10


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_auto_finds_each_style(name, tmp_path):
    with Runner(_hand_in(ENGINES / "correct" / f"{name}.py", tmp_path), AUTO) as runner:
        found = runner.preset
    for field, value in DETECTED[name].items():
        assert getattr(found, field) == value, field


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_correct_engines_get_full_marks_at_six_seeds(name, tmp_path):
    for seed in seeds_for(name, SEEDS):
        report = _grade(ENGINES / "correct" / f"{name}.py", tmp_path / str(seed), seed)
        assert report.findings == [], (seed, [f.summary() for f in report.findings])
        assert report.score == report.max_score, seed


#: The bugs a quick run grades: the first bug of each step, and the one that hides every
#: derivative; the others are ``slow`` (``--full``, as CI runs, grades every one).
QUICK_BUGS = {
    next(n for n in BUGS if BUGS[n][0] == k) for k in {BUGS[n][0] for n in BUGS}
} | HIDES_EVERYTHING


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
    """What a part earns when only ``op`` is wrong (``None``: a seed, the machinery
    part's; every part's when it hides every derivative)."""
    if name in HIDES_EVERYTHING:
        return 0.0
    if part.machinery:
        return 0.0 if op is None else part.points
    if op in part.ops:
        return round(part.points * (len(part.ops) - 1) / len(part.ops), 4)
    return part.points


def test_the_reproducer_is_the_students_api_and_shows_the_bug(tmp_path):
    """The upstream finding of a methods-style engine: its reproducer makes inputs as
    Forward(value, tangent), calls sin as a method, reads .tangent, and run beside the
    engine prints a number that is not the one it says is expected."""
    source = (ENGINES / "correct" / "methods_tangent.py").read_text()
    buggy = source.replace(
        "return Forward(math.sin(self.value), math.cos(self.value) * self.tangent)",
        "return Forward(math.sin(self.value), math.cos(self.value))",
    )
    assert buggy != source
    engine = tmp_path / "engine.py"
    engine.write_text(buggy)
    report = _grade(engine, tmp_path / "graded", SEEDS[0])
    (finding,) = report.findings
    assert finding.identity == ("upstream", "sin", 0)
    assert "tangent" in finding.message
    code = finding.reproducer
    assert "from dual import Forward" in code and ".sin()" in code and ".tangent" in code
    (tmp_path / "graded" / "reproduce.py").write_text(code)
    printed = subprocess.run(
        [sys.executable, "reproduce.py"],
        cwd=tmp_path / "graded",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tangent_line = next(line for line in printed.splitlines() if ".tangent =" in line)
    got, expected = tangent_line.split("=", 1)[1].split("expected")
    assert abs(float(got) - float(expected)) > 1e-3
