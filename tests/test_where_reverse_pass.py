"""``where`` on findings about the reverse pass: ``order`` (the traversal's lines) and
``accumulation`` where gradients are kept in a dict (the line that stored over).

One-bug engines whose reverse pass visits nodes in a wrong order (the reference's closures
with breadth-first, preorder and a visit without a visited set; a breadth-first queue
with ``+=``; minitorch's ``topological_sort`` breadth-first) are graded at several seeds:
``where`` lists the lines of the reverse pass's own functions as they ran, the one it
starts in first, and every line the bug changed is among them; no op's own backward is.
A reverse pass that keeps gradients in a dict and stores each contribution over the
earlier ones points at that store: minitorch's too, whose contributions are often the very
same number object (``Add.backward`` returns ``d, d``), and needle's lists of
contributions replaced by a new list or an item put over another. Array engines (the
tensor corpus's MyGrad-style closures, needle-style engines) point at the line that
overwrote and at the line that set the seed, at six seeds.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from suite_seeds import seed_params
from test_diagnosis_patterns import declared
from test_where import changed_lines

from graders import places
from graders.assignment import load
from graders.grading import grade
from graders.platforms import gradescope, html_report
from graders.platforms import report as reports
from graders.presets import from_option
from graders.tensor.grader import TensorGrader

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ROOT / "tests" / "engines"
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"
SEEDS = (None, 3, 7)
#: The reference's order bugs (tests/engines/buggy.py), written over its solution.
REFERENCE_BUGS = [("breadth_first_order",), ("preorder_traversal",), ("topo_without_visited",)]
#: Pattern engines (tests/engines/patterns) and the function their reverse pass starts in.
PATTERNS = [
    ("breadth_first_plus_equals", "Tensor.backward"),
    ("minitorch_breadth_first", "Scalar.backward"),
]


def _order_places(report) -> tuple:
    (finding,) = [f for f in report.findings if f.step == "order"]
    assert finding.where, finding.summary()
    return finding.where


def _no_op_backward(places) -> None:
    """No place is in an op's own backward (a closure made in an op, a class per op's)."""
    for place in places:
        name = place["function"]
        assert "<locals>.backward" not in name, place
        assert not name.endswith(".backward") or name in ("Tensor.backward", "Scalar.backward")


def _body_lines(source: str, lines: set[int]) -> set[int]:
    """``lines`` inside functions (not the header each bug engine says its bug in)."""
    functions = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    return {n for n in lines if any(f.lineno < n <= f.end_lineno for f in functions)}


@pytest.mark.parametrize(("name", "seed"), seed_params(REFERENCE_BUGS, SEEDS))
def test_a_wrong_traversal_lists_the_traversals_lines(tmp_path, name, seed):
    path = tmp_path / "engine.py"
    script = ENGINES / "buggy.py"
    subprocess.run([sys.executable, str(script), name, str(path)], check=True, capture_output=True)
    places = _order_places(grade(load("scalar_autodiff"), path, grading_seed=seed))
    assert places[0]["function"] == "Tensor.backward"
    source = path.read_text()
    changed = _body_lines(source, changed_lines(SOLUTION.read_text(), source))
    assert changed and changed <= {p["line"] for p in places}, (changed, places)
    _no_op_backward(places)


@pytest.mark.parametrize(("name", "entry", "seed"), seed_params(PATTERNS, SEEDS))
def test_a_pattern_engines_wrong_traversal_lists_its_buggy_lines(name, entry, seed):
    path = ENGINES / "patterns" / f"{name}.py"
    task = load("scalar_autodiff", api=declared(path)["API"])
    places = _order_places(grade(task, path, grading_seed=seed))
    assert places[0]["function"] == entry
    lines = path.read_text().splitlines()
    marked = next(i for i, line in enumerate(lines, 1) if "# BUG" in line)
    # the statement the ``# BUG`` comment is on, or the first one after it
    buggy = marked if not lines[marked - 1].strip().startswith("#") else marked + 2
    assert buggy in {p["line"] for p in places}, (buggy, places)
    _no_op_backward(places)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_kept_in_a_dict_point_at_the_store_that_overwrote(seed):
    path = ENGINES / "patterns" / "dict_gradients_overwrite.py"
    report = grade(load("scalar_autodiff"), path, grading_seed=seed)
    (finding,) = [f for f in report.findings if f.step == "accumulation"]
    assert finding.where, finding.summary()
    marked = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "# BUG" in line)
    assert finding.where[0]["line"] == marked
    assert finding.where[0]["function"] == "Node.backward"


MINITORCH = ENGINES / "families" / "minitorch_scalar.py"
MINITORCH_SUM = "derivatives[v.unique_id] = derivatives[v.unique_id] + d"
NEEDLE = ENGINES / "families" / "needle_scalar.py"
NEEDLE_APPEND = (
    "            if inp not in node_to_output_grads_list:\n"
    "                node_to_output_grads_list[inp] = []\n"
    "            node_to_output_grads_list[inp].append(grad)\n"
)
#: Ways to store over the earlier contributions: minitorch's dict of numbers (its
#: contributions are often the very same number object: ``Add.backward`` returns ``d, d``,
#: so the slot holds the same object after the store as before), needle's dict of lists
#: given a new list, or the list's item put over.
OVERWRITES = [
    ("minitorch_dict", MINITORCH, "minitorch", MINITORCH_SUM, "derivatives[v.unique_id] = d"),
    (
        "needle_new_list",
        NEEDLE,
        "needle",
        NEEDLE_APPEND,
        "            node_to_output_grads_list[inp] = [grad]\n",
    ),
    (
        "needle_item_over",
        NEEDLE,
        "needle",
        NEEDLE_APPEND,
        "            if inp not in node_to_output_grads_list:\n"
        "                node_to_output_grads_list[inp] = [grad]\n"
        "            else:\n"
        "                node_to_output_grads_list[inp][0] = grad\n",
    ),
]
OVERWRITE_SEEDS = (None, 1, 2, 3, 5, 7)


@pytest.mark.parametrize(
    ("name", "engine", "api", "right", "wrong", "seed"), seed_params(OVERWRITES, OVERWRITE_SEEDS)
)
def test_a_store_over_the_earlier_contributions_is_the_place(
    tmp_path, name, engine, api, right, wrong, seed
):
    correct = engine.read_text()
    assert correct.count(right) == 1
    path = tmp_path / "engine.py"
    path.write_text(correct.replace(right, wrong))
    task = dataclasses.replace(load("scalar_autodiff"), api=from_option(api))
    report = grade(task, path, grading_seed=seed)
    (finding,) = [f for f in report.findings if f.step == "accumulation"]
    assert finding.where, finding.summary()
    # the statement that stores over: the wrong text's last line
    overwriting = wrong.rstrip("\n").splitlines()[-1].strip()
    lines = [line.strip() for line in path.read_text().splitlines()]
    assert lines.count(overwriting) == 1
    assert finding.where[0]["line"] == lines.index(overwriting) + 1, finding.where


#: The tensor corpus's traversal bugs (tests/engines/tensor/buggy.py): its seeds.
TENSOR_ORDER = [("breadth_first_order",), ("recursive_backward_overcounts",)]
TENSOR_SEEDS = (None, 1, 2)


def _tensor_corpus():
    # as test_tensor_reverse_pass loads it
    return _loaded("chaingrade_tensor_corpus", ENGINES / "tensor" / "buggy.py")


def _loaded(name: str, path: Path):
    """The module at ``path``, loaded once under ``name`` (a table of bugs)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.parametrize(("name", "seed"), seed_params(TENSOR_ORDER, TENSOR_SEEDS))
