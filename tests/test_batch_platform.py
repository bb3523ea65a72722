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
    ROOT,
    chaingrade_from,
    clean_environment,
    need_root,
    open_folder,
    system_venv,
    unguarded_copy,
)

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"

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


def test_grade_runs_the_worker_as_the_user_named(installed, unguarded, request, tmp_path):
    probe = open_folder(request.config, "probe")
    probe.chmod(0o777)
    submission = tmp_path / "engine.py"
    submission.write_text(WHO.replace("@PROBE@", str(probe)) + SOLUTION.read_text())
    env = clean_environment(CHAINGRADE_WORKER_USER="61020-61021")
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
    uids = {int(p.read_text()) for p in probe.glob("uid-*")}
    assert uids and uids <= {61020, 61021}
