"""DeZero from step 33 on, graded as handed in: the package with its full core.

``engines/families/dezero_final/`` reproduces the book's final layout (family: DeZero):
``dezero/__init__.py`` imports the package's every module, among them ``utils.py``
(``subprocess``, ``urllib``, a file written and ``dot`` run in ``plot_dot_graph``) and
``datasets.py`` (``gzip``, ``pickle``, ``tarfile``, ``open`` and ``eval`` in loaders of
dataset classes no grading makes). None of that runs when graded, so none of it is held
against the student (``graders.sandbox.dormant``); ``F.sin`` and its kin are found in
``dezero.functions`` (the preset's ``functions``), and reproducers import them from there.
Graded as an array engine (``tensor_autodiff``), its tensor functions are found there too
(``F.sum``, ``F.reshape``, ``F.transpose``, ``F.matmul``: its Variables have no ``@``), and
matmul multiplies plain matrices only, as DeZero's ``x.dot(W)`` does (the preset's
``matmul = "matrices"``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.presets import PRESETS, import_lines, worker_names
from graders.presets import resolve as resolve_api
from graders.sandbox import policy
from graders.sandbox.runner import Runner
from graders.submission import resolve
from graders.tensor.grader import TensorGrader
from graders.tensor.probes import fixed_cases
from graders.tensor.syntax import source, write
from strategies.arrays import array_compositions

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT / "tests" / "engines" / "families" / "dezero_final"
#: What the reproduction has none of: its Pow takes a constant exponent only.
LACKS = {"pow_var", "rpow", "sqrt", "tan", "sigmoid", "relu"}
DEZERO = worker_names(PRESETS["dezero"])
#: The array ops of tensor_autodiff the reproduction has none of.
LACKS_ARRAYS = {"max", "sigmoid"}
ARRAYS = PRESETS["dezero"].conventions()


def with_one_bug(repository: Path, tmp_path: Path, file: str, right: str, wrong: str) -> Path:
    """A copy of ``repository`` in which ``file``'s one ``right`` line reads ``wrong``."""
    copy = tmp_path / "repo"
    shutil.copytree(repository, copy)
    text = (copy / file).read_text()
    assert text.count(right) == 1, right
    (copy / file).write_text(text.replace(right, wrong))
    return copy


def summaries(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


def assert_runs(reproducer: str, repository: Path) -> None:
    """The reproducer, pasted into the repository and run there, prints what it expects."""
    script = repository / "reproduce.py"
    script.write_text(reproducer)
    done = subprocess.run(
        [sys.executable, script.name], capture_output=True, text=True, cwd=script.parent, timeout=60
    )
    assert done.returncode == 0, f"{reproducer}\n{done.stderr}"
    assert "expected" in done.stdout


def test_the_package_imports_its_every_module():
    handed = resolve(REPOSITORY, leaves=("Variable",), chosen="dezero")
    modules = {"__init__", "core", "functions", "utils", "datasets"}
    assert set(handed.files) == {f"dezero/{m}.py" for m in modules}


@pytest.mark.parametrize("entry", ["dezero", "steps/step34.py"])
def test_code_that_never_runs_when_graded_is_not_held_against_the_student(entry):
    handed = resolve(REPOSITORY, leaves=("Variable",), chosen=entry)
    texts = handed.texts()
    assert policy.check(texts, policy.Policy(), DEZERO, handed.entry) == []
    # judged whole (no names the worker calls), the same files break the rules
    judged_whole = {str(v).split(":")[0] for v in policy.check(texts, policy.Policy())}
    assert judged_whole == {"dezero/utils.py", "dezero/datasets.py"}


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["dezero", "steps/step34.py"])
def test_the_correct_package_earns_every_op_it_has_at_every_seed(entry):
    assignment = load("scalar_autodiff", api="dezero", entry=entry)
    for seed in (None, 1, 2, 3, 4, 5):
        report = EngineGrader(assignment, REPOSITORY, grading_seed=seed, examples=4).grade()
        charged = [f for f in report.findings if f.step != "missing"]
        assert charged == [], (seed, summaries(report))
        assert {f.op for f in report.findings} == LACKS, (seed, summaries(report))
        scores = {p.part.name: p.score for p in report.parts}
        assert scores["arithmetic"] == scores["chain-rule machinery"] == 20, scores


