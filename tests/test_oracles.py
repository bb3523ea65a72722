"""The two oracles agree wherever the gate keeps a case, and the gate really does discard."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from suite_seeds import thorough

from graders.model import ops
from graders.model.composition import Composition, Const, Node
from graders.model.oracles import mygrad_reference, numerical_adjoints, reference
from graders.tolerances import GATE_CENTRAL, close
from strategies import compositions, points

# Hand-written local derivatives, independent of both oracles.
DERIVATIVES = {
    "exp": math.exp,
    "log": lambda x: 1 / x,
    "sin": math.cos,
    "cos": lambda x: -math.sin(x),
    "tan": lambda x: 1 / math.cos(x) ** 2,
    "tanh": lambda x: 1 - math.tanh(x) ** 2,
    "sqrt": lambda x: 0.5 / math.sqrt(x),
    "sigmoid": lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
    "relu": lambda x: 1.0 if x > 0 else 0.0,
    "neg": lambda x: -1.0,
}


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
@given(x=st.floats(0.2, 1.1))
def test_both_oracles_match_hand_derivatives(name, x):
    c = Composition(("x",), (Node(name, (0,)),), ("a",))
    expected = DERIVATIVES[name](x)
    assert mygrad_reference(c, [x]).grads[0] == pytest.approx(expected, rel=1e-12)
    assert numerical_adjoints(c, [x])[0][0] == pytest.approx(expected, rel=1e-6)


# 3000 in the ci profile; 150 in dev (suite_seeds.thorough)
@settings(max_examples=(15 if thorough() else 5) * settings.default.max_examples)
@given(st.data())
def test_oracles_agree_on_every_node_for_generated_cases(data):
    """Over thousands of cases (ci profile): where the gate keeps a case, the oracles agree."""
    c = data.draw(compositions())
    point = data.draw(points(c))
    kept = reference(c, point)
    if kept is None:  # record the rare discard; the benchmark measures the rate
        return
    for (adjoint, _), grad in zip(numerical_adjoints(c, point), kept.grads):
        assert close(adjoint, grad, **GATE_CENTRAL)


def test_gate_discards_a_case_where_central_differences_straddle_a_kink():
    # relu(x) at x = 1e-4: the central step crosses the kink, so the oracles disagree.
    c = Composition(("x",), (Node("relu", (0,)),), ("a",))
    assert numerical_adjoints(c, [1e-4])[0][1] == "central"
    assert reference(c, [1e-4]) is None


def test_gate_discards_a_pole():
    c = Composition(("x",), (Node("div", (Const(1), 0)),), ("a",))
    assert reference(c, [0.0]) is None


def test_central_differences_are_used_only_downstream_of_a_non_analytic_op():
    c = Composition(("x",), (Node("relu", (0,)), Node("exp", (1,))), ("a", "b"))
    methods = [m for _, m in numerical_adjoints(c, [0.5])]
    assert methods == ["central", "complex", "complex"]


def test_every_op_has_a_mygrad_counterpart_that_differentiates():
    for name in ops.ALL_OPS:
        op = ops.get(name)
        args = [Const(2) if kind == "number" else 0 for kind in op.operands]
        c = Composition(("x",), (Node(name, tuple(args)),), ("a",))
        assert reference(c, [0.7]) is not None, name


@settings(max_examples=3 * settings.default.max_examples)
@given(st.data())
def test_references_at_many_points_are_those_at_each_point(data):
    """Both oracles run on arrays, one element per point: the result (and the gate's
    verdict) at each point is exactly what that point alone gives."""
    from graders.model import oracles

    c = data.draw(compositions())
    many = [data.draw(points(c)) for _ in range(data.draw(st.integers(1, 6)))]
    together = oracles.references(c, many)
    oracles._CACHE.clear()
    alone = [oracles._gated_references(c, [p])[0] for p in many]
    assert together == alone
    for point, found in zip(many, together):
        if found is not None:
            assert found == mygrad_reference(c, point)
