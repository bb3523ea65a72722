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
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from platform_support import (
    READS_THE_SOLUTION,
    ROOT,
    attack_on,
    clean_environment,
    need_root,
    open_folder,
    unguarded_copy,
)

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
FORWARD = ROOT / "assignments" / "forward_autodiff"
FUNCTIONAL = ROOT / "assignments" / "functional_autodiff"
ENGINES = ROOT / "tests" / "engines"

pytestmark = [pytest.mark.slow, pytest.mark.platform]

#: Runs at import, then the engine is the reference solution. It records which user it
#: runs as, and looks everywhere a private seed could leak: every process's command line
#: and environment, the autograder's files, its parent's command line; and it tries to
#: forge the results and to signal the grading processes. It prints what it found.
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
# Only long numbers (a seed is one) are kept.
_found["read"] = sorted({n for text in _found["read"] for n in re.findall(r"[0-9]{9,}", text)})
"""

#: The same search by routes the worker's guard cannot place (every path opened relative
#: to a descriptor of ``/``), so what it finds is what the kernel lets it open; it says
#: what it found in the message of an exception from ``exp`` (the one channel out of a
#: confined worker), and the engine is otherwise the reference solution.
LEAK = """
import json, os, re, signal
_root = os.open("/", os.O_PATH)


def _read(path):
    try:
        fd = os.open(path.lstrip("/"), os.O_RDONLY, dir_fd=_root)
        try:
            return os.read(fd, 1 << 16).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError:
        return None


_pids = [p for p in os.listdir("/proc") if p.isdigit()]
_texts = {w: [_read(f"/proc/{p}/{w}") for p in _pids] for w in ("cmdline", "environ")}
_found = {"uid": os.getuid(), "signalled": [], "forged": [], "listed": []}
_found["cmdline"] = sum(t is not None for t in _texts["cmdline"])
_found["environ"] = sum(t is not None for t in _texts["environ"])
_found["read"] = sorted({n for ts in _texts.values() for t in ts if t
                         for n in re.findall(r"[0-9]{9,}", t)})
for _folder in ("@AUTOGRADER@", "@AUTOGRADER@/source-unguarded", "/tmp"):
    try:
        os.listdir(_folder)
        _found["listed"].append(_folder)
    except OSError:
        pass
for _pid in map(int, _pids):
    try:
        if os.stat(f"/proc/{_pid}").st_uid == 0:
            os.kill(_pid, signal.SIGTERM)
            _found["signalled"].append(_pid)
    except OSError:
        pass
for _target in ["@RESULTS@/results.json", "@AUTOGRADER@/source-unguarded/grading_seed"]:
    try:
        fd = os.open(_target.lstrip("/"), os.O_WRONLY | os.O_APPEND, dir_fd=_root)
        os.close(fd)
        _found["forged"].append(_target)
    except OSError:
        pass
_SAID = json.dumps(_found).encode().hex()
"""
#: The end of an engine with LEAK: ``exp`` says what was found.
LEAK_EXP = """

def exp(x):
    raise ValueError("LEAK " + _SAID)
"""


def unpack(archive: Path, source: Path) -> None:
    """As Gradescope does: every file with the mode the zip gives it."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            z.extract(info, source)
            (source / info.filename).chmod(info.external_attr >> 16 & 0o777)


def build_zip(assignment: Path, archive: Path, python: str, *extra: str) -> None:
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
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


USER = f"cg{uuid.uuid4().hex[:8]}"


