"""The corpus of student engines: chaingrade catches every bug, blames the right step, and
gives every correct engine full marks.

``engines/buggy.py`` generates the buggy engines: a table of bugs, each the reference solution
with one realistic bug made by exact text replacements, a one-line description, and
``EXPECTED = (step, op, argument)``, the finding chaingrade must make. Each is written to
``tmp_path`` and graded from there. ``engines/correct/*.py`` are correct engines written in
other styles (closures, a class per op, NumPy scalars and 0-d arrays, Kahn's algorithm,
equivalent derivative formulas, debugging prints left in).

Every engine is its own test, so ``pytest -n 2`` spreads them over workers. Student code
never runs in this process: the table is plain data, and the engines are only written out.
A buggy engine's grading at the public seed (every part, as a student's file is graded)
is made once per run and read by both tests that need it (conftest's ``graded``).

Seeds: correct engines are graded at every seed named here, whatever the profile (the
module is ``slow``: CI runs it, a quick run does not); the fairness tests at every seed
under the ``ci`` Hypothesis profile, at one picked from the engine's name under ``dev``
(``suite_seeds``).

Buggy engines are graded exactly as a student's file is: the assignment's public seed and
its examples per part. Every op is first checked alone at fixed values on both sides of 0
and 1 (``graders.engine.probes.fixed_checks``), so a rule wrong only for negative arguments cannot
hide; the machinery bugs need Hypothesis to draw the right sharing, and
``benchmarks/detection_power.py`` measures how often it does over many seeds.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from suite_seeds import seeds_for

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader
from graders.model.ops import ALL_OPS
from graders.results import STEPS

ENGINES = Path(__file__).resolve().parent / "engines"


def _load_corpus():
    """``engines/buggy.py`` as a module (``tests`` is not a package)."""
    spec = importlib.util.spec_from_file_location("chaingrade_buggy_corpus", ENGINES / "buggy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
BUGGY = corpus.NAMES
CORRECT = sorted((ENGINES / "correct").glob("*.py"))

#: Hypothesis examples per part for correct engines (buggy ones get the assignment's own).
EXAMPLES = 20
#: Grading seeds for the correct engines (None: the public one): none may ever cost a point.
CORRECT_SEEDS = (None, 1, 2)

#: The chain-rule steps a scalar engine can get wrong: all but the exercises' own and the
#: array engines' (``shape``, ``unbroadcast``: tests/test_tensor_corpus.py).
ENGINE_STEPS = tuple(step for step in STEPS if step not in ("combination", "shape", "unbroadcast"))
#: The ops karpathy's micrograd 0.1.0 does not have (it has + - * / neg, x**number, relu).
MICROGRAD_LACKS = {"pow_var", "rpow", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid"}

pytestmark = pytest.mark.slow


def expected(name: str) -> tuple:
    """The bug's ``EXPECTED`` finding identity."""
    return tuple(corpus.BY_NAME[name].expected)


def buggy_engine(name: str, folder: Path) -> Path:
    """The buggy engine ``name`` written to ``folder``, as a student would hand it in."""
    return corpus.write(name, folder / f"{name}.py")


@pytest.fixture(scope="module")
def assignment():
    return load("scalar_autodiff")


# --- the corpus itself -----------------------------------------------------------------


def test_corpus_covers_every_step_and_op():
    identities = [expected(name) for name in BUGGY]
    assert len(BUGGY) >= 28
    assert len(CORRECT) >= 6
    assert {step for step, _, _ in identities} == set(ENGINE_STEPS)
    assert set(ALL_OPS) <= {op for _, op, _ in identities}


def test_corpus_names_are_unique():
    assert len(corpus.BUGS) == len(corpus.BY_NAME) == len(BUGGY)


@pytest.mark.parametrize("name", BUGGY)
def test_buggy_engine_states_its_bug(name):
    bug = corpus.BY_NAME[name]
    assert bug.description.strip(), f"{name} must say in one line what its bug is"
    assert "\n" not in bug.description
    assert bug.replacements, f"{name} changes nothing"
    step, op, argument = expected(name)
    assert step in ENGINE_STEPS
    assert op is None or op in ALL_OPS
    assert argument in (None, 0, 1)


