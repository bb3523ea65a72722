"""``chaingrade check`` runs exactly the cases CI runs, however chaingrade is installed and
wherever the student runs it: the digest of every part's cases is the same for ``check``,
``grade`` and the pytest plugin, from this checkout's editable install and from a wheel
installed into a fresh venv, run in a folder with a planted ``.hypothesis`` and a module
full of numbers (Hypothesis would mix "local" constants into its draws)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from platform_support import ROOT, chaingrade_from, clean_environment, system_venv

ASSIGNMENT = ROOT / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"

pytestmark = [pytest.mark.slow, pytest.mark.platform]


def student_folder(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy(SOLUTION, folder / "engine.py")
    planted = folder / ".hypothesis" / "constants" / "planted"
    planted.parent.mkdir(parents=True)
    planted.write_text("[7, 13, 99, 0.5, 1e300]")
    (folder / "course_numbers.py").write_text("".join(f"N{k} = {k * 7919}\n" for k in range(200)))
    return folder


def digests_of_check(data: dict) -> dict[str, str]:
    return {t["name"]: t["cases_digest"] for t in data["tests"]}


def digests_of_results(data: dict) -> dict[str, str]:
    return {t["name"]: t["extra_data"]["cases_digest"] for t in data["tests"]}


def test_check_grade_and_pytest_run_the_same_cases_from_either_install(request, tmp_path):
    folder = student_folder(tmp_path)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    here = [sys.executable, "-m", "graders.platforms.cli"]
    common = ["--assignment", str(ASSIGNMENT), "--examples", "5"]
    check = subprocess.run(
        [*here, "check", "engine.py", "--json", *common],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    grade = subprocess.run(
        [*here, "grade", "engine.py", "--results", "-", *common],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = tmp_path / "plugin.json"
    plugin = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ASSIGNMENT),
            "--submission",
            str(folder / "engine.py"),
            "--examples",
            "5",
            "--gradescope-results",
            str(results),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert plugin.returncode == 0, plugin.stdout[-2000:]
    wheel = chaingrade_from(
        system_venv(request.config),
        "check",
        "engine.py",
        "--json",
        *common,
        cwd=folder,
        env=clean_environment(),
    )
    found = {
        "check (editable)": digests_of_check(json.loads(check.stdout)),
        "grade (editable)": digests_of_results(json.loads(grade.stdout)),
        "pytest (editable)": digests_of_results(json.loads(results.read_text())),
        "check (wheel)": digests_of_check(json.loads(wheel.stdout)),
    }
    first = found["check (editable)"]
    assert len(first) == 6 and all(first.values())
    for how, digests in found.items():
        assert digests == first, how
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_private_seed_grades_other_cases_with_the_same_verdict(tmp_path):
    """A table of answers recorded for the public cases misses a private seed's."""
    folder = student_folder(tmp_path)
    seed_file = tmp_path / "seed"
    seed_file.write_text("8675309\n")
    here = [
        sys.executable,
        "-m",
        "graders.platforms.cli",
        "check",
        "engine.py",
        "--json",
        "--assignment",
        str(ASSIGNMENT),
        "--examples",
        "5",
    ]
    public = subprocess.run(here, cwd=folder, capture_output=True, text=True, timeout=600)
    private = subprocess.run(
        [*here, "--grading-seed-file", str(seed_file)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    one, two = json.loads(public.stdout), json.loads(private.stdout)
    assert one["score"] == two["score"] == 100
    differ = [
        name
        for name, digest in digests_of_check(one).items()
        if digests_of_check(two)[name] != digest
    ]
    assert len(differ) == 6, differ
    assert "8675309" not in private.stdout
