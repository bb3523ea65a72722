"""minitorch Module 2 (tensors), graded as the course hands it out: ``minitorch.tensor(list)``,
methods, ``x.sum(dim)`` and ``x.mean(dim)`` over one int axis that stays, a full reduction
of shape (1,), no 0-d arrays, ``permute(*order)`` and ``view(*shape)`` (on contiguous
tensors only), gradients as Tensors on leaves (``.grad.to_numpy()``), ``backward()`` on a
one-element output: the ``minitorch_tensor`` preset, and what ``--api auto`` finds.

``engines/tensor/minitorch_module2/`` reproduces a finished Module 2 repository (our own
code, in the family's layout: the package ``minitorch/`` with ``tensor.py``,
``tensor_functions.py``, ``autodiff.py``, ``tensor_data.py`` importing numba, and the
course's tests beside it). It must get every op it has and the reverse pass at every seed,
with ``missing`` for the ops Module 2 lacks and nothing else; each one-bug variant of it
(``minitorch_module2_bugs.py``) is named on its step and op at every seed, nothing else
charged. Student code never runs here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.assignment import load
from graders.presets import LEAF_NAMES, PRESETS
from graders.sandbox.runner import Runner
from graders.submission import resolve
from graders.tensor.grader import TensorGrader
from graders.tensor.probes import fixed_cases, machinery_cases
from graders.tensor.syntax import source, write
from strategies.arrays import array_compositions

ENGINES = Path(__file__).resolve().parent / "engines" / "tensor"
MODULE2 = ENGINES / "minitorch_module2"
API = PRESETS["minitorch_tensor"]
#: The ops of tensor_autodiff that Module 2 has no method or operator for.
LACKS = {"pow", "tanh", "max", "broadcast_to", "matmul"}
SEEDS = (None, 1, 2, 3, 4, 5)
EXAMPLES = 10


def _bugs():
    name = "chaingrade_minitorch_module2_bugs"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ENGINES / "minitorch_module2_bugs.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


bugs = _bugs()


def _credit_without(assignment, charged: set[str]) -> float:
    """Full marks but for the share of each op in ``charged``."""
    total = 0.0
    for part in assignment.parts:
        names = part.ops
        if part.machinery:
            total += part.points
        else:
            total += part.points * sum(n not in charged for n in names) / len(names)
    return round(total, 4)


def _summary(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


# --- the conventions, in what the grader writes and generates ---------------------------


def test_ops_are_written_as_minitorch_students_write_them():
    assert write("sum", ["a"], {"axis": [2], "keepdims": True}, API) == "a.sum(2)"
    assert write("mean", ["a"], {"axis": None, "single": True}, API) == "a.mean()"
    assert write("reshape", ["a"], {"shape": [3, 2]}, API) == "a.view(3, 2)"
    assert write("transpose", ["a"], {"axes": [2, 0, 1]}, API) == "a.permute(2, 0, 1)"
    assert write("exp", ["a"], {}, API) == "a.exp()"


@settings(max_examples=120)
@given(st.data())
def test_one_dim_compositions_keep_their_axis_and_make_no_0d_array(data):
    names = data.draw(
        st.lists(
            st.sampled_from(["add", "mul", "sum", "mean", "exp", "reshape", "transpose"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    composition = data.draw(array_compositions(names, max_ops=5, **API.conventions()))
    for k in composition.graded:
        assert composition.shapes[k] != (), source(composition, API)
        node = composition.node(k)
        if node.op in ("sum", "mean"):
            axis = node.p.get("axis")
            if axis is None:  # x.sum(): everything, to shape (1,), from any operand
                assert node.p.get("single") is True
                assert composition.shapes[k] == (1,)
            else:
                assert node.p.get("keepdims") is True and len(axis) == 1
        if node.op == "reshape" and node.args[0] in composition.graded:
            assert composition.node(node.args[0]).op != "transpose"  # view: contiguous only
    assert all(i.shape != () for i in composition.inputs)


def _minitorch_reduction(composition, k) -> bool:
    """One axis kept, or everything to shape (1,): what minitorch's sum and mean give."""
    node = composition.node(k)
    if node.p.get("axis") is None:
        return node.p.get("single") is True and composition.shapes[k] == (1,)
    return node.p.get("keepdims") is True and len(node.p["axis"]) == 1


