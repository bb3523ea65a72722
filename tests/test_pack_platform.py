"""The student pack, the way a student gets it: built by ``chaingrade release``, copied
away from this checkout, installed into a fresh virtual environment of the system Python
from the pack alone (chaingrade from its own wheel, never this checkout), and checked
with the pack's own commands. Then its Classroom workflow, step by step, against the
Gradescope score for the same engines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from platform_support import ROOT, SYSTEM_PYTHON, clean_environment, need_root, open_folder

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
ENGINES = ROOT / "tests" / "engines"
#: The forward kind's assignments: the student's file, a correct engine and a one-bug one
#: in the assignment's own API, and what ``check`` says of the one-bug one (95 in all, as
#: Gradescope and batch give it).
FORWARD_CASES = {
    "forward_autodiff": (
        "dual.py",
        ENGINES / "forward" / "correct" / "dual_class.py",
        ENGINES / "forward" / "buggy" / "sin_upstream.py",
        ["step upstream, op sin (a)", "trigonometry           10 / 15"],
    ),
    "functional_autodiff": (
        "autodiff.py",
        ROOT / "assignments" / "functional_autodiff" / "solution" / "autodiff.py",
        ENGINES / "functional" / "buggy" / "closure_exp_upstream.py",
        ["step upstream, op exp (a)", "exponentials and logs  10 / 15"],
    ),
}
GRADER = "classroom-resources/autograding-command-grader@v1"

pytestmark = [pytest.mark.slow, pytest.mark.platform]


def install_pack(request, assignment: str):
    """``assignment``'s pack installed as a student installs it: its folder and its venv's
    bin."""
    work = open_folder(request.config, "pack")
    built = work / "built"
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "release", assignment, "-o", built],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    student = work / "student"
    shutil.copytree(built, student)  # the student's copy: nothing points back here
    venv = work / "venv"
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
        cwd=student,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return student, venv / "bin"


@pytest.fixture(scope="module")
def pack(request):
    """The scalar_autodiff pack installed as a student installs it."""
    return install_pack(request, "scalar_autodiff")


@pytest.fixture(scope="module", params=list(FORWARD_CASES))
def forward_pack(request):
    """A pack of the forward kind (forward_autodiff's dual.py, functional_autodiff's
    autodiff.py), installed the same way, in a venv of its own: its name too."""
    return (request.param, *install_pack(request, request.param))


def run(bin_: Path, command: list[str], cwd: Path, timeout: float = 600):
    env = clean_environment(PATH=f"{bin_}:/usr/local/bin:/usr/bin:/bin")
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_pack_installs_from_itself_and_checks_the_starter_and_the_solution(pack, tmp_path):
    student, bin_ = pack
    where = run(bin_, ["python", "-c", "import graders; print(graders.__file__)"], student)
    assert where.stdout.startswith(str(bin_.parent)), where.stdout  # from the wheel, not here
    readme = (student / "README.md").read_text()
    assert readme.startswith("# Getting started")
    assert "pip install -r requirements.txt" in readme and "chaingrade check engine.py" in readme

    starter = run(bin_, ["chaingrade", "check", "engine.py"], student)
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "step missing" in starter.stdout and "public seed" in starter.stdout

    finished = tmp_path / "finished"
    shutil.copytree(student, finished)
    shutil.copy(SOLUTION, finished / "engine.py")
    solved = run(bin_, ["chaingrade", "check", "engine.py"], finished)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "100 / 100" in solved.stdout
    tests = run(
        bin_,
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--examples", "5"],
        finished,
    )
    assert tests.returncode == 0 and "6 passed" in tests.stdout, tests.stdout


def classroom_total(bin_: Path, folder: Path) -> float:
    """Run every step of the pack's workflow as Classroom does: the points of those that
    pass."""
    workflow = yaml.safe_load((folder / ".github/workflows/classroom.yml").read_text())
    (job,) = workflow["jobs"].values()
    steps = [s["with"] for s in job["steps"] if s.get("uses") == GRADER]

    def passed(step) -> float:
        done = run(bin_, ["bash", "-c", step["command"]], folder)
        return float(step["max-score"]) if done.returncode == 0 else 0.0

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(passed, steps))


def gradescope_score(bin_: Path, folder: Path, submission: str = "engine.py") -> float:
    done = run(bin_, ["chaingrade", "grade", submission, "--results", "-"], folder)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["score"]


@pytest.mark.parametrize("engine", ["correct", "partly correct", "broken"])
def test_classroom_steps_add_up_to_the_gradescope_score(pack, tmp_path, engine):
    student, bin_ = pack
    folder = tmp_path / "repo"
    shutil.copytree(student, folder)
    text = SOLUTION.read_text()
    if engine == "partly correct":  # d/dy (x - y) = +1, and sin's derivative is cos(x) + 1
        text = text.replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)
        text = text.replace(
            "return _unary(x, math.sin(x.data), math.cos(x.data))",
            "return _unary(x, math.sin(x.data), math.cos(x.data) + 1)",
            1,
        )
    elif engine == "broken":  # no seed: every gradient stays 0
        text = text.replace("self.grad = 1.0", "self.grad = 0.0", 1)
    (folder / "engine.py").write_text(text)
    total = classroom_total(bin_, folder)
    assert total == gradescope_score(bin_, folder)
    assert {"correct": 100, "partly correct": 91, "broken": 0}[engine] == total


def test_the_forward_kinds_pack_installs_from_itself_and_checks_starter_and_solution(
    forward_pack, tmp_path
):
    """The student's file to write, the README saying so, no solution; the pack's own
    chaingrade names the starter's missing ops and gives the solution full marks."""
    name, student, bin_ = forward_pack
    submission = FORWARD_CASES[name][0]
    assignment = ROOT / "assignments" / name
    where = run(bin_, ["python", "-c", "import graders; print(graders.__file__)"], student)
    assert where.stdout.startswith(str(bin_.parent)), where.stdout  # from the wheel, not here
    assert not any("solution" in p.as_posix() for p in student.rglob("*"))
    starter_text = (assignment / "starter" / submission).read_text()
    assert (student / submission).read_text() == starter_text
    assert f"chaingrade check {submission}" in (student / "README.md").read_text()

    starter = run(bin_, ["chaingrade", "check", submission], student)
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "step missing, op exp" in starter.stdout and "public seed" in starter.stdout

    finished = tmp_path / "finished"
    shutil.copytree(student, finished)
    shutil.copy(assignment / "solution" / submission, finished / submission)
    solved = run(bin_, ["chaingrade", "check", submission], finished)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "100 / 100" in solved.stdout
    tests = run(
        bin_,
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--examples", "5"],
        finished,
    )
    assert tests.returncode == 0 and "6 passed" in tests.stdout, tests.stdout


