"""forward_autodiff on the student's paths: ``chaingrade check`` in a subprocess (the
starter, a one-bug engine as JSON) and the pytest plugin in a pytest subprocess."""

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

from graders.assignment import load
from graders.grading import grade
from graders.sandbox.policy import Policy

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "forward_autodiff"
BUGGY = ROOT / "tests" / "engines" / "forward" / "buggy"


def check(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_the_starter_names_each_missing_op_and_earns_only_its_add():
    done = check(ASSIGNMENT / "starter" / "dual.py", "--assignment", "forward_autodiff")
    assert done.returncode == 1, done.stderr
    assert "total                  4 / 100" in done.stdout
    assert "step missing, op exp" in done.stdout
    assert "the chain rule could not be tested" in done.stdout


def test_check_json_names_the_bug_with_a_reproducer(tmp_path):
    student = tmp_path / "dual.py"
    shutil.copy(BUGGY / "div_quotient_sign.py", student)
    done = check(
        student, "--assignment", "forward_autodiff", "--api", "auto", "--json", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 96.0
    (finding,) = report["findings"]
    assert (finding["step"], finding["op"], finding["argument"]) == ("local-derivative", "div", 1)
    assert "from dual import AutoDiff" in finding["reproducer"]
    assert ".der" in finding["reproducer"]


def test_the_pytest_plugin_grades_each_part(pytester):
    shutil.copy(ASSIGNMENT / "assignment.toml", pytester.path / "assignment.toml")
    shutil.copy(ASSIGNMENT / "test_forward_autodiff.py", pytester.path)
    (pytester.path / "solution").mkdir()
    shutil.copy(ASSIGNMENT / "solution" / "dual.py", pytester.path / "solution" / "dual.py")
    student = pytester.path / "student.py"
    shutil.copy(BUGGY / "sin_upstream.py", student)
    done = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--submission", str(student), "--examples", "4", timeout=600
    )
    done.assert_outcomes(passed=5, failed=1)
    assert "trigonometry: 10 / 15 points" in done.stdout.str()
    assert "step upstream, op sin" in done.stdout.str()


def test_a_lazy_forbidden_import_in_one_op_zeroes_every_part(tmp_path):
    """exp imports torch only when it runs (the static policy off, as the hostile
    engines are run): every part's worker runs every op once, so every part sees it."""
    task = dataclasses.replace(load("forward_autodiff"), policy=Policy(enabled=False))
    student = tmp_path / "dual.py"
    student.write_text(
        (ASSIGNMENT / "solution" / "dual.py").read_text()
        + "\n\n_exp = exp\n\n\ndef exp(x):\n"
        + "    try:\n        __import__('torch')\n    except ImportError:\n        pass\n"
        + "    return _exp(x)\n"
    )
    report = grade(task, student, examples=2)
    assert report.score == 0
    assert all(
        r.findings[0].message.startswith("policy violation: imports torch") for r in report.parts
    )
