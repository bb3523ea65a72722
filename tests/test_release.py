"""`chaingrade release`: the student pack holds the README, the starter, the public tests
and a working Classroom workflow, and never the solution or a hidden test."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"

HIDDEN_FILE = """
import pytest

pytestmark = pytest.mark.visibility("hidden")


@pytest.mark.points(5)
def test_secret_edge_cases(chaingrade):
    chaingrade.check_part("arithmetic")
"""


def chaingrade(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def assignment(tmp_path) -> Path:
    """scalar_autodiff with its activations part hidden and a hidden test file added."""
    folder = tmp_path / "course" / "scalar_autodiff"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text()
        .replace(
            'name = "activations"\n',
            'name = "activations"\nvisibility = "after_due_date"\nnotes = "data/secret.txt"\n',
        )
        .replace('name = "powers"\n', 'name = "powers"\nnotes = "data/shared.txt"\n')
    )
    (folder / "test_hidden.py").write_text(HIDDEN_FILE)
    (folder / "data").mkdir()
    for name in ("secret.txt", "shared.txt", "table.csv"):  # data named by parts, or not
        (folder / "data" / name).write_text(name)
    return folder


def test_the_pack_has_public_material_only_and_grades_the_students_file(assignment, tmp_path):
    pack = tmp_path / "pack"
    done = chaingrade("release", assignment, "-o", pack)
    assert done.returncode == 0, done.stderr
    files = sorted(str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file())
    wheel = next(f for f in files if f.endswith(".whl"))
    assert files == sorted(
        [
            ".github/workflows/classroom.yml",
            ".gitignore",
            "README.md",
            "assignment.toml",
            "constraints.txt",
            "data/shared.txt",
            "data/table.csv",
            "engine.py",
            "requirements.txt",
            "test_engine.py",
            wheel,
        ]
    )
    # (not data/secret.txt: only a hidden part names it)
    readme = (pack / "README.md").read_text()
    assert readme.startswith("# Getting started") and "pip install -r requirements.txt" in readme
    assert "chaingrade check engine.py" in readme
    assert readme.endswith((assignment / "README.md").read_text())
    assert (pack / "requirements.txt").read_text().splitlines()[-1] == f"./{wheel}"
    pins = [
        line
        for line in (pack / "constraints.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert pins and all("==" in line for line in pins)
    assert (pack / "engine.py").read_bytes() == (assignment / "starter" / "engine.py").read_bytes()
    solution = (assignment / "solution" / "engine.py").read_bytes()
    assert all(p.read_bytes() != solution for p in pack.rglob("*") if p.is_file())

    config = (pack / "assignment.toml").read_text()
    assert "solution" not in config and "activations" not in config
    assert config.count("[[parts]]") == 5 and "[limits]" in config
    tests = (pack / "test_engine.py").read_text()
    assert "def test_activations" not in tests and 'check_part("activations")' not in tests
    assert "def test_arithmetic" in tests and "def test_chain_rule_machinery" in tests
    workflow = (pack / ".github" / "workflows" / "classroom.yml").read_text()
    assert "activations" not in workflow and "test_engine.py::test_powers" in workflow

    # In the pack, pytest grades the student's own engine.py: the starter earns nothing...
    starter = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--examples",
            "3",
            "test_engine.py::test_trigonometry",
        ],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert starter.returncode == 1 and "step missing" in starter.stdout
    # ...and a finished engine passes every public test.
    shutil.copy(assignment / "solution" / "engine.py", pack / "engine.py")
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--examples", "3"],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout
    assert "5 passed" in finished.stdout
    # Each Classroom step's command runs as it is in the student's repository.
    command = next(
        line.split("command: ", 1)[1]
        for line in workflow.splitlines()
        if line.strip().startswith("command: ")
    )
    command = json.loads(command).replace("python ", f"{sys.executable} ", 1)  # this venv's
    step = subprocess.run(
        command, shell=True, cwd=pack, capture_output=True, text=True, timeout=300
    )
    assert step.returncode == 0 and "1 passed" in step.stdout, step.stdout


def test_release_refuses_to_overwrite_or_to_ship_without_a_starter(assignment, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "keep.txt").write_text("mine")
    done = chaingrade("release", assignment, "-o", pack)
    assert done.returncode == 2 and "is not empty (pass --force" in done.stderr
    assert (pack / "keep.txt").exists()

    shutil.rmtree(assignment / "starter")
    done = chaingrade("release", assignment, "-o", tmp_path / "other")
    assert done.returncode == 2 and "no engine.py for students" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "other").exists()


def test_force_never_replaces_the_assignment_itself(assignment):
    done = chaingrade("release", assignment, "-o", assignment.parent, "--force")
    assert done.returncode == 2 and "refusing to replace" in done.stderr
    assert (assignment / "solution" / "engine.py").exists()


def test_the_readme_says_how_much_each_part_searches_as_the_assignment_does():
    # The pack's README once promised "thousands of random compositions" beside 16 a part.
    from graders.assignment import load

    assignment = load("scalar_autodiff")
    readme = " ".join((ASSIGNMENT / "README.md").read_text().split())
    assert "thousands" not in readme
    assert (
        f"({assignment.examples} per part, each run at {assignment.inputs_per_case} input points)"
        in readme
    )


def test_without_its_wheels_the_pack_says_installing_needs_the_network(tmp_path):
    done = chaingrade("release", "scalar_autodiff", "-o", tmp_path / "pack")
    assert done.returncode == 0, done.stderr
    readme = (tmp_path / "pack" / "README.md").read_text()
    assert "this step needs the network" in readme
    assert "--no-index" not in (tmp_path / "pack" / "requirements.txt").read_text()


def test_wheel_targets_pair_platforms_with_pythons_in_order():
    from graders.platforms import distribution, wheelhouse

    this = (None, distribution.this_python())
    assert wheelhouse.targets([], []) == [this]
    assert wheelhouse.targets(["win_amd64", "macosx_11_0_arm64"], ["3.10"]) == [
        this,
        ("win_amd64", "3.10"),
        ("macosx_11_0_arm64", "3.10"),
    ]
    other = "3.12" if this[1] != "3.12" else "3.11"  # the Classroom workflow's Python
    assert wheelhouse.targets([], [], workflow_python=other) == [this, (None, other)]
    with pytest.raises(wheelhouse.WheelhouseError, match="pair in order"):
        wheelhouse.targets(["a", "b", "c"], ["3.10", "3.12"])
    done = chaingrade("release", "scalar_autodiff", "-o", "x", "--platform", "win_amd64")
    assert done.returncode == 2 and "go with --wheelhouse" in done.stderr
