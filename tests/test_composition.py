"""Compositions: validation, printing, evaluation and the plain-data form."""

import pytest

from graders.model.composition import Composition, Const, Node


def square_times_y():
    return Composition(("x", "y"), (Node("mul", (0, 0)), Node("mul", (1, 2))), ("a", "p"))


def test_prints_one_op_per_line_with_numbers_on_either_side():
    c = Composition(
        ("x",),
        (Node("sub", (Const(2), 0)), Node("div", (Const(1), 1)), Node("mul", (2, Const(-3)))),
        ("a", "b", "c"),
    )
    assert c.source() == "a = 2 - x\nb = 1 / a\nc = b * (-3)"


def test_evaluates_every_node_in_numpy():
    assert [float(v) for v in square_times_y().evaluate([3.0, 2.0])] == [3.0, 2.0, 9.0, 18.0]


def test_consumers_list_each_use_including_both_arguments_of_x_times_x():
    assert square_times_y().consumers[0] == ((2, 0), (2, 1))


def test_downstream_follows_dependencies():
    assert square_times_y().downstream(1) == {1, 3}


def test_json_round_trip_keeps_everything_that_defines_the_graph():
    c = Composition(("x",), (Node("rpow", (Const(2), 0)), Node("pow", (1, Const(0.5)))), ("a", "b"))
    assert Composition.from_json(c.to_json()) == c


@pytest.mark.parametrize(
    "nodes, message",
    [
        ((Node("mul", (0,)),), "mul takes 2 arguments"),
        ((Node("exp", (5,)),), "refers to a later node"),
        ((Node("pow", (0, 0)),), "pow needs a number as exponent"),
        ((Node("rpow", (0, 0)),), "rpow needs a number as base"),
        ((Node("frobnicate", (0,)),), "unknown op"),
    ],
)
def test_invalid_graphs_are_refused_with_a_reason(nodes, message):
    with pytest.raises(ValueError, match=message):
        Composition(("x",), nodes, ("a",))


def test_fair_rejects_a_point_at_a_pole():
    c = Composition(("x",), (Node("div", (Const(1), 0)),), ("a",))
    assert c.fair([1.0]) and not c.fair([0.0])
