"""``chaingrade batch`` and ``chaingrade grade`` as root, the way a course server runs them.

chaingrade is installed from its wheel into a virtual environment of the system Python;
as root, each worker runs as a uid of its own from a pool (the default pool for batch,
``CHAINGRADE_WORKER_USER`` for grade), so one submission cannot reach another's worker
or the grader. A submission that kills every process it can is graded beside correct
ones, at the same time, and costs them nothing.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from platform_support import (
    READS_THE_SOLUTION,
    ROOT,
    attack_on,
    chaingrade_from,
    clean_environment,
    need_root,
    open_folder,
    system_venv,
    unguarded_copy,
)

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
#: What the engine with a wrong cos (``wrong_cos.py``) earns at 3 examples: the score each
#: attack on the solution honestly gets, unless a violation makes it 0.
GRADE_WRONG_COS = 95

pytestmark = [pytest.mark.slow, pytest.mark.platform]

#: At import and in every backward pass, SIGKILL every process it is allowed to, then
#: record what it killed. Graded with the static policy off, so that it really runs.
KILLER = """
import os, signal
def _kill_everything():
    killed = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
            except OSError:
                pass
    return killed
_kill_everything()
"""

#: Records the uid it runs as.
WHO = """
import os
open("@PROBE@/uid-" + str(os.getpid()), "w").write(str(os.getuid()))
"""


@pytest.fixture(scope="module")
def installed(request):
    need_root()
    return system_venv(request.config)


@pytest.fixture
def unguarded(request) -> Path:
    return unguarded_copy(ASSIGNMENT, open_folder(request.config, "assignment") / "scalar_autodiff")


def test_a_submission_that_kills_everything_costs_the_others_nothing(
    installed, unguarded, tmp_path
):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    solution = SOLUTION.read_text()
    for name in ("alice", "bob", "carol"):
        (submissions / f"{name}.py").write_text(solution)
    (submissions / "mallory.py").write_text(
        KILLER
        + solution.replace(
            "    def backward(self):\n", "    def backward(self):\n        _kill_everything()\n", 1
        )
    )
    out = tmp_path / "out"
    done = chaingrade_from(
        installed,
        "batch",
        submissions,
        "--assignment",
        unguarded,
        "--out",
        out,
        "--examples",
        "5",
        "--jobs",
        "2",
        "--no-progress",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "summary.csv", newline="") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    for name in ("alice", "bob", "carol"):
        assert float(rows[name]["score"]) == 100, (name, rows[name])
    assert rows["mallory"]["status"] == "graded"


@pytest.mark.parametrize(
    "named, uids",
    [("61020-61021", {61020, 61021}), (None, set(range(61000, 61016)))],
    ids=["named", "by-default"],
)
def test_grade_runs_the_worker_as_the_user_named(
    installed, unguarded, request, tmp_path, named, uids
):
    """As root, the pool ``CHAINGRADE_WORKER_USER`` names; unset, the default pool."""
    probe = open_folder(request.config, "probe")
    probe.chmod(0o777)
    submission = tmp_path / "engine.py"
    submission.write_text(WHO.replace("@PROBE@", str(probe)) + SOLUTION.read_text())
    env = clean_environment(CHAINGRADE_WORKER_MAY_WRITE=str(probe))  # Landlock: the probe only
    if named is not None:
        env["CHAINGRADE_WORKER_USER"] = named
    done = chaingrade_from(
        installed,
        "grade",
        submission,
        "--assignment",
        unguarded,
        "--results",
        "-",
        "--examples",
        "3",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"] == 100
    found = {int(p.read_text()) for p in probe.glob("uid-*")}
    assert found and found <= uids


def _honest(data: dict, own: float) -> bool:
    """An attack on the solution (results as Gradescope reads them) scored what its own
    engine earns, with cos charged, or 0 for a policy violation; never 100."""
    outputs = "\n".join(t.get("output", "") for t in data["tests"])
    if data["score"] == 0:
        return "policy violation" in outputs
    return data["score"] == own and "op cos" in outputs


def test_no_route_reads_the_solution_in_a_batch_as_root(installed, unguarded, tmp_path):
    """The assignment given to batch holds its solution, readable by every user (as an
    instructor's checkout is); each attack gets its own engine's score, never 100."""
    solution = unguarded / "solution" / "engine.py"
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "honest.py").write_text(attack_on("wrong_cos.py", solution))
    for attack in READS_THE_SOLUTION:
        (submissions / attack).write_text(attack_on(attack, solution))
    out = tmp_path / "out"
    done = chaingrade_from(
        installed,
        "batch",
        submissions,
        "--assignment",
        unguarded,
        "--out",
        out,
        "--examples",
        "3",
        "--jobs",
        "2",
        "--no-progress",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "summary.csv", newline="") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    own = float(rows["honest"]["score"])
    assert own == GRADE_WRONG_COS
    for attack in READS_THE_SOLUTION:
        name = attack.removesuffix(".py")
        assert rows[name]["status"] == "graded", rows[name]
        assert _honest(json.loads((out / f"{name}.json").read_text()), own), rows[name]


@pytest.mark.parametrize("attack", ["wrong_cos.py", *READS_THE_SOLUTION])
def test_grade_as_root_runs_the_worker_as_another_user_that_reads_no_solution(
    installed, unguarded, tmp_path, attack
):
    """With no CHAINGRADE_WORKER_USER, grade as root runs the worker as a pool member."""
    submission = tmp_path / "engine.py"
    submission.write_text(attack_on(attack, ASSIGNMENT / "solution" / "engine.py"))
    done = chaingrade_from(
        installed,
        "grade",
        submission,
        "--assignment",
        unguarded,
        "--results",
        "-",
        "--examples",
        "3",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert _honest(json.loads(done.stdout), GRADE_WRONG_COS), done.stdout
