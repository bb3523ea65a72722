"""A search's examples drawn first and run a few per round trip
(``graders.tensor.drawn_first``) give the very grading the search alone gives: the same
cases (the part's digest), the same findings and score; only the round trips change.
Graded here with a real worker, with and without the drawn-first pass
(``TensorGrader._all_right`` answering "not all right" is the search alone, as it ran
before)."""

from pathlib import Path

import pytest

from graders.assignment import load
from graders.sandbox.runner import Runner
from graders.tensor import drawn_first
from graders.tensor.grader import TensorGrader

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "tensor_autodiff" / "solution" / "engine.py"
CORPUS = ROOT / "tests" / "engines" / "tensor" / "buggy.py"


def _graded(path: Path, monkeypatch, *, first: bool, seed: int) -> tuple:
    trips = [0]
    run = Runner.run

    def counted(self, *args, **kwargs):
        trips[0] += 1
        return run(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(Runner, "run", counted)
        if not first:
            patched.setattr(TensorGrader, "_all_right", lambda *args: False)
        grader = TensorGrader(load("tensor_autodiff"), path, grading_seed=seed)
        report = grader.grade(["matmul"])
    part = report.parts[0]
    seen = (
        sorted(f.identity for f in report.findings),
        report.score,
        part.examples,
        part.cases_digest,
        grader.checked,
    )
    return seen, trips[0]


@pytest.fixture(scope="module")
def buggy(tmp_path_factory) -> Path:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("chaingrade_tensor_corpus_df", CORPUS)
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = corpus
    spec.loader.exec_module(corpus)
    out = tmp_path_factory.mktemp("buggy") / "engine.py"
    corpus.write("matmul_lhs_not_transposed", out)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_a_correct_engine_is_graded_the_same_in_fewer_round_trips(monkeypatch, seed):
    alone, trips_alone = _graded(SOLUTION, monkeypatch, first=False, seed=seed)
    first, trips_first = _graded(SOLUTION, monkeypatch, first=True, seed=seed)
    assert first == alone
    assert first[1] == 15  # full marks, nothing found
    assert trips_first < trips_alone


def test_a_buggy_engine_is_graded_the_same(monkeypatch, buggy):
    alone, _ = _graded(buggy, monkeypatch, first=False, seed=0)
    first, _ = _graded(buggy, monkeypatch, first=True, seed=0)
    assert first == alone
    assert ("local-derivative", "matmul", 0) in first[0]
    assert first[1] < 15


def test_trips_are_cut_in_order_and_keep_every_case():
    cases = list(range(2 * drawn_first.PER_TRIP + 3))
    trips = drawn_first.in_trips(cases)
    assert [c for trip in trips for c in trip] == cases
    assert all(len(trip) <= drawn_first.PER_TRIP for trip in trips)
