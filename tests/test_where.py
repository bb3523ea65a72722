"""``where`` on findings: the student's own line that computed the wrong number.

One-bug engines (the reference's closures and its ``_unary`` helper, minitorch's class per
op, a notebook) are graded, and the first place of each expected finding's
``where`` must be a line the bug changed (told by diffing the engine with its correct
one). The tracer runs in the worker (``graders.sandbox.tracing``); an engine that switches
tracing off gets no place and its honest score. Student code runs in the sandbox only.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared_runs import file_key, once_per_run
from suite_seeds import seed_params

from graders.assignment import load
from graders.grading import grade
from graders.model.composition import Composition, Node
from graders.places import checked_trace
from graders.platforms import gradescope, html_report
from graders.platforms import report as reports
from graders.presets import PRESETS, from_option
from graders.sandbox import policy
from graders.sandbox.protocol import validated
from graders.sandbox.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ROOT / "tests" / "engines"
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


buggy = _module(ENGINES / "buggy.py", "chaingrade_where_buggy")
families = _module(ENGINES / "families" / "bugs.py", "chaingrade_where_family_bugs")


def changed_lines(correct: str, wrong: str) -> set[int]:
    """The lines of ``wrong`` (1-based) that differ from ``correct``."""
    matcher = difflib.SequenceMatcher(a=correct.splitlines(), b=wrong.splitlines(), autojunk=False)
    return {
        j + 1
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
        for j in range(j1, j2)
    }


def statement_lines(source: str, line: int) -> set[int]:
    """The lines of the statement that starts at ``line``."""
    starts = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.stmt)]
    here = min((n for n in starts if n.lineno == line), key=lambda n: n.end_lineno)
    return set(range(here.lineno, here.end_lineno + 1))


def graded(path: Path, api=None, seed=None):
    """The report of the engine ``path`` (a file or folder), made once per run for the same
    file, ``api`` and ``seed`` whichever test asks (``shared_runs``): read it, never change it."""

    def grading():
        assignment = load("scalar_autodiff")
        if api is not None:
            assignment = dataclasses.replace(assignment, api=from_option(api))
        return grade(assignment, path, grading_seed=seed)

    if not path.is_file():
        return grading()
    return once_per_run(repr(("test_where", file_key(path), api, seed)), grading)


def first_place(report, step, op):
    finding = next(f for f in report.findings if f.step == step and f.op == op)
    assert finding.where, f"no where on {finding.summary()}"
    return finding.where[0]


# (bug, step, op) of the buggy corpus: a closure per op, a helper every unary op shares,
# forward bugs (one built on another op's method), upstream, overwrites, the seed.
# A quick run grades the first of each step's bugs (``QUICK``), ``slow`` the others and the
# seed's (``test_a_seed_never_set_points_where_the_reverse_pass_starts`` is quick).
CORPUS = [
    ("mul_swapped_partials", "local-derivative", "mul"),
    ("div_rhs_sign", "local-derivative", "div"),
    ("cos_sign", "local-derivative", "cos"),
    ("sigmoid_derivative_s", "local-derivative", "sigmoid"),
    ("pow_exponent_no_log", "local-derivative", "rpow"),
    ("sigmoid_sign", "forward", "sigmoid"),
    ("rpow_reversed", "forward", "rpow"),
    ("add_drops_upstream", "upstream", "add"),
    ("cos_overwrites", "accumulation", "cos"),
    ("mul_assigns_grad", "accumulation", "mul"),
    ("zero_grad_after_seed", "seed", None),
]
QUICK = {next(c for c in CORPUS if c[1] == step) for step in {c[1] for c in CORPUS} - {"seed"}}


@pytest.mark.parametrize(
    ("name", "step", "op"),
    [pytest.param(*c, id=c[0], marks=() if c in QUICK else pytest.mark.slow) for c in CORPUS],
)
def test_the_first_place_is_the_line_the_bug_changed(tmp_path, name, step, op):
    path = tmp_path / "engine.py"
    bug = next(b for b in buggy.BUGS if b.name == name)
    _run_table(buggy, bug.name, path)
    place = first_place(graded(path), step, op)
    assert place["file"] == "engine.py"
    assert place["line"] in changed_lines(SOLUTION.read_text(), path.read_text()), place
    assert place["code"] == path.read_text().splitlines()[place["line"] - 1].strip()


def _run_table(table, name: str, path: Path) -> None:
    """Write one bug's engine with its table's own script (``buggy.py NAME OUT.py``)."""
    script = Path(table.__file__)
    subprocess.run([sys.executable, str(script), name, str(path)], check=True, capture_output=True)


def test_a_seed_never_set_points_where_the_reverse_pass_starts(tmp_path):
    path = tmp_path / "engine.py"
    _run_table(buggy, "no_seed", path)
    place = first_place(graded(path), "seed", None)
    assert place["function"] == "Tensor.backward"
    assert place["line"] == path.read_text().splitlines().index("    def backward(self):") + 2


# (bug, step, op) of the other families: minitorch's class per op (a helper function per
# derivative), pyad's partials recorded on a tape as each op runs, needle's op classes and
# DeZero's functions, whose numbers are NumPy arrays and scalars (the tracer follows them
# as it follows floats). Not yet: a partial that is an input's own number (pyad's square
# recording ``a`` for ``2 * a``) and needle's ``__rsub__ = __sub__`` (the alias line never
# runs): no place, never a wrong one.
FAMILY_BUGS = [
    ("minitorch_mul_drops_d_output", "upstream", "mul"),
    ("minitorch_inv_back_sign", "local-derivative", "div"),
    ("minitorch_log_back_drops_d", "upstream", "log"),
    ("pyad_sub_second_sign", "local-derivative", "sub"),
    ("needle_power_scalar_out_grad_base", "local-derivative", "pow"),
    ("dezero_exp_backward_uses_x", "local-derivative", "exp"),
]
#: Grading seeds: the place must not depend on the case the search found.
SEEDS = (None, 3)


# A quick run grades each bug at one seed (``suite_seeds.seed_params``) and one minitorch
# upstream bug; CI all at both seeds.
@pytest.mark.parametrize(
    ("name", "step", "op", "seed"),
    seed_params(FAMILY_BUGS, SEEDS, slow={"minitorch_log_back_drops_d"}),
)
def test_every_family_points_at_its_buggy_line(tmp_path, name, step, op, seed):
    bug = next(b for b in families.BUGS if b.name == name)
    family = families.FAMILIES[bug.family]
    path = tmp_path / "engine.py"
    _run_table(families, name, path)
    place = first_place(graded(path, family.api_option, seed), step, op)
    assert place["line"] in changed_lines(family.path.read_text(), path.read_text()), place


def test_numbers_the_tracer_cannot_follow_give_no_place_never_a_wrong_one(tmp_path):
    """needle's ``sqrt`` is ``power_scalar(x, 0.5)``: with ``PowerScalar.gradient`` wrong,
    every op that runs it (pow, sqrt, div's ``b ** -1``) points at that line or nowhere,
    never at the line that hands on the 0.5."""
    name = "needle_power_scalar_out_grad_base"
    family = families.FAMILIES["needle"]
    path = tmp_path / "engine.py"
    _run_table(families, name, path)
    report = graded(path, family.api_option)
    changed = changed_lines(family.path.read_text(), path.read_text())
    assert report.findings
    assert all(not f.where or f.where[0]["line"] in changed for f in report.findings)
    assert any(f.where for f in report.findings)


def test_gradients_in_a_dict_on_the_output_point_at_the_recorded_partial(tmp_path):
    """A functional engine: each op records ``(parent, local derivative)`` pairs, and the
    reverse pass keeps every gradient in a dict on the output (``.grad`` reads it)."""
    correct = (ENGINES / "correct" / "gradients_on_the_output.py").read_text()
    right = "((self, 1 / other.data), (other, -self.data / other.data**2))"
    assert correct.count(right) == 1
    path = tmp_path / "engine.py"
    path.write_text(correct.replace(right, right.replace("-self.data", "self.data")))
    place = first_place(graded(path), "local-derivative", "div")
    # The statement that computed it: ``return Node(`` spans the lines of its arguments.
    statement = statement_lines(path.read_text(), place["line"])
    assert changed_lines(correct, path.read_text()) <= statement, place
    assert place["function"] == "Node.__truediv__"


def test_a_notebook_names_the_cell(tmp_path):
    import nbformat

    engine = tmp_path / "engine.py"
    _run_table(buggy, "cos_sign", engine)
    text = engine.read_text()
    cut = text.index("def cos(x):")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# My engine"),
        nbformat.v4.new_code_cell(text[:cut]),
        nbformat.v4.new_code_cell(text[cut:]),
    ]
    path = tmp_path / "engine.ipynb"
    path.write_text(nbformat.writes(notebook))
    place = first_place(graded(path), "local-derivative", "cos")
    assert place["file"] == "engine.ipynb"
    assert place["cell"] == 3
    assert "math.sin(x.data)" in place["code"]
    cell = text[cut:].splitlines()
    assert cell[place["line"] - 1].strip() == place["code"]


# (what the solution's line becomes, op): an engine that raises in its own code, in an op's
# forward (a Tensor handed to math.sin) and in its backward (a float's ``.data``).
RAISES = [
    ("-math.sin(x.data))", "-math.sin(x))", "cos"),
    ("self.grad += other.data * out.grad", "self.grad += other.data * out.grad.data", "mul"),
]


@pytest.mark.parametrize(("right", "wrong", "op"), RAISES, ids=[r[2] for r in RAISES])
def test_an_error_points_at_the_line_that_raised(tmp_path, right, wrong, op):
    correct = SOLUTION.read_text()
    assert correct.count(right) == 1
    path = tmp_path / "engine.py"
    path.write_text(correct.replace(right, wrong))
    place = first_place(graded(path), "error", op)
    assert place["line"] in changed_lines(correct, path.read_text()), place


def test_a_recursion_points_at_the_line_that_recursed_not_at_its_def(tmp_path):
    """``__rmul__`` as ``other * self`` calls itself until the stack overflows: the line
    is found from the traceback, run untraced (a tracer under it would overflow first)."""
    path = tmp_path / "engine.py"
    _run_table(buggy, "rmul_recursion", path)
    report = graded(path)
    place = first_place(report, "error", "mul")
    assert place["code"] == "return other * self" and place["function"] == "Tensor.__rmul__"
    assert "policy" not in reports.text(report)


def test_an_error_outside_the_students_code_has_no_place(tmp_path):
    """``cos`` returning None raises in the grader's call of ``backward()``: no line of the
    student's raised, so none is named (never the wrong one)."""
    path = tmp_path / "engine.py"
    _run_table(buggy, "cos_returns_none", path)
    finding = next(f for f in graded(path).findings if f.step == "error")
    assert finding.where == ()


def test_the_reports_show_the_place(tmp_path):
    path = tmp_path / "engine.py"
    _run_table(buggy, "mul_swapped_partials", path)
    report = graded(path)
    text = reports.text(report)
    assert "   where: engine.py:" in text
    assert "in Tensor.__mul__.<locals>.backward:  self.grad += self.data * out.grad" in text
    part = next(p for p in report.parts if any(f.where for f in p.findings))
    markdown = reports.part_markdown(part)
    assert "- where: ` engine.py:" in markdown
    place = next(f.where[0] for f in part.findings if f.where)
    assert f"> {place['line']} | " in markdown  # the line marked in its excerpt
    assert f"  {place['line'] - 1} | " in markdown
    results = gradescope.from_report(report)
    assert gradescope.validate(results) == []
    page = html_report.page(results)
    assert f'<mark class="here">{place["line"]:>4} | ' in page  # highlighted in its excerpt
    found = json.loads(reports.as_json(report))["findings"]
    assert all(isinstance(f["where"], list) for f in found)
    assert any(w["code"] == "self.grad += self.data * out.grad" for f in found for w in f["where"])


def test_a_correct_engine_has_no_where_and_its_report_is_unchanged():
    report = graded(SOLUTION)
    assert report.score == report.max_score
    assert "where:" not in reports.text(report)


SWITCHES_TRACING_OFF = """
import sys
from engine_base import *  # noqa: F403
from engine_base import Tensor


_backward = Tensor.backward


def backward(self):
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        sys.settrace(None)  # what a debugger-minded student might leave in
    for tool in range(6) if monitoring is not None else ():  # the tracer's way from 3.12
        if monitoring.get_tool(tool) is not None:
            monitoring.set_events(tool, 0)
    _backward(self)


Tensor.backward = backward
"""


def test_an_engine_that_switches_tracing_off_gets_no_place_and_never_a_crash(tmp_path, monkeypatch):
    """The static policy forbids ``sys.settrace`` and ``sys.monitoring``; past it (a name
    built at run time, say), switching the grader's tracer off costs the places, never a
    crash. From Python 3.12 the tracer is ``sys.monitoring``'s, whose switch raises no
    audit event: the honest score, without places. Before, it is ``sys.settrace``, which
    hands out frames: the guard's policy violation (``tests/test_hostile.py``)."""
    (tmp_path / "engine_base.py").write_text(_table_text(buggy, "cos_sign", tmp_path))
    plain = graded(tmp_path / "engine_base.py")
    (tmp_path / "engine.py").write_text(SWITCHES_TRACING_OFF)
    monkeypatch.setattr(policy, "check", lambda *_: [])
    report = graded(tmp_path)
    assert any(f.where for f in plain.findings)
    assert all(not f.where for f in report.findings)
    if sys.version_info >= (3, 12):
        assert report.score == plain.score < report.max_score
        assert [f.identity for f in report.findings] == [f.identity for f in plain.findings]
    else:
        assert report.score == 0
        assert [f.message.split(":")[0] for f in report.findings] == ["policy violation"]


def _table_text(table, name: str, folder: Path) -> str:
    path = folder / f"_{name}.py"
    _run_table(table, name, path)
    text = path.read_text()
    path.unlink()
    return text


def test_the_worker_traces_a_probe_and_the_runner_checks_what_comes_back(tmp_path):
    path = tmp_path / "engine.py"
    path.write_text(SOLUTION.read_text())
    runner = Runner(path, PRESETS["mygrad"], load("scalar_autodiff").limits)
    runner.start()
    try:
        probe = Composition(("x", "y"), (Node("mul", (0, 1)),), ("a",))
        job = {
            "trace": probe.to_json(),
            "points": [[2.0, 3.0]],
            "folder": str(runner.home / "submission"),
            "watch": [0],
        }
        (outcome,) = runner.run([job])[0]
    finally:
        runner.cleanup()
    assert outcome["grads"][:2] == [3.0, 2.0]
    writes = [w for w in outcome["trace"]["writes"] if w["index"] == 0]
    (write,) = writes
    line = write["place"][0][1]
    source = SOLUTION.read_text().splitlines()
    assert source[line - 1].strip() == "self.grad += other.data * out.grad"
    assert write["phase"] == "backward" and write["value"] == 3.0 and write["was"] == 0.0


def test_a_reply_that_is_not_what_the_tracer_writes_is_no_place_never_a_crash():
    job = {"trace": {}, "points": [[1.0]], "folder": "/x", "watch": []}
    for bad in ({"trace": "nonsense"}, {"trace": {"lines": [[1, "forward", "x"]]}}, 7):
        (outcomes,) = validated({"results": [[bad]]}, [job])
        assert outcomes[0]["trace"] is None
    assert checked_trace({"error": {"kind": "crash"}})["error"]["op"] is None


# --- array engines (the tensor kind) ------------------------------------------------------

tensor_bugs = _module(ENGINES / "tensor" / "buggy.py", "chaingrade_where_tensor_bugs")

# (bug, step, op, part) of the array corpus: closures over NumPy arrays, an ``_unary``
# helper every elementwise op shares, a wrong gradient and a value in the wrong shape.
TENSOR_BUGS = [
    ("log_inverse_square", "local-derivative", "log", "elementwise and broadcasting"),
    ("div_denominator_not_unbroadcast", "unbroadcast", "div", "elementwise and broadcasting"),
    ("sum_ignores_out_grad", "upstream", "sum", "reductions"),
    ("sum_forward_drops_keepdims", "shape", "sum", "reductions"),
]


@pytest.mark.parametrize(("name", "step", "op", "part", "seed"), seed_params(TENSOR_BUGS, SEEDS))
def test_array_engines_point_at_the_buggy_line(tmp_path, name, step, op, part, seed):
    bug = next(b for b in tensor_bugs.BUGS if b.name == name)
    path = tmp_path / "engine.py"
    _run_table(tensor_bugs, name, path)
    assignment = dataclasses.replace(load("tensor_autodiff"), api=from_option(bug.graded_with))
    report = grade(assignment, path, grading_seed=seed, parts=[part])
    place = first_place(report, step, op)
    base = tensor_bugs.BASES[bug.base]
    assert place["line"] in changed_lines(base.read_text(), path.read_text()), place


def test_an_array_engines_error_points_at_the_line_that_raised(tmp_path):
    """``backward`` raising NotImplementedError on bigger graphs: an error no op explains,
    whose place is the ``raise`` in the student's reverse pass."""
    bug = next(b for b in tensor_bugs.BUGS if b.name == "backward_raises_on_bigger_graphs")
    path = tmp_path / "engine.py"
    _run_table(tensor_bugs, bug.name, path)
    assignment = dataclasses.replace(load("tensor_autodiff"), api=from_option(bug.graded_with))
    report = grade(assignment, path, parts=["elementwise and broadcasting"])
    place = first_place(report, "error", None)
    assert place["code"] == "raise NotImplementedError('bigger graphs are not done yet')"
    assert place["line"] in changed_lines(tensor_bugs.BASES[bug.base].read_text(), path.read_text())


# --- root cause across ops ------------------------------------------------------------------

MICROGRAD_FORK = ENGINES / "correct" / "closures_micrograd.py"
POW_RULE = "self.grad += (other * self.data ** (other - 1)) * out.grad"


def test_an_op_built_on_a_wrong_op_names_that_op_as_the_root_cause_once(tmp_path):
    """micrograd's ``__truediv__`` is ``self * other**-1`` and its ``sqrt`` ``self**0.5``:
    with pow's derivative wrong, div and sqrt point at pow's line, say they are built on it
    once, and pow's own finding says they follow from it. Points stay as they are."""
    correct = MICROGRAD_FORK.read_text()
    assert correct.count(POW_RULE) == 1
    path = tmp_path / "engine.py"
    path.write_text(correct.replace(POW_RULE, POW_RULE.replace("(other - 1)", "other")))
    report = graded(path)
    line = changed_lines(correct, path.read_text())
    for op in ("div", "sqrt"):
        place = first_place(report, "local-derivative", op)
        assert place["line"] in line and place["built_on"] == "pow", place
    own = first_place(report, "local-derivative", "pow")
    assert own["line"] in line and "built_on" not in own
    text = reports.text(report)
    (at,) = line
    said = f"div is built on your pow (engine.py:{at}): fix pow; div is right once pow is"
    assert text.count(said) == 1, text
    assert "follows from this: div, sqrt (built on your pow; right once it is)" in text


# --- the tracer on every Python here ---------------------------------------------------------

TRACED_ENGINE = """
class V:
    def __init__(self, data, parents=()):
        self.data, self.grad, self.parents = data, 0.0, parents
        self._backward = lambda: None

    def __mul__(self, other):
        out = V(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
"""

TRACE_IT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("tracing", sys.argv[1])
tracing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tracing)
sys.path.insert(0, sys.argv[2])
import eng
x, y = eng.V(2.0), eng.V(3.0)
tracer = tracing.Tracer(sys.argv[2], float)
tracer.known(2.0, 3.0)
tracer.start()
out = x * y
tracer.watch(0, lambda: x.grad)
tracer.enter("backward")
out.grad = 1.0
out._backward()
tracer.finish()
switched = tracing.Tracer(sys.argv[2], float)
switched.start()
if hasattr(sys, "monitoring"):
    sys.monitoring.free_tool_id(switched._monitoring)