@pytest.mark.slow
def test_a_bug_in_the_functions_module_is_charged_to_its_op_alone_at_every_seed(tmp_path):
    """cos's backward forgets the sign: charged to cos alone, at every seed, and the
    reproducer imports cos from dezero.functions and runs against the package."""
    with_one_bug(
        REPOSITORY, tmp_path, "dezero/functions.py", "return gy * -sin(x)", "return gy * sin(x)"
    )
    assignment = load("scalar_autodiff", api="dezero", entry="dezero")
    verdicts = set()
    for seed in range(1, 7):
        report = EngineGrader(assignment, tmp_path / "repo", grading_seed=seed, examples=4).grade()
        charged = {f.identity for f in report.findings if f.step != "missing"}
        assert {(step, op) for step, op, _ in charged} == {("local-derivative", "cos")}, (
            seed,
            summaries(report),
        )
        verdicts.add(frozenset(charged))
    assert len(verdicts) == 1, verdicts
    (finding,) = [f for f in report.findings if f.step != "missing"]
    assert "from dezero.functions import cos" in finding.reproducer, finding.reproducer
    assert "dezero/functions.py" in str(finding.where)
    assert_runs(finding.reproducer, tmp_path / "repo")


# --- as an array engine (tensor_autodiff) ---------------------------------------------------


def test_its_tensor_functions_are_called_from_the_functions_module():
    """Names the entry module lacks and dezero.functions has are revised to dotted ones,
    matmul included (a Variable has no @); the scalar ops' names stay as they were."""
    runner = Runner(resolve(REPOSITORY, leaves=("Variable",), chosen="dezero"), PRESETS["dezero"])
    try:
        runner.start()
        names = runner.preset.names
        forms = runner.preset.tensor_forms()
    finally:
        runner.cleanup()
    for op in ("sum", "mean", "reshape", "transpose", "broadcast_to", "matmul", "sin"):
        assert names[op] == f"dezero.functions.{op}", names
        assert forms[op] == {"call": "function", "name": f"dezero.functions.{op}"}
    assert forms["add"] == {"call": "operator", "name": "+"}
    # a reproducer imports each from its own module, calls it by its last name
    assert import_lines("dezero", "Variable", ["dezero.functions.sum", "add"]) == [
        "from dezero import Variable, add",
        "from dezero.functions import sum",
    ]
    assert write("sum", ["a"], {"axis": [1]}, runner.preset) == "sum(a, axis=(1,))"


@settings(max_examples=100, deadline=None)
@given(array_compositions(["matmul", "add", "transpose", "sum"], max_ops=5, **ARRAYS))
def test_matmul_multiplies_plain_matrices_only_under_the_dezero_preset(composition):
    for node in composition.nodes:
        if node.op == "matmul":
            assert [len(composition.shapes[a]) for a in node.args] == [2, 2], source(
                composition, PRESETS["dezero"]
            )


def test_the_matmul_convention_is_validated_and_shapes_the_fixed_cases():
    with pytest.raises(ValueError, match="matmul"):
        resolve_api({"matmul": "tiled"})
    plain = list(fixed_cases("matmul", **ARRAYS))
    assert plain and all(len(c.inputs[0].shape) == len(c.inputs[1].shape) == 2 for c, _ in plain)
    assert len(plain) < len(list(fixed_cases("matmul")))  # batched ones are left out


@pytest.mark.slow
def test_the_array_package_earns_every_op_it_has_at_every_seed():
    assignment = load("tensor_autodiff", api="dezero", entry="dezero")
    for seed in (None, 1, 2, 3, 4, 5):
        report = TensorGrader(assignment, REPOSITORY, grading_seed=seed, examples=6).grade()
        found = {f.identity for f in report.findings}
        assert found == {("missing", op, None) for op in LACKS_ARRAYS}, (seed, summaries(report))
        scores = {p.part.name: p.score for p in report.parts}
        assert scores["shape ops"] == scores["matmul"] == 15, scores
        assert scores["reverse pass"] == 25, scores


@pytest.mark.slow
def test_a_bug_in_an_array_function_is_charged_to_its_op_alone_at_every_seed(tmp_path):
    """Transpose's backward transposes by the forward's axes again: charged to transpose
    alone at every seed; the reproducer imports transpose from dezero.functions and runs."""
    with_one_bug(
        REPOSITORY,
        tmp_path,
        "dezero/functions.py",
        "return transpose(gy, inverse)",
        "return transpose(gy, self.axes)",
    )
    assignment = load("tensor_autodiff", api="dezero", entry="dezero")
    for seed in (None, 1, 2, 3, 4, 5):
        report = TensorGrader(assignment, tmp_path / "repo", grading_seed=seed, examples=6).grade()
        found = {f.identity for f in report.findings}
        wanted = {("local-derivative", "transpose", None)}
        assert found == wanted | {("missing", op, None) for op in LACKS_ARRAYS}, (
            seed,
            summaries(report),
        )
    (finding,) = [f for f in report.findings if f.step != "missing"]
    assert "from dezero.functions import transpose" in finding.reproducer, finding.reproducer
    assert "dezero.functions." not in finding.reproducer.split("import")[-1]
    assert_runs(finding.reproducer, tmp_path / "repo")
