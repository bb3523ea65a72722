"""Real failure patterns (issue 12): each engine in ``engines/patterns`` is written in the
style of real code and states the findings chaingrade must make (``EXPECTED``) and must not
make (``NOT_EXPECTED``), and the student API it is graded with (``API``). Beside the step, op
and argument, the advice must fit the code the student wrote."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader
from graders.model.composition import Composition, Const, Node
from graders.results import cause_order

PATTERNS = Path(__file__).resolve().parent / "engines" / "patterns"
ENGINES = sorted(PATTERNS.glob("*.py"))

pytestmark = pytest.mark.slow


def declared(path: Path) -> dict:
    """The engine's ``API``, ``EXPECTED`` and ``NOT_EXPECTED``, read without running it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("API", "EXPECTED", "NOT_EXPECTED")
    }


@cache
def report(name: str):
    path = PATTERNS / f"{name}.py"
    return Grader(load("scalar_autodiff", api=declared(path)["API"]), path).grade()


def by_identity(name: str) -> dict:
    return {f.identity: f for f in report(name).findings}


@pytest.mark.parametrize("path", ENGINES, ids=lambda p: p.stem)
def test_each_pattern_is_named_and_nothing_else_is_blamed(path):
    wanted = declared(path)
    found = by_identity(path.stem)
    summary = "\n".join(f.summary() for f in report(path.stem).findings)
    for identity in wanted["EXPECTED"]:
        assert tuple(identity) in found, f"{path.stem}: no {identity}:\n{summary}"
    for identity in wanted["NOT_EXPECTED"]:
        assert tuple(identity) not in found, f"{path.stem}: {identity} made:\n{summary}"
    assert report(path.stem).score < report(path.stem).max_score
    for finding in report(path.stem).findings:
        assert (
            finding.case is None
            or finding.case["focus"] is None
            or (0 <= finding.case["focus"]["node"] < len(finding.case["actual"]["grads"]))
        )


def test_a_dropped_upstream_is_found_without_the_students_multiplication():
    found = by_identity("micrograd_mul_numbers_fail")
    upstream = found[("upstream", "add", None)]
    assert "* s" in upstream.reproducer  # scaled through a leaf, not `* 3`
    assert "add" not in report("micrograd_mul_numbers_fail").part("arithmetic").credited


def test_a_right_add_is_verified_through_t_plus_t_when_nothing_else_scales():
    assert report("micrograd_no_scaler").part("arithmetic").credited == ("add",)


def test_an_op_whose_upstream_cannot_be_checked_is_unverified_and_not_credited():
    """No operator at all: nothing can send a known gradient into an op."""
    engine = PATTERNS.parent / "edge" / "unary_ops_only.py"
    found = Grader(load("scalar_autodiff"), engine, examples=5).grade(["trigonometry"])
    (part,) = found.parts
    unverified = [f for f in part.findings if "could not be checked" in f.message]
    assert {f.identity for f in unverified} == {("missing", op, None) for op in part.part.ops}
    assert part.credited == ()


def test_a_failing_form_is_charged_quoting_it_and_the_op_is_still_used():
    found = by_identity("micrograd_add_numbers_fail")
    assert found[("error", "add", None)].message.startswith("x + 2 raised")
    machinery = report("micrograd_add_numbers_fail").part("chain-rule machinery")
    assert not any("could not be tested" in f.message for f in machinery.findings)
    assert "+=" in found[("accumulation", "mul", None)].message


def test_every_leaf_getting_the_seed_is_one_reverse_pass_finding():
    findings = report("dezero_seed_passed_on").findings
    per_op = [f for f in findings if f.step == "local-derivative" and f.op is not None]
    assert per_op == []
    (reverse_pass,) = [f for f in findings if f.identity == ("local-derivative", None, None)]
    assert "exactly the seed" in reverse_pass.message
    assert report("dezero_seed_passed_on").score == 0


def test_breadth_first_with_plus_equals_is_order_and_never_told_to_use_plus_equals():
    for finding in report("breadth_first_plus_equals").findings:
        assert "+=" not in finding.message


def test_two_bugs_of_one_op_are_both_reported():
    found = by_identity("two_bugs_per_op")
    assert {("upstream", "div", None), ("local-derivative", "div", 1)} <= set(found)
    assert {("local-derivative", "pow_var", 0), ("local-derivative", "pow_var", 1)} <= set(found)


