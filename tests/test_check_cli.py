"""`chaingrade check`: the student's one command, end to end in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"
STARTER = ROOT / "assignments" / "scalar_autodiff" / "starter" / "engine.py"
FINDING_FIELDS = {"step", "op", "argument", "node", "expected", "actual", "rule", "reproducer"}


def check(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_no_arguments_grades_the_bundled_solution_with_full_marks(tmp_path):
    done = check(cwd=tmp_path)  # from anywhere, not only the repository
    assert done.returncode == 0, done.stderr
    assert "total                  100 / 100" in done.stdout
    assert "No findings" in done.stdout


def test_json_report_has_the_documented_fields(tmp_path):
    buggy = tmp_path / "engine.py"
    buggy.write_text(
        SOLUTION.read_text().replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)
    )
    done = check(buggy, "--json", "--examples", "10")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["max_score"] == 100 and report["score"] < 100
    assert {t["name"] for t in report["tests"]} >= {"arithmetic", "chain-rule machinery"}
    assert all({"name", "score", "max_score"} <= set(t) for t in report["tests"])
    finding = report["findings"][0]
    assert FINDING_FIELDS <= set(finding)
    assert (finding["step"], finding["op"], finding["argument"]) == ("local-derivative", "sub", 1)
    compile(finding["reproducer"], "reproducer", "exec")


def test_the_starter_scores_zero_and_names_missing_ops():
    done = check(STARTER, "--examples", "5")
    assert done.returncode == 1
    assert "total                  0 / 100" in done.stdout
    assert "step missing, op exp" in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere/engine.py"], "no such file"),
        (["--assignment", "no_such_assignment"], "no assignment 'no_such_assignment'"),
        (["--examples", "0"], "--examples must be at least 1"),
        (["--api", "tensorflow"], "unknown API preset 'tensorflow'"),
    ],
)
def test_usage_errors_are_one_clear_line_not_a_traceback(args, message):
    done = check(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_machine_that_cannot_grade_says_so_without_a_usage_line():
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "CHAINGRADE_WORKER_USER": "no-such-user-of-chaingrade"},
    )
    assert done.returncode == 3
    assert done.stderr.startswith("chaingrade: cannot grade here: ")
    assert "no user 'no-such-user-of-chaingrade'" in done.stderr
    assert "usage:" not in done.stderr and "Traceback" not in done.stderr


def test_a_syntax_error_is_reported_as_a_finding(tmp_path):
    broken = tmp_path / "engine.py"
    broken.write_text("def tensor(x):\n    return x +\n")
    done = check(broken)
    assert done.returncode == 1
    assert "step error" in done.stdout and "syntax error" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_reader_that_leaves_early_is_no_error():
    # `chaingrade policy | head -1`: the pipe closes while chaingrade still writes.
    reader = subprocess.Popen(
        [sys.executable, "-m", "graders.platforms.cli", "policy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "80"},
    )
    reader.stdout.read(1)
    reader.stdout.close()  # as `head` does once it has its line
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=300) == 0
    assert "Broken pipe" not in stderr and "usage:" not in stderr, stderr