@pytest.mark.parametrize("name", BUGGY)
def test_source_applies_every_replacement_exactly_once(name):
    """Each old text is in the solution exactly once, and still once when its turn comes, so
    the corpus cannot drift silently from the solution; the engine is the solution with exactly
    those replacements, under a docstring naming the bug and its ``EXPECTED``."""
    bug = corpus.BY_NAME[name]
    solution = corpus.solution_text()
    text = solution
    for old, new in bug.replacements:
        assert old and old != new, f"{name}: a replacement that changes nothing"
        assert solution.count(old) == 1, f"{name}: {old!r} is not in the solution exactly once"
        assert text.count(old) == 1, f"{name}: an earlier replacement changed {old!r}"
        text = text.replace(old, new)
    assert text != solution

    generated = corpus.source(name)
    tree = ast.parse(generated)
    assert " ".join(ast.get_docstring(tree).split()) == " ".join(bug.description.split())
    constants = {
        t.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
    }
    assert constants == {"EXPECTED": bug.expected}
    head = "\nimport math\n"
    assert generated.split(head, 1)[1] == (
        f"\nEXPECTED = {constants['EXPECTED']!r}\n".replace("'", '"') + text.split(head, 1)[1]
    )


def test_source_fails_loudly_when_the_solution_drifts(monkeypatch):
    bug = corpus.BY_NAME["cos_sign"]
    monkeypatch.setitem(
        corpus.BY_NAME,
        "cos_sign",
        bug._replace(replacements=(("no such text in the solution", "x"),)),
    )
    with pytest.raises(corpus.CorpusDrift, match="occurs 0 times"):
        corpus.source("cos_sign")
    monkeypatch.setitem(
        corpus.BY_NAME,
        "cos_sign",
        bug._replace(replacements=(("return _unary(x, ", "return _unary(x,"),)),
    )
    with pytest.raises(corpus.CorpusDrift, match=r"occurs \d+ times"):
        corpus.source("cos_sign")
    with pytest.raises(KeyError, match="no buggy engine"):
        corpus.source("not_a_bug")


