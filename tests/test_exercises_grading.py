"""Grading hand-derived answers end to end: student code in the worker, the wrong step named.

A small assignment in a temporary folder holds the course's first example (with its
published values) and a chain of four compositions; each test writes an answers file
with one kind of mistake and checks which step and function are blamed.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import AssignmentError, load
from graders.exercises.grader import ExerciseGrader
from graders.grading import grade

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "assignments" / "chain_rule_multi" / "exercises"
FOURFOLD = ROOT / "assignments" / "chain_rule_single" / "exercises" / "fourfold.chain"

TOML = """
name = "exercise_test"
kind = "chain_rule"
seed = 7
examples = 4
inputs_per_case = 2
{limits}

[[parts]]
name = "multi"
points = 8
exercise = "first.chain"
published = [{{ at = {{ x = 3, y = 1 }}, dg_dp = 18, dg_dq = -147, dg_dx = -186, dg_dy = 15 }}]

[[parts]]
name = "chain"
points = 5
exercise = "fourfold.chain"
prefix = "chain_"
"""

#: Right answers, each function's body. Totals use the student's own partials.
MULTI = {
    "dg_dp": "return 2 * (y * x**2)",
    "dg_dq": "return -3 * (2*x + y)**2",
    "dp_dx": "return 2 * x * y",
    "dp_dy": "return x**2",
    "dq_dx": "return 2.0",
    "dq_dy": "return 1.0",
    "dg_dx": "return dg_dp(x, y) * dp_dx(x, y) + dg_dq(x, y) * dq_dx(x, y)",
    "dg_dy": "return dg_dp(x, y) * dp_dy(x, y) + dg_dq(x, y) * dq_dy(x, y)",
}
CHAIN = {
    "chain_dz_dw": "return math.exp(math.sin(math.log(x**2 + 1)))",
    "chain_dw_dv": "return math.cos(math.log(x**2 + 1))",
    "chain_dv_du": "return 1 / (x**2 + 1)",
    "chain_du_dx": "return 2 * x",
    "chain_dz_dx": "return chain_dz_dw(x) * chain_dw_dv(x) * chain_dv_du(x) * chain_du_dx(x)",
}


@pytest.fixture(scope="module")
def assignment(tmp_path_factory):
    return _assignment(tmp_path_factory.mktemp("exercise_test"), "")


def _assignment(folder: Path, limits: str):
    shutil.copy(EXERCISES / "first.chain", folder / "first.chain")
    shutil.copy(FOURFOLD, folder / "fourfold.chain")
    (folder / "assignment.toml").write_text(TOML.format(limits=limits))
    return load(str(folder))


def answers(tmp_path, **changes) -> Path:
    """An answers file: the right answers, but for ``changes`` (None deletes a function)."""
    bodies = {**MULTI, **CHAIN, **changes}
    lines = ["import math", ""]
    for name, body in bodies.items():
        if body is not None:
            args = "x" if name.startswith("chain_") else "x, y"
            lines += ["", f"def {name}({args}):", f"    {body}", ""]
    path = tmp_path / "answers.py"
    path.write_text("\n".join(lines))
    return path


def graded(assignment, path):
    report = ExerciseGrader(assignment, path).grade()
    return report, [(f.step, f.function) for f in report.findings]


# --- right answers ------------------------------------------------------------------------


def test_right_answers_in_different_algebraic_forms_score_full_marks(assignment, tmp_path):
    expanded = answers(
        tmp_path,
        dg_dp="return 2*x*x*y",
        dg_dq="return -12*x**2 - 12*x*y - 3*y**2",
        dg_dx="return 4*x**3*y**2 - 6*(2*x + y)**2",
        dg_dy="return 2*x**4*y - 3*(4*x**2 + 4*x*y + y*y)",
        chain_dz_dx="u = math.log(1 + x*x); return 2*x*math.cos(u)*math.exp(math.sin(u))/(1 + x*x)",
    )
    report, blamed = graded(assignment, expanded)
    assert blamed == []
    assert report.score == report.max_score == 13
    assert report.part("multi").examples >= 2  # the published case and generated ones


def test_grade_dispatches_on_the_assignment_kind(assignment, tmp_path):
    report = grade(assignment, answers(tmp_path), examples=2)
    assert report.score == 13


# --- each kind of mistake ---------------------------------------------------------------


def test_wrong_partial_is_blamed_and_the_totals_built_on_it_are_not(assignment, tmp_path):
    report, blamed = graded(assignment, answers(tmp_path, dp_dx="return x * y"))
    assert blamed == [("local-derivative", "dp_dx")]
    finding = report.findings[0]
    assert finding.node == "p = y * x**2" and finding.rule == "dp/dx"
    assert finding.at == {"x": 3.0, "y": 1.0}  # the published example comes first
    assert "dg_dx is the right chain-rule combination" in finding.message
    assert report.part("multi").score == 7  # dp_dx only; dg_dx follows through
    assert report.part("chain").score == 5


def test_wrong_partial_repeated_in_a_hand_written_total_is_still_the_partial(assignment, tmp_path):
    path = answers(tmp_path, dp_dy="return x", dg_dy="return 2*y*x**2 * x - 3*(2*x + y)**2")
    report, blamed = graded(assignment, path)
    assert blamed == [("local-derivative", "dp_dy")]


def test_wrong_combination_product_where_a_sum_belongs(assignment, tmp_path):
    path = answers(tmp_path, dg_dx="return dg_dp(x, y) * dp_dx(x, y) * dg_dq(x, y) * dq_dx(x, y)")
    report, blamed = graded(assignment, path)
    assert blamed == [("combination", "dg_dx")]
    assert "a product where a sum belongs" in report.findings[0].message
    assert report.part("multi").score == 7


def test_missing_path(assignment, tmp_path):
    report, blamed = graded(assignment, answers(tmp_path, dg_dy="return dg_dp(x, y) * dp_dy(x, y)"))
    assert blamed == [("combination", "dg_dy")]
    assert "missing path: it leaves out the path dg/dq*dq/dy" in report.findings[0].message


def test_sign_error_in_a_partial(assignment, tmp_path):
    report, blamed = graded(assignment, answers(tmp_path, dg_dq="return 3 * (2*x + y)**2"))
    assert blamed == [("local-derivative", "dg_dq")]
    assert "the sign is wrong" in report.findings[0].message
    assert report.part("multi").score == 7


def test_sign_error_in_the_combination(assignment, tmp_path):
    path = answers(tmp_path, dg_dx="return dg_dp(x, y) * dp_dx(x, y) - dg_dq(x, y) * dq_dx(x, y)")
    report, blamed = graded(assignment, path)
    assert blamed == [("combination", "dg_dx")]
    assert "sign error" in report.findings[0].message


def test_chain_missing_link_and_sum_where_a_product_belongs(assignment, tmp_path):
    path = answers(tmp_path, chain_dz_dx="return chain_dz_dw(x) * chain_du_dx(x)")
    report, blamed = graded(assignment, path)
    assert blamed == [("combination", "chain_dz_dx")]
    assert report.part("chain").score == 4 and report.part("multi").score == 8
    summed = "return chain_dz_dw(x) + chain_dw_dv(x) + chain_dv_du(x) + chain_du_dx(x)"
    report, blamed = graded(assignment, answers(tmp_path, chain_dz_dx=summed))
    assert blamed == [("combination", "chain_dz_dx")]
    assert "a sum where a product belongs" in report.findings[0].message


def test_missing_raising_and_non_numbers(assignment, tmp_path):
    path = answers(
        tmp_path,
        dq_dy="raise NotImplementedError",
        dq_dx=None,  # not written at all
        chain_dv_du="return 1 / (x - x)",
        chain_du_dx="return 'two x'",
    )
    report, blamed = graded(assignment, path)
    assert ("missing", "dq_dy") in blamed and ("missing", "dq_dx") in blamed
    assert ("error", "chain_dv_du") in blamed and ("error", "chain_du_dx") in blamed
    messages = {f.function: f.message for f in report.findings}
    assert "ZeroDivisionError" in messages["chain_dv_du"]
    assert "str (not a number)" in messages["chain_du_dx"]


def test_published_example_is_checked_where_it_was_published(assignment, tmp_path):
    path = answers(
        tmp_path,
        dg_dy="return 16.0 if (x, y) == (3.0, 1.0) else "
        "dg_dp(x, y) * dp_dy(x, y) + dg_dq(x, y) * dq_dy(x, y)",
    )
    report, blamed = graded(assignment, path)
    assert blamed == [("combination", "dg_dy")]
    assert report.findings[0].at == {"x": 3.0, "y": 1.0}
    assert report.findings[0].expected == 15


def test_a_syntax_error_scores_zero_everywhere(assignment, tmp_path):
    path = tmp_path / "answers.py"
    path.write_text("def dg_dp(x, y:\n")
    report = ExerciseGrader(assignment, path).grade()
    assert report.score == 0 and report.findings[0].step == "error"
    assert "syntax error" in report.findings[0].message


def test_a_hanging_function_is_found_and_the_others_graded(tmp_path_factory, tmp_path):
    folder = tmp_path_factory.mktemp("short_limits")
    assignment = _assignment(folder, "[limits]\ncall_seconds = 1")
    report, blamed = graded(assignment, answers(tmp_path, dq_dy="while True: pass"))
    # dg_dy calls dq_dy, so it hangs too; every other function is graded as usual.
    assert blamed == [("error", "dq_dy"), ("error", "dg_dy")]
    assert "time limit" in report.findings[0].message
    assert "perhaps only because it uses dq_dy" in report.findings[1].message
    assert report.part("multi").score == 6 and report.part("chain").score == 5


def test_the_json_report_names_the_function(assignment, tmp_path):
    report, _ = graded(assignment, answers(tmp_path, dp_dx="return x * y"))
    data = report.to_json()
    assert data["findings"][0]["function"] == "dp_dx"
    assert data["findings"][0]["summary"].startswith("step local-derivative, function dp_dx:")


# --- assignment files --------------------------------------------------------------------


def test_a_wrong_published_value_is_a_load_error(tmp_path):
    shutil.copy(EXERCISES / "first.chain", tmp_path / "first.chain")
    (tmp_path / "assignment.toml").write_text(
        'kind = "chain_rule"\n[[parts]]\nname = "a"\npoints = 1\nexercise = "first.chain"\n'
        "published = [{ at = { x = 3, y = 1 }, dg_dx = -187 }]\n"
    )
    with pytest.raises(AssignmentError, match="dg_dx = -187 but MyGrad gives -186"):
        load(str(tmp_path))


def test_parts_asking_for_the_same_function_need_a_prefix(tmp_path):
    shutil.copy(EXERCISES / "first.chain", tmp_path / "first.chain")
    part = '[[parts]]\nname = "{}"\npoints = 1\nexercise = "first.chain"\n'
    (tmp_path / "assignment.toml").write_text(
        'kind = "chain_rule"\n' + part.format("a") + part.format("b")
    )
    with pytest.raises(AssignmentError, match="give one of them a prefix"):
        load(str(tmp_path))


def test_an_exercise_error_names_the_file_and_line(tmp_path):
    (tmp_path / "bad.chain").write_text("p = x * y\ng = __import__('os')\n")
    (tmp_path / "assignment.toml").write_text(
        'kind = "chain_rule"\n[[parts]]\nname = "a"\npoints = 1\nexercise = "bad.chain"\n'
    )
    with pytest.raises(AssignmentError, match=r"bad\.chain, line 2: unknown function"):
        load(str(tmp_path))


def test_same_as_checks_the_two_exercises_are_one_function(tmp_path):
    (tmp_path / "chain.chain").write_text("g = x**2 + 1\nf = g**3\n")
    (tmp_path / "expanded.chain").write_text("f = x**6 + 3*x**4 + 3*x**2\n")  # the 1 is lost
    (tmp_path / "assignment.toml").write_text(
        'kind = "chain_rule"\n'
        '[[parts]]\nname = "chain"\npoints = 1\nexercise = "chain.chain"\n'
        '[[parts]]\nname = "power"\npoints = 1\nexercise = "expanded.chain"\n'
        'prefix = "expanded_"\nsame_as = "chain"\n'
    )
    with pytest.raises(AssignmentError, match="should be the same function"):
        load(str(tmp_path))


def test_boxes_where_the_exercise_is_undefined_are_a_load_error(tmp_path):
    (tmp_path / "log.chain").write_text("x: (-2, -1)\ng = log(x)\n")
    (tmp_path / "assignment.toml").write_text(
        'kind = "chain_rule"\n[[parts]]\nname = "a"\npoints = 1\nexercise = "log.chain"\n'
    )
    with pytest.raises(AssignmentError, match="not defined at most points of its boxes"):
        load(str(tmp_path))


def test_the_bundled_assignments_load():
    for name, parts in [("chain_rule_multi", 3), ("chain_rule_single", 3)]:
        assignment = load(name)
        assert assignment.kind.name == "exercises" and len(assignment.parts) == parts
        assert assignment.submission == "answers.py"
        assert assignment.solution.is_file()


def test_chaingrade_check_passes_the_multi_solution():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders.platforms.cli",
            "check",
            "--assignment",
            "chain_rule_multi",
            "--examples",
            "5",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "100 / 100" in done.stdout


def test_importing_mygrad_is_a_policy_violation(assignment, tmp_path):
    path = answers(tmp_path, dp_dy="import mygrad; return x**2")
    report = ExerciseGrader(assignment, path).grade()
    assert report.score == 0
    message = report.findings[0].message
    assert message.startswith("policy violation: ") and "import mygrad" in message
