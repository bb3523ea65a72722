"""needle hw1 (CMU 10-414), graded as the course hands it out: its ops never broadcast
implicitly (``broadcast = "explicit"`` in the ``needle`` preset, and what ``--api auto``
finds), summation takes a tuple of axes, transpose swaps two axes.

``engines/tensor/needle_hw1.py`` reproduces a finished hw1 solution (our own code, in the
family's conventions: ``EWiseAdd.gradient`` is ``out_grad, out_grad``). It must get every
op it has and the reverse pass at every seed, with ``missing`` for the ops hw1 lacks and
nothing else; each one-bug variant of it (``buggy.py``, base ``needle_hw1``) is named on
its step and op at every seed, with nothing else charged. Student code never runs here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from suite_seeds import every_seed_params

from graders.assignment import load
from graders.tensor.grader import TensorGrader
from graders.tensor.probes import fixed_cases, machinery_cases
from strategies.arrays import array_compositions

ENGINES = Path(__file__).resolve().parent / "engines" / "tensor"


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
NEEDLE_HW1 = ENGINES / "needle_hw1.py"
#: The ops of tensor_autodiff that needle hw1 has no function for.
LACKS = {"tanh", "sigmoid", "mean", "max"}
SEEDS = (None, 1, 2, 3, 4, 5)
EXAMPLES = 10
#: One-bug variants whose bug no other op's gradient calls. needle writes gradients with its
#: own ops: a ``summation`` that keeps its axes makes ``MatMul.gradient`` (which sums the
#: batch axes with it) wrong too, and is left to the corpus test, which asks for its own
#: finding only.
CASCADES = {"needle_hw1_summation_keepdims"}
BUGS = [
    name
    for name in corpus.NAMES
    if corpus.BY_NAME[name].base == "needle_hw1" and name not in CASCADES
]


def _credit_without(assignment, charged: set[str]) -> float:
    """Full marks but for the share of each op in ``charged``."""
    total = 0.0
    for part in assignment.parts:
        names = part.ops
        if part.machinery:
            total += part.points
        else:
            total += part.points * sum(n not in charged for n in names) / len(names)
    return round(total, 4)


# --- the convention, in the cases themselves ------------------------------------------------


@settings(max_examples=80)
@given(st.data())
def test_explicit_compositions_never_broadcast_implicitly(data):
    names = data.draw(
        st.lists(
            st.sampled_from(["add", "mul", "div", "sub", "matmul", "broadcast_to", "sum", "exp"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    composition = data.draw(array_compositions(names, max_ops=5, broadcast="explicit"))
    assert not composition.broadcasts_implicitly()
    if "broadcast_to" not in names:
        assert "broadcast_to" not in composition.ops


def test_explicit_fixed_and_machinery_cases_never_broadcast_implicitly():
    for op in ("add", "sub", "mul", "div", "matmul"):
        cases = list(fixed_cases(op, broadcast="explicit"))
        assert cases, op
        assert not any(c.broadcasts_implicitly() for c, _ in cases)
        assert any(c.broadcasts_implicitly() for c, _ in fixed_cases(op))
    ops = ["add", "mul", "sub", "exp", "tanh", "sum", "mean", "broadcast_to", "matmul"]
    graphs = list(machinery_cases(ops, broadcast="explicit"))
    assert len(graphs) >= 5 and not any(c.broadcasts_implicitly() for c, _ in graphs)
    assert any("broadcast_to" in c.ops for c, _ in graphs)


# --- a correct hw1 solution -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("api", ["needle", "auto"])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_needle_hw1_solution_gets_every_op_it_has(api, seed):
    assignment = load("tensor_autodiff", api=api)
    report = TensorGrader(assignment, NEEDLE_HW1, grading_seed=seed, examples=EXAMPLES).grade()
    found = {f.identity for f in report.findings}
    assert found == {("missing", op, None) for op in LACKS}, "\n".join(
        f.summary() for f in report.findings
    )
    assert report.score == _credit_without(assignment, LACKS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", BUGS)
def test_a_needle_hw1_bug_is_named_on_its_step_and_op_with_nothing_else(name, seed, tmp_path):
    bug = corpus.BY_NAME[name]
    assignment = load("tensor_autodiff", api=bug.graded_with)
    engine = corpus.write(name, tmp_path / "engine.py")
    report = TensorGrader(assignment, engine, grading_seed=seed, examples=EXAMPLES).grade()
    found = {f.identity for f in report.findings}
    assert found == {tuple(bug.expected)} | {("missing", op, None) for op in LACKS}, "\n".join(
        f.summary() for f in report.findings
    )
    assert report.score == _credit_without(assignment, LACKS | {bug.expected[1]})


@pytest.mark.parametrize("seed", every_seed_params("needle_too_deep", SEEDS))
def test_a_reverse_pass_that_fails_only_on_big_graphs_costs_its_part_at_every_seed(seed, tmp_path):
    # backward() raising past 12 nodes: a search draws that many at some seeds only; the
    # reverse-pass part's deep graph (probes._deep_graph, 30 nodes) meets it at every seed.
    solution = load("tensor_autodiff").solution.read_text()
    visit = "        visit(self)\n"
    assert visit in solution
    engine = tmp_path / "engine.py"
    engine.write_text(
        solution.replace(
            visit,
            visit + "        if len(order) >= 13:\n            raise RuntimeError('too deep')\n",
        )
    )
    report = TensorGrader(
        load("tensor_autodiff"), engine, grading_seed=seed, examples=EXAMPLES
    ).grade(["reverse pass"])
    assert report.score == 0, [f.summary() for f in report.findings]
    assert {f.step for f in report.findings} == {"error"}


@pytest.mark.slow
def test_a_div_finding_writes_its_rule_in_the_nodes_own_names(tmp_path):
    """``c = a / b``'s rule reads ``d/db (a/b)`` only where those are its arguments: in the
    catalog's letters a node named ``b`` would read as the rule's argument."""
    text = NEEDLE_HW1.read_text()
    right = "return out_grad / b, -out_grad * a / b**2"
    assert text.count(right) == 1
    engine = tmp_path / "engine.py"
    engine.write_text(text.replace(right, "return out_grad / b, out_grad * a / b**2"))
    report = TensorGrader(load("tensor_autodiff", api="needle"), engine, examples=EXAMPLES).grade()
    (finding,) = [f for f in report.findings if f.step != "missing"]
    assert finding.identity == ("local-derivative", "div", 1), finding.summary()
    out, _, call = finding.node.partition(" = ")
    left, _, right = call.partition(" / ")
    rule = f"d/d{right} ({left}/{right}) = -{left}/{right}**2"
    assert rule in finding.message and out not in (left, right), finding.message
