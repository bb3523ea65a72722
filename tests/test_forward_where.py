"""``where`` and the root cause on the forward kind's findings (dual-number engines).

Each one-bug engine of tests/engines/forward/buggy is graded, and the first place of its
finding must be the statement the bug changed (told by diffing it with the correct engine
it was made from). The engines of tests/engines/forward/built_on build ops on their own
ops (tanh and sigmoid on exp, sqrt on pow, tan on sin): one bug in the op others are
built on is that op's line on every finding it causes, and the root cause is said once
per op built on it. At six grading seeds (``seed_params``: two in a quick run).
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shutil
from pathlib import Path

import pytest
from suite_seeds import seed_params

from graders import assignment, grading
from graders.platforms import gradescope, html_report
from graders.platforms import report as reports
from graders.presets import AUTO

ENGINES = Path(__file__).resolve().parent / "engines" / "forward"
SEEDS = (11, 22, 33, 44, 55, 66)
#: A few examples per part: a place is decided on the op alone, whatever case found it.
EXAMPLES = 4

#: Each one-bug engine whose finding gets a place: (name, step, op).
PLACED = [
    ("cos_sign", "local-derivative", "cos"),
    ("div_quotient_sign", "local-derivative", "div"),
    ("log_forward", "forward", "log"),
    ("mul_local_derivative", "local-derivative", "mul"),
    ("neg_upstream", "upstream", "neg"),
    ("pow_exponent", "local-derivative", "pow"),
    ("pow_var_upstream", "upstream", "pow_var"),
    ("relu_forward", "forward", "relu"),
    ("sigmoid_upstream", "upstream", "sigmoid"),
    ("sin_upstream", "upstream", "sin"),
    ("sqrt_local_derivative", "local-derivative", "sqrt"),
    ("tanh_local_derivative", "local-derivative", "tanh"),
]
#: Each built-on engine: (name, the op with the bug, the ops built on it).
BUILT_ON = [
    ("exp_tangent", "exp", ("pow_var", "rpow", "tanh", "sigmoid")),
    ("pow_constant", "pow", ("sqrt",)),
    ("sin_tangent", "sin", ("tan",)),
]


def _grade(engine: Path, folder: Path, seed: int):
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "dual.py"
    shutil.copy(engine, target)
    task = assignment.load("forward_autodiff", api=AUTO)
    return grading.grade(task, target, grading_seed=seed, examples=EXAMPLES)


def _correct_of(engine: Path) -> Path:
    """The correct engine a one-bug engine was made from (its docstring names it)."""
    if engine.parent.name == "built_on":
        return engine.parent / "correct.py"
    named = re.search(r"correct/(\w+\.py)", engine.read_text())
    assert named, engine
    return ENGINES / "correct" / named.group(1)


def _bug_lines(engine: Path) -> set[int]:
    """The lines of the statements the bug changed (the docstring left out)."""
    wrong, right = engine.read_text(), _correct_of(engine).read_text()
    body = ast.parse(wrong).body[1].lineno  # after the docstring
    matcher = difflib.SequenceMatcher(a=right.splitlines(), b=wrong.splitlines(), autojunk=False)
    changed = {
        j + 1
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
        for j in range(j1, j2)
        if j + 1 >= body
    }
    statements = [n for n in ast.walk(ast.parse(wrong)) if isinstance(n, ast.stmt)]
    return {
        line
        for n in statements
        if not isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.If))
        and changed & set(range(n.lineno, n.end_lineno + 1))
        for line in range(n.lineno, n.end_lineno + 1)
    }


def _finding(report, step, op):
    found = [f for f in report.findings if f.step == step and f.op == op]
    assert found, [f.summary() for f in report.findings]
    return found[0]


@pytest.mark.parametrize(("name", "step", "op", "seed"), seed_params(PLACED, SEEDS))
def test_a_one_bug_engines_first_place_is_the_buggy_line(tmp_path, name, step, op, seed):
    engine = ENGINES / "buggy" / f"{name}.py"
    report = _grade(engine, tmp_path, seed)
    finding = _finding(report, step, op)
    assert finding.where, finding.summary()
    place = finding.where[0]
    assert place["file"] == "dual.py"
    assert place["line"] in _bug_lines(engine), (seed, place)
    assert place["code"] == engine.read_text().splitlines()[place["line"] - 1].strip()
    assert "built_on" not in place


@pytest.mark.parametrize(("name", "root", "built", "seed"), seed_params(BUILT_ON, SEEDS))
def test_an_op_built_on_a_wrong_op_names_it_as_the_root_cause_once(
    tmp_path, name, root, built, seed
):
    engine = ENGINES / "built_on" / f"{name}.py"
    report = _grade(engine, tmp_path, seed)
    bug = _bug_lines(engine)
    own = _finding(report, "local-derivative", root)
    assert own.where and own.where[0]["line"] in bug and "built_on" not in own.where[0]
    ops = {f.op for f in report.findings}
    assert ops == {root, *built}, [f.summary() for f in report.findings]
    text = reports.text(report)
    line = own.where[0]["line"]
    for op in built:
        dependent = next(f for f in report.findings if f.op == op)
        assert dependent.where[0]["line"] in bug, (op, dependent.where)
        assert dependent.where[0]["built_on"] == root, (op, dependent.where)
        said = f"{op} is built on your {root} (dual.py:{line}): fix {root}; {op} is right once"
        assert text.count(said) == 1, text
    follows = f"follows from this: {', '.join(f.op for f in report.findings if f.op in built)}"
    assert text.count(follows) == 1, text
    for result in report.parts:  # points as the assignment says: each op its share
        if result.part.machinery:  # compositions of the ops not charged: all right
            assert result.score == result.part.points
            continue
        charged = {root, *built} & set(result.part.ops)
        share = result.part.points * (len(result.part.ops) - len(charged)) / len(result.part.ops)
        assert result.score == pytest.approx(share), result.part.name


#: Ops that raise, in correct/dual_class.py: (op, its right line, the line that raises).
RAISES = [
    (
        "cos",
        "return Dual(math.cos(x.val), -math.sin(x.val) * x.der)",
        "return Dual(math.cos(x.val), -math.sin(x.val) * x.derivative)",
    ),
    (
        "tanh",
        "return Dual(value, (1 - value**2) * x.der)",
        "return Dual(value, (1 - value**2) * x.der[0])",
    ),
]


@pytest.mark.parametrize(("op", "right", "wrong", "seed"), seed_params(RAISES, SEEDS))
def test_an_op_that_raises_points_at_the_line_that_raised(tmp_path, op, right, wrong, seed):
    correct = (ENGINES / "correct" / "dual_class.py").read_text()
    assert correct.count(right) == 1
    engine = tmp_path / "engine.py"
    engine.write_text(correct.replace(right, wrong))
    report = _grade(engine, tmp_path / "graded", seed)
    finding = next(f for f in report.findings if f.step == "error" and f.op == op)
    assert finding.where, finding.summary()
    place = finding.where[0]
    assert place["code"] == wrong and place["function"] == op, place


def test_the_built_on_engine_without_a_bug_gets_full_marks(tmp_path):
    report = _grade(ENGINES / "built_on" / "correct.py", tmp_path, SEEDS[0])
    assert report.findings == [], [f.summary() for f in report.findings]
    assert report.score == report.max_score


def test_no_place_where_none_is_certain(tmp_path):
    """An op that changes the dual number it is given, and a constructor that drops its
    tangent, get no place (none is worked out for them), never a wrong one."""
    for name in ("sin_changes_input", "constructor_drops_tangent", "constant_seed"):
        report = _grade(ENGINES / "buggy" / f"{name}.py", tmp_path / name, SEEDS[0])
        assert report.findings
        assert all(not f.where for f in report.findings), name


def test_the_reports_show_the_place_and_the_root_cause(tmp_path):
    engine = ENGINES / "built_on" / "exp_tangent.py"
    report = _grade(engine, tmp_path, SEEDS[0])
    (line,) = _bug_lines(engine)
    text = reports.text(report)
    assert f"   where: dual.py:{line} in exp:  return Dual(value, x.val * x.der)" in text
    part = next(p for p in report.parts if any(f.op == "tanh" for f in p.findings))
    markdown = reports.part_markdown(part)
    assert f"- where: ` dual.py:{line} ` in ` exp `" in markdown
    assert f"> {line} | " in markdown
    assert "tanh is built on your exp" in markdown
    results = gradescope.from_report(report)
    assert gradescope.validate(results) == []
    page = html_report.page(results)
    assert f'<mark class="here">{line:>4} | ' in page
    assert "<strong>Root cause:</strong> tanh is built on your exp" in page
    found = json.loads(reports.as_json(report))["findings"]
    tanh = next(f for f in found if f["op"] == "tanh")
    assert tanh["where"][0]["built_on"] == "exp" and tanh["where"][0]["line"] == line
