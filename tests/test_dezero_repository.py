"""A DeZero repository graded as handed in: the package ``dezero/`` beside ``steps/``.

``engines/families/dezero_repository/`` reproduces the book's layout after step 23 (family:
DeZero): a step script that puts the repository on the import path and imports ``from
dezero import Variable``, a package whose ``__init__.py`` picks its core by a module
flag, and a core whose ``using_config`` reads ``getattr(Config, name)``. The student's
package beside the entry's folder is theirs (copied, allowed by the policy), the branch
the flag never takes is not copied, and the correct engine earns every op it has, at
every seed, whether the step script or the package is graded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_dezero_final import with_one_bug

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.sandbox import policy
from graders.submission import resolve

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT / "tests" / "engines" / "families" / "dezero_repository"
#: What the simple core has none of (``pow`` takes a constant exponent only).
LACKS = {"pow_var", "rpow", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu"}


def summaries(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


def test_the_step_script_takes_the_package_beside_its_folder():
    handed = resolve(REPOSITORY, leaves=("Variable",), chosen="steps/step23.py")
    assert handed.module == "step23"
    assert set(handed.files) == {"step23.py", "dezero/__init__.py", "dezero/core_simple.py"}
    assert handed.label("dezero/core_simple.py") == "dezero/core_simple.py"
    assert handed.label("step23.py") == "steps/step23.py"
    assert any("also copied: dezero/ from the folder around steps/" in n for n in handed.notes)


def test_the_branch_a_module_flag_never_takes_is_not_copied(tmp_path):
    """``is_simple_core = True``: the full core's imports (a file reader) never run."""
    shutil.copytree(REPOSITORY, tmp_path / "repo")
    package = resolve(tmp_path / "repo", leaves=("Variable",), chosen="dezero")
    assert "dezero/datasets.py" not in package.files
    init = tmp_path / "repo" / "dezero" / "__init__.py"
    text = init.read_text()
    init.write_text(text.replace("is_simple_core = True", "is_simple_core = False"))
    full = resolve(tmp_path / "repo", leaves=("Variable",), chosen="dezero")
    assert "dezero/datasets.py" in full.files  # the other branch, now taken


def test_the_entry_folders_own_module_wins_over_one_around_it(tmp_path):
    shutil.copytree(REPOSITORY, tmp_path / "repo")
    own = tmp_path / "repo" / "steps" / "dezero.py"
    own.write_text("Variable = None\n")
    handed = resolve(tmp_path / "repo", leaves=("Variable",), chosen="steps/step23.py")
    assert "dezero.py" in handed.files and "dezero/__init__.py" not in handed.files


@pytest.mark.parametrize(
    "source, allowed",
    [
        ("class Config:\n    a = 1\ndef f(name):\n    return getattr(Config, name)\n", True),
        # the name is rebound, taken as a parameter, or the class is another object's
        (
            "class Config:\n    a = 1\nConfig = object\ndef f(n):\n    return getattr(Config, n)\n",
            False,
        ),
        ("class Config:\n    a = 1\ndef f(n, Config):\n    return getattr(Config, n)\n", False),
        ("class C:\n    a = 1\ndef f(n):\n    return getattr(getattr(C, n), n)\n", False),
        (
            "class C:\n    a = 1\ndef f(n):\n    try:\n        pass\n    except E as C:\n"
            "        pass\n    return getattr(C, n)\n",
            False,
        ),
    ],
)
def test_a_computed_getattr_reads_only_the_files_own_class(source, allowed):
    found = policy.check({"core.py": source}, policy.Policy())
    assert (found == []) == allowed, found


def test_the_package_passes_the_policy_as_copied():
    handed = resolve(REPOSITORY, leaves=("Variable",), chosen="steps/step23.py")
    assert policy.check(handed.texts(), policy.Policy()) == []


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["steps/step23.py", "dezero"])
def test_the_correct_repository_earns_every_op_it_has_at_every_seed(entry):
    assignment = load("scalar_autodiff", api="dezero", entry=entry)
    for seed in (None, 1, 2, 3, 4, 5):
        report = EngineGrader(assignment, REPOSITORY, grading_seed=seed, examples=4).grade()
        charged = [f for f in report.findings if f.step != "missing"]
        assert charged == [], (seed, summaries(report))
        assert {f.op for f in report.findings} == LACKS, (seed, summaries(report))
        scores = {p.part.name: p.score for p in report.parts}
        assert scores["arithmetic"] == scores["chain-rule machinery"] == 20, scores


@pytest.mark.slow
def test_a_bug_in_the_package_is_charged_to_its_op_alone_at_every_seed(tmp_path):
    with_one_bug(
        REPOSITORY,
        tmp_path,
        "dezero/core_simple.py",
        "return gy * x1, gy * x0",
        "return gy * x1, gy * x1",
    )
    assignment = load("scalar_autodiff", api="dezero", entry="steps/step23.py")
    verdicts = set()
    for seed in range(1, 7):
        report = EngineGrader(assignment, tmp_path / "repo", grading_seed=seed, examples=4).grade()
        charged = {f.identity for f in report.findings if f.step != "missing"}
        assert {(step, op) for step, op, _ in charged} == {("local-derivative", "mul")}, (
            seed,
            summaries(report),
        )
        assert any("dezero/core_simple.py" in str(f.where) for f in report.findings), seed
        verdicts.add(frozenset(charged))
    assert len(verdicts) == 1, verdicts
