"""Grading at its edges: crashes blamed on the right op, upstream checked even when `*` is
wrong, the reverse pass never passed untested, and malformed assignments refused cleanly."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from suite_seeds import seeds_for

from graders.assignment import AssignmentError, load
from graders.engine.grader import EngineGrader as Grader
from graders.sandbox.runner import Limits
from strategies import compositions

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py").read_text()


def engine(tmp_path: Path, old: str, new: str) -> Path:
    """The reference solution with one change."""
    assert old in SOLUTION
    path = tmp_path / "engine.py"
    path.write_text(SOLUTION.replace(old, new, 1))
    return path


def scores(report) -> dict[str, float]:
    return {p.part.name: p.score for p in report.parts}


def test_a_hang_in_one_op_is_charged_to_that_op_alone(tmp_path):
    hangs = engine(
        tmp_path,
        "    e = math.exp(x.data)\n",
        "    while x.data > 2.5:\n        pass\n    e = math.exp(x.data)\n",
    )
    quick = dataclasses.replace(
        load("scalar_autodiff"), limits=Limits(call_seconds=1, total_seconds=120)
    )
    report = Grader(quick, hangs, examples=10).grade()
    assert {f.identity for f in report.findings} == {("error", "exp", None)}
    assert scores(report)["exponentials and logs"] == 10  # exp lost, log and sqrt kept
    assert report.score == 95


def test_a_dropped_upstream_is_found_even_when_mul_is_wrong_too(tmp_path):
    path = engine(
        tmp_path,
        "            self.grad += other.data * out.grad\n"
        "            other.grad += self.data * out.grad\n",
        "            self.grad += self.data * out.grad\n"
        "            other.grad += other.data * out.grad\n",
    )
    text = path.read_text().replace(
        "    e = math.exp(x.data)\n    return _unary(x, e, e)\n",
        "    e = math.exp(x.data)\n    out = _unary(x, e, e)\n"
        "    out._backward = lambda: setattr(x, 'grad', x.grad + e)\n"
        "    return out\n",
    )
    path.write_text(text)
    report = Grader(load("scalar_autodiff"), path, examples=20).grade()
    identities = {f.identity for f in report.findings}
    assert ("upstream", "exp", None) in identities
    assert not identities & {("order", None, None), ("accumulation", None, None)}


def test_the_reverse_pass_is_not_passed_untested():
    # Only unary ops work, so no node is ever shared: accumulation and order are untestable.
    report = Grader(
        load("scalar_autodiff"), ROOT / "tests/engines/edge/unary_ops_only.py", examples=20
    ).grade()
    machinery = next(p for p in report.parts if p.part.machinery)
    assert machinery.score == 0
    assert any("could not be tested" in f.message for f in machinery.findings)


# --- no free errors ------------------------------------------------------------------

#: Grading seeds for verdicts that must not depend on the seed: every one under the ``ci``
#: profile, one per test under ``dev`` (``suite_seeds.seeds_for``).
SEEDS = (None, 11, 2026, 31337, 424242, 9000001)
#: Where an error of the reverse pass is raised from, in the reference's ``backward``.
_BACKWARD = "        visit(self)\n"


def raising_backward(tmp_path: Path, condition: str, exception: str) -> Path:
    """The reference whose ``backward`` raises ``exception`` when ``condition`` holds of
    ``order`` (the graph's nodes, in topological order)."""
    return engine(
        tmp_path,
        _BACKWARD,
        f"{_BACKWARD}        if {condition}:\n            raise {exception}('not done yet')\n",
    )


# A quick run: NotImplementedError (the one the worker could read as "missing"); --full both.
@pytest.mark.parametrize(
    "exception", ["NotImplementedError", pytest.param("ValueError", marks=pytest.mark.slow)]
)
def test_an_error_of_the_reverse_pass_costs_the_machinery_part(tmp_path, exception):
    """``backward()`` raising on graphs of five or more ops (whatever it raises, a
    NotImplementedError the worker reads as "missing" included): every op is right on its
    own and in small graphs, so the op parts keep their points and the machinery part,
    whose compositions raise, earns nothing; at every seed."""
    path = raising_backward(tmp_path, "sum(1 for n in order if n._parents) >= 5", exception)
    parts = ["arithmetic", "chain-rule machinery"]
    for seed in seeds_for(exception, SEEDS):
        report = Grader(load("scalar_autodiff"), path, grading_seed=seed).grade(parts)
        assert scores(report) == {"arithmetic": 20, "chain-rule machinery": 0}, seed
        assert {f.identity for f in report.findings} == {("error", None, None)}, seed
        assert all(f.composed for f in report.findings)


def test_an_engine_with_no_chain_rule_earns_nothing(tmp_path):
    """``backward()`` raising on any graph where an op's result is used again (a
    NotImplementedError, labelled "missing" by the worker): every op works alone, but no
    op's upstream step can be checked and no composition runs, so nothing is earned. No
    finding says "missing" without an op: what is missing is the grader's call."""
    path = raising_backward(
        tmp_path, "any(p._parents for n in order for p in n._parents)", "NotImplementedError"
    )
    parts = ["arithmetic", "trigonometry", "chain-rule machinery"]
    for seed in seeds_for("no_chain_rule", SEEDS):
        report = Grader(load("scalar_autodiff"), path, grading_seed=seed).grade(parts)
        assert report.score == 0, (seed, [f.summary() for f in report.findings])
        assert all(f.step == "error" for f in report.findings), seed
        assert all(f.composed for f in report.findings), seed


def test_missing_is_decided_by_the_grader_not_the_worker(tmp_path):
    """An op the engine lacks is ``missing``, named; the same label from a reverse pass
    that raises NotImplementedError on one graph out of many is an ``error``."""
    lacks_log = engine(
        tmp_path, "def log(x):\n    return _unary(x, math.log(x.data), 1 / x.data)\n", ""
    )
    report = Grader(load("scalar_autodiff"), lacks_log).grade(["exponentials and logs"])
    assert {f.identity for f in report.findings} == {("missing", "log", None)}
    path = raising_backward(
        tmp_path, "sum(1 for n in order if n._parents) >= 5", "NotImplementedError"
    )
    report = Grader(load("scalar_autodiff"), path).grade(["chain-rule machinery"])
    assert not any(f.step == "missing" for f in report.findings)


@given(compositions(ops=["sub", "exp"], inputs=1))
def test_a_part_led_by_sub_never_yields_an_empty_composition(c):
    assert c.nodes


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[[parts]]\nname='p'\npoints=1\nops=['add']\nmax_ops=0\n", "max_ops=0 must be a positive"),
        ("[[parts]]\nname='p'\npoints=1\nops=['add']\nsharing=2\n", "between 0 and 1"),
        ("[[parts]]\nname='p'\npoints=1\n", "needs ops"),
        (
            "[[parts]]\nname='p'\npoints=1\nops=['add']\nvisibility='secret'\n",
            "visibility 'secret': choose one of visible",
        ),
        ("examples=0\n[[parts]]\nname='p'\npoints=1\nops=['add']\n", "at least 1"),
        ("inputs_per_case=0\n[[parts]]\nname='p'\npoints=1\nops=['add']\n", "at least 1"),
        ("parts=[1]\n", "must be [[parts]] tables"),
    ],
)
def test_a_malformed_assignment_is_one_clear_error(tmp_path, toml, message):
    (tmp_path / "assignment.toml").write_text(toml)
    with pytest.raises(AssignmentError, match=message.replace("[", r"\[")):
        load(str(tmp_path))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders.platforms.cli",
            "check",
            str(tmp_path / "assignment.toml"),
            "--assignment",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_a_reverse_pass_that_fails_only_on_big_graphs_costs_the_same_at_every_seed(tmp_path):
    """``backward()`` raising only past some size (13 nodes here: a search draws that
    many at some seeds only): the machinery part's deep graph (``probes.DEEP_SHAPE``,
    61 nodes deep) meets it at every seed."""
    path = raising_backward(tmp_path, "len(order) >= 13", "RuntimeError")
    for seed in seeds_for("too_deep", SEEDS):
        report = Grader(load("scalar_autodiff"), path, grading_seed=seed).grade(
            ["chain-rule machinery"]
        )
        assert scores(report) == {"chain-rule machinery": 0}, seed
        assert {f.identity for f in report.findings} == {("error", None, None)}, seed
