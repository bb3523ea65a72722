"""The steps derived from an exercise, and their values: the course's published numbers."""

import math

import pytest

from graders.exercises.parse import parse
from graders.exercises.steps import derive, expected, formula

FIRST = parse("p = y * x**2\nq = 2*x + y\ng = p**2 - q**3")
SECOND = parse("p = 4*y - x\nq = 3*x*y - 4*y\ng = p**2 * q")
STEPS = ["dg_dp", "dg_dq", "dp_dx", "dp_dy", "dq_dx", "dq_dy", "dg_dx", "dg_dy"]


def test_first_example_steps_and_published_values():
    steps = derive(FIRST)
    assert [s.function for s in steps] == STEPS
    values = expected(FIRST, steps, (3, 1))
    assert values == {
        "dg_dp": 18,
        "dg_dq": -147,
        "dp_dx": 6,
        "dp_dy": 9,
        "dq_dx": 2,
        "dq_dy": 1,
        "dg_dx": -186,
        "dg_dy": 15,
    }


def test_second_example_steps_and_published_values():
    steps = derive(SECOND)
    assert [s.function for s in steps] == STEPS
    values = expected(SECOND, steps, (5, 4))
    published = {"dg_dp": 968, "dg_dq": 121, "dg_dx": 484, "dg_dy": 5203}
    assert {name: values[name] for name in published} == published
    assert (values["dp_dx"], values["dp_dy"], values["dq_dx"], values["dq_dy"]) == (-1, 4, 12, 11)


def test_totals_are_sums_over_paths_of_products_of_locals():
    steps = {s.function: s for s in derive(FIRST)}
    assert not steps["dg_dp"].is_total
    assert steps["dg_dx"].paths == (("dg_dp", "dp_dx"), ("dg_dq", "dq_dx"))
    assert formula(steps["dg_dx"], list(steps.values())) == "dg/dx = dg/dp*dp/dx + dg/dq*dq/dx"
    assert steps["dg_dp"].leibniz == "dg/dp"


def test_single_variable_chain_asks_for_each_link_and_the_product():
    chain = parse("a = x**2 + 1\nb = log(a)\nc = sin(b)\nf = exp(c)")
    steps = derive(chain)
    assert [s.function for s in steps] == ["df_dc", "dc_db", "db_da", "da_dx", "df_dx"]
    assert steps[-1].paths == (("df_dc", "dc_db", "db_da", "da_dx"),)
    values = expected(chain, steps, (0.5,))
    product = values["df_dc"] * values["dc_db"] * values["db_da"] * values["da_dx"]
    assert values["df_dx"] == pytest.approx(product, rel=1e-12)


def test_a_single_line_is_asked_for_once():
    assert [s.function for s in derive(parse("f = x**6 + 3*x**4"))] == ["df_dx"]


def test_a_direct_use_beside_other_paths_is_named_apart_from_the_total():
    steps = {s.function: s for s in derive(parse("p = x * y\ng = p * x"))}
    assert set(steps) == {"dg_dx_direct", "dg_dp", "dp_dx", "dp_dy", "dg_dx", "dg_dy"}
    assert steps["dg_dx"].paths == (("dg_dx_direct",), ("dg_dp", "dp_dx"))


def test_three_levels_order_the_locals_from_the_output_inwards():
    exercise = parse("p = x*y\nq = x + 2*y\nu = sin(p) + q**2\ng = u * p")
    steps = derive(exercise, prefix="third_")
    assert [s.function for s in steps][:4] == [
        "third_dg_dp",
        "third_dg_du",
        "third_du_dp",
        "third_du_dq",
    ]
    total = steps[-2]
    assert total.function == "third_dg_dx" and len(total.paths) == 3
    values = expected(exercise, steps, (1.0, 1.5))
    by_paths = sum(
        values[path[0]] * (values[path[1]] * values[path[2]] if len(path) == 3 else values[path[1]])
        for path in total.paths
    )
    assert values["third_dg_dx"] == pytest.approx(by_paths, rel=1e-12)
    p, q = 1.0 * 1.5, 1.0 + 2 * 1.5
    assert values["third_dg_dp"] == pytest.approx(math.sin(p) + q**2, rel=1e-12)  # dg/dp = u


def test_unfair_points_have_no_expected_values():
    exercise = parse("g = log(x) * y")
    assert expected(exercise, derive(exercise), (-1.0, 1.0)) is None