def test_an_array_engines_wrong_traversal_lists_its_lines_and_no_helper(tmp_path, name, seed):
    corpus = _tensor_corpus()
    bug = corpus.BY_NAME[name]
    engine = corpus.write(name, tmp_path / "engine.py")
    task = load("tensor_autodiff", api=bug.graded_with)
    report = TensorGrader(task, engine, grading_seed=seed, examples=4).grade()
    places = _order_places(report)
    assert places[0]["function"] == "Tensor.backward"
    functions = {p["function"] for p in places}
    assert functions == {"Tensor.backward", "Tensor.backward.<locals>.visit"}, places
    assert any(p["code"] == "node._backward()" for p in places)


# --- the array kind: the line that overwrote, and where the seed is set --------------------

#: The tensor corpus's own bugs of the whole graph (MyGrad-style closures), and its seeds.
TENSOR_WHOLE_GRAPH = [("add_overwrites_gradient", "accumulation"), ("seed_zero", "seed")]
WHOLE_GRAPH_SEEDS = (None, 1, 2, 3, 4, 5)


def _array_place(report, step: str) -> dict:
    (finding,) = [f for f in report.findings if f.step == step]
    assert finding.where, finding.summary()
    return finding.where[0]


@pytest.mark.parametrize(
    ("name", "step", "seed"), seed_params(TENSOR_WHOLE_GRAPH, WHOLE_GRAPH_SEEDS)
)
def test_an_array_engines_overwrite_and_seed_point_at_the_buggy_line(tmp_path, name, step, seed):
    corpus = _tensor_corpus()
    bug = corpus.BY_NAME[name]
    engine = corpus.write(name, tmp_path / "engine.py")
    task = load("tensor_autodiff", api=bug.graded_with)
    report = TensorGrader(task, engine, grading_seed=seed, examples=4).grade()
    place = _array_place(report, step)
    base = corpus.BASES[bug.base].read_text()
    assert place["line"] in changed_lines(base, engine.read_text()), place
    _shown(report, place)