def test_write_and_command_line(tmp_path):
    out = tmp_path / "engine.py"
    listing = subprocess.run(
        [sys.executable, str(ENGINES / "buggy.py")], check=True, capture_output=True, text=True
    ).stdout
    assert [line.split()[0] for line in listing.splitlines()] == list(BUGGY)
    subprocess.run(
        [sys.executable, str(ENGINES / "buggy.py"), "no_seed", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == corpus.source("no_seed")


# --- grading ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUGGY)
def test_buggy_engine_is_caught_and_blamed(graded, name, tmp_path):
    identity = expected(name)
    report = graded("scalar_autodiff", buggy_engine(name, tmp_path))
    found = {f.identity: f for f in report.findings}
    assert report.score < report.max_score, f"{name} got full marks"
    assert identity in found, (
        f"{name}: expected a finding {identity}, chaingrade said:\n"
        + "\n".join(f.summary() for f in report.findings)
    )
    reproducer = found[identity].reproducer
    assert reproducer, f"{name}: the finding has no reproducer"
    compile(reproducer, f"<reproducer for {name}>", "exec")


def declared_api(path: Path) -> str | None:
    """The student API a correct engine names in its ``API = "..."`` (None: the assignment's)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "API" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return None


@pytest.mark.parametrize(
    ("path", "seed"),
    [
        pytest.param(path, seed, id=f"{path.stem}-{seed}")
        for path in CORRECT
        for seed in CORRECT_SEEDS
    ],
)
def test_correct_engine_gets_full_marks(assignment, path, seed):
    api = declared_api(path)
    if api is not None:
        assignment = load("scalar_autodiff", api=api)
    report = Grader(assignment, path, grading_seed=seed, examples=EXAMPLES).grade()
    assert report.findings == [], "\n".join(f.summary() for f in report.findings)
    assert report.score == report.max_score


def test_micrograd_preset_grades_karpathys_micrograd():
    import micrograd.engine as micrograd_engine  # in the [test] extra: never skipped

    report = Grader(
        load("scalar_autodiff", api="micrograd"),
        Path(micrograd_engine.__file__),
        examples=EXAMPLES,
    ).grade()
    assert {f.step for f in report.findings} == {"missing"}, "\n".join(
        f.summary() for f in report.findings
    )
    assert {f.op for f in report.findings} == MICROGRAD_LACKS
    by_name = {part.part.name: part for part in report.parts}
    for name in ("arithmetic", "chain-rule machinery"):
        assert by_name[name].score == by_name[name].max_score, name
    assert report.score < report.max_score


def test_untested_ops_earn_nothing_when_the_seed_hides_every_gradient(graded, tmp_path):
    """A missing seed leaves every gradient 0: no op can be verified, so no part scores."""
    report = graded("scalar_autodiff", buggy_engine("no_seed", tmp_path))
    assert report.score == 0
    assert all(f.step == "seed" for part in report.parts for f in part.findings)
    assert all(part.findings for part in report.parts)  # every part says why


# --- the same verdict at every seed ------------------------------------------------------

#: Grading seeds of the fairness test: the public one and five private ones (``ci``; two
#: under ``dev``: see ``suite_seeds``).
FAIRNESS_SEEDS = (None, 11, 2026, 31337, 424242, 9000001)


def parts_about(assignment, bug) -> list[str]:
    """The parts a bug can cost: those with its op (or the ops sharing its code), and the
    machinery part, which any false reverse-pass finding would cost; for a bug of no op,
    the machinery part and the first op part."""
    ops_ = {bug.expected[1], *bug.also} - {None}
    names = [p.name for p in assignment.parts if p.machinery or ops_ & set(p.ops)]
    return names if ops_ else [assignment.parts[0].name, *names]


def graded_parts(report, parts: list[str]) -> list:
    """The results of ``parts`` in ``report``: a part graded with others is graded as it is
    alone (each in a worker of its own), so this is what grading ``parts`` alone gives."""
    return [report.part(name) for name in parts]


@pytest.mark.parametrize("name", BUGGY)
def test_one_bug_engine_gets_one_verdict_at_every_seed(graded, assignment, name, tmp_path):
    """Every one-bug engine, graded at six seeds: the same findings and score at each, its
    own finding among them, and nothing charged but its op (or the ops that share its
    code), or for a reverse-pass bug nothing but its step: no false ``order`` from a bug
    that shows only in part of an op's domain, no op charged for the reverse pass.

    The parts about the bug are graded at each seed; at the public seed they are read
    from the grading of every part that ``test_buggy_engine_is_caught_and_blamed`` uses."""
    bug = corpus.BY_NAME[name]
    step, op, _ = bug.expected
    engine = buggy_engine(name, tmp_path)
    parts = parts_about(assignment, bug)
    verdicts = {}
    for seed in seeds_for(name, FAIRNESS_SEEDS):
        chosen = None if seed is None else parts  # the public seed: the student's grading
        results = graded_parts(
            graded("scalar_autodiff", engine, grading_seed=seed, parts=chosen), parts
        )
        findings = [f for result in results for f in result.findings]
        identities = frozenset(f.identity for f in findings)
        verdicts[seed] = (identities, round(sum(result.score for result in results), 4))
        assert bug.expected in identities, (seed, sorted(identities, key=str))
        # A bug of an op may show in more than one step of that op (``2 ** x`` computed as
        # ``x ** 2`` also raises at x < 0): those charge nothing more.
        stray = [
            f.summary()
            for f in findings
            if (f.op not in {op, *bug.also} if op is not None else f.step != step)
        ]
        assert not stray, f"{name} at seed {seed}: " + "\n".join(stray)
    assert len(set(verdicts.values())) == 1, verdicts
