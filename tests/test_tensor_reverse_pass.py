"""The reverse pass of array engines is judged on the engine's own ops, wrong ones included
(issue 20), and an error no op explains costs the part it happens in (issue 21).

The reverse-pass part compares the whole graph's gradients with what the chain rule gives
from the engine's *own* local derivatives, each measured on its node alone at the values
the engine computed (``diagnosis.local_chain``): a wrong op neither hides the reverse
pass nor is blamed on it. The engines are ``engines/tensor/buggy.py``'s, graded at six
seeds: same step and op at every one, nothing else charged. Student code never runs here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from graders.assignment import load
from graders.model.array_composition import ArrayComposition
from graders.tensor.diagnosis import LocalChain, explain, reverse_groups, reverse_pass_verdict
from graders.tensor.grader import TensorGrader

ENGINES = Path(__file__).resolve().parent / "engines" / "tensor"
SEEDS = (None, 1, 2, 3, 4, 5)
EXAMPLES = 10


def _corpus():
    """``engines/tensor/buggy.py``, loaded once (``test_tensor_corpus`` loads it too)."""
    name = "chaingrade_tensor_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ENGINES / "buggy.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


corpus = _corpus()


def _grade(name, tmp_path, seed):
    bug = corpus.BY_NAME[name]
    assignment = load("tensor_autodiff", api=bug.graded_with)
    engine = corpus.write(name, tmp_path / "engine.py")
    return TensorGrader(assignment, engine, grading_seed=seed, examples=EXAMPLES).grade()


# --- the pieces ---------------------------------------------------------------------------


def _shared_graph():
    """``b = a * x; c = b + a; out = c``: ``a`` used twice."""
    return ArrayComposition.build(
        [("a", (2,), (-2, 2)), ("x", (2,), (-2, 2))], [("mul", [0, 1], {}), ("add", [2, 0], {})]
    )


def test_reverse_groups_put_each_node_after_every_node_that_uses_it():
    composition = _shared_graph()  # inputs a, x, w; b = 3, c = 4
    assert reverse_groups(composition) == [[4], [3]]


def test_an_overwrite_is_accumulation_and_an_over_count_is_order():
    composition = _shared_graph()
    from_c, from_b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    chain = LocalChain(
        {0: from_c + from_b, 1: np.array([0.5, 0.5]), 3: np.array([1.0, 2.0])},
        {0: [from_c, from_b], 1: [np.array([0.5, 0.5])], 3: [np.array([1.0, 2.0])]},
    )
    right = [chain.grads[0], chain.grads[1], None, chain.grads[3], None, None, None]
    assert reverse_pass_verdict(composition, chain, right, [0, 1, 3]) is None
    overwritten = [from_c, *right[1:]]
    assert reverse_pass_verdict(composition, chain, overwritten, [0, 1, 3]) == ("accumulation", 0)
    over_counted = [right[0], 2 * right[1], *right[2:]]
    assert reverse_pass_verdict(composition, chain, over_counted, [0, 1, 3]) == ("order", 1)


def test_a_gradient_averaged_back_over_broadcast_axes_is_unbroadcast_on_its_argument():
    a, row = np.arange(1.0, 7.0).reshape(2, 3), np.array([0.5, 1.5, 2.5])
    g = np.arange(1.0, 7.0).reshape(2, 3)
    averaged = (g * a).mean(axis=0)
    verdict = explain(
        "mul",
        {},
        [a, row],
        g,
        i=1,
        actual=averaged,
        expected=(g * a).sum(axis=0),
        arg="x",
        names=["a", "x"],
    )
    assert verdict.step == "unbroadcast" and verdict.axes == (0,)
    assert "averaged" in verdict.message and "x" in verdict.message


def test_a_wrong_rule_quotes_its_own_argument_s_rule():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g = np.array([1.0, -1.0])
    verdict = explain(
        "div", {}, [a, b], g, i=1, actual=g * 7.0, expected=-g * a / b**2, arg="x", names=["a", "x"]
    )
    assert verdict.step == "local-derivative" and "d/dx (a/x) = -a/x**2" in verdict.message


# --- engines, at every seed ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_an_over_counting_recursive_backward_is_order_alone(seed, tmp_path):
    report = _grade("recursive_backward_overcounts", tmp_path, seed)
    assert {f.identity for f in report.findings} == {("order", None, None)}, "\n".join(
        f.summary() for f in report.findings
    )
    (machinery,) = [p for p in report.parts if p.part.machinery]
    assert machinery.score == 0
    assert report.score == report.max_score - machinery.part.points


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_an_over_count_is_still_order_when_an_op_is_wrong_too(seed, tmp_path):
    """mean is charged in its part, and the reverse pass is still tested, mean included."""
    report = _grade("recursive_backward_overcounts_and_mean_missing_one_over_n", tmp_path, seed)
    found = {f.identity for f in report.findings}
    assert found == {("order", None, None), ("local-derivative", "mean", None)}, "\n".join(
        f.summary() for f in report.findings
    )
    parts = {p.part.name: p for p in report.parts}
    assert parts["reverse pass"].score == 0
    assert parts["reductions"].score == pytest.approx(parts["reductions"].part.points * 2 / 3)
    assert report.score == pytest.approx(
        report.max_score - parts["reverse pass"].part.points - parts["reductions"].part.points / 3
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_backward_that_raises_on_bigger_graphs_costs_the_parts_it_raises_in(seed, tmp_path):
    """NotImplementedError from backward() is no op's "missing": each part whose
    compositions reach eight nodes loses its points (unary-only parts never do)."""
    report = _grade("backward_raises_on_bigger_graphs", tmp_path, seed)
    assert {f.identity for f in report.findings} == {("error", None, None)}
    scores = {p.part.name: p.score for p in report.parts}
    assert scores["elementwise and broadcasting"] == 0 and scores["reverse pass"] == 0
    assert scores["matmul"] == 0
