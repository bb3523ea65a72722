"""The corpus of array engines: chaingrade catches every bug, blames the right step, op,
argument and axes, and gives every correct engine full marks at several seeds.

``engines/tensor/buggy.py`` generates the buggy engines from two correct bases (the
MyGrad-like reference solution, and a needle-style engine graded with ``api =
"needle"``); ``engines/tensor/correct/*.py`` are correct engines written in other styles,
each naming the API it is called with (``API = ...``). Student code never runs in this
process: engines are only written out and graded.

Seeds: each correct engine is graded at every seed named here, whatever the profile (the
module is ``slow``: CI runs it, a quick run does not).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import load
from graders.tensor.grader import TensorGrader

ENGINES = Path(__file__).resolve().parent / "engines" / "tensor"
SOLUTION = Path(__file__).resolve().parent.parent / "assignments/tensor_autodiff/solution/engine.py"


def _load_corpus():
    spec = importlib.util.spec_from_file_location("chaingrade_tensor_corpus", ENGINES / "buggy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
BUGGY = corpus.NAMES
CORRECT = [SOLUTION, *sorted((ENGINES / "correct").glob("*.py"))]
#: Hypothesis examples per part for correct engines (buggy ones get the assignment's own).
EXAMPLES = 12
CORRECT_SEEDS = (None, 1, 2)
#: The bug patterns of issue 15, each with the corpus engines that show it.
PATTERNS = {
    "broadcast operand not summed back": "add_not_unbroadcast",
    "BroadcastTo summed over left-aligned axes": "broadcast_to_left_aligned",
    "Summation ignoring out_grad": "needle_summation_ignores_out_grad",
    "Summation reshaping out_grad wrongly": "sum_reshape_trailing",
    "mean missing its 1/N": "mean_missing_one_over_n",
    "max spreading the gradient to every element": "max_spreads_to_every_element",
    "matmul gradient not transposed": "matmul_lhs_not_transposed",
    "matmul batch dimensions not reduced": "matmul_batch_not_reduced",
    "reshape gradient not inverted": "reshape_not_reshaped_back",
    "transpose gradient not inverted": "transpose_not_inverted",
    "PowerScalar using out_grad as the base": "needle_power_scalar_out_grad_base",
}

pytestmark = pytest.mark.slow


def declared_api(path: Path) -> str | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "API" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return value if isinstance(value, str) else json.dumps(value)
    return None


def parts_about(assignment, op: str | None) -> list[str]:
    """The parts that grade ``op`` (the reverse-pass part for a finding about no op): each
    part is graded as it is in the whole assignment, in a worker of its own."""
    if op is None:
        return [p.name for p in assignment.parts if p.machinery]
    return [p.name for p in assignment.parts if op in p.ops and not p.machinery]


def test_corpus_covers_every_pattern_and_step():
    assert len(BUGGY) >= 25
    assert len(CORRECT) >= 5
    assert set(PATTERNS.values()) <= set(BUGGY)
    steps = {corpus.BY_NAME[name].expected[0] for name in BUGGY}
    assert {"shape", "unbroadcast", "local-derivative", "upstream", "forward"} <= steps
    assert {"accumulation", "order", "seed"} <= steps


@pytest.mark.parametrize("name", BUGGY)
def test_every_replacement_applies_exactly_once(name):
    source = corpus.source(name)
    assert source != corpus.BASES[corpus.BY_NAME[name].base].read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert " ".join(ast.get_docstring(tree).split()) == " ".join(
        corpus.BY_NAME[name].description.split()
    )


def test_a_drifted_base_fails_loudly(monkeypatch):
    bug = corpus.BY_NAME["seed_zero"]
    monkeypatch.setitem(corpus.BY_NAME, "seed_zero", bug._replace(replacements=(("nowhere", "x"),)))
    with pytest.raises(corpus.CorpusDrift, match="occurs 0 times"):
        corpus.source("seed_zero")


@pytest.mark.parametrize("name", BUGGY)
def test_buggy_engine_is_caught_and_blamed_on_its_step_op_and_axes(name, tmp_path):
    bug = corpus.BY_NAME[name]
    assignment = load("tensor_autodiff", api=bug.graded_with)
    engine = corpus.write(name, tmp_path / "engine.py")
    report = TensorGrader(assignment, engine).grade(parts_about(assignment, bug.expected[1]))
    found = {f.identity: f for f in report.findings}
    assert report.score < report.max_score, f"{name} got full marks"
    assert tuple(bug.expected) in found, (
        f"{name}: expected a finding {bug.expected}, chaingrade said:\n"
        + "\n".join(f.summary() for f in report.findings)
    )
    finding = found[tuple(bug.expected)]
    if bug.axes:  # the axes are named, in the finding and in its words
        assert finding.axes, f"{name}: no axes named: {finding.summary()}"
        named = [f"axis {finding.axes[0]}", "axes " + ", ".join(map(str, finding.axes))]
        assert any(text in finding.message for text in named), finding.message
    assert finding.reproducer, f"{name}: the finding has no reproducer"
    compile(finding.reproducer, f"<reproducer for {name}>", "exec")


@pytest.mark.parametrize(
    ("path", "seed"),
    [
        pytest.param(path, seed, id=f"{path.stem}-{seed}")
        for path in CORRECT
        for seed in CORRECT_SEEDS
    ],
)
def test_correct_engine_gets_full_marks(path, seed):
    assignment = load("tensor_autodiff", api=declared_api(path))
    report = TensorGrader(assignment, path, grading_seed=seed, examples=EXAMPLES).grade()
    assert report.findings == [], "\n".join(f.summary() for f in report.findings)
    assert report.score == report.max_score


def test_a_reproducer_runs_against_the_buggy_engine_and_shows_the_bug(tmp_path):
    """The Python a student pastes imports their engine, runs, and prints a gradient that
    differs from the one it says is expected."""
    engine = corpus.write("mean_missing_one_over_n", tmp_path / "engine.py")
    report = TensorGrader(load("tensor_autodiff", api="mygrad"), engine).grade(["reductions"])
    (finding,) = [f for f in report.findings if f.op == "mean"]
    done = subprocess.run(
        [sys.executable, "-c", finding.reproducer],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    got, expected = done.stdout.strip().splitlines()[-2:]
    assert got.startswith("a.grad =") and expected.startswith("expected")
    import numpy as np

    shown = np.array(ast.literal_eval(expected.removeprefix("expected").strip()))
    assert shown.size and "1/" in finding.message
