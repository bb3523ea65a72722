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
import os
import re
import shutil
import subprocess
import tempfile
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

from graders.platforms import options
from graders.sandbox import users

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
ENGINES = ROOT / "tests" / "engines"
#: The forward kind's assignments: the folder, a correct engine and a one-bug one in its
#: own API, the part the bug costs 5 of its points (95 in all, as on Gradescope and
#: Classroom), and what that part's output names.
FORWARD_CASES = {
    "forward_autodiff": (
        ENGINES / "forward" / "correct" / "dual_class.py",
        ENGINES / "forward" / "buggy" / "sin_upstream.py",
        "trigonometry",
        "step upstream, op sin (a)",
    ),
    "functional_autodiff": (
        ROOT / "assignments" / "functional_autodiff" / "solution" / "autodiff.py",
        ENGINES / "functional" / "buggy" / "closure_exp_upstream.py",
        "exponentials and logs",
        "step upstream, op exp (a)",
    ),
}
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


def batch_rows(installed, submissions, unguarded, tmp_path, *, examples: int) -> dict:
    """``chaingrade batch`` from the installed copy, two jobs at a time: summary.csv's
    rows by submission name."""
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
        str(examples),
        "--jobs",
        "2",
        "--no-progress",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "summary.csv", newline="") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


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
    rows = batch_rows(installed, submissions, unguarded, tmp_path, examples=5)
    for name in ("alice", "bob", "carol"):
        assert float(rows[name]["score"]) == 100, (name, rows[name])
    assert rows["mallory"]["status"] == "graded"


@pytest.mark.parametrize("name", FORWARD_CASES)
def test_a_batch_of_forward_kind_engines_is_graded_by_pool_users(
    installed, tmp_path, request, name
):
    """forward_autodiff (dual numbers) and functional_autodiff (grad(f)), their policy on as
    a course grades them, from the installed copy as root, each worker a uid of the
    default pool (as the tests above show): the correct engine gets full marks, the
    one-bug one what Gradescope and Classroom give it (95), its step and op named in its
    Gradescope-format results, nothing else charged."""
    correct, buggy, part, named = FORWARD_CASES[name]
    assignment = open_folder(request.config, "assignment") / name
    shutil.copytree(
        ROOT / "assignments" / name, assignment, ignore=shutil.ignore_patterns("__pycache__")
    )
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(correct, submissions / "alice.py")
    shutil.copy(buggy, submissions / "bob.py")
    rows = batch_rows(installed, submissions, assignment, tmp_path, examples=5)
    assert {n: float(r["score"]) for n, r in rows.items()} == {"alice": 100, "bob": 95}
    bob = {t["name"]: t for t in json.loads((tmp_path / "out" / "bob.json").read_text())["tests"]}
    assert bob[part]["score"] == 10 and named in bob[part]["output"]
    assert all(t["score"] == t["max_score"] for n, t in bob.items() if n != part)


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
    rows = batch_rows(installed, submissions, unguarded, tmp_path, examples=3)
    own = float(rows["honest"]["score"])
    assert own == GRADE_WRONG_COS
    for attack in READS_THE_SOLUTION:
        name = attack.removesuffix(".py")
        assert rows[name]["status"] == "graded", rows[name]
        assert _honest(json.loads((tmp_path / "out" / f"{name}.json").read_text()), own), rows[name]


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


#: Searches what the kernel lets it open, by routes the guard cannot place (paths opened
#: relative to a descriptor of ``/``): every process's environment for long numbers (a
#: seed), and ``/tmp`` and ``/dev/shm`` for other students' files (``VICTIM``). It says
#: what it found in the message of an exception from ``exp`` (the one channel out).
SEARCH = """
import json, os, re
_root = os.open("/", os.O_PATH)
_found = {"uid": os.getuid(), "environ": 0, "numbers": [], "files": [], "folders": 0}


def _read(path, at=_root):
    try:
        fd = os.open(path, os.O_RDONLY, dir_fd=at)
        try:
            return os.read(fd, 1 << 16).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError:
        return None


for _pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    _text = _read(f"proc/{_pid}/environ")
    if _text is not None:
        _found["environ"] += 1
        _found["numbers"] += re.findall(r"[0-9]{9,}", _text)
    _args = (_read(f"proc/{_pid}/cmdline") or "").split(chr(0))
    if "--grading-seed-file" in _args[:-1]:  # a seed file named on a command line
        _path = _args[_args.index("--grading-seed-file") + 1]
        _found["seed_files"] = _found.get("seed_files", 0) + 1
        _found["numbers"] += re.findall(r"[0-9]{9,}", _read(_path.lstrip("/")) or "")


def _walk(at, depth):
    try:
        entries = list(os.scandir(at))
    except OSError:
        return
    _found["folders"] += 1
    for entry in entries[:200]:
        try:
            if entry.is_dir(follow_symlinks=False) and depth < 6:
                fd = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=at)
                _walk(fd, depth + 1)
                os.close(fd)
            elif entry.name.endswith(".py"):
                text = _read(entry.name, at)
                if text and "VICTIM" + "-MARKER" in text:
                    _found["files"].append(entry.name)
        except OSError:
            pass


for _shared in ("tmp", "dev/shm"):
    try:
        _fd = os.open(_shared, os.O_RDONLY | os.O_DIRECTORY, dir_fd=_root)
        _walk(_fd, 0)
    except OSError:
        pass
_SAID = json.dumps(_found).encode().hex()
"""
#: The end of an engine with SEARCH: ``exp`` says what was found.
SAYS_IT = """

def exp(x):
    raise ValueError("FOUND " + _SAID)
"""


