"""Gradescope: `chaingrade grade` writes a valid results.json, and the autograder zip that
`chaingrade gradescope` builds runs end to end with its paths moved to temporary folders."""

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from graders.platforms.gradescope import TEST_FIELDS, TOP_LEVEL_FIELDS, validate

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"


def chaingrade(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def buggy_engine(path: Path) -> Path:
    path.write_text(
        SOLUTION.read_text().replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)
    )
    return path


def check_fields(data: dict) -> None:
    """Only the fields Gradescope defines, with the types it expects."""
    assert validate(data) == []
    assert set(data) <= TOP_LEVEL_FIELDS
    assert {"score", "execution_time", "output", "tests"} <= set(data)
    for test in data["tests"]:
        assert set(test) <= TEST_FIELDS
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(
            test
        )
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["number"], str)


def test_grade_writes_gradescope_results_with_partial_credit_and_visibility(tmp_path):
    folder = tmp_path / "assignment"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text().replace(
            'name = "trigonometry"\n', 'name = "trigonometry"\nvisibility = "hidden"\n'
        )
    )
    student = buggy_engine(tmp_path / "engine.py")
    results = tmp_path / "out" / "results.json"
    done = chaingrade(
        "grade", student, "--assignment", folder, "--results", results, "--examples", "5"
    )
    assert done.returncode == 0, done.stderr
    assert "16 / 20" in done.stdout

    data = json.loads(results.read_text())
    check_fields(data)
    tests = {t["name"]: t for t in data["tests"]}
    assert data["score"] == 96 == sum(t["score"] for t in data["tests"])
    assert tests["arithmetic"]["status"] == "failed"
    assert (tests["arithmetic"]["score"], tests["arithmetic"]["max_score"]) == (16, 20)
    assert "step local-derivative, op sub (b)" in tests["arithmetic"]["output"]
    assert tests["powers"]["extra_data"]["cases_digest"]
    assert tests["powers"] | {"number": "", "extra_data": {}} == {
        "name": "powers",
        "number": "",
        "score": 15.0,
        "max_score": 15.0,
        "status": "passed",
        "output": "",
        "visibility": "visible",
        "extra_data": {},
    }
    assert tests["trigonometry"]["visibility"] == "hidden"
    assert "sub" not in data["output"]  # the always-shown output names no part's findings
    finding = data["extra_data"]["findings"][0]
    assert (finding["step"], finding["op"]) == ("local-derivative", "sub")

    to_stdout = chaingrade(
        "grade", student, "--assignment", folder, "--results", "-", "--examples", "5"
    )
    assert json.loads(to_stdout.stdout)["tests"] == data["tests"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere.py"], "no such file or folder: nowhere.py"),
        (
            [str(SOLUTION), "--assignment", "no_such_assignment"],
            "no assignment 'no_such_assignment'",
        ),
        ([str(SOLUTION), "--examples", "0"], "--examples must be at least 1"),
    ],
)
def test_grade_usage_errors_are_clean(args, message):
    done = chaingrade("grade", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_rejects_fields_gradescope_does_not_define():
    good = {"score": 1, "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "passed"}]}
    assert validate(good) == []
    assert validate({**good, "max_score": 3}) == ["unknown top-level field 'max_score'"]
    bad_test = {"tests": [{"name": "a", "findings": [], "status": "ok", "score": "1"}]}
    assert validate(bad_test) == [
        "tests[0]: unknown field 'findings'",
        "tests[0]: score must be a number",
        "tests[0]: status must be one of ('passed', 'failed')",
    ]


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    """The autograder zip, built by the command, unpacked as Gradescope unpacks it."""
    root = tmp_path_factory.mktemp("autograder")
    archive = root / "autograder.zip"
    done = chaingrade(
        "gradescope",
        "scalar_autodiff",
        "-o",
        archive,
        "--examples",
        "5",
        "--python",
        f"{sys.version_info.major}.{sys.version_info.minor}",
    )
    assert done.returncode == 0, done.stderr
    source = root / "source"
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():  # zipfile drops modes; Gradescope keeps them
            z.extract(info, source)
            (source / info.filename).chmod(info.external_attr >> 16 & 0o777)
    return source


def test_the_zip_holds_the_scripts_pinned_requirements_and_no_solution(autograder):
    names = sorted(str(p.relative_to(autograder)) for p in autograder.rglob("*") if p.is_file())
    wheel = [n for n in names if n.endswith(".whl")]
    assert len(wheel) == 1 and wheel[0].startswith("chaingrade-")
    assert {
        "setup.sh",
        "run_autograder",
        "requirements.txt",
        "pytest.ini",
        "grading_seed",
        "assignment/assignment.toml",
        "assignment/test_engine.py",
    } <= set(names)
    assert (autograder / "grading_seed").stat().st_mode & 0o777 == 0o600  # root's alone
    assert (autograder / "grading_seed").read_text().strip().isdigit()
    assert not [n for n in names if "solution" in n or "starter" in n]
    for script in ("setup.sh", "run_autograder"):
        assert (autograder / script).stat().st_mode & stat.S_IXUSR
        assert subprocess.run(["bash", "-n", autograder / script]).returncode == 0
    pins = [
        line
        for line in (autograder / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all("==" in line for line in pins)
    assert {p.split("==")[0] for p in pins} >= {"hypothesis", "numpy", "mygrad", "pytest"}
    assert not {p.split("==")[0] for p in pins} & {"dask", "distributed", "matplotlib"}
    setup = (autograder / "setup.sh").read_text()
    assert "-r requirements.txt" in setup and f"--no-deps ./{wheel[0]}" in setup
    run = (autograder / "run_autograder").read_text()
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1" in run and "-p graders.platforms.pytest_plugin" in run
    assert "-I -m pytest" in run and "CHAINGRADE_WORKER_USER" in run
    assert "--grading-seed-file" in run and "--grading-seed " not in run


def test_the_wheel_installs_and_carries_the_plugin_entry_point(autograder, tmp_path):
    wheel = next(autograder.glob("*.whl"))
    target = tmp_path / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            target,
            "--quiet",
            wheel,
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "graders" / "platforms" / "pytest_plugin.py").is_file()
    info = next(target.glob("chaingrade-*.dist-info"))
    assert "chaingrade = graders.platforms.pytest_plugin" in (info / "entry_points.txt").read_text()
    # Import it from there, not from this checkout (-S skips the editable install's hook).
    code = (
        f"import sys; sys.path[:0] = [{str(target)!r}, {sysconfig.get_paths()['purelib']!r}]; "
        "import graders.platforms.pytest_plugin as p; print(p.__file__)"
    )
    probe = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True)
    assert probe.stdout.strip() == str(target / "graders" / "platforms" / "pytest_plugin.py"), (
        probe.stderr
    )


def run_autograder(source: Path, root: Path, **env) -> dict:
    environment = {
        **os.environ,
        "CHAINGRADE_AUTOGRADER": str(root),
        "CHAINGRADE_SOURCE": str(source),
        "CHAINGRADE_PYTHON": sys.executable,
        **env,
    }
    done = subprocess.run(
        ["bash", source / "run_autograder"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    check_fields(data)
    return data


def test_run_autograder_grades_only_the_submission_file(autograder, tmp_path):
    nested = tmp_path / "submission" / "my-repo"
    nested.mkdir(parents=True)
    buggy_engine(nested / "engine.py")
    # Files a student might add to take over pytest: none of them may be used.
    ran = tmp_path / "ran"
    ran.mkdir()
    (nested / "conftest.py").write_text(f"open({str(ran / 'nested')!r}, 'w').close()\n")
    (nested / "pytest.ini").write_text("[pytest]\naddopts = -p no_such_plugin\n")
    (tmp_path / "submission" / "conftest.py").write_text(
        f"open({str(ran / 'top')!r}, 'w').close()\n"
    )
    # A trial as the calling user (an empty CHAINGRADE_USER); running the worker as another
    # user is tested with the system Python in test_gradescope_platform.py.
    data = run_autograder(autograder, tmp_path, CHAINGRADE_USER="")
    assert data["score"] == 96
    assert {t["name"]: t["score"] for t in data["tests"]}["arithmetic"] == 16
    assert list(ran.iterdir()) == []


def test_run_autograder_without_the_file_gives_zero_and_says_why(autograder, tmp_path):
    (tmp_path / "submission").mkdir()
    # No engine to grade: neither file defines a leaf (one file alone would be graded).
    (tmp_path / "submission" / "Engine.py").write_text("x = 1.0\n")
    (tmp_path / "submission" / "plots.py").write_text("y = 2.0\n")
    data = run_autograder(autograder, tmp_path, CHAINGRADE_USER="no-such-user")
    assert data["score"] == 0
    assert "cannot be graded as handed in: no engine.py" in data["output"]
    assert "found Engine.py: names are case-sensitive" in data["output"]
    assert sum(t["max_score"] for t in data["tests"]) == 100


def test_gradescope_usage_errors_are_clean(tmp_path):
    done = chaingrade("gradescope", "no_such_assignment", "-o", tmp_path / "a.zip")
    assert done.returncode == 2 and "no assignment" in done.stderr
    assert "Traceback" not in done.stderr
    done = chaingrade(
        "gradescope", "scalar_autodiff", "--user", "Robert'); DROP", "-o", tmp_path / "a.zip"
    )
    assert done.returncode == 2 and "not a valid user name" in done.stderr


def test_a_long_private_seed_is_blanked_a_short_one_is_left_and_warned_about(capsys):
    from graders.platforms import options
    from graders.results import Finding, Report

    report = Report("a", "engine.py", [], [Finding("error", "seed 1234567 and shape (1, 2)")])
    assert "seed [redacted] and shape (1, 2)" in report.redacted("1234567").findings[0].message
    # A seed of 1 is in every report's numbers: blanking it garbled "(1, 2)" and said which.
    assert report.redacted("1").findings[0].message == "seed 1234567 and shape (1, 2)"
    os.environ[options.SEED_VARIABLE] = "7"
    try:
        assert options.grading_seed(None) == 7
    finally:
        del os.environ[options.SEED_VARIABLE]
    assert "short enough to guess" in capsys.readouterr().err
