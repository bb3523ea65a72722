"""DeZero from step 33 on, graded as handed in: the package with its full core.

``engines/families/dezero_final/`` reproduces the book's final layout (family: DeZero):
``dezero/__init__.py`` imports the package's every module, among them ``utils.py``
(``subprocess``, ``urllib``, a file written and ``dot`` run in ``plot_dot_graph``) and
``datasets.py`` (``gzip``, ``pickle``, ``tarfile``, ``open`` and ``eval`` in loaders of
dataset classes no grading makes). None of that runs when graded, so none of it is held
against the student (``graders.sandbox.dormant``); ``F.sin`` and its kin are found in
``dezero.functions`` (the preset's ``functions``), and reproducers import them from there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.presets import PRESETS, worker_names
from graders.sandbox import policy
from graders.submission import resolve

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT / "tests" / "engines" / "families" / "dezero_final"
#: What the reproduction has none of: its Pow takes a constant exponent only.
LACKS = {"pow_var", "rpow", "sqrt", "tan", "sigmoid", "relu"}
DEZERO = worker_names(PRESETS["dezero"])


def summaries(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


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
    shutil.copytree(REPOSITORY, tmp_path / "repo")
    functions = tmp_path / "repo" / "dezero" / "functions.py"
    text = functions.read_text()
    assert text.count("return gy * -sin(x)") == 1
    functions.write_text(text.replace("return gy * -sin(x)", "return gy * sin(x)"))
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
    script = tmp_path / "repo" / "reproduce.py"
    script.write_text(finding.reproducer)
    done = subprocess.run(
        [sys.executable, script.name], capture_output=True, text=True, cwd=script.parent, timeout=60
    )
    assert done.returncode == 0, f"{finding.reproducer}\n{done.stderr}"
    assert "expected" in done.stdout
