"""The oracles on stacked inputs (graders/tensor/stacked.py) give each point the numbers,
and the gate's verdict, that the oracles give it alone."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.model.array_oracles import _CACHE, reference
from graders.tensor import stacked as stacked_oracles
from graders.tensor.stacked import references, stacked
from strategies.arrays import array_compositions, array_points


def _same(alone, together) -> None:
    assert (alone is None) == (together is None)
    if alone is None:
        return
    assert len(alone.values) == len(together.values)
    for a, b in zip(alone.values + alone.grads, together.values + together.grads):
        assert np.shape(a) == np.shape(b)
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
@given(st.data())
def test_each_point_gets_what_it_gets_alone(data):
    composition = data.draw(
        array_compositions(
            list(ops.ALL_OPS), max_ops=6, sharing=0.5, keepdims=data.draw(st.booleans())
        )
    )
    points = [data.draw(array_points(composition)) for _ in range(data.draw(st.integers(2, 4)))]
    _CACHE.clear()
    alone = [reference(composition, p) for p in points]
    for one, together in zip(alone, references(composition, points)):
        _same(one, together)


def test_the_gate_discards_only_the_point_it_discards_alone():
    """``max`` at a tie has no derivative: the gate drops that point, not its neighbour."""
    composition = ArrayComposition.build(
        [("a", (3,), (-2.0, 2.0))], [("max", (0,), {"axis": None})]
    )
    tie = [np.array([1.0, 1.0, 0.5])]
    fine = [np.array([1.0, 0.25, 0.5])]
    _CACHE.clear()
    assert reference(composition, tie) is None
    found = references(composition, [fine, tie, fine])
    assert found[1] is None
    _same(reference(composition, fine), found[0])
    _same(reference(composition, fine), found[2])


def test_a_stacked_matmul_lines_up_its_batch_dimensions():
    composition = ArrayComposition.build(
        [("a", (2, 2, 3), (-2.0, 2.0)), ("x", (3, 4), (-2.0, 2.0))],
        [("matmul", (0, 1), {})],
    )
    big = stacked(composition, 5)
    assert big.shapes[big.index[len(composition.inputs)]] == (5, 2, 2, 4)


def _broadcast_input() -> ArrayComposition:
    """``b = a + x`` with ``x`` lined up (reshaped) before the add, as ``stacked`` does."""
    return ArrayComposition.build(
        [("a", (3,), (-2.0, 2.0)), ("x", (1, 1), (-2.0, 2.0))], [("add", (0, 1), {})]
    )


def test_points_of_a_broadcast_input_are_worked_out_stacked(monkeypatch):
    """Perturbing a node no input reaches (``w``) leaves the line-up of an input unread: the
    points stay stacked, never fall back to one at a time."""
    composition = _broadcast_input()
    points = [
        [np.array([0.5, 1.0, -1.0]), np.array([[0.25]])],
        [np.array([0.75, 1.5, -1.25]), np.array([[0.125]])],
    ]
    _CACHE.clear()
    alone = [reference(composition, p) for p in points]

    def one_at_a_time(*_):
        raise AssertionError("the stacked oracles fell back to one point at a time")

    monkeypatch.setattr(stacked_oracles.oracles, "reference", one_at_a_time)
    stacked_oracles._CACHE.clear()
    for one, together in zip(alone, references(composition, points)):
        _same(one, together)


def test_no_input_is_downstream_of_another():
    """``downstream`` follows op nodes only: an input's index never reads a node from the
    end of the list (``b``'s would be ``out = a + d``, which uses ``a``)."""
    composition = ArrayComposition.build(
        [("a", (3,), (-2.0, 2.0)), ("b", (3,), (-2.0, 2.0)), ("c", (3,), (-2.0, 2.0))],
        [("mul", (1, 2), {}), ("add", (0, 3), {})],
    )
    assert composition.downstream(0) == {0, 5, 6, 7}
    assert composition.downstream(1) == {1, 4, 5, 6, 7}
