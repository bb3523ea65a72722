"""The corpus of student engines: chaingrade catches every bug, blames the right step, and
gives every correct engine full marks.

``engines/buggy/*.py`` are the reference solution with one realistic bug each: a docstring
says which, and ``EXPECTED = (step, op, argument)`` names the finding chaingrade must make.
``engines/correct/*.py`` are correct engines written in other styles (closures, a class per
op, NumPy scalars and 0-d arrays, Kahn's algorithm, equivalent derivative formulas).

Every engine is its own test, so ``pytest -n 2`` spreads them over workers. Student code
never runs in this process: ``EXPECTED`` is read with ``ast``, not by importing the file.

Buggy engines are graded exactly as a student's file is: the assignment's public seed and
its examples per part. Every op is first checked alone at fixed values on both sides of 0
and 1 (``graders.engine.probes.fixed_checks``), so a rule wrong only for negative arguments cannot
hide; the machinery bugs need Hypothesis to draw the right sharing, and
``benchmarks/detection_power.py`` measures how often it does over many seeds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader
from graders.ops import ALL_OPS

ENGINES = Path(__file__).resolve().parent / "engines"
BUGGY = sorted((ENGINES / "buggy").glob("*.py"))
CORRECT = sorted((ENGINES / "correct").glob("*.py"))

#: Hypothesis examples per part for correct engines (buggy ones get the assignment's own).
EXAMPLES = 20
#: Grading seeds for the correct engines (None: the public one): none may ever cost a point.
CORRECT_SEEDS = (None, 1, 2)

#: The chain-rule steps of DESIGN.md an engine can get wrong (``findings.STEPS`` may hold more,
#: for other kinds of assignment).
ENGINE_STEPS = ("forward", "local-derivative", "upstream", "accumulation", "order", "seed",
                "missing", "error")
#: The ops karpathy's micrograd 0.1.0 does not have (it has + - * / neg, x**number, relu).
MICROGRAD_LACKS = {"pow_var", "rpow", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid"}

pytestmark = pytest.mark.slow


def expected(path: Path) -> tuple:
    """The engine's ``EXPECTED`` constant, read without running the engine."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets
                                             if isinstance(t, ast.Name)] == ["EXPECTED"]:
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{path.name} has no EXPECTED = (step, op, argument)")


@pytest.fixture(scope="module")
def assignment():
    return load("scalar_autodiff")


# --- the corpus itself -----------------------------------------------------------------


def test_corpus_covers_every_step_and_op():
    identities = [expected(path) for path in BUGGY]
    assert len(BUGGY) >= 28
    assert len(CORRECT) >= 6
    assert {step for step, _, _ in identities} == set(ENGINE_STEPS)
    assert set(ALL_OPS) <= {op for _, op, _ in identities}


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_engine_states_its_bug(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} must start with a docstring naming its bug"
    step, op, argument = expected(path)
    assert step in ENGINE_STEPS
    assert op is None or op in ALL_OPS
    assert argument in (None, 0, 1)


# --- grading ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_engine_is_caught_and_blamed(assignment, path):
    identity = expected(path)
    report = Grader(assignment, path).grade()
    found = {f.identity: f for f in report.findings}
    assert report.score < report.max_score, f"{path.stem} got full marks"
    assert identity in found, (
        f"{path.stem}: expected a finding {identity}, chaingrade said:\n"
        + "\n".join(f.summary() for f in report.findings)
    )
    reproducer = found[identity].reproducer
    assert reproducer, f"{path.stem}: the finding has no reproducer"
    compile(reproducer, f"<reproducer for {path.stem}>", "exec")


@pytest.mark.parametrize("seed", CORRECT_SEEDS)
@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_engine_gets_full_marks(assignment, path, seed):
    report = Grader(assignment, path, grading_seed=seed, examples=EXAMPLES).grade()
    assert report.findings == [], "\n".join(f.summary() for f in report.findings)
    assert report.score == report.max_score


def test_micrograd_preset_grades_karpathys_micrograd():
    import micrograd.engine as micrograd_engine  # in the [test] extra: never skipped
    report = Grader(
        load("scalar_autodiff", api="micrograd"), Path(micrograd_engine.__file__),
        examples=EXAMPLES,
    ).grade()
    assert {f.step for f in report.findings} == {"missing"}, "\n".join(
        f.summary() for f in report.findings
    )
    assert {f.op for f in report.findings} == MICROGRAD_LACKS
    by_name = {part.part.name: part for part in report.parts}
    for name in ("arithmetic", "chain-rule machinery"):
        assert by_name[name].score == by_name[name].max_score, name
    assert report.score < report.max_score


def test_untested_ops_earn_nothing_when_the_seed_hides_every_gradient(assignment):
    """A missing seed leaves every gradient 0: no op can be verified, so no part scores."""
    report = Grader(assignment, ENGINES / "buggy" / "no_seed.py").grade()
    assert report.score == 0
    assert all(f.step == "seed" for part in report.parts for f in part.findings)
    assert all(part.findings for part in report.parts)  # every part says why
