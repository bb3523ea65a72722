"""The op catalog: the ops the course needs, their rules, and their domains' margins."""

import math

import mygrad as mg
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.model import ops
from graders.model.oracles import mygrad_function
from graders.tolerances import KINK_MARGIN, POLE_MARGIN, POSITIVE_MARGIN, TAN_BOUND

REQUIRED = {
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "pow_var",
    "rpow",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sqrt",
    "sigmoid",
    "relu",
}


def test_catalog_has_every_op_the_course_needs():
    assert set(ops.ALL_OPS) == REQUIRED


def test_unknown_op_error_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown op 'expp'.*exp, log"):
        ops.get("expp")


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_node_argument_has_a_rule(name):
    op = ops.get(name)
    args = ["q", "r"][: op.arity]
    for pos, kind in enumerate(op.operands):
        if kind != "number":
            assert op.rule(pos, args).startswith(f"d/d{args[pos]} ")


def test_pow_rule_reads_as_the_course_writes_it():
    assert ops.get("pow").rule(0, ["q", "3"]) == "d/dq q**3 = 3*q**2"
    assert ops.get("pow").rule(0, ["q", "(-1)"]) == "d/dq q**(-1) = (-1)*q**(-2)"


@pytest.mark.parametrize(
    "name, unfair",
    [
        ("log", [POSITIVE_MARGIN / 2]),
        ("log", [-1.0]),
        ("sqrt", [0.0]),
        ("div", [1.0, POLE_MARGIN / 2]),
        ("tan", [TAN_BOUND + 0.01]),
        ("exp", [50.0]),
        ("relu", [KINK_MARGIN / 2]),
        ("pow", [0.0, -1]),
        ("pow", [-0.5, 0.5]),
        ("pow_var", [-1.0, 2.0]),
        ("rpow", [2, 40.0]),
    ],
)
def test_domains_refuse_points_near_poles_kinks_and_overflow(name, unfair):
    assert not ops.get(name).fair_at(unfair)


@pytest.mark.parametrize(
    "name, fair",
    [("log", [1.0]), ("div", [1.0, -2.0]), ("relu", [-0.5]), ("pow", [-2.0, 3]), ("tan", [1.0])],
)
def test_domains_accept_ordinary_points(name, fair):
    assert ops.get(name).fair_at(fair)


UNARY = [n for n in ops.ALL_OPS if ops.get(n).arity == 1]


@given(name=st.sampled_from(UNARY), x=st.floats(0.1, 1.1))
def test_numpy_forward_matches_mygrad(name, x):
    op = ops.get(name)
    reference = mygrad_function(op.mygrad)(mg.tensor(x))
    assert float(op.forward(np.float64(x))) == pytest.approx(float(reference.data))


@given(name=st.sampled_from(UNARY), lo=st.floats(-3, 1), width=st.floats(0, 2))
def test_interval_image_contains_every_value(name, lo, width):
    op = ops.get(name)
    span = (lo, lo + width)
    if not op.domain(span):
        return
    image = op.image(span)
    for x in np.linspace(span[0], span[1], 9):
        value = float(op.forward(np.float64(x)))
        assert image[0] - 1e-12 <= value <= image[1] + 1e-12 or math.isnan(value)