def test_messages_quote_the_students_own_syntax():
    found = by_identity("micrograd_method_messages")
    assert ".exp()" in found[("local-derivative", "exp", 0)].node
    assert "x.log() raised" in found[("error", "log", None)].message
    missing = by_identity("micrograd_no_scaler")[("missing", "mul", None)]
    assert "cannot do 2 * x" in missing.message  # the form that failed, not `x * y`


def test_the_root_cause_comes_first_and_missing_last():
    steps = [f.step for f in report("micrograd_no_seed").findings]
    assert steps[0] == "seed"
    assert steps == sorted(steps, key=cause_order().index)
    assert steps[-1] == "missing"


# --- engines that keep gradients on their inputs only (minitorch) ------------------------

MINITORCH = PATTERNS.parent / "correct" / "minitorch_leaves_only.py"
#: Bugs in the minitorch-style engine, each (name, old text, new text, expected identity).
MINITORCH_BUGS = (
    (
        "no_seed",
        "derivatives = {variable.unique_id: deriv}",
        "derivatives = {variable.unique_id: 0.0 * deriv}",
        ("seed", None, None),
    ),
    ("mul_swapped", "return b * d, a * d", "return a * d, b * d", ("local-derivative", "mul", 0)),
    ("exp_drops_d", "return d * out\n", "return out\n", ("upstream", "exp", None)),
    (
        "overwrites",
        "derivatives[parent.unique_id] = derivatives.get(parent.unique_id, 0.0) + g",
        "derivatives[parent.unique_id] = g",
        ("accumulation", None, None),
    ),
    (
        "unsorted",
        "return list(reversed(order))",
        "return order",
        ("order", None, None),
    ),
)


@pytest.mark.parametrize("bug", MINITORCH_BUGS, ids=lambda b: b[0])
def test_inputs_only_engines_are_diagnosed_from_the_inputs_gradients(bug, tmp_path):
    name, old, new, identity = bug
    source = MINITORCH.read_text(encoding="utf-8")
    assert source.count(old) == 1
    path = tmp_path / "engine.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    found = Grader(load("scalar_autodiff", api="minitorch"), path).grade().findings
    summary = "\n".join(f.summary() for f in found)
    assert identity in {f.identity for f in found}, f"{name}:\n{summary}"
    assert all("gives None" not in f.message for f in found)


def test_an_epsilon_guard_upstream_is_never_charged_downstream():
    """``log(x + 1e-6)`` is within the tolerance alone; times 10 near x = 1 its difference
    from log(x) would not be, so each node is also judged at the engine's own values."""
    grader = Grader(load("scalar_autodiff"), PATTERNS.parent / "correct" / "epsilon_guarded.py")
    grader.start()
    try:
        for source_nodes, case_points in (
            ((Node("log", (0,)), Node("mul", (1, Const(10)))), [[0.9999], [1.00001]]),
            ((Node("log", (0,)), Node("mul", (1, 1)), Node("mul", (2, Const(100)))), [[0.99999]]),
        ):
            names = tuple("abc"[: len(source_nodes)])
            composition = Composition(("x",), source_nodes, names)
            assert grader.check_case_all(composition, case_points) == []
    finally:
        grader.runner.cleanup()


def test_a_rule_that_is_a_number_says_it_once():
    from graders.engine.diagnosis import rule_is

    assert rule_is("d/dy (x - y) = -1", -1.0) == "d/dy (x - y) = -1"
    assert rule_is("d/dx (x*y) = y", 2.5) == "d/dx (x*y) = y = 2.5"


def test_a_reverse_pass_that_does_nothing_is_one_finding_not_one_per_op():
    """minitorch's ``topological_sort`` coming back empty: every part names the reverse
    pass once (no gradient reaches any leaf), and no op is charged."""
    for part in report("minitorch_empty_topological_sort").parts:
        assert [f.identity for f in part.findings] == [("seed", None, None)], part.part.name


def test_breadth_first_minitorch_is_order_and_never_told_to_use_plus_equals():
    found = by_identity("minitorch_breadth_first")
    assert set(found) == {("order", None, None)}
    assert all("+=" not in f.message for f in found.values())
