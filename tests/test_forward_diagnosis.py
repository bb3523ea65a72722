"""graders.forward on its own (no worker): which step the rows of one op alone show, for
dual-number rules written here as an engine would compute them, and the reproducer."""

import math

import pytest

from graders.forward import diagnosis
from graders.forward.oracle import jacobian
from graders.forward.reproducer import reproducer
from graders.model.composition import Composition, Const, Node
from graders.presets import Preset

MUL = Composition(("x", "y"), (Node("mul", (0, 1)),), ("a",))
SIN = Composition(("x",), (Node("sin", (0,)),), ("a",))
TIMES_TWO = Composition(("x",), (Node("mul", (0, Const(2.0))),), ("a",))


def _finding(probe, point, rule, node):
    """The finding for an op whose (value, tangent) is ``rule(point, direction)``."""
    truth = jacobian(probe, [point])
    rows = [(d, *rule(point, d)) for d in diagnosis.directions(len(point))]
    slopes = [float(g) for g in truth.rows[-1, :, 0]]
    return diagnosis.op_finding(probe, point, float(truth.values[-1, 0]), slopes, rows, node)


@pytest.mark.parametrize(
    "probe, point, rule, identity",
    [
        (SIN, (0.7,), lambda p, d: (math.sin(p[0]), math.cos(p[0]) * d[0]), None),
        (SIN, (0.7,), lambda p, d: (math.sin(p[0]), math.cos(p[0])), ("upstream", "sin", 0)),
        (
            SIN,
            (0.7,),
            lambda p, d: (math.sin(p[0]), -math.cos(p[0]) * d[0]),
            ("local-derivative", "sin", 0),
        ),
        (
            SIN,
            (0.7,),
            lambda p, d: (math.cos(p[0]), math.cos(p[0]) * d[0]),
            ("forward", "sin", None),
        ),
        # the product rule's second term missing: a derivative of 0, not a dropped tangent
        (MUL, (0.7, 1.3), lambda p, d: (p[0] * p[1], d[0] * p[1]), ("local-derivative", "mul", 1)),
        # the product rule with both tangents dropped
        (MUL, (0.7, 1.3), lambda p, d: (p[0] * p[1], p[1] + p[0]), ("upstream", "mul", 0)),
        # x * 2 with the 2 made a dual of tangent 1
        (TIMES_TWO, (0.7,), lambda p, d: (2 * p[0], 2 * d[0] + p[0]), ("seed", None, None)),
    ],
)
def test_the_step_each_rule_shows(probe, point, rule, identity):
    finding = _finding(probe, point, rule, "a")
    assert (finding.identity if finding else None) == identity


def test_a_leaf_that_drops_its_tangent_is_the_seed():
    assert diagnosis.leaf_finding("Dual", 0.5, 0.0, 1.0, 0.5).step == "seed"
    assert diagnosis.leaf_finding("Dual", 0.5, -0.6, -0.6, 0.5) is None


def test_a_reproducer_writes_numbers_as_the_engine_is_given_them():
    """Under ``constants = "leaf"`` a number is handed in as a dual of tangent 0, and the
    reproducer writes it so; inputs get their value and tangent."""
    api = Preset(leaf="Pair", binary="function", constants="leaf", value="primal", gradient="dot")
    case = Composition(("x",), (Node("sub", (Const(2.0), 0)), Node("sin", (1,))), ("a", "b"))
    code = reproducer(case, [0.5], [1.0], api, "dual", [(2, "tangent", -0.5)])
    assert code.splitlines()[0] == "from dual import Pair, sin, sub"
    assert "x = Pair(0.5, 1.0)" in code
    assert "a = sub(Pair(2.0, 0.0), x)" in code
    assert 'print("b.dot =", b.dot, "  expected -0.5")' in code