def _shown(report, place: dict) -> None:
    """The place is in every report, as a scalar finding's is."""
    assert f"   where: {places.text(place)}" in reports.text(report)
    part = next(p for p in report.parts if any(place in f.where for f in p.findings))
    assert f"- where: ` {places.location(place)}" in reports.part_markdown(part)
    page = html_report.page(gradescope.from_report(report))
    assert f'<mark class="here">{place["line"]:>4} | ' in page
    found = json.loads(reports.as_json(report))["findings"]
    assert any(place["code"] in [w["code"] for w in f["where"]] for f in found)


TENSOR = ENGINES / "tensor"
#: needle-style engines (``correct/needle_style.py``, ``needle_hw1.py``) whose reverse pass
#: puts a new list of the newest contribution where the list of them all belonged.
NEEDLE_LISTS = [
    (
        "needle_style",
        TENSOR / "correct" / "needle_style.py",
        "partial.setdefault(id(x), []).append(g)",
        "partial[id(x)] = [g]",
    ),
    (
        "needle_hw1",
        TENSOR / "needle_hw1.py",
        "node_to_output_grads_list.setdefault(id(x), []).append(g)",
        "node_to_output_grads_list[id(x)] = [g]",
    ),
]


@pytest.mark.parametrize(
    ("name", "engine", "right", "wrong", "seed"), seed_params(NEEDLE_LISTS, WHOLE_GRAPH_SEEDS)
)
def test_a_needle_engines_new_list_of_contributions_is_the_place(
    tmp_path, name, engine, right, wrong, seed
):
    correct = engine.read_text()
    assert correct.count(right) == 1
    path = tmp_path / "engine.py"
    path.write_text(correct.replace(right, wrong))
    report = TensorGrader(
        load("tensor_autodiff", api="needle"), path, grading_seed=seed, examples=4
    ).grade()
    place = _array_place(report, "accumulation")
    assert place["code"] == wrong, place


# --- order on DeZero-style and needle-style engines ----------------------------------------

#: needle_style.py's ``find_topo_sort`` with no set of the nodes seen
#: (``topo_without_visited``'s pattern): a node used twice is sorted, and handled, twice,
#: its contributions passed on again. Each old text occurs once.
NEEDLE_UNSEEN = [
    ("    order, seen = [], set()\n", "    order = []\n"),
    ("        if id(node) in seen:\n            return\n        seen.add(id(node))\n", ""),
]


