"""`chaingrade batch` end to end: real subprocesses, a local pool and a real Dask
LocalCluster; a hanging, a crashing and an attacking submission cost only their own
results; a re-run skips what is graded."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from platform_support import unguarded_copy

from graders.assignment import load
from graders.platforms import batch
from graders.platforms.gradescope import validate

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"

# Overwrites every results file in the batch's --out folder it can find, again and again
# (only this test's: other tests' batches may run at the same time under pytest -n).
ATTACK = """
import glob, os
def _attack():
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            args = open(cmdline, "rb").read().decode().split("\\0")
        except OSError:
            continue
        if "--out" in args and args[args.index("--out") + 1].startswith("@HERE@"):
            out = args[args.index("--out") + 1]
            for path in glob.glob(os.path.join(out, "*.json")):
                try:
                    open(path, "w").write('{"score": 100, "tests": []}')
                except OSError:
                    pass
_attack()
"""


def chaingrade(*args, timeout=300):
    """``chaingrade`` from this checkout's venv, as the calling user: batch logic only. (As
    root, workers run as a pool of users; that is test_batch_platform.py, with a Python
    those users can run.)"""
    env = {**os.environ, "CHAINGRADE_WORKER_USER": ""}
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def buggy(text: str) -> str:
    return text.replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)


@pytest.fixture
def unguarded(tmp_path) -> Path:
    """The assignment with its static policy off, so the attacks below really run and the
    run-time isolation is what stops them."""
    return unguarded_copy(ASSIGNMENT, tmp_path / "assignment")


@pytest.fixture
def submissions(tmp_path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    solution = SOLUTION.read_text()
    (folder / "alice.py").write_text(solution)
    (folder / "bob" / "src").mkdir(parents=True)  # a folder, the file deeper inside
    (folder / "bob" / "src" / "engine.py").write_text(buggy(solution))
    (folder / "carol.py").write_text("while True:\n    pass\n")  # hangs on import
    (folder / "dave.py").write_text("import os\nos._exit(3)\n")  # its worker dies
    (folder / "eve.py").write_text(
        ATTACK.replace("@HERE@", str(tmp_path))
        + solution.replace(
            "    def backward(self):\n", "    def backward(self):\n        _attack()\n", 1
        )
    )
    (folder / "frank").mkdir()  # no engine.py at all
    (folder / "notes.txt").write_text("not a submission")
    return folder


def scores(out: Path) -> dict[str, float]:
    with open(out / "summary.csv", newline="") as f:
        return {
            row["name"]: float(row["score"])
            for row in csv.DictReader(f)
            if row["status"] != "skipped"
        }


def passed_over(out: Path) -> dict[str, str]:
    with open(out / "summary.csv", newline="") as f:
        return {row["name"]: row["note"] for row in csv.DictReader(f) if row["status"] == "skipped"}


def test_local_batch_isolates_each_submission_and_skips_on_rerun(submissions, unguarded, tmp_path):
    hanging = submissions / "carol.py"
    hanging.rename(tmp_path / "carol.py")  # graded later, with a short --timeout
    out = tmp_path / "out"
    done = chaingrade(
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
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 graded, 0 already graded, 0 could not be graded" in done.stdout
    assert "chaingrade batch" in done.stderr and "5/5" in done.stderr  # the progress bar

    # A re-run grades only what is new: here a submission that hangs, and is stopped.
    (tmp_path / "carol.py").rename(hanging)
    again = chaingrade(
        "batch",
        submissions,
        "--assignment",
        unguarded,
        "--out",
        out,
        "--examples",
        "5",
        "--timeout",
        "5",
        "--no-progress",
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 graded, 5 already graded" in again.stdout
    # Eve reads other processes' /proc entries: a policy violation, so 0 (and nothing else).
    expected = {"alice": 100, "bob": 96, "carol": 0, "dave": 0, "eve": 0, "frank": 0}
    assert scores(out) == expected

    results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(results) == set(expected)
    for name, data in results.items():
        assert validate(data) == [], name
        assert data["score"] == expected[name]  # eve's attack changed nothing on disk
    status = {n: d["extra_data"]["batch"]["status"] for n, d in results.items()}
    assert status == {
        "alice": "graded",
        "bob": "graded",
        "carol": "timeout",
        "dave": "graded",
        "eve": "graded",
        "frank": "missing",
    }
    assert "longer than 5 s" in results["carol"]["output"]
    # Each result and page names the submission as it is in the folder, not engine.py.
    assert results["alice"]["extra_data"]["submission"] == "alice.py"
    assert "graded alice.py in" in results["alice"]["output"]
    assert "<title>chaingrade: alice.py, " in (out / "alice.html").read_text()
    assert results["bob"]["extra_data"]["submission"] == "bob"
    assert "(another process)" in json.dumps(results["eve"])
    with open(out / "summary.csv", newline="") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    assert rows["bob"]["wrong_steps"] == "local-derivative sub (b)"
    assert rows["bob"]["arithmetic"] == "16.0" and rows["bob"]["max_score"] == "100.0"
    assert rows["dave"]["wrong_steps"].startswith("error")
    assert passed_over(out) == {
        "notes.txt": "not a submission (neither a Python file, a notebook nor a folder)"
    }
    assert "skipped: notes.txt" in done.stdout
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A changed submission is graded again.
    (submissions / "alice.py").write_text(buggy(SOLUTION.read_text()))
    third = chaingrade(
        "batch",
        submissions,
        "--assignment",
        unguarded,
        "--out",
        out,
        "--examples",
        "5",
        "--no-progress",
    )
    assert "1 graded, 5 already graded" in third.stdout
    assert scores(out) == {**expected, "alice": 96}


@pytest.mark.slow  # a local Dask cluster and two batches: about 25 CPU seconds
def test_dask_local_cluster_gives_the_same_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "good.py").write_text(SOLUTION.read_text())
    (folder / "bad.py").write_text(buggy(SOLUTION.read_text()))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        done = chaingrade(
            "batch",
            folder,
            "--out",
            tmp_path / "dask",
            "--examples",
            "5",
            "--scheduler",
            cluster.scheduler_address,
            "--no-progress",
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 graded" in done.stdout
    assert scores(tmp_path / "dask") == {"bad": 96, "good": 100}
    local = chaingrade(
        "batch", folder, "--out", tmp_path / "local", "--examples", "5", "--no-progress"
    )
    assert local.returncode == 0
    for name in ("good", "bad"):
        on_dask = json.loads((tmp_path / "dask" / f"{name}.json").read_text())
        on_pool = json.loads((tmp_path / "local" / f"{name}.json").read_text())
        assert on_dask["tests"] == on_pool["tests"]


def test_a_grader_that_dies_is_recorded_as_crashed_not_lost(tmp_path):
    assignment = load("scalar_autodiff")
    job = batch.Job(
        "zoe",
        {"engine.py": b"tensor = float\n"},
        "engine.py",
        "zoe.py",
        {"assignment.toml": b"this is not toml"},  # so `chaingrade grade` fails
        tuple((p.name, p.points, p.visibility) for p in assignment.parts),
        (),
        60.0,
    )
    data = batch.grade_one(job)
    assert validate(data) == []
    assert data["score"] == 0
    assert data["extra_data"]["batch"]["status"] == "crashed"
    assert "status 2" in data["output"]
    assert sum(t["max_score"] for t in data["tests"]) == 100


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: None, "is not a folder of submissions"),
        (lambda d: d.mkdir(), "holds no submissions"),
        (
            lambda d: (d.mkdir(), (d / "x.py").touch(), (d / "x").mkdir()),
            "two submissions are both called 'x'",
        ),
    ],
)
def test_batch_usage_errors_are_clean(tmp_path, make, message):
    folder = tmp_path / "subs"
    make(folder)
    done = chaingrade("batch", folder, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_as_root_from_a_python_the_pool_cannot_read_batch_says_so_in_one_line(tmp_path):
    # A venv under a folder only root can enter (as a venv under /root is): the worker
    # pool cannot run it. That is the machine's set-up, not a usage error: status 3.
    if os.geteuid() != 0:
        pytest.skip("the worker pool is root's default only")
    private = tmp_path / "private"  # pytest's own folders are 0700, root's alone
    private.mkdir(mode=0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", private / "venv"], check=True)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(SOLUTION.read_text())
    # The venv's Python, with this checkout's packages on its path: its own sysconfig
    # paths (the ones the pool must read) are the private venv's.
    paths = [str(ROOT), *[p for p in sys.path if p.endswith("site-packages")]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINGRADE_")}
    done = subprocess.run(
        [private / "venv" / "bin" / "python", "-m", "graders.platforms.cli", "batch", subs]
        + ["--out", tmp_path / "out"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "PYTHONPATH": os.pathsep.join(paths)},
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.startswith("chaingrade: cannot grade here: "), done.stderr
    assert "cannot read" in done.stderr
    assert "usage:" not in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
