"""The tensor kind on every platform path, run as users run them (subprocesses): check
(text, JSON, the feedback page), grade (Gradescope's results.json), the pytest plugin,
Classroom, the student pack, batch, and the Gradescope autograder zip."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "tensor_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"


def _corpus():
    path = ROOT / "tests" / "engines" / "tensor" / "buggy.py"
    spec = importlib.util.spec_from_file_location("chaingrade_tensor_corpus_p", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _corpus()
pytestmark = pytest.mark.slow


def run(*args, cwd=ROOT, timeout=600):
    """As the calling user: workers as a pool of other users is the platform tests' part
    (tests/test_batch_platform.py, tests/test_gradescope_platform.py)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "CHAINGRADE_WORKER_USER": ""},
    )


def chaingrade(*args, cwd=ROOT):
    return run("-m", "graders.platforms.cli", *args, cwd=cwd)


def test_check_names_op_step_and_axis_on_a_buggy_needle_style_engine(tmp_path):
    engine = corpus.write("needle_broadcast_to_left_aligned", tmp_path / "engine.py")
    done = chaingrade(
        "check", engine, "--assignment", "tensor_autodiff", "--api", "needle", "--examples", "8"
    )
    assert done.returncode == 1, done.stderr
    assert "step unbroadcast, op broadcast_to" in done.stdout
    assert "summed over axis" in done.stdout
    assert "from engine import Tensor, broadcast_to, summation" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_check_json_carries_the_axes_and_html_writes_a_page(tmp_path):
    engine = corpus.write("mean_missing_one_over_n", tmp_path / "engine.py")
    page = tmp_path / "report.html"
    done = chaingrade(
        "check",
        engine,
        "--assignment",
        "tensor_autodiff",
        "--json",
        "--examples",
        "8",
        "--html",
        page,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    (finding,) = [f for f in report["findings"] if f["op"] == "mean"]
    assert finding["step"] == "local-derivative" and finding["axes"]
    assert "missing the factor 1/" in finding["message"]
    html = page.read_text(encoding="utf-8")
    assert "missing the factor 1/" in html and "<svg" not in html.split("mean", 1)[0][-2000:]


def test_check_grades_the_solution_to_full_marks(tmp_path):
    done = chaingrade("check", SOLUTION, "--assignment", "tensor_autodiff", "--examples", "8")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "100 / 100" in done.stdout


def test_grade_writes_gradescope_results(tmp_path):
    engine = corpus.write("transpose_not_inverted", tmp_path / "engine.py")
    results = tmp_path / "results.json"
    done = chaingrade(
        "grade", engine, "--assignment", "tensor_autodiff", "--results", results, "--examples", "8"
    )
    assert results.is_file(), done.stderr
    data = json.loads(results.read_text())
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["shape ops"]["score"] < tests["shape ops"]["max_score"]
    assert tests["matmul"]["score"] == tests["matmul"]["max_score"]
    assert "transpose" in tests["shape ops"]["output"]


def test_the_pytest_plugin_grades_a_submission_per_part(tmp_path):
    engine = corpus.write("max_spreads_to_every_element", tmp_path / "engine.py")
    results = tmp_path / "results.json"
    done = run(
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        ASSIGNMENT,
        "--submission",
        engine,
        "--gradescope-results",
        results,
    )
    assert done.returncode == 1, done.stdout
    tests = {t["name"]: t for t in json.loads(results.read_text())["tests"]}
    assert tests["reductions"]["score"] == pytest.approx(15 * 2 / 3, abs=0.01)
    assert tests["matmul"]["score"] == 15


def test_classroom_has_a_step_per_op_and_one_for_the_reverse_pass():
    yaml = pytest.importorskip("yaml")
    done = chaingrade("classroom", "tensor_autodiff")
    assert done.returncode == 0, done.stderr
    (job,) = yaml.safe_load(done.stdout)["jobs"].values()
    graders = [s for s in job["steps"] if "with" in s and "test-name" in s["with"]]
    names = [s["with"]["test-name"] for s in graders]
    assert "reductions: mean" in names and "matmul: matmul" in names
    assert names[-1] == "reverse pass"
    assert sum(s["with"]["max-score"] for s in graders) == pytest.approx(100)


def test_release_packs_starter_readme_and_tests_but_no_solution(tmp_path):
    out = tmp_path / "pack"
    done = chaingrade("release", "tensor_autodiff", "-o", out)
    assert done.returncode == 0, done.stderr
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "engine.py" in names and "README.md" in names and "assignment.toml" in names
    assert not any("solution" in n for n in names)
    assert (out / "engine.py").read_text() == (ASSIGNMENT / "starter" / "engine.py").read_text()


def test_batch_grades_every_submission(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.py").write_text(SOLUTION.read_text())
    corpus.write("seed_zero", folder / "bob.py")
    out = tmp_path / "out"
    done = chaingrade(
        "batch",
        folder,
        "--assignment",
        "tensor_autodiff",
        "--out",
        out,
        "--examples",
        "6",
        "--no-progress",
        "--jobs",
        "1",
    )
    assert done.returncode in (0, 1), done.stderr
    rows = {r["name"]: r for r in csv.DictReader((out / "summary.csv").open())}
    assert float(rows["alice"]["score"]) == 100
    assert float(rows["bob"]["score"]) == 0
    bob = json.loads((out / "bob.json").read_text())  # Gradescope's format
    assert all("step seed" in t["output"] for t in bob["tests"])
    assert (out / "bob.html").is_file() and (out / "summary.html").is_file()


def test_gradescope_zip_holds_the_assignment(tmp_path):
    out = tmp_path / "autograder.zip"
    done = chaingrade("gradescope", "tensor_autodiff", "-o", out)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(out).namelist()
    assert "assignment/assignment.toml" in names
    assert "assignment/test_tensor_autodiff.py" in names
    assert any(n.startswith("assignment/solution") for n in names) is False