def _system_python() -> str:
    """The X.Y of the system Python, which the autograder's setup.sh builds its venv with."""
    return subprocess.run(
        [
            "/usr/bin/python3",
            "-c",
            "import sys; print(f'{sys.version_info.major}.{sys.version_info.minor}')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def autograder(request):
    """An installed autograder: its root, and its unpacked sources (the assignment with its
    static policy off, so attacks really run, the assignment as it is, and the forward
    kind's two, forward_autodiff and functional_autodiff, as they are), all graded by the
    one installed copy."""
    need_root()
    root = open_folder(request.config, "gradescope")
    python = _system_python()
    unguarded = unguarded_copy(ASSIGNMENT, root / "unguarded")
    sources = {}
    assignments = {
        "unguarded": unguarded,
        "real": ASSIGNMENT,
        "forward_autodiff": FORWARD,
        "functional_autodiff": FUNCTIONAL,
    }
    for name, assignment in assignments.items():
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


#: The forward kind's assignments: the file a student uploads, a correct engine and a
#: one-bug one in the assignment's own API, and what the one-bug one loses.
FORWARD_CASES = {
    "forward_autodiff": (
        "dual.py",
        ENGINES / "forward" / "correct" / "dual_class.py",
        ENGINES / "forward" / "buggy" / "sin_upstream.py",
        "trigonometry",
        "op sin (a)",
    ),
    "functional_autodiff": (
        "autodiff.py",
        FUNCTIONAL / "solution" / "autodiff.py",
        ENGINES / "functional" / "buggy" / "closure_exp_upstream.py",
        "exponentials and logs",
        "op exp (a)",
    ),
}


@pytest.mark.parametrize("assignment", FORWARD_CASES)
def test_a_forward_kind_engine_is_graded_as_the_unprivileged_user(autograder, assignment):
    """forward_autodiff's zip (dual.py, its Dual API) and functional_autodiff's (autodiff.py,
    grad(f)): a correct engine gets full marks and a one-bug one loses only its op's share
    (95), its step and op named: the score the pack's Classroom steps give it
    (tests/test_pack_platform.py) and batch gives it (tests/test_batch_platform.py)."""
    root, sources = autograder
    submission, correct, buggy, part, op = FORWARD_CASES[assignment]
    good = run_autograder(
        root, sources[assignment], "", f"{assignment}-correct",
        {submission: correct.read_text()},
    )  # fmt: skip
    assert good["score"] == 100, json.dumps(good, indent=1)[:3000]
    data = run_autograder(
        root, sources[assignment], "", f"{assignment}-buggy",
        {submission: buggy.read_text()},
    )  # fmt: skip
    assert data["score"] == 95, json.dumps(data, indent=1)[:3000]
    tests = {t["name"]: t for t in data["tests"]}
    assert tests[part]["score"] == 10 and f"step upstream, {op}" in tests[part]["output"]
    assert all(t["score"] == t["max_score"] for n, t in tests.items() if n != part)


def test_a_hostile_engine_is_a_policy_violation(autograder):
    root, sources = autograder
    data = run_autograder(root, sources["real"], "import os\n" + SOLUTION.read_text(), "hostile")
    assert data["score"] == 0
    assert (
        "policy violation" in data["tests"][0]["output"]
        and "import os" in data["tests"][0]["output"]
    )


def test_the_worker_finds_no_seed_nor_grader_to_reach_unseen(autograder):
    """An ordinary search for the seed (open, glob) is caught by the worker's guard."""
    root, sources = autograder
    case_results = root / "spy" / "results"
    spy = SPY.replace("@AUTOGRADER@", str(root / "autograder")).replace(
        "@RESULTS@", str(case_results)
    )
    data = run_autograder(root, sources["unguarded"], spy + SOLUTION.read_text(), "spy")
    seed = (sources["unguarded"] / "grading_seed").read_text().strip()
    assert seed.isdigit() and seed not in json.dumps(data)
    # Reading other processes' /proc entries and chaingrade's installed files on the way is
    # itself caught by the worker's guard.
    output = data["tests"][0]["output"]
    assert data["score"] == 0 and "policy violation" in output
    assert "(another process)" in output


def test_the_worker_runs_as_the_user_and_the_kernel_keeps_seed_and_grader_out_of_reach(
    autograder,
):
    """The same search where the guard cannot see it: the worker's uid and Landlock are
    what stop it. It reads command lines (every user's), never an environment but its own,
    never the seed, and lists, signals and writes nothing of the grader's."""
    root, sources = autograder
    case_results = root / "leak" / "results"
    leak = LEAK.replace("@AUTOGRADER@", str(root / "autograder")).replace(
        "@RESULTS@", str(case_results)
    )
    data = run_autograder(
        root, sources["unguarded"], leak + SOLUTION.read_text() + LEAK_EXP, "leak"
    )
    said = re.search(r"LEAK ([0-9a-f]+)", json.dumps(data))
    assert said, json.dumps(data, indent=1)[:3000]
    found = json.loads(bytes.fromhex(said.group(1)))
    assert found["uid"] == pwd.getpwnam(USER).pw_uid != 0
    seed = (sources["unguarded"] / "grading_seed").read_text().strip()
    assert seed not in found["read"] and seed not in json.dumps(data)
    assert found["cmdline"] > 0  # it did search
    assert found["listed"] == [] and found["signalled"] == [] and found["forged"] == []
    assert data["score"] < 100 and "policy violation" not in json.dumps(data)


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


#: Printed at import by an engine: raw HTML that Gradescope's default top-level format
#: (``simple_format``) would render, a live link among it.
PRINTS_HTML = """
print('<script>alert(1)</script> <a href="https://example.com/login">your grade</a>')
"""


def test_no_route_reads_the_solution_and_printed_html_stays_text(autograder):
    """As Gradescope runs it, an attack through C's open on the solution (readable by
    every user here, as in a checkout) gets the score of its own engine (a wrong cos);
    the top-level output is plain text, and no marked-up output holds what it printed."""
    root, sources = autograder
    own = run_autograder(
        root, sources["unguarded"], PRINTS_HTML + attack_on("wrong_cos.py", SOLUTION), "own"
    )
    assert 0 < own["score"] < 100 and own["output_format"] == "text"
    marked_up = [t["output"] for t in own["tests"] if t.get("output_format") in ("md", "html")]
    assert not any("<script>" in text or "<a href" in text for text in marked_up)
    attack = READS_THE_SOLUTION[2]  # through libc: no audit event, only the kernel stops it
    data = run_autograder(root, sources["unguarded"], attack_on(attack, SOLUTION), "libc")
    assert data["score"] == own["score"], json.dumps(data, indent=1)[:3000]


def test_the_zip_grades_with_the_api_its_builder_named(autograder):
    """A course whose engines are not MyGrad-shaped: ``chaingrade gradescope --api`` bakes
    the API into the zip (a student on Gradescope can pass no option). A micrograd fork
    whose backward is named ``backwards`` gets full marks from a zip built with that API,
    and not from the assignment's own."""
    root, sources = autograder
    api = json.dumps({"preset": "micrograd", "backward": "backwards"})
    archive = root / "micrograd-api.zip"
    build_zip(ASSIGNMENT, archive, _system_python(), "--api", api)
    source = root / "autograder" / "source-micrograd-api"
    unpack(archive, source)
    engine = (ROOT / "tests" / "engines" / "correct" / "closures_micrograd.py").read_text()
    assert engine.count("def backward(self):") == 1
    engine = engine.replace("def backward(self):", "def backwards(self):")
    named = run_autograder(root, source, engine, "api-named")
    assert named["score"] == 100, json.dumps(named, indent=1)[:3000]
    unnamed = run_autograder(root, sources["real"], engine, "api-unnamed")
    assert unnamed["score"] < 100, json.dumps(unnamed, indent=1)[:3000]