@pytest.mark.parametrize("engine", ["correct", "one bug"])
def test_forward_kind_classroom_steps_add_up_to_the_gradescope_score(
    forward_pack, tmp_path, engine
):
    """Per student, Classroom's steps (one per op: for the one-bug engine its op's alone
    fails) give what Gradescope gives: 100 and 95, as tests/test_gradescope_platform.py
    and tests/test_batch_platform.py see them."""
    name, student, bin_ = forward_pack
    submission, correct, buggy, said = FORWARD_CASES[name]
    folder = tmp_path / "repo"
    shutil.copytree(student, folder)
    shutil.copy(correct if engine == "correct" else buggy, folder / submission)
    score = 100 if engine == "correct" else 95
    assert classroom_total(bin_, folder) == score
    assert gradescope_score(bin_, folder, submission) == score
    if engine == "one bug":
        check = run(bin_, ["chaingrade", "check", submission], folder)
        assert check.returncode == 1, check.stdout + check.stderr
        assert all(line in check.stdout for line in said), check.stdout


def test_a_pack_with_its_wheels_installs_and_checks_with_the_network_cut(request):
    need_root()  # a network namespace of its own (`unshare --net`) needs root
    work = open_folder(request.config, "offline-pack")
    built = work / "built"
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "release", "scalar_autodiff"]
        + ["-o", str(built), "--wheelhouse"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert "--no-index" in (built / "requirements.txt").read_text().splitlines()
    assert "no network needed" in (built / "README.md").read_text()
    student = work / "student"
    shutil.copytree(built, student)
    venv = work / "venv"
    # No network, no pip configuration (this machine's points at local wheel folders and
    # indexes), no environment variable that names one: only what the pack carries.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "PIP_CONFIG_FILE": os.devnull}

    def offline(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["unshare", "--net", "--", "sh", "-c", command],
            cwd=student,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    cut = offline(f"{SYSTEM_PYTHON} -m pip download --no-deps --retries 0 --timeout 5 -d x tomli-w")
    assert cut.returncode != 0  # the network really is cut: the index cannot be reached
    install = offline(
        f"{SYSTEM_PYTHON} -m venv {venv} && {venv}/bin/pip install --disable-pip-version-check "
        "--quiet -r requirements.txt"
    )
    assert install.returncode == 0, install.stdout + install.stderr
    starter = offline(f"{venv}/bin/chaingrade check engine.py")
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "step missing" in starter.stdout
    graphs = offline(f"{venv}/bin/python -c 'import matplotlib, networkx'")
    assert graphs.returncode == 0, graphs.stderr  # the page's graphs come with the pack


def test_with_no_index_to_reach_a_wheelhouse_pack_is_one_line_and_nothing_left(request):
    need_root()  # a network namespace of its own (`unshare --net`) needs root
    work = open_folder(request.config, "no-index-pack")
    env = {
        **clean_environment(),
        "PIP_CONFIG_FILE": os.devnull,  # not this machine's local wheel folders either
        "PIP_RETRIES": "0",
    }
    env = {k: v for k, v in env.items() if k not in ("PIP_FIND_LINKS", "PIP_INDEX_URL")}
    done = subprocess.run(
        ["unshare", "--net", "--", sys.executable, "-m", "graders.platforms.cli", "release"]
        + ["scalar_autodiff", "-o", str(work / "pack"), "--wheelhouse"],
        capture_output=True,
        text=True,
        timeout=900,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "pip needs to reach a package index" in done.stderr
    assert "usage:" not in done.stderr and "Traceback" not in done.stderr
    assert not (work / "pack").exists()  # no half-made pack that would not install