def test_fixed_and_machinery_cases_keep_the_reduced_axis():
    for op in ("sum", "mean"):
        cases = list(fixed_cases(op, **API.conventions()))
        assert len(cases) == 5
        for composition, _ in cases:
            assert _minitorch_reduction(composition, len(composition.inputs))
        # a whole reduction of an n-d operand, as minitorch's x.sum() of a matrix
        assert any(
            c.node(len(c.inputs)).p.get("single") and len(c.inputs[0].shape) == 3 for c, _ in cases
        )
    graphs = list(machinery_cases(["add", "mul", "sub", "exp", "sum", "mean"], **API.conventions()))
    reductions = [(c, k) for c, _ in graphs for k in c.graded if c.node(k).op in ("sum", "mean")]
    assert reductions and all(_minitorch_reduction(c, k) for c, k in reductions)


# --- --api auto ----------------------------------------------------------------------------


def test_auto_finds_the_minitorch_tensor_preset_in_the_package_as_handed_in():
    runner = Runner(resolve(MODULE2, "engine", leaves=LEAF_NAMES), "auto")
    try:
        runner.start()
        assert runner.detected
        assert runner.preset.to_json() == API.to_json()
    finally:
        runner.cleanup()


def test_auto_picks_the_engine_the_assignment_is_on_when_module1_stays_beside(tmp_path):
    """A real Module 2 repository keeps Module 1's Scalar: auto on an array assignment
    grades the tensor, on a scalar one the Scalar (before: 'more than one engine fits')."""
    import shutil

    package = tmp_path / "minitorch_module2"
    shutil.copytree(MODULE2, package)
    shutil.copy(ENGINES.parent / "families" / "minitorch_scalar.py", package / "minitorch")
    with (package / "minitorch" / "__init__.py").open("a") as init:
        init.write("from .minitorch_scalar import Scalar  # noqa: F401\n")
    for arrays, leaf in ((True, API.leaf), (False, "Scalar")):
        runner = Runner(resolve(package, "engine", leaves=LEAF_NAMES), "auto", arrays=arrays)
        try:
            runner.start()
            assert runner.detected
            assert runner.preset.leaf == leaf
            if arrays:
                assert runner.preset.to_json() == API.to_json()
        finally:
            runner.cleanup()


# --- a correct Module 2 ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("api", ["minitorch_tensor", "auto"])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_module2_gets_every_op_it_has(api, seed):
    assignment = load("tensor_autodiff", api=api)
    report = TensorGrader(assignment, MODULE2, grading_seed=seed, examples=EXAMPLES).grade()
    found = {f.identity for f in report.findings}
    assert found == {("missing", op, None) for op in LACKS}, _summary(report)
    assert report.score == _credit_without(assignment, LACKS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(bugs.BUGS))
def test_a_module2_bug_is_named_on_its_step_and_op_with_nothing_else(name, seed, tmp_path):
    bug = bugs.BUGS[name]
    assignment = load("tensor_autodiff", api="minitorch_tensor")
    folder = bugs.write(name, tmp_path / "repo")
    report = TensorGrader(assignment, folder, grading_seed=seed, examples=EXAMPLES).grade()
    found = {f.identity for f in report.findings}
    assert found == {bug.expected} | {("missing", op, None) for op in LACKS}, _summary(report)
    assert report.score == _credit_without(assignment, LACKS | {bug.expected[1]})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(bugs.BUGS))
def test_a_module2_bug_is_named_the_same_under_auto(name, tmp_path):
    bug = bugs.BUGS[name]
    assignment = load("tensor_autodiff", api="auto")
    folder = bugs.write(name, tmp_path / "repo")
    report = TensorGrader(assignment, folder, examples=EXAMPLES).grade()
    found = {f.identity for f in report.findings}
    assert found == {bug.expected} | {("missing", op, None) for op in LACKS}, _summary(report)


@pytest.mark.slow
@pytest.mark.parametrize("api", ["minitorch_tensor", "auto"])
def test_check_grades_the_repository_as_handed_in(api):
    # as a student runs it: the folder holds minitorch/ and the course's tests/
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", str(MODULE2)]
        + ["--assignment", "tensor_autodiff", "--api", api, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr  # not full marks: Module 2 lacks some ops
    report = json.loads(done.stdout)
    steps = {(f["step"], f["op"]) for f in report["findings"]}
    assert steps == {("missing", op) for op in LACKS}
    assert report["score"] == _credit_without(load("tensor_autodiff"), LACKS)
