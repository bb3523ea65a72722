"""functional_autodiff on the student's and the instructor's paths: ``chaingrade check``
(the starter), ``chaingrade grade`` (a one-bug engine into results.json) in
subprocesses, and the pytest plugin in a pytest subprocess."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "functional_autodiff"
BUGGY = ROOT / "tests" / "engines" / "functional" / "buggy"


def chaingrade(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_the_starter_names_each_missing_op_and_earns_only_its_add():
    done = chaingrade(
        "check", ASSIGNMENT / "starter" / "autodiff.py", "--assignment", "functional_autodiff"
    )
    assert done.returncode == 1, done.stderr
    assert "total                  4 / 100" in done.stdout
    assert "step missing, op exp" in done.stdout
    assert "from autodiff import grad" in done.stdout


def test_grade_writes_results_json_with_the_bug_and_the_tape_api(tmp_path):
    """A tape engine with autograd's grad(fun, argnum) under --api autograd: the part
    with the bug loses its op's share, and the reproducer calls grad(f, i)."""
    student = tmp_path / "autodiff.py"
    shutil.copy(BUGGY / "tape_tanh_local_derivative.py", student)
    results = tmp_path / "results.json"
    done = chaingrade(
        "grade",
        student,
        "--assignment",
        "functional_autodiff",
        "--api",
        "autograd",
        "--examples",
        "2",
        "--results",
        results,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    tests = {t["name"]: t for t in json.loads(results.read_text())["tests"]}
    activations = next(t for name, t in tests.items() if "activations" in name)
    assert activations["score"] == 10.0
    assert "step local-derivative, op tanh" in activations["output"]
    assert "grad(f, 0)(" in activations["output"]
    assert all(t["score"] == t["max_score"] for t in tests.values() if t is not activations)


def test_the_pytest_plugin_grades_each_part(pytester):
    shutil.copy(ASSIGNMENT / "assignment.toml", pytester.path / "assignment.toml")
    shutil.copy(ASSIGNMENT / "test_functional_autodiff.py", pytester.path)
    (pytester.path / "solution").mkdir()
    shutil.copy(ASSIGNMENT / "solution" / "autodiff.py", pytester.path / "solution" / "autodiff.py")
    student = pytester.path / "student.py"
    shutil.copy(BUGGY / "closure_exp_upstream.py", student)
    done = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--submission", str(student), "--examples", "4", timeout=600
    )
    done.assert_outcomes(passed=5, failed=1)
    assert "exponentials and logs: 10 / 15 points" in done.stdout.str()
    assert "step upstream, op exp" in done.stdout.str()
