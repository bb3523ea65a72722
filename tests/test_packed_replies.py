"""A packed reply (a composition job's numbers as one array, ``protocol.Packed``) is read
only when it is exactly what the job asked for, and a worker can still answer a packed job
point by point (an error at some point)."""

import base64
import struct

import numpy as np

from graders.sandbox.protocol import validated

COMPOSITION = {
    "inputs": ["x"],
    "names": ["y"],
    "nodes": [{"op": "exp", "syntax": "exp", "args": [0]}],
}
JOB = {"composition": COMPOSITION, "points": [[0.5], [1.5]], "packed": True}


def packed(*numbers: float) -> dict:
    return {"packed": base64.b64encode(struct.pack(f"={len(numbers)}d", *numbers)).decode()}


def test_a_packed_reply_is_a_points_by_numbers_array():
    (numbers,) = validated({"results": [packed(0.5, 1.6, 1.6, 1.0, 1.5, 4.4, 4.4, 1.0)]}, [JOB])
    assert isinstance(numbers, np.ndarray) and numbers.shape == (2, 4)
    assert numbers[1].tolist() == [1.5, 4.4, 4.4, 1.0]


def test_an_api_reading_the_inputs_gradients_packs_fewer_numbers():
    reply = {"results": [packed(0.5, 1.6, 1.6, 1.5, 4.4, 4.4)]}
    assert validated(reply, [JOB], inputs_only=True)[0].shape == (2, 3)
    assert validated(reply, [JOB]) is None


def test_a_packed_reply_of_the_wrong_size_or_not_base64_is_no_reply():
    for raw in (
        packed(1.0, 2.0, 3.0),  # too few numbers
        packed(*[1.0] * 9),  # too many
        {"packed": "not base64!"},
        {"packed": 5},
        {"score": 100},
    ):
        assert validated({"results": [raw]}, [JOB]) is None, raw


def test_only_a_job_that_asked_for_it_may_be_answered_packed():
    unpacked = {key: value for key, value in JOB.items() if key != "packed"}
    assert validated({"results": [packed(*[1.0] * 8)]}, [unpacked]) is None


def test_a_packed_job_may_still_be_answered_point_by_point():
    error = {"error": {"kind": "error", "op": "exp", "message": "boom"}}
    right = {"values": [0.5, 1.6], "grads": [1.6, 1.0]}
    (outcomes,) = validated({"results": [[right, error]]}, [JOB])
    assert outcomes[0] == right and outcomes[1]["error"]["op"] == "exp"


def test_the_grader_reads_a_packed_reply_as_it_reads_one_point_by_point():
    from graders.engine.jobs import expected_arrays as _expected
    from graders.engine.jobs import right_at as _right_at
    from graders.model.composition import Composition

    composition = Composition.from_json(COMPOSITION)
    points = [(0.5,), (1.5,), (-0.25,)]
    right = [[x, np.exp(x), np.exp(x), 1.0] for (x,) in points]
    wrong = [row[:] for row in right]
    wrong[1][2] *= 1.01  # the input's gradient, 1% off at the second point
    expected = _expected(composition, points)
    for rows, verdict in ((right, [True, True, True]), (wrong, [True, False, True])):
        array = np.array(rows)
        listed = [{"values": r[:2], "grads": r[2:]} for r in rows]
        assert _right_at(composition, points, expected, array).tolist() == verdict
        assert _right_at(composition, points, expected, listed).tolist() == verdict
        assert _right_at(composition, points, None, array).tolist() == verdict  # one by one
