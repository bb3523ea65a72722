"""The tensor kind's pieces: array strategies, the oracles and the gate, the diagnosis of
one gradient, the worker's array job as the runner validates it, and the API fields."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.model.array_oracles import mygrad_reference, numerically_agrees, reference
from graders.presets import PRESETS, resolve
from graders.sandbox.protocol import validated
from graders.sandbox.runner import Runner
from graders.tensor.diagnosis import explain, isolated
from graders.tensor.syntax import source, write
from strategies.arrays import GRID, array_compositions, array_points

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "tensor_autodiff" / "solution" / "engine.py"
#: Grid steps per unit: every drawn input value is a whole number of them.
GRID_STEPS = round(1 / GRID)


# --- strategies --------------------------------------------------------------------------


@settings(max_examples=60)
@given(st.data())
def test_compositions_have_consistent_shapes_and_end_in_a_scalar_loss(data):
    composition = data.draw(array_compositions(max_ops=5))
    point = data.draw(array_points(composition))
    values = composition.evaluate(point)
    assert [np.shape(v) for v in values] == list(composition.shapes)
    assert composition.shapes[-1] == ()
    assert composition.node(composition.size - 1).op == "sum"
    assert composition.inputs[-1].name == "w"
    for spec, value in zip(composition.inputs, point):
        assert spec.box[0] <= value.min() and value.max() <= spec.box[1]
        assert len(np.unique(value)) == value.size  # no ties for max


@settings(max_examples=40)
@given(st.data())
def test_compositions_use_only_the_ops_asked_for_and_the_api_s_conventions(data):
    names = data.draw(st.lists(st.sampled_from(ops.ALL_OPS), min_size=1, max_size=3, unique=True))
    composition = data.draw(array_compositions(names, keepdims=False, swap_only=True))
    assert composition.ops <= set(names)
    for k in composition.graded:
        node = composition.node(k)
        assert not node.p.get("keepdims")
        if node.op == "transpose":
            moved = [i for i, a in enumerate(node.p["axes"]) if a != i]
            assert len(moved) == 2


def test_array_points_are_grid_values_and_a_box_too_small_rejects_the_case():
    """Each input's values are distinct multiples of the grid inside its box, the same for
    the same draw; an input with more elements than its box holds grid values is rejected
    (as element-wise unique draws were), never an error."""
    roomy = ArrayComposition.build([("a", (2, 3), (0.5, 2.0))], [("exp", (0,), {})])
    cramped = ArrayComposition.build([("a", (3, 3, 3, 2), (0.5, 2.0))], [("exp", (0,), {})])
    drawn, tried = [], []

    @settings(max_examples=30, derandomize=True, database=None)
    @given(st.data())
    def run(data):
        composition = data.draw(st.sampled_from([roomy, cramped]))
        tried.append(composition)
        drawn.append(data.draw(array_points(composition))[0])

    run()
    assert cramped in tried and drawn  # the cramped case was tried, rejected, not raised
    for value in drawn:
        assert value.shape == (2, 3)
        assert 0.5 <= value.min() and value.max() <= 2.0
        assert np.all(value * GRID_STEPS == np.round(value * GRID_STEPS))
        assert len(np.unique(value)) == value.size
    assert len({v.tobytes() for v in drawn}) > 1


def test_most_generated_cases_pass_the_gate():
    kept = []

    @settings(max_examples=100, derandomize=True)
    @given(st.data())
    def run(data):
        composition = data.draw(array_compositions(max_ops=4))
        kept.append(reference(composition, data.draw(array_points(composition))) is not None)

    run()
    assert sum(kept) >= 0.9 * len(kept)


# --- oracles -----------------------------------------------------------------------------


def _sum_axis_1():
    composition = ArrayComposition.build(
        [("a", (2, 3), (-2.0, 2.0))], [("sum", [0], {"axis": [1]})]
    )
    return composition, [np.array([[0.5, -1.0, 1.5], [2.0, 0.25, -0.75]])]


def test_the_reference_is_mygrad_and_the_upstream_is_w():
    composition, point = _sum_axis_1()
    found = reference(composition, point)
    w = composition.projection()
    assert w.shape == (2,) and w[0] != w[1]
    assert np.allclose(found.grads[0], np.broadcast_to(w[:, None], (2, 3)))
    assert found.values[-1].shape == ()


def test_the_numerical_oracle_rejects_a_wrong_gradient():
    composition, point = _sum_axis_1()
    found = mygrad_reference(composition, point)
    assert numerically_agrees(composition, point, found)
    wrong = list(found.grads)
    wrong[0] = wrong[0] * 1.01
    assert not numerically_agrees(composition, point, type(found)(found.values, tuple(wrong)))


def test_a_view_s_gradient_is_its_own_not_its_base_s():
    """MyGrad gives a view (broadcast_to's output) its base's gradient: the reference
    copies shape ops' outputs so every node's gradient is d(loss)/d(node)."""
    composition = ArrayComposition.build(
        [("a", (2,), (-2.0, 2.0))], [("broadcast_to", [0], {"shape": [3, 2]})]
    )
    found = reference(composition, [np.array([0.5, 1.5])])
    assert np.allclose(found.grads[2], composition.projection())


# --- diagnosis ---------------------------------------------------------------------------


def test_isolated_node_has_fresh_leaves_named_as_in_the_composition():
    composition, point = _sum_axis_1()
    found = reference(composition, point)
    probe, probe_point = isolated(composition, 2, found.values)
    assert [i.name for i in probe.inputs] == ["a", "w"]
    assert source(probe).splitlines()[0] == "b = sum(a, axis=(1,))"


def _explain(op, params, arrays, actual, i=0):
    upstream = np.arange(1.0, 1 + np.prod(ops.get(op).shape([a.shape for a in arrays], params)))
    upstream = upstream.reshape(ops.get(op).shape([a.shape for a in arrays], params))
    expected = ops.get(op).vjp(arrays, params, upstream)[i]
    return explain(
        op, params, arrays, upstream, i=i, actual=actual(arrays, upstream), expected=expected
    )


A = np.arange(1.0, 7.0).reshape(2, 3)
ROW = np.array([0.5, 1.5, 2.5])


def test_a_broadcast_operand_not_summed_back_is_unbroadcast_with_its_axes():
    verdict = _explain("add", {}, [A, ROW], lambda arrays, g: g, i=1)
    assert verdict.step == "unbroadcast" and verdict.axes == (0,)
    assert "sum it over axis 0" in verdict.message


def test_summed_over_the_wrong_axes_is_unbroadcast_naming_both():
    column = np.array([[0.5], [1.5]])
    verdict = _explain("mul", {}, [A, column], lambda arrays, g: (g * A).sum(axis=0)[:2, None], i=1)
    assert verdict is not None and verdict.step in ("unbroadcast", "local-derivative")
    verdict = _explain(
        "broadcast_to",
        {"shape": [4, 2, 3]},
        [A],
        lambda arrays, g: g.sum(axis=(0, 1))[None].repeat(2, 0)[:, :3],
    )
    assert verdict.step in ("unbroadcast", "local-derivative")


def test_mean_without_one_over_n_says_so():
    verdict = _explain(
        "mean", {"axis": [1]}, [A], lambda arrays, g: np.broadcast_to(g[:, None], (2, 3))
    )
    assert verdict.step == "local-derivative" and verdict.axes == (1,)
    assert "missing the factor 1/3" in verdict.message


def test_max_spread_to_every_element_says_so():
    verdict = _explain(
        "max", {"axis": [1]}, [A], lambda arrays, g: np.broadcast_to(g[:, None], (2, 3))
    )
    assert "every element along axis 1" in verdict.message


def test_a_reduction_s_gradient_not_put_back_along_its_axis_names_it():
    verdict = _explain(
        "sum",
        {"axis": [0]},
        [np.arange(1.0, 5.0).reshape(2, 2)],
        lambda arrays, g: np.broadcast_to(g[:, None], (2, 2)),
    )
    assert verdict.step == "local-derivative"
    assert "must be out_grad broadcast back along axis 0" in verdict.message


def test_transpose_not_inverted_and_upstream_ignored():
    again = lambda arrays, g: np.transpose(g, (1, 2, 0))  # noqa: E731
    verdict = _explain("transpose", {"axes": [1, 2, 0]}, [np.arange(8.0).reshape(2, 2, 2)], again)
    assert verdict.step == "local-derivative" and "inverse permutation (2, 0, 1)" in verdict.message
    # the same wrong rule on sides that differ: the same step (a verdict never depends on
    # whether the case drawn was square)
    verdict = _explain("transpose", {"axes": [1, 2, 0]}, [np.arange(24.0).reshape(2, 3, 4)], again)
    assert verdict.step == "local-derivative" and "inverse permutation (2, 0, 1)" in verdict.message
    default = lambda arrays, g: np.swapaxes(g, -1, -2)  # noqa: E731
    for shape in ((2, 2, 2), (2, 3, 4)):
        verdict = _explain("transpose", {"axes": [1, 0, 2]}, [np.ones(shape)], default)
        assert verdict.step == "local-derivative" and "last two axes" in verdict.message
    verdict = _explain("exp", {}, [A / 10], lambda arrays, g: np.exp(A / 10))
    assert verdict.step == "upstream"


def test_a_gradient_of_another_shape_is_shape():
    verdict = _explain("reshape", {"shape": [3, 2]}, [A], lambda arrays, g: g)
    assert verdict.step == "shape" and "(2, 3)" in verdict.message


def test_matmul_without_transpose_says_which_factor():
    b = np.arange(1.0, 7.0).reshape(3, 2)
    square = np.arange(1.0, 5.0).reshape(2, 2)
    verdict = _explain("matmul", {}, [square, square + 1], lambda arrays, g: g @ arrays[1], i=0)
    assert verdict.step == "local-derivative" and "b.T" in verdict.message
    assert _explain("matmul", {}, [A, b], lambda arrays, g: g @ b.T, i=0) is None


def test_a_right_gradient_is_no_finding():
    assert (
        _explain("sum", {"axis": [1]}, [A], lambda arrays, g: np.broadcast_to(g[:, None], (2, 3)))
        is None
    )


# --- the worker's array job ----------------------------------------------------------------


def test_the_worker_builds_an_array_composition_and_the_runner_checks_it():
    composition, point = _sum_axis_1()
    flat = [p.ravel().tolist() for p in point] + [composition.projection().ravel().tolist()]
    with Runner(SOLUTION, PRESETS["mygrad"]) as runner:
        (outcome,) = runner.run([{"array_composition": composition.to_json(), "points": [flat]}])[0]
    assert [v["shape"] for v in outcome["values"]] == [(2, 3), (2,), (2,), (2,), ()]
    assert outcome["grads"][0]["data"] == list(
        np.broadcast_to(composition.projection()[:, None], (2, 3)).ravel()
    )


@pytest.mark.parametrize(
    "array",
    [
        {"shape": [2, 2], "data": [1.0, 2.0, 3.0]},  # too few numbers
        {"shape": [-1], "data": []},
        {"shape": "2", "data": [1.0, 2.0]},
        {"shape": [5000], "data": [0.0] * 5000},  # too large
        [1.0, 2.0],
    ],
)
def test_a_malformed_array_makes_the_reply_malformed(array):
    composition, _ = _sum_axis_1()
    job = {"array_composition": composition.to_json(), "points": [[[0.0] * 6, [1.0, 1.0]]]}
    good = {"shape": [], "data": [1.0]}
    values = [good] * 4 + [array]
    reply = {"results": [[{"values": values, "grads": [good] * 5}]]}
    assert validated(reply, [job]) is None


def test_an_array_holding_something_else_is_not_a_number():
    composition, _ = _sum_axis_1()
    job = {"array_composition": composition.to_json(), "points": [[[0.0] * 6, [1.0, 1.0]]]}
    good = {"shape": [], "data": [1.0]}
    odd = {"shape": [2], "data": [1.0, "x"]}
    reply = {"results": [[{"values": [good] * 5, "grads": [odd, None] + [good] * 3}]]}
    (outcome,) = validated(reply, [job])[0]
    assert outcome["grads"][0] == {
        "not_a_number": "an array holding something that is not a number"
    }
    assert outcome["grads"][1] is None
    assert outcome["values"][0] == {"shape": (), "data": [1.0]}


# --- the API description -------------------------------------------------------------------


def test_array_ops_are_written_in_each_family_s_api():
    mygrad, needle = PRESETS["mygrad"], PRESETS["needle"]
    assert write("mean", ["a"], {"axis": [0, 2], "keepdims": True}, mygrad) == (
        "mean(a, axis=(0, 2), keepdims=True)"
    )
    assert write("sum", ["a"], {"axis": None}, needle) == "summation(a)"
    assert write("transpose", ["a"], {"axes": [2, 1, 0]}, needle) == "transpose(a, axes=(0, 2))"
    assert write("matmul", ["a", "b"], {}, mygrad) == "a @ b"
    methods = resolve({"leaf": "Tensor", "unary": "method", "binary": "function"})
    assert write("reshape", ["a"], {"shape": [3, 2]}, methods) == "a.reshape((3, 2))"
    assert write("matmul", ["a", "b"], {}, methods) == "matmul(a, b)"


def test_the_broadcast_convention_is_a_field_of_its_own():
    assert PRESETS["needle"].broadcast == "explicit" and PRESETS["mygrad"].broadcast == "implicit"
    assert resolve({"preset": "needle", "broadcast": "implicit"}).broadcast == "implicit"
    with pytest.raises(ValueError, match="broadcast"):
        resolve({"broadcast": "sometimes"})


def test_the_array_fields_are_validated():
    with pytest.raises(ValueError, match="transpose"):
        resolve({"transpose": "rotate"})
    with pytest.raises(ValueError, match="keepdims"):
        resolve({"keepdims": "keep dims"})
    with pytest.raises(ValueError, match="no catalog op"):
        resolve({"names": {"summ": "summation"}})
    api = resolve(json.loads('{"names": {"sum": "reduce_sum"}, "axis": "dim", "keepdims": ""}'))
    assert api.tensor_forms()["sum"] == {"call": "function", "name": "reduce_sum"}


def test_api_auto_finds_each_family_s_array_conventions():
    needle = ROOT / "tests" / "engines" / "tensor" / "correct" / "needle_style.py"
    with Runner(needle, "auto") as runner:
        found = runner.preset
    assert found.names == {"sum": "summation"} and found.axis == "axes"
    assert found.keepdims == "" and found.transpose == "swap" and found.broadcast == "explicit"
    hw1 = ROOT / "tests" / "engines" / "tensor" / "needle_hw1.py"
    with Runner(hw1, "auto") as runner:
        assert runner.preset == PRESETS["needle"]
    with Runner(SOLUTION, "auto") as runner:
        found = runner.preset
    assert (found.names, found.axis, found.keepdims, found.transpose, found.broadcast) == (
        {},
        "axis",
        "keepdims",
        "permutation",
        "implicit",
    )


def test_gradients_that_are_not_arrays_are_one_clear_finding(tmp_path):
    """An engine whose gradients are text is told so once, with no traceback."""
    from graders.assignment import load
    from graders.tensor.grader import TensorGrader

    engine = tmp_path / "engine.py"
    engine.write_text(
        SOLUTION.read_text().replace(
            "        for node in reversed(order):\n            node._backward()",
            "        for node in reversed(order):\n            node._backward()\n"
            "        for node in order:\n            node.grad = 'not yet'",
        )
    )
    report = TensorGrader(load("tensor_autodiff"), engine, examples=4).grade(["matmul"])
    assert report.score == 0
    (finding,) = report.findings
    assert finding.step == "error" and "not an array of numbers" in finding.message
