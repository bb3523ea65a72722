"""The Gradescope autograder, run the way Gradescope runs it.

As root: the zip is built by ``chaingrade gradescope``, unpacked with its file modes,
``setup.sh`` installs it with the system Python (``PATH`` holds nothing of this checkout)
into a folder other users can enter, and ``run_autograder`` grades submissions with the
student's worker as the unprivileged user that setup.sh made. Nothing falls back to root:
if the worker ran as root, or could not read its own copy, these tests fail.
"""

from __future__ import annotations

import json
import pwd
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from platform_support import ROOT, clean_environment, need_root, open_folder, unguarded_copy

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"

pytestmark = [pytest.mark.slow, pytest.mark.platform]

#: Runs at import, then the engine is the reference solution. It records which user it
#: runs as, and looks everywhere a private seed could leak: every process's command line
#: and environment, the autograder's files, its parent's command line; and it tries to
#: forge the results and to signal the grading processes.
SPY = """
import glob, json, os, re, signal
_found = {"uid": os.getuid(), "read": [], "signalled": []}
for _path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
    try:
        _found["read"].append(open(_path, "rb").read().decode("utf-8", "replace"))
    except OSError:
        pass
for _path in glob.glob("@AUTOGRADER@/**", recursive=True):
    try:
        _found["read"].append(open(_path, "rb").read(4096).decode("utf-8", "replace"))
    except OSError:
        pass
for _pid in [os.getppid()] + [int(p.split("/")[2]) for p in glob.glob("/proc/[0-9]*/stat")]:
    try:
        if os.stat(f"/proc/{_pid}").st_uid == 0:
            os.kill(_pid, signal.SIGTERM)
            _found["signalled"].append(_pid)
    except OSError:
        pass
_found["forged"] = []
for _target in ["@RESULTS@/results.json"] + glob.glob("@AUTOGRADER@/venv/lib/*/site-packages/"
                                                     "graders/grading.py"):
    try:
        open(_target, "a").write("# forged")
        _found["forged"].append(_target)
    except OSError:
        pass
# Only long numbers (a seed is one) are kept: the worker may write little.
_found["read"] = sorted({n for text in _found["read"] for n in re.findall(r"[0-9]{9,}", text)})
open("@PROBE@/spy.json", "w").write(json.dumps(_found))
"""


def unpack(archive: Path, source: Path) -> None:
    """As Gradescope does: every file with the mode the zip gives it."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            z.extract(info, source)
            (source / info.filename).chmod(info.external_attr >> 16 & 0o777)


def build_zip(assignment: Path, archive: Path, python: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders.platforms.cli",
            "gradescope",
            assignment,
            "-o",
            archive,
            "--python",
            python,
            "--examples",
            "5",
            "--user",
            USER,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


USER = f"cg{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def autograder(request):
    """An installed autograder: its root, and two unpacked sources (the assignment with its
    static policy off, so attacks really run, and the assignment as it is)."""
    need_root()
    root = open_folder(request.config, "gradescope")
    python = subprocess.run(
        [
            "/usr/bin/python3",
            "-c",
            "import sys; print(f'{sys.version_info.major}.{sys.version_info.minor}')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    unguarded = unguarded_copy(ASSIGNMENT, root / "unguarded")
    sources = {}
    for name, assignment in (("unguarded", unguarded), ("real", ASSIGNMENT)):
        build_zip(assignment, root / f"{name}.zip", python)
        sources[name] = root / "autograder" / f"source-{name}"
        unpack(root / f"{name}.zip", sources[name])
    setup = subprocess.run(
        ["bash", sources["unguarded"] / "setup.sh"],
        env=clean_environment(CHAINGRADE_AUTOGRADER=str(root / "autograder")),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    yield root, sources
    subprocess.run(["userdel", USER], capture_output=True)


def run_autograder(
    root: Path, source: Path, submission_text: str, name: str, files: dict[str, str] = ()
) -> dict:
    """Grade an upload of ``engine.py`` holding ``submission_text`` (or, given ``files``,
    of those files, by relative path) with the autograder's ``run_autograder``."""
    case = root / name
    (case / "submission").mkdir(parents=True)
    for relative, text in dict(files or {"engine.py": submission_text}).items():
        (case / "submission" / relative).parent.mkdir(parents=True, exist_ok=True)
        (case / "submission" / relative).write_text(text)
    env = clean_environment(
        CHAINGRADE_AUTOGRADER=str(root / "autograder"),
        CHAINGRADE_SOURCE=str(source),
        CHAINGRADE_SUBMISSION=str(case / "submission"),
        CHAINGRADE_RESULTS=str(case / "results"),
        CHAINGRADE_USER=USER,
    )
    done = subprocess.run(
        ["bash", source / "run_autograder"],
        env=env,
        cwd=case,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((case / "results" / "results.json").read_text())


def test_a_correct_engine_gets_full_marks_as_the_unprivileged_user(autograder):
    root, sources = autograder
    data = run_autograder(root, sources["real"], SOLUTION.read_text(), "correct")
    assert data["score"] == 100, json.dumps(data, indent=1)[:3000]


def test_a_buggy_engine_is_charged_for_its_bug_only(autograder):
    root, sources = autograder
    buggy = SOLUTION.read_text().replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)
    data = run_autograder(root, sources["real"], buggy, "buggy")
    assert data["score"] == 96
    arithmetic = next(t for t in data["tests"] if t["name"] == "arithmetic")
    assert arithmetic["score"] == 16 and "step local-derivative, op sub (b)" in arithmetic["output"]


