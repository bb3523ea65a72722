"""`chaingrade classroom`: a GitHub Classroom workflow with one command-grader step per
public test, worth its points, and a reporter step that reads every one of them."""

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import load
from graders.platforms import classroom

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def chaingrade(*args):
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def steps_of(text: str) -> list[dict]:
    workflow = yaml.safe_load(text)
    assert workflow["on"] == ["push", "repository_dispatch"]
    assert workflow["permissions"]["checks"] == "write"
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_one_step_per_op_with_its_share_of_the_points_and_a_reporter_for_all():
    done = chaingrade("classroom", "scalar_autodiff")
    assert done.returncode == 0, done.stderr
    steps = steps_of(done.stdout)
    install = next(s for s in steps if s.get("name") == "Install chaingrade")
    assert install["run"] == "python -m pip install -r requirements.txt -c constraints.txt"
    graders = [s for s in steps if s.get("uses") == GRADER]
    names = [s["with"]["test-name"] for s in graders]
    assert names[:5] == [f"arithmetic: {op}" for op in ("add", "sub", "mul", "div", "neg")]
    assert names[-1] == "chain-rule machinery"  # all or nothing: one step
    assert len(names) == 5 + 3 + 3 + 3 + 3 + 1
    scores = [s["with"]["max-score"] for s in graders]
    assert scores[:5] == [4] * 5 and scores[-1] == 20 and sum(scores) == 100
    assert graders[0]["with"]["command"] == (
        "python -m pytest -p no:cacheprovider -q "
        "'test_engine.py::test_arithmetic' "
        "--chaingrade-item add"
    )
    ids = [s["id"] for s in graders]
    assert ids[0] == "arithmetic-add" and len(set(ids)) == len(ids)
    reporter = steps[-1]
    assert reporter["uses"] == REPORTER
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {
        f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids
    }


def test_hidden_parts_get_no_step_and_the_file_is_written(tmp_path):
    folder = tmp_path / "scalar_autodiff"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text().replace('name = "powers"\n', 'name = "powers"\nvisibility = "hidden"\n')
    )
    output = tmp_path / "repo" / ".github" / "workflows" / "classroom.yml"
    done = chaingrade("classroom", folder, "-o", output)
    assert done.returncode == 0, done.stderr
    names = [
        s["with"]["test-name"] for s in steps_of(output.read_text()) if s.get("uses") == GRADER
    ]
    assert not [n for n in names if n.startswith("powers")] and len(names) == 15


def test_an_assignment_without_public_tests_is_a_clean_error(tmp_path):
    folder = tmp_path / "scalar_autodiff"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "test_engine.py").unlink()
    done = chaingrade("classroom", folder)
    assert done.returncode == 2
    assert "no visible tests with points" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "name",
    [
        "scalar_autodiff",
        "tensor_autodiff",
        "chain_rule_single",
        "forward_autodiff",
        "functional_autodiff",
    ],
)
def test_every_bundled_part_splits_into_equal_whole_shares(name):
    # Classroom's steps are whole points: a part whose points are a multiple of its items
    # gives every student the same total on Classroom as on Gradescope.
    assert classroom.uneven_parts(load(name)) == []


def test_an_uneven_part_is_said_in_the_workflow_and_on_the_command_line(tmp_path):
    folder = tmp_path / "scalar_autodiff"
    shutil.copytree(ROOT / "assignments" / "scalar_autodiff", folder)
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text().replace('points = 20\nops = ["add"', 'points = 22\nops = ["add"')
    )
    assert classroom.uneven_parts(load(str(folder))) == [
        "arithmetic: 22 points over 5 items "
        "(Classroom steps of 4, 5 points, Gradescope 4.4 an item: a total can differ by up to 1.2)"
    ]
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "classroom", str(folder), "-o", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: arithmetic: 22 points over 5 items" in done.stderr
    assert "# Not an equal share" in done.stdout


def test_the_widest_gap_is_what_a_student_can_really_lose_or_gain():
    # chain_rule_multi's first part: 35 points over 8 functions, steps 5, 5, 5, 4, 4, 4, 4, 4.
    # Three right functions of 5 points earn 15 on Classroom, 13.125 on Gradescope.
    (first, *_) = classroom.uneven_parts(load("chain_rule_multi"))
    assert first.endswith("a total can differ by up to 1.875)")


def test_api_and_entry_go_on_every_step_as_the_shell_reads_them(tmp_path):
    """As ``chaingrade gradescope`` bakes them into run_autograder (a student pushing to
    Classroom can pass neither): a JSON API keeps its quotes through the shell."""
    api = '{"preset": "micrograd", "backward": "backwards"}'
    done = chaingrade("classroom", "scalar_autodiff", "--api", api, "--entry", "micrograd.engine")
    assert done.returncode == 0, done.stderr
    commands = [s["with"]["command"] for s in steps_of(done.stdout) if s.get("uses") == GRADER]
    for command in commands:
        words = shlex.split(command)
        baked = json.loads(words[words.index("--api") + 1])
        assert (baked["leaf"], baked["backward"]) == ("Value", "backwards"), command
        assert words[words.index("--entry") + 1] == "micrograd.engine", command
    empty = chaingrade("classroom", "scalar_autodiff", "--entry", " ")
    assert empty.returncode == 2 and "--entry" in empty.stderr, empty.stderr
