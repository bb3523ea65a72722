"""Submissions in the forms students hand in: a file, a folder, a package, a notebook.

Graded the way each runs: ``chaingrade check`` and ``grade`` in a subprocess, the pytest
plugin with ``--submission FOLDER``, ``chaingrade batch`` over a mix of forms. What
``graders.submission`` copies and refuses (links, limits, modules that would shadow
others) is checked on the resolved submission itself, and through grading where the
student would see it. (Gradescope with a folder upload, as root with the worker as an
unprivileged user: tests/test_gradescope_platform.py.)
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.assignment import AssignmentError, load
from graders.grading import grade
from graders.notebooks import python_of_cell
from graders.submission import HandInError, resolve

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
MINIGRAD = ROOT / "tests" / "engines" / "forms" / "minigrad"
EXAMPLES = "5"


def _layouts():
    """``tests/engines/forms/layouts.py`` (``tests`` is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "chaingrade_form_layouts", ROOT / "tests" / "engines" / "forms" / "layouts.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


layouts = _layouts()
LAYOUTS = layouts.LAYOUTS


def chaingrade(*args, cwd=ROOT, timeout=600):
    env = {**os.environ, "CHAINGRADE_WORKER_USER": ""}  # the calling user: form logic only
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )


def check_json(submission, *args) -> dict:
    done = chaingrade("check", submission, "--json", "--examples", EXAMPLES, *args)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


def split_solution(folder: Path) -> Path:
    """The bundled solution in two files: ``helpers.py`` (the Tensor class) and
    ``engine.py`` (the functions), which imports it."""
    text = SOLUTION.read_text()
    cut = text.index("def tensor(x):")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helpers.py").write_text(text[:cut])
    (folder / "engine.py").write_text(
        "import math\n\nfrom helpers import Tensor, as_tensor\n\n\n" + text[cut:]
    )
    return folder


def package_assignment(folder: Path) -> Path:
    """scalar_autodiff, handed in as the package ``minigrad/``."""
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text().replace(
            'submission = "engine.py"', 'submission = "minigrad/"\nentry = "minigrad"'
        )
    )
    return folder


def notebook(path: Path, *cells) -> Path:
    """A notebook of ``cells`` (text: a code cell; ("md", text): a markdown cell)."""
    made = [new_markdown_cell(c[1]) if isinstance(c, tuple) else new_code_cell(c) for c in cells]
    nbformat.write(new_notebook(cells=made), str(path))
    return path


def solution_notebook(path: Path) -> Path:
    text = SOLUTION.read_text()
    cut = text.index("def as_tensor")
    return notebook(
        path,
        ("md", "# Homework 1: my engine"),
        "%matplotlib inline\n!pip install x\nimport math",
        "%%bash\necho setting up\nls",
        text[:cut],
        "%%time\n" + text[cut:],
        "get_ipython().run_line_magic('load_ext', 'autoreload')\nx = tensor(2.0)\nx?",
    )


# --- folders --------------------------------------------------------------------------


def test_a_folder_whose_engine_imports_a_helper_gets_full_marks(tmp_path):
    folder = split_solution(tmp_path / "alice")
    # Beside it, what must never be copied: it would run, or stop the import, if it were.
    for name in ("conftest.py", "sitecustomize.py", "test_engine.py"):
        (folder / name).write_text("raise SystemExit('this file ran')\n")
    report = check_json(folder)
    assert report["score"] == report["max_score"] == 100, report["findings"][:2]
    (note,) = report["notes"]
    assert note.startswith("not copied, as engine does not import them:")
    assert "conftest.py" in note and "test_engine.py" in note