def _said(text: str) -> dict:
    found = re.search(r"FOUND ([0-9a-f]+)", text)
    assert found, text[:3000]
    return json.loads(bytes.fromhex(found.group(1)))


def test_a_pool_worker_reads_no_neighbours_files_nor_the_seed(
    installed, unguarded, tmp_path, request
):
    """In a batch as root, a worker that walks /tmp and /dev/shm by directory descriptors
    finds no other student's submission (nor anything else), and cannot read the seed
    file whose path it finds on batch's command line, though the file is 0644."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in ("alice", "bob"):
        (submissions / f"{name}.py").write_text("# VICTIM-MARKER\n" + SOLUTION.read_text())
    (submissions / "nosy.py").write_text(SEARCH + SOLUTION.read_text() + SAYS_IT)
    seed = open_folder(request.config, "seed") / "seed"
    seed.write_text("918273645546372819\n")
    seed.chmod(0o644)  # readable by every user, its path on batch's command line
    out = tmp_path / "out"
    done = chaingrade_from(
        installed, "batch", submissions, "--assignment", unguarded, "--out", out,
        "--examples", "3", "--jobs", "3", "--no-progress", "--grading-seed-file", seed,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "readable by other users" in done.stderr
    found = _said((out / "nosy.json").read_text())
    assert 61000 <= found["uid"] <= 61015
    assert found["files"] == [] and found["folders"] == 0
    assert found["environ"] == 0  # no other process's environment, of any user
    assert found.get("seed_files") and "918273645546372819" not in found["numbers"]


def test_a_worker_of_the_grading_user_cannot_read_the_seed_in_its_environment(
    installed, unguarded, request
):
    """Not as root (a course server's own account): the worker runs as the grading user,
    whose environment holds the private seed, and still cannot read it (Landlock refuses a
    confined process another's environment, whatever its uid)."""
    folder = open_folder(request.config, "same-user")
    os.chown(folder, GRADING_USER, GRADING_USER)
    submission = folder / "engine.py"
    submission.write_text(SEARCH + SOLUTION.read_text() + SAYS_IT)
    seed = "918273645546372819"
    env = clean_environment(CHAINGRADE_GRADING_SEED=seed, HOME=str(folder))
    done = subprocess.run(
        ["setpriv", f"--reuid={GRADING_USER}", f"--regid={GRADING_USER}", "--clear-groups",
         str(installed), "-m", "graders.platforms.cli", "grade", str(submission),
         "--assignment", str(unguarded), "--results", "-", "--examples", "3"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = _said(done.stdout)
    assert found["uid"] == GRADING_USER
    assert seed not in found["numbers"] and seed not in done.stdout
    assert found["environ"] == 0


#: A uid for a grader that is not root.
GRADING_USER = 61050


def test_a_seed_file_other_users_can_read_is_warned_about(tmp_path, capsys):
    seed = tmp_path / "seed"
    seed.write_text("123456789\n")
    seed.chmod(0o644)
    assert options.grading_seed(seed) == 123456789
    assert "readable by other users (mode 0644): chmod 600" in capsys.readouterr().err
    seed.chmod(0o600)
    assert options.grading_seed(seed) == 123456789
    assert capsys.readouterr().err == ""


def test_a_lease_clears_what_its_uid_left_in_the_shared_folders(installed):
    """What an earlier worker of a uid left in /tmp and /dev/shm is gone once the uid is
    leased again."""
    user = users.WorkerUser(61060, 61060, "uid 61060")
    left = [Path(tempfile.mkdtemp(dir=shared)) for shared in ("/tmp", "/dev/shm")]
    for folder in left:
        (folder / "engine.py").write_text("# VICTIM-MARKER\n")
        for path in (folder, folder / "engine.py"):
            os.chown(path, user.uid, user.gid)
    lease = users.Lease.take([user], timeout=5)
    try:
        assert not any(folder.exists() for folder in left)
    finally:
        lease.release()


def test_without_landlock_a_pool_user_that_could_read_the_solution_is_refused(tmp_path, request):
    """The fallback where the kernel has no Landlock: the uid's file permissions are the
    boundary, so a file of the assignment the worker's user could read is named."""
    from graders.sandbox.folders import readable_below

    user = users.WorkerUser(61070, 61070, "uid 61070")
    folder = open_folder(request.config, "assignment")
    solution = folder / "solution" / "engine.py"
    solution.parent.mkdir()
    solution.write_text("# the solution\n")
    solution.chmod(0o644)
    assert readable_below(folder, user) == solution
    solution.chmod(0o600)
    assert readable_below(folder, user) is None
    solution.chmod(0o644)
    folder.chmod(0o700)  # the folder closed to others is enough
    assert readable_below(folder, user) is None


def test_a_forked_process_that_disowns_a_lease_leaves_its_user_to_the_parent():
    """``Lease.disown`` in a process forked while the lease was held (a grading's helper
    for parts graded at once) closes that process's copy of the lock: once the parent
    gives the user back, the user is free at once, though the forked process still runs."""
    need_root()
    pool = [users.WorkerUser(61080, 61080, "uid 61080")]  # no grading of the suite uses it
    lease = users.Lease.take(pool, timeout=5)
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: lets go of the lease, then runs on until told to stop
        lease.disown()
        os.write(ready_w, b"x")
        os.read(done_r, 1)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        lease.release()
        users.Lease.take(pool, timeout=0.5).release()  # no wait for the helper's copy
    finally:
        os.write(done_w, b"x")
        os.waitpid(pid, 0)
