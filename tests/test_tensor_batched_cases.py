"""Several array cases in one worker round trip (``TensorGrader.check_cases``): the
first finding in their order, and a case that stops the worker is charged alone, never
the cases sent with it.

The worker is a stand-in here: a correct engine (MyGrad's numbers) whose every request
holding a ``max`` dies, as a real worker that crashes takes every job of the request
with it.
"""

import math

import numpy as np

from graders.assignment import load
from graders.model.array_composition import ArrayComposition
from graders.model.array_oracles import mygrad_reference
from graders.presets import PRESETS
from graders.tensor.grader import TensorGrader

SOLUTION = "assignments/tensor_autodiff/solution/engine.py"


class DiesOnMax:
    """A worker that runs each job as a correct engine would, and dies (every job of the
    request) when one of them uses ``max``."""

    preset = PRESETS["mygrad"]
    module_name = "engine"
    violations: list = []

    def __init__(self):
        self.requests: list[int] = []

    def run(self, jobs, meanwhile=None):
        if meanwhile is not None:
            meanwhile()
        self.requests.append(len(jobs))
        built = [ArrayComposition.from_json(job["array_composition"]) for job in jobs]
        if any("max" in c.ops for c in built):
            error = {"error": {"kind": "crash", "message": "the worker died"}}
            return [[error] for _ in jobs]
        return [[_correct(c, job["points"][0])] for c, job in zip(built, jobs)]


def _correct(composition, flat) -> dict:
    arrays = [np.reshape(v, i.shape) for v, i in zip(flat, composition.inputs[:-1])]
    found = mygrad_reference(composition, arrays)

    def raw(a):
        return {"shape": list(np.shape(a)), "data": np.ravel(a).tolist()}

    return {"values": [raw(v) for v in found.values], "grads": [raw(g) for g in found.grads]}


def _case(op, params):
    composition = ArrayComposition.build([("a", (2, 3), (-2.0, 2.0))], [(op, [0], params)])
    return composition, [np.array([[0.5, -1.25, 2.0], [1.5, -0.75, 0.25]])]


def _grader() -> tuple[TensorGrader, DiesOnMax]:
    grader = TensorGrader(load("tensor_autodiff"), SOLUTION)
    worker = DiesOnMax()
    grader._runner, grader.deadline = worker, math.inf
    return grader, worker


def test_cases_that_pass_take_one_round_trip():
    grader, worker = _grader()
    cases = [_case("exp", {}), _case("sum", {"axis": [1]}), _case("tanh", {})]
    assert grader.check_cases([(c, [p]) for c, p in cases], reverse_pass=True) is None
    assert worker.requests == [3]


def test_the_case_that_stops_the_worker_is_charged_not_the_one_sent_before_it():
    grader, worker = _grader()
    cases = [_case("exp", {}), _case("max", {"axis": [1]}), _case("tanh", {})]
    finding = grader.check_cases([(c, [p]) for c, p in cases], reverse_pass=True)
    assert finding is not None and finding.step == "error"
    assert "stopped the worker" in finding.message
    assert "max(" in finding.reproducer and "exp(" not in finding.reproducer
    assert worker.requests == [3, 1, 1]  # together, then each alone up to the one that died
