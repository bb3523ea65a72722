"""State kept between reverse passes (``graders.engine.reuse``): an engine that marks its
nodes visited, or keeps a visited set at class level, skips nodes of a second graph built
on the first. Every check that builds a fresh graph per point passes such an engine, so
the reuse check is what charges it: ``order`` on the machinery part, and only there."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.engine.reuse import check_reuse, reuse_cases
from graders.presets import resolve
from graders.sandbox.runner import Runner

SOLUTION = Path(__file__).resolve().parents[1] / "assignments/scalar_autodiff/solution/engine.py"

#: (name, replacements): the reference with a reverse pass that keeps state between calls.
STATEFUL = {
    # A visited mark on each node, set once and never cleared (seen in micrograd forks).
    "visited_flag": (
        (
            "        self._backward = lambda: None\n",
            "        self._backward = lambda: None\n        self._visited = False\n",
        ),
        (
            "            if id(node) not in seen:\n                seen.add(id(node))\n",
            "            if not node._visited:\n                node._visited = True\n",
        ),
    ),
    # A visited set at class level: shared by every graph the engine ever builds.
    "class_level_seen": (
        ("class Tensor:\n", "class Tensor:\n    _seen = set()\n\n"),
        ("        order, seen = [], set()\n", "        order, seen = [], Tensor._seen\n"),
    ),
}

pytestmark = pytest.mark.slow


def stateful_engine(name: str, folder: Path) -> Path:
    text = SOLUTION.read_text(encoding="utf-8")
    for old, new in STATEFUL[name]:
        assert text.count(old) == 1, f"{name}: {old!r} drifted from the solution"
        text = text.replace(old, new)
    path = folder / "engine.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def assignment():
    return load("scalar_autodiff")


@pytest.mark.parametrize("name", STATEFUL)
def test_state_between_passes_is_charged_to_the_machinery(assignment, name, tmp_path):
    report = EngineGrader(assignment, stateful_engine(name, tmp_path), examples=5).grade(
        ["chain-rule machinery"]
    )
    [result] = report.parts
    assert result.score == 0, [f.summary() for f in result.findings]
    [finding] = [f for f in result.findings if f.step == "order"]
    if name == "class_level_seen":  # fresh graphs reuse freed ids: caught before any reuse
        return
    assert "reused nodes of the first" in finding.message
    assert "visited" in finding.message
    # The reproducer runs the first pass, then builds the second graph, as it failed; it
    # zeroes nothing (the grader never writes into a node).
    lines = finding.reproducer.splitlines()
    assert not any(line.startswith("x.grad = ") for line in lines)
    assert lines.index("c.backward()") < lines.index("d = b * a") < lines.index("d.backward()")
    compile(finding.reproducer, "<reproducer>", "exec")


#: An engine with micrograd 0.1.0's ops alone (+, *, relu) and its visited mark on nodes.
ADD_MUL_RELU = ("add", "mul", "relu")


@pytest.mark.parametrize("name", STATEFUL)
def test_state_between_passes_is_seen_with_any_ops(name, tmp_path):
    """The second graph is built from whatever ops the engine has: with only ``+``, ``*``
    and ``relu`` (no sin, no tanh) the state kept between passes is still found."""

    cases = list(reuse_cases(ADD_MUL_RELU))
    assert cases and all({n.op for n in c.nodes} <= set(ADD_MUL_RELU) for c, _ in cases), cases
    with Runner(stateful_engine(name, tmp_path), resolve("mygrad")) as runner:
        finding = check_reuse(runner, resolve("mygrad"), ADD_MUL_RELU)
    assert finding is not None and finding.step == "order", finding
    with Runner(SOLUTION, resolve("mygrad")) as runner:
        assert check_reuse(runner, resolve("mygrad"), ADD_MUL_RELU) is None


def test_a_read_only_gradient_passes_the_reuse_check():
    """Gradients kept on the output, ``.grad`` a read-only property: the grader writes
    nothing into a node, so the second graph is judged as the engine left it."""
    engine = Path(__file__).resolve().parent / "engines/correct/gradients_on_the_output.py"
    with Runner(engine, resolve("mygrad")) as runner:
        assert check_reuse(runner, resolve("mygrad"), ("add", "mul", "sub", "sin", "tanh")) is None
        assert check_reuse(runner, resolve("mygrad"), ADD_MUL_RELU) is None


def test_the_reference_passes_the_reuse_check(assignment):
    report = EngineGrader(assignment, SOLUTION, examples=5).grade(["chain-rule machinery"])
    assert report.findings == []
    assert report.score == report.max_score


def test_the_worker_reports_every_pass(tmp_path):
    """A job with ``backward_at`` runs the reverse pass there first, then at the output,
    and the outcome keeps what each pass left (nodes not built yet: None); nothing is
    reset in between."""
    from graders.model.composition import Composition, Node

    composition = Composition(
        ("x",), (Node("sin", (0,)), Node("mul", (1, 0))), ("a", "b")
    )  # a = sin(x); a.backward(); b = a * x; b.backward()
    job = {"composition": composition.to_json(), "points": [[0.5]], "backward_at": [1]}
    with Runner(SOLUTION, resolve("mygrad")) as runner:
        [[outcome]] = runner.run([job])
    [first] = outcome["earlier_grads"]
    assert first[2] is None  # b was built after the first pass
    assert first[1] == 1.0  # the seed of the first pass
    assert first[0] == pytest.approx(math.cos(0.5))
    # Nothing was written into a node between the passes: the reference engine (it adds up
    # with +=, as micrograd does) passes on what the first pass left on ``a`` too, so x
    # holds cos(x) from the first pass, sin(x) from b, and cos(x) * (1 + x) through a.
    assert outcome["grads"][0] == pytest.approx(math.sin(0.5) + 2.5 * math.cos(0.5))