@pytest.mark.parametrize("seed", WHOLE_GRAPH_SEEDS)
def test_a_needle_style_sort_without_a_seen_set_lists_its_lines(tmp_path, seed):
    correct = (TENSOR / "correct" / "needle_style.py").read_text()
    wrong = correct
    for old, new in NEEDLE_UNSEEN:
        assert wrong.count(old) == 1
        wrong = wrong.replace(old, new)
    path = tmp_path / "engine.py"
    path.write_text(wrong)
    task = load("tensor_autodiff", api="needle")
    places = _order_places(TensorGrader(task, path, grading_seed=seed, examples=4).grade())
    changed = _body_lines(path.read_text(), changed_lines(correct, path.read_text()))
    assert changed and changed <= {p["line"] for p in places}, (changed, places)
    assert "find_topo_sort" in {p["function"] for p in places}
    _no_op_backward(places)


@pytest.mark.parametrize("seed", SEEDS)
def test_dezeros_traversal_without_generations_lists_its_lines(tmp_path, seed):
    """DeZero before step 16 pops functions in the order they were added: ``where`` lists
    ``Variable.backward`` and its ``add_func``, never a function's own ``backward``."""
    family = _families()
    bug = next(b for b in family.BUGS if b.name == "dezero_no_generations")
    engine = family.FAMILIES["dezero"]
    path = tmp_path / "engine.py"
    subprocess.run(
        [sys.executable, str(ENGINES / "families" / "bugs.py"), bug.name, str(path)],
        check=True,
        capture_output=True,
    )
    task = dataclasses.replace(load("scalar_autodiff"), api=from_option(engine.api_option))
    places = _order_places(grade(task, path, grading_seed=seed))
    assert places[0]["function"] == "Variable.backward"
    functions = {p["function"] for p in places}
    assert "Variable.backward.<locals>.add_func" in functions
    # no function's own backward (``Add.backward``, ``Exp.backward``)
    assert all(f.startswith("Variable.") or ".backward" not in f for f in functions), places
    codes = {p["code"] for p in places}
    assert "f = funcs.pop()" in codes and "funcs.append(f)" in codes, places


def _families():
    # as test_where loads it
    return _loaded("chaingrade_where_family_bugs", ENGINES / "families" / "bugs.py")


# --- the tracer: a gradient set to an equal value, but another object -----------------------

#: DeZero's ``x.grad = gx`` before step 14's fix, in a few lines of our own: ``x * x``
#: hands two equal gradients (other objects) to ``x``, the second stored over the first.
EQUAL_OVER_EQUAL = """
class Box:
    def __init__(self, data):
        self.data = data


class Var:
    def __init__(self, data):
        self.data, self.grad = data, None


def backward(x, contributions):
    for gx in contributions:
        x.grad = Box(gx)  # the line that stores over
"""


def test_a_write_of_an_equal_value_in_another_object_is_seen(tmp_path):
    """A gradient held in an attribute (``x.grad``, None until it is first set), the same
    object read after read, is compared by object too: the second ``x.grad = Box(0.7)``
    is a write (0.7 over 0.7), where by value alone it was none."""
    tracing = _loaded("chaingrade_tracing_alone", ROOT / "graders" / "sandbox" / "tracing.py")
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "equal_over_equal.py").write_text(EQUAL_OVER_EQUAL)
    engine = _loaded("chaingrade_equal_over_equal", folder / "equal_over_equal.py")
    x = engine.Var(0.7)
    # the worker's number: the API's read of a gradient object (``Box.data``)
    tracer = tracing.Tracer(str(folder), lambda box: None if box is None else box.data)
    tracer.watch(0, lambda: x.grad)  # None until the first write
    tracer.start()
    tracer.enter("backward")
    engine.backward(x, [float("0.7"), float("0.7")])
    tracer.finish()
    writes = [w for w in tracer.result["writes"] if w[2] == 0]
    line = (
        EQUAL_OVER_EQUAL.splitlines().index("        x.grad = Box(gx)  # the line that stores over")
        + 1
    )
    assert [w[3:5] for w in writes] == [[0.7, None], [0.7, 0.7]], writes
    assert {w[5][0][1] for w in writes} == {line}