def test_a_hostile_engine_is_a_policy_violation(autograder):
    root, sources = autograder
    data = run_autograder(root, sources["real"], "import os\n" + SOLUTION.read_text(), "hostile")
    assert data["score"] == 0
    assert (
        "policy violation" in data["tests"][0]["output"]
        and "import os" in data["tests"][0]["output"]
    )


def test_the_worker_runs_as_the_user_and_finds_no_seed_nor_grader_to_reach(autograder):
    root, sources = autograder
    probe = root / "probe"
    probe.mkdir(mode=0o777)
    probe.chmod(0o777)  # the worker user writes its findings here
    case_results = root / "spy" / "results"
    spy = (
        SPY.replace("@AUTOGRADER@", str(root / "autograder"))
        .replace("@RESULTS@", str(case_results))
        .replace("@PROBE@", str(probe))
    )
    data = run_autograder(root, sources["unguarded"], spy + SOLUTION.read_text(), "spy")
    found = json.loads((probe / "spy.json").read_text())
    assert found["uid"] == pwd.getpwnam(USER).pw_uid != 0
    seed = (sources["unguarded"] / "grading_seed").read_text().strip()
    assert seed.isdigit() and found["read"] and seed not in found["read"]
    assert seed not in json.dumps(data)
    assert found["signalled"] == [] and found["forged"] == []
    # Reading other processes' /proc entries and chaingrade's installed files on the way is
    # itself caught by the worker's guard.
    output = data["tests"][0]["output"]
    assert data["score"] == 0 and "policy violation" in output
    assert "(another process)" in output


def test_without_the_user_grading_stops_with_the_reason(autograder):
    root, sources = autograder
    case = root / "nouser"
    (case / "submission").mkdir(parents=True)
    (case / "submission" / "engine.py").write_text(SOLUTION.read_text())
    env = clean_environment(
        CHAINGRADE_AUTOGRADER=str(root / "autograder"),
        CHAINGRADE_SOURCE=str(sources["real"]),
        CHAINGRADE_SUBMISSION=str(case / "submission"),
        CHAINGRADE_RESULTS=str(case / "results"),
        CHAINGRADE_USER="cg-no-such-user",
    )
    subprocess.run(
        ["bash", sources["real"] / "run_autograder"],
        env=env,
        cwd=case,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    data = json.loads((case / "results" / "results.json").read_text())
    assert data["score"] == 0
    assert "no user cg-no-such-user" in data["output"]


def test_a_folder_upload_is_graded_whole_by_the_unprivileged_user(autograder):
    """An upload of several files, nested: engine.py imports helpers.py beside it, both
    copied into the worker's folder, owned by the worker's user; the conftest.py uploaded
    with them is never run."""
    root, sources = autograder
    text = SOLUTION.read_text()
    cut = text.index("def tensor(x):")
    probe = root / "probe-folder"
    probe.mkdir(mode=0o777)
    probe.chmod(0o777)
    files = {
        "hw1/helpers.py": text[:cut],
        "hw1/engine.py": "import math\n\nfrom helpers import Tensor, as_tensor\n\n" + text[cut:],
        "hw1/conftest.py": f"open({str(probe / 'conftest-ran')!r}, 'w').close()\n",
        "hw1/test_engine.py": "import mygrad\n",
    }
    data = run_autograder(root, sources["real"], "", "folder", files)
    assert data["score"] == 100, json.dumps(data, indent=1)[:3000]
    assert (
        "not copied, as engine does not import them: hw1/conftest.py, hw1/test_engine.py"
        in (data["output"])
    )
    assert list(probe.iterdir()) == []


def test_the_one_python_file_of_an_upload_is_graded_whatever_its_name(autograder):
    """Gradescope keeps the student's own file name: cos_sign.py is graded as `check`
    grades it (it defines tensor, the leaf the assignment's API needs), with a note."""
    root, sources = autograder
    files = {"cos_sign.py": SOLUTION.read_text()}
    data = run_autograder(root, sources["real"], "", "any-name", files)
    assert data["score"] == 100, json.dumps(data, indent=1)[:3000]
    assert "no engine.py: graded cos_sign.py (import cos_sign)" in data["output"]