def test_a_module_beside_the_entry_never_shadows_a_standard_or_installed_one(tmp_path):
    folder = split_solution(tmp_path / "bob")
    # engine.py and helpers.py import math: a math.py of the student's must not be it.
    (folder / "math.py").write_text("raise SystemExit('the shadowing math.py ran')\n")
    (folder / "numpy.py").write_text("raise SystemExit('the shadowing numpy.py ran')\n")
    submission = load("scalar_autodiff").handed_in(folder)
    assert set(submission.files) == {"engine.py", "helpers.py"}
    assert any(n.startswith("math.py not copied: math is a standard") for n in submission.notes)
    report = check_json(folder)
    assert report["score"] == 100, report["findings"][:2]


def test_a_file_keeps_its_name_whatever_folders_the_grader_was_started_with(tmp_path, monkeypatch):
    """Whether a file's name is taken depends on the standard library and installed
    packages only: a folder a test runner or script put on ``sys.path`` holding a module
    of the same name (pytest puts test folders there) must not rename the student's."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "cos_sign.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(elsewhere))
    upload = tmp_path / "upload" / "cos_sign.py"
    upload.parent.mkdir()
    shutil.copy(SOLUTION, upload)
    for folder_or_file in (upload.parent, upload):
        submission = load("scalar_autodiff").handed_in(folder_or_file)
        assert (submission.module, submission.entry) == ("cos_sign", "cos_sign.py")


def test_a_folder_nested_as_an_upload_or_repository_nests_it(tmp_path):
    repo = tmp_path / "carol-hw1"
    split_solution(repo / "src")
    (repo / ".git").mkdir()
    (repo / ".git" / "engine.py").write_text("raise SystemExit('from .git')\n")
    (repo / "venv").mkdir()
    (repo / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (repo / "README.md").write_text("# my engine\n")
    submission = load("scalar_autodiff").handed_in(repo)
    assert submission.entry == "engine.py" and set(submission.files) == {
        "engine.py",
        "helpers.py",
    }
    assert submission.labels["helpers.py"] == "src/helpers.py"


def test_a_package_submission_gets_full_marks_however_it_is_handed_in(tmp_path):
    assignment = package_assignment(tmp_path / "assignment")
    repo = tmp_path / "dave-minigrad"
    shutil.copytree(MINIGRAD, repo / "minigrad")
    (repo / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_minigrad.py").write_text("import mygrad, torch\n")
    report = check_json(repo, "--assignment", assignment)
    assert report["score"] == 100, report["findings"][:2]
    assert report["notes"] == [
        "not copied, as minigrad does not import them: setup.py, tests/test_minigrad.py"
    ]
    # The package folder itself, and through the Python API.
    itself = grade(load(str(assignment)), MINIGRAD, examples=int(EXAMPLES), jobs=2)
    assert itself.score == 100, [f.summary() for f in itself.findings][:2]
    submission = load(str(assignment)).handed_in(MINIGRAD)
    assert submission.entry == "minigrad/__init__.py" and len(submission.files) == 5


def test_the_pytest_plugin_grades_a_folder_given_as_submission(tmp_path):
    folder = split_solution(tmp_path / "erin")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ASSIGNMENT)]
        + ["--submission", str(folder), "--examples", EXAMPLES],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        env={**os.environ, "CHAINGRADE_WORKER_USER": ""},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_every_file_of_a_folder_is_checked_by_the_policy(tmp_path):
    folder = split_solution(tmp_path / "frank")
    helpers = folder / "helpers.py"
    helpers.write_text("import os\n" + helpers.read_text())
    report = grade(load("scalar_autodiff"), folder, examples=2)
    assert report.score == 0
    (finding,) = report.findings
    assert "policy violation: helpers.py:1: import os" in finding.message


def test_a_syntax_error_in_a_helper_names_the_helper_and_its_line(tmp_path):
    folder = split_solution(tmp_path / "grace")
    (folder / "helpers.py").write_text("class Tensor:\n    def f(self:\n        pass\n")
    (finding,) = grade(load("scalar_autodiff"), folder, examples=2).findings
    assert "syntax error: helpers.py:2" in finding.message


# --- what is refused or left out -------------------------------------------------------------


def test_links_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(SOLUTION, outside / "engine.py")
    linked = tmp_path / "heidi"
    linked.mkdir()
    (linked / "engine.py").symlink_to(outside / "engine.py")  # the solution, say
    with pytest.raises(HandInError, match="engine.py is a symbolic link: not copied"):
        resolve(linked, "engine")
    report = check_json(linked)
    assert report["score"] == 0
    assert "engine.py is a symbolic link" in report["findings"][0]["message"]

    folder = split_solution(tmp_path / "ivan")
    (folder / "helpers.py").rename(outside / "helpers.py")
    (folder / "helpers.py").symlink_to(outside / "helpers.py")
    (folder / "etc").symlink_to("/etc")
    submission = resolve(folder, "engine")
    assert set(submission.files) == {"engine.py"}
    assert "helpers.py is a symbolic link: not copied (links are never followed" in " ".join(
        submission.notes
    )
    assert "etc is a symbolic link" in " ".join(submission.notes)


def test_a_folder_swapped_for_a_link_while_it_is_read_leads_nowhere(tmp_path):
    """What the walk saw as a folder is read step by step without following a link, so a
    student who swaps it for a link to the grader's files between walk and read gets
    an error, not those files."""
    from graders.submission.limits import read_regular as _read_regular

    folder = tmp_path / "lena"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "secret.py").write_text("SEED = 1\n")
    secret = folder / "pkg" / "secret.py"
    assert _read_regular(secret, "pkg/secret.py", 100, folder) == b"SEED = 1\n"
    (folder / "pkg").rename(tmp_path / "elsewhere")
    (folder / "pkg").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(HandInError, match="pkg/secret.py could not be read"):
        _read_regular(secret, "pkg/secret.py", 100, folder)


def test_a_submission_over_a_limit_is_refused_saying_which(tmp_path):
    folder = split_solution(tmp_path / "judy")
    (folder / "more.py").write_text("X = 1\n")
    engine = folder / "engine.py"
    engine.write_text("import more\n" + engine.read_text())
    with pytest.raises(HandInError, match=r"more than 2 Python files.*\[limits\] files"):
        resolve(folder, "engine", max_files=2)
    with pytest.raises(HandInError, match=r"larger than 1000 bytes.*\[limits\] source_bytes"):
        resolve(folder, "engine", max_bytes=1000)
    assert set(resolve(folder, "engine", max_files=3).files) == {
        "engine.py",
        "helpers.py",
        "more.py",
    }
    # In assignment.toml, and as the student sees it.
    limited = shutil.copytree(ASSIGNMENT, tmp_path / "limited")
    toml = limited / "assignment.toml"
    toml.write_text(toml.read_text().replace("[limits]\n", "[limits]\nfiles = 2\n"))
    report = check_json(folder, "--assignment", limited)
    assert report["score"] == 0
    assert "more than 2 Python files" in report["findings"][0]["message"]


def test_a_folder_without_the_entry_says_what_to_hand_in(tmp_path):
    folder = tmp_path / "kim"
    folder.mkdir()
    (folder / "Engine.py").write_text(SOLUTION.read_text())
    (folder / "plots.py").write_text("x = 1\n")
    with pytest.raises(HandInError) as caught:
        resolve(folder, "engine")  # no leaf to look for (an exercises assignment)
    assert caught.value.missing
    assert "no engine.py (nor a package engine/ or a notebook engine.ipynb)" in str(caught.value)
    assert "found Engine.py: names are case-sensitive" in str(caught.value)
    assert "say which module is the engine with --entry" in str(caught.value)


# --- repositories as courses hand them in (tests/engines/forms/layouts.py) ------------------


#: The layouts a quick run grades (a repository whose engine is a package, an upload of one
#: file); the others are ``slow`` (``--full``, as CI runs, grades every one).
QUICK_LAYOUTS = {"micrograd_fork", "one_file_upload"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=() if name in QUICK_LAYOUTS else pytest.mark.slow)
        for name in sorted(LAYOUTS)
    ],
)
def test_a_course_repository_is_found_and_graded_to_full_marks(name, tmp_path):
    """needle hw1, minitorch Module 1, micrograd forks and scripts, DeZero's repository,
    an upload of one file of any name: `check REPO --api PRESET` finds the engine (never
    the scratch notebook beside it) and says what it graded."""
    layout = LAYOUTS[name]
    repo = layouts.build(name, tmp_path / name)
    submission = load(layout.assignment, api=layout.api).handed_in(repo)
    assert submission.module == layout.module, submission.notes
    assert submission.label(submission.entry).startswith(layout.picked.rstrip("/"))
    report = check_json(repo, "--api", layout.api, "--assignment", layout.assignment)
    if layout.assignment == "scalar_autodiff":
        assert report["score"] == report["max_score"] == 100, report["findings"][:2]
    else:  # needle hw1 has no tanh, sigmoid, ...: graded as the engine's file alone is
        assert {f["step"] for f in report["findings"]} == {"missing"}, report["findings"][:2]
        alone = check_json(layout.engine, "--api", layout.api, "--assignment", layout.assignment)
        assert report["score"] == alone["score"]
    assert any(f"graded {layout.picked}" in note for note in report["notes"]), report


def test_entry_names_the_engine_as_a_module_a_package_or_a_path(tmp_path):
    repo = layouts.build("micrograd_fork", tmp_path / "fork")
    for entry in ("micrograd.engine", "micrograd/engine.py", "micrograd/engine"):
        submission = resolve(repo, "engine", chosen=entry)
        assert (submission.module, submission.entry) == ("micrograd.engine", "micrograd/engine.py")
        assert submission.notes[0] == (
            f"graded micrograd/engine.py (import micrograd.engine), as --entry {entry} says"
        )
    assert "micrograd/__init__.py" in submission.files  # import runs the package first
    package = resolve(
        layouts.build("needle_hw1", tmp_path / "needle"), "engine", chosen="python/needle"
    )
    assert (package.module, package.entry) == ("needle", "needle/__init__.py")
    for wrong, says in (
        ("nope", "--entry nope: no nope.py, package nope/ or notebook"),
        ("../fork", "give a module or a path inside the submission"),
        ("micrograd/missing.py", "micrograd/missing.py is not there"),
        ("test", "test is a folder without __init__.py"),
    ):
        with pytest.raises(HandInError, match=re.escape(says)):
            resolve(repo, "engine", chosen=wrong)
    report = check_json(repo, "--api", "micrograd", "--entry", "micrograd.engine")
    assert report["score"] == 100, report["findings"][:2]
    assert "as --entry micrograd.engine says" in report["notes"][0]


def test_the_rule_packages_first_then_the_shallowest_and_ties_named(tmp_path):
    """Read from the source only: a package beats a shallower loose script; a package
    that only star-imports the module defining the leaf counts; tests never count; two
    equally good packages stop with both named."""

    def folder(name, files):
        for relative, text in files.items():
            (tmp_path / name / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / relative).write_text(text)
        return tmp_path / name

    leaf = "class Tensor:\n    pass\n"
    repo = folder(
        "a",
        {
            "scratch.py": leaf,  # shallower, but a loose script
            "src/mylib/__init__.py": "from .core import *\n",
            "src/mylib/core.py": "from .tensor import *\n",
            "src/mylib/tensor.py": leaf,
            "test_scratch.py": leaf,
        },
    )
    found = resolve(repo, "engine", leaves=("Tensor",))
    assert (found.module, found.entry) == ("mylib", "mylib/__init__.py")
    assert "the shallowest package that defines Tensor" in found.notes[0]
    tie = folder("b", {"one/__init__.py": leaf, "two/__init__.py": leaf, "x/test_t.py": leaf})
    with pytest.raises(HandInError, match=re.escape("2 modules define a leaf the API needs")):
        resolve(tie, "engine", leaves=("Tensor",))
    assert resolve(tie, "engine", leaves=("Tensor",), chosen="two").module == "two"


def test_several_scripts_that_fit_equally_are_one_finding_that_says_to_pass_entry(tmp_path):
    """DeZero's steps/ folder: every step defines Variable. Which one is the student's
    to say; --entry grades it."""
    steps = tmp_path / "steps"
    steps.mkdir()
    engine = ROOT / "tests" / "engines" / "families" / "dezero_steps.py"
    for n in (16, 17, 18):
        shutil.copy(engine, steps / f"step{n}.py")
    report = check_json(steps, "--api", "dezero")
    (finding,) = report["findings"]
    assert report["score"] == 0
    assert (
        "3 modules define a leaf the API needs (step16.py, step17.py, step18.py)"
        in (finding["message"])
    )
    assert "--entry step16.py" in finding["message"]
    report = check_json(steps, "--api", "dezero", "--entry", "step17.py")
    assert report["score"] == 100, report["findings"][:2]


@pytest.mark.slow  # a quick run: the course repositories, the plugin's folder, batch's forms
def test_a_repository_through_grade_the_plugin_and_the_python_api(tmp_path):
    repo = layouts.build("needle_hw1", tmp_path / "hw1")
    done = chaingrade("grade", repo, "--results", "-", "--api", "needle", "--examples", EXAMPLES)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert results["score"] == 100, results["output"][:2000]
    assert "graded python/needle/ (import needle)" in results["output"]
    plugin = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ASSIGNMENT)]
        + ["--submission", str(repo), "--api", "needle", "--examples", EXAMPLES],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        env={**os.environ, "CHAINGRADE_WORKER_USER": ""},
    )
    assert plugin.returncode == 0, plugin.stdout[-3000:] + plugin.stderr[-2000:]
    assert " passed" in plugin.stdout and "failed" not in plugin.stdout
    fork = layouts.build("micrograd_fork", tmp_path / "fork")  # the plugin's --entry
    (fork / "engine.py").write_text("raise SystemExit('the top engine.py ran')\n")
    plugin = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ASSIGNMENT)]
        + ["--submission", str(fork), "--entry", "micrograd.engine", "--api", "micrograd"]
        + ["--examples", EXAMPLES],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        env={**os.environ, "CHAINGRADE_WORKER_USER": ""},
    )
    assert plugin.returncode == 0, plugin.stdout[-3000:] + plugin.stderr[-2000:]
    assert " passed" in plugin.stdout and "failed" not in plugin.stdout
    import graders

    fork = layouts.build("micrograd_fork_renamed", tmp_path / "renamed")
    report = graders.check(fork, api="micrograd", examples=int(EXAMPLES))
    assert report.score == 100, [f.summary() for f in report.findings][:2]
    report = graders.check(fork, api="micrograd", entry="nanograd/value.py", examples=2)
    assert report.score == 100 and "as --entry nanograd/value.py says" in report.notes[0]
    with pytest.raises(AssignmentError, match="no such file or folder"):
        graders.check(tmp_path / "nothing-here")


@pytest.mark.slow  # a quick run: the course repositories, the plugin's folder, batch's forms
def test_batch_finds_each_students_engine_and_takes_entry(tmp_path):
    submissions = tmp_path / "submissions"
    for student, name in (("alice", "needle_hw1"), ("bob", "minitorch_module1")):
        layouts.build(name, submissions / student)
    layouts.build("micrograd_fork_renamed", submissions / "carol")
    done = chaingrade(
        "batch",
        submissions,
        "--out",
        tmp_path / "out",
        "--api",
        "auto",
        "--examples",
        EXAMPLES,
        "--jobs",
        "2",
        "--no-progress",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for student, picked in (("alice", "python/needle/"), ("bob", "minitorch/")):
        result = json.loads((tmp_path / "out" / f"{student}.json").read_text())
        assert result["score"] == 100, result["output"][:2000]
        assert f"graded {picked.removeprefix('python/')}" in result["output"]
    carol = json.loads((tmp_path / "out" / "carol.json").read_text())
    assert carol["score"] == 100, carol["output"][:2000]
    # --entry as a path in the hand-in reaches the process that grades each submission.
    only = tmp_path / "only"
    layouts.build("micrograd_fork_renamed", only / "carol")
    done = chaingrade(
        "batch",
        only,
        "--out",
        tmp_path / "out2",
        "--api",
        "micrograd",
        "--entry",
        "nanograd/value.py",
        "--examples",
        EXAMPLES,
        "--no-progress",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    carol = json.loads((tmp_path / "out2" / "carol.json").read_text())
    assert carol["score"] == 100, carol["output"][:2000]
    assert "(import nanograd.value), as --entry nanograd.value says" in carol["output"]


# --- notebooks -------------------------------------------------------------------------------


def test_a_notebook_is_graded_and_what_was_dropped_is_listed(tmp_path):
    path = solution_notebook(tmp_path / "hw1.ipynb")
    report = check_json(path)
    assert report["score"] == report["max_score"] == 100, report["findings"][:2]
    assert report["notes"] == [
        "graded the code cells of hw1.ipynb, as engine.py",
        "hw1.ipynb, cell 2, line 1: dropped '%matplotlib inline'",
        "hw1.ipynb, cell 2, line 2: dropped '!pip install x'",
        "hw1.ipynb, cell 3, line 1: dropped '%%bash', a cell magic, and its cell (3 lines)",
        "hw1.ipynb, cell 5, line 1: dropped '%%time' (its body is kept)",
        "hw1.ipynb, cell 6, line 1: dropped \"get_ipython().run_line_magic('load_ext', "
        "'autoreload')\"",
        "hw1.ipynb, cell 6, line 3: dropped 'x?'",
    ]
    text = chaingrade("check", path, "--examples", EXAMPLES)
    assert text.returncode == 0
    assert "About your submission (not a penalty):" in text.stdout
    assert "dropped '!pip install x'" in text.stdout


def test_a_syntax_error_in_a_notebook_names_the_cell_and_line(tmp_path):
    path = notebook(
        tmp_path / "hw1.ipynb",
        SOLUTION.read_text(),
        ("md", "## Extra"),
        "%time 1\ndef broken(:\n    pass",
        "x = 1",
    )
    report = check_json(path)
    assert report["score"] == 0
    (finding,) = report["findings"]
    assert "syntax error: hw1.ipynb, cell 3, line 2" in finding["message"]


def test_a_notebook_breaking_the_policy_is_named_by_cell(tmp_path):
    path = notebook(tmp_path / "hw1.ipynb", "x = 1", "import os\n" + SOLUTION.read_text())
    (finding,) = grade(load("scalar_autodiff"), path, examples=2).findings
    assert "policy violation: hw1.ipynb, cell 2, line 1: import os" in finding.message


def test_a_notebook_without_code_is_empty_and_a_broken_one_is_named(tmp_path):
    empty = notebook(tmp_path / "empty.ipynb", ("md", "# nothing yet"), "%pip install numpy")
    (finding,) = grade(load("scalar_autodiff"), empty, examples=2).findings
    assert "the submission is empty: empty.ipynb has no code" in finding.message
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    (finding,) = grade(load("scalar_autodiff"), broken, examples=2).findings
    assert "broken.ipynb is not a notebook nbformat can read" in finding.message


def test_ipython_lines_are_dropped_only_where_the_cell_is_not_python():
    assert python_of_cell("y = (x\n     % 2)") == ("y = (x\n     % 2)", [])
    kept, dropped = python_of_cell("files = !ls\nif True:\n    %time f()\nz = 1")
    assert kept == "pass\nif True:\n    pass\nz = 1"
    assert [n for n, _ in dropped] == [1, 3]
    kept, dropped = python_of_cell("%%writefile helpers.py\ndef f():\n    return 1")
    assert kept == "" and "a cell magic, and its cell" in dropped[0][1]


def test_a_line_ending_in_a_comment_with_a_question_mark_is_python():
    # IPython runs `y = x * 2  # why 2?` as Python; only a name and its ? is a help line.
    cell = "%time 1\nx = 3.0  # why?\ny = x * 2  # half of what??\nx?\n??exp\nx.grad??"
    kept, dropped = python_of_cell(cell)
    assert (
        kept.splitlines()
        == ["pass", "x = 3.0  # why?", "y = x * 2  # half of what??"] + ["pass"] * 3
    )
    assert [n for n, _ in dropped] == [1, 4, 5, 6]


def test_a_notebook_whose_comments_ask_questions_gets_full_marks(tmp_path):
    text = SOLUTION.read_text()
    cut = text.index("def tensor(x):")
    # The lines after the magic hold a question in a comment: they must not be dropped.
    head = "%matplotlib inline\n" + text[:cut].replace("import math", "import math  # why?", 1)
    path = notebook(tmp_path / "hw1.ipynb", head, text[cut:])
    report = check_json(path)
    assert report["score"] == report["max_score"] == 100, report["findings"][:2]


# --- batch ----------------------------------------------------------------------------------


def test_batch_grades_every_form_and_lists_every_entry_it_skipped(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(SOLUTION, submissions / "alice.py")
    split_solution(submissions / "bob" / "hw1")  # a folder per student, nested
    (submissions / "bob" / "hw1" / "notes.md").write_text("my notes\n")
    (submissions / "bob" / "hw1" / "test_engine.py").write_text("import mygrad\n")
    solution_notebook(submissions / "carol.ipynb")
    shutil.copy(SOLUTION, submissions / "dave.py")
    solution_notebook(submissions / "dave.ipynb")  # the same student's export beside it
    (submissions / "erin").mkdir()  # nothing to grade
    (submissions / "grades.xlsx").write_bytes(b"PK\x03\x04")
    (submissions / ".DS_Store").write_bytes(b"\0")
    (submissions / "frank.py").symlink_to(SOLUTION)
    out = submissions / "out"  # the results inside the folder graded (an earlier run's)
    out.mkdir()
    done = chaingrade(
        "batch", submissions, "--out", out, "--examples", EXAMPLES, "--jobs", "2", "--no-progress"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "summary.csv", newline="") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    graded = {n: (r["status"], r["score"]) for n, r in rows.items() if r["status"] != "skipped"}
    assert graded == {
        "alice": ("graded", "100.0"),
        "bob": ("graded", "100.0"),
        "carol": ("graded", "100.0"),
        "dave": ("graded", "100.0"),
        "erin": ("missing", "0.0"),
    }
    skipped = {n: r["note"] for n, r in rows.items() if r["status"] == "skipped"}
    assert skipped == {
        ".DS_Store": "a hidden or private name (starts with . or _)",
        "dave.ipynb": "dave.py is graded instead (the same name)",
        "frank.py": "a symbolic link (never followed)",
        "grades.xlsx": "not a submission (neither a Python file, a notebook nor a folder)",
        "out": "the results folder (--out)",
    }
    for name in skipped:
        assert f"skipped: {name}: {skipped[name]}" in done.stdout
    carol = json.loads((out / "carol.json").read_text())
    assert (
        "hw1.ipynb" not in carol["output"]
        and "carol.ipynb, cell 2, line 2: dropped" in (carol["output"])
    )
    bob = json.loads((out / "bob.json").read_text())  # what the batch left out is said
    assert bob["extra_data"]["notes"] == [
        "not copied, as engine does not import them: hw1/test_engine.py"
    ]
    erin = json.loads((out / "erin.json").read_text())
    assert "no engine.py" in erin["output"]