else:
    sys.settrace(None)
switched.finish()
print(json.dumps([hasattr(sys, "monitoring"), tracer.result["writes"], switched.result]))
"""


def _pythons() -> list[str]:
    """This Python, and any 3.12 or later pyenv has here (``sys.monitoring``)."""
    found = sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python"))
    return [sys.executable, *map(str, found)]


@pytest.mark.parametrize("python", _pythons())
def test_the_tracer_records_the_same_write_with_settrace_and_sys_monitoring(tmp_path, python):
    """``tracing.py`` is standard library only: run alone on each Python, it sees the
    write of ``self.grad += other.data * out.grad`` (3.0 over 0.0) on its line, and a
    submission that switches tracing off leaves no record."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "eng.py").write_text(TRACED_ENGINE)
    script = tmp_path / "trace_it.py"
    script.write_text(TRACE_IT)
    tracing = ROOT / "graders" / "sandbox" / "tracing.py"
    done = subprocess.run(
        [python, str(script), str(tracing), str(folder)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    monitoring, writes, switched = json.loads(done.stdout)
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert monitoring == (version == "True")
    (write,) = [w for w in writes if w[2] == 0]
    line = TRACED_ENGINE.splitlines().index("            self.grad += other.data * out.grad") + 1
    assert write[3:5] == [3.0, 0.0] and write[5][0][1:3] == [line, "V.__mul__.<locals>._backward"]
    assert switched is None
