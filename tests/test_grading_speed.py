"""What makes grading faster changes nothing graded (issue 25): the numbers themselves are
measured in benchmarks/ (grading_speed.py, tensor_speed.py), never asserted here."""

import dis
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from suite_seeds import every_seed_params
from test_corpus import corpus

from graders.assignment import load
from graders.grading import grade
from graders.sandbox import frames


def _full_disassembly(codes, names):
    """``frames._lines_using`` as it was: every instruction of every code read."""
    return frozenset(
        (code.co_filename, instruction.positions.lineno)
        for code in codes
        for instruction in dis.get_instructions(code)
        if instruction.argval in names
        and not instruction.opname.startswith(("STORE_", "DELETE_"))
        and instruction.positions is not None
        and instruction.positions.lineno is not None
    )


def test_the_lines_that_ask_for_frames_are_those_a_full_disassembly_finds():
    """The worker reads only the code that names what asks for a frame: the same lines
    as reading all of it, in the standard helpers and in chaingrade's worker modules."""
    names = dict.fromkeys(name for name, _ in frames.KEEP_FRAMES_TO_THEMSELVES)
    modules = [n.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for n in names]
    modules += ["graders.sandbox.guard", "graders.sandbox.tracing", "graders.sandbox.integrity"]
    holders = [vars(importlib.import_module(m)) for m in modules]
    codes = list(frames._codes(holders))
    for asked in (frames.ASKS, frames.PASSES, frames.ASKS | {"_caller"}):
        found = frames._lines_using(codes, asked)
        assert found == _full_disassembly(codes, asked)
        assert found  # the helpers do ask: the comparison is not of two empty sets


# --- parts graded at once: a worker per process, not per part ------------------------------

ENGINES = Path(__file__).resolve().parent / "engines"
SEEDS = (0, 1, 2, 3, 4, 5)


def _verdict(report):
    """Everything a report grades: each part's score, cases and findings, in order."""
    return [
        (r.part.name, r.score, r.cases_digest, [(f.identity, f.message) for f in r.findings])
        for r in report.parts
    ]


@pytest.mark.parametrize(
    "engine",
    [
        "cos_sign",  # a quick run grades this one at one seed; --full all three at six
        pytest.param("solution", marks=pytest.mark.slow),
        pytest.param("breadth_first_order", marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize("seed", every_seed_params("jobs", SEEDS))
def test_parts_graded_at_once_give_what_one_at_a_time_gives(engine, seed, tmp_path):
    """Three processes share the parts (each its own worker, its copies serving the parts
    it takes): every part's score, cases (the digest) and findings are those of one process
    grading all parts in turn."""
    assignment = load("scalar_autodiff")
    path = tmp_path / "engine.py"
    if engine == "solution":
        path.write_text(assignment.solution.read_text())
    else:
        corpus.write(engine, path)
    serial = grade(assignment, path, grading_seed=seed, examples=8, jobs=1)
    shared = grade(assignment, path, grading_seed=seed, examples=8, jobs=3)
    assert _verdict(shared) == _verdict(serial)
    assert (serial.score == serial.max_score) == (engine == "solution")


def test_the_policy_reads_numpys_ufuncs_without_importing_its_lazy_submodules():
    """The dormant-code rule names NumPy's ufuncs from ``numpy``'s own names: the same
    set as reading every name, without the 150-odd lazy submodules (f2py, testing, ma)
    reading them imports, in every grading process."""
    script = (
        "import sys; from graders.sandbox import dormant; import numpy\n"
        "lazy = [m for m in ('numpy.f2py', 'numpy.testing', 'numpy.ma') if m in sys.modules]\n"
        "every = {n for n in dir(numpy) if isinstance(getattr(numpy, n, None), numpy.ufunc)}\n"
        "print(lazy, every <= dormant.CALLED_BY_PROTOCOL)"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.stdout.split() == ["[]", "True"], ran.stderr


def test_the_jobs_of_one_composition_get_the_references_each_gets_alone():
    """A fixed machinery check's plan (a 63-node chain and its probes, many of them the
    same op alone): each job's references computed together with the other jobs of its
    composition are, number for number, what it gets alone."""
    from graders.engine.jobs import expected_arrays, expected_of, plan
    from graders.engine.probes import machinery_checks

    ops = list(load("scalar_autodiff").parts[-1].ops)
    composition, points = max(machinery_checks(ops, {}), key=lambda check: check[0].size)
    jobs = plan(composition, points)
    shared = {(len(c.inputs), c.nodes) for c, _ in jobs}  # the same op alone, named apart
    assert len(shared) < len(jobs) / 4
    for together, alone in zip(expected_of(jobs), [expected_arrays(*job) for job in jobs]):
        assert together is not None and alone is not None
        for a, b in zip(together, alone, strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_point_that_breaks_an_op_sends_its_compositions_jobs_back_to_one_at_a_time(
    monkeypatch,
):
    """Where the jobs of a composition together raise (``expected_arrays`` gives None),
    each is computed alone: the job whose points break the op gets None, the other its
    references, as each would alone."""
    from graders.engine import jobs as engine_jobs
    from graders.model.composition import Composition

    composition = Composition.from_json(
        {"inputs": ["x"], "names": ["n0"], "nodes": [{"op": "log", "args": [0]}]}
    )
    real = engine_jobs.expected_arrays

    def breaks_below_zero(c, points):
        return None if any(p[0] < 0 for p in points) else real(c, points)

    monkeypatch.setattr(engine_jobs, "expected_arrays", breaks_below_zero)
    fine, broken = engine_jobs.expected_of([(composition, [[2.0], [3.0]]), (composition, [[-1.0]])])
    assert broken is None
    for a, b in zip(fine, real(composition, [[2.0], [3.0]]), strict=True):
        np.testing.assert_array_equal(a, b)
