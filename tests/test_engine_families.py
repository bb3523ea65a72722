"""Engines of other families: the API description and ``--api auto`` grade them right.

``engines/families/`` holds correct engines written as the real code of four families is (a
minitorch Module 1 ``Scalar``, DeZero's ``Variable``, needle's ``Tensor``, and a small
function-style library with ``Var``, ``backwards()``, ``.adjoint`` and hand seeding), each
implementing every op of ``scalar_autodiff``, and ``engines/families/bugs.py``, a table of
realistic bugs made from them by text replacement. Each family grades to full marks with its
API (a preset, or a JSON file), and the three preset families with ``--api auto``; each bug
is caught, blamed on its (step, op, argument), and reproduced in the family's own API.

Student code never runs in this process: engines are graded in the sandbox, found APIs are
read from a ``Runner``, and reproducers run in a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.engine.reproducer import reproducer, write_node
from graders.grading import grade
from graders.model.composition import Composition, Const, Node
from graders.model.ops import ALL_OPS
from graders.presets import PRESETS, from_option
from graders.results import STEPS
from graders.sandbox import policy
from graders.sandbox.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "engines" / "families"
MICROGRAD_FORK = ROOT / "tests" / "engines" / "correct" / "closures_micrograd.py"


def _load_table():
    """``engines/families/bugs.py`` as a module (``tests`` is not a package)."""
    spec = importlib.util.spec_from_file_location("chaingrade_family_bugs", FOLDER / "bugs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


table = _load_table()
FAMILIES = table.FAMILIES
#: The families graded by a preset, which ``--api auto`` must find.
PRESET_FAMILIES = [name for name, f in FAMILIES.items() if f.api in PRESETS]
#: Grading seeds for the correct engines (None: the assignment's public one).
SEEDS = (None, 7)
#: Hypothesis examples per part for correct engines (buggy ones get the assignment's own).
EXAMPLES = 10


def check(*args, cwd=ROOT):
    """``chaingrade check``, as a student runs it."""
    return subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def detected(path: Path) -> dict:
    """The API ``--api auto`` finds for ``path`` (the worker inspects it)."""
    runner = Runner(path, "auto")
    try:
        runner.start()
        assert runner.detected
        return runner.preset.to_json()
    finally:
        runner.cleanup()


def summaries(report) -> str:
    return "\n".join(f.summary() for f in report.findings)


# --- the table -------------------------------------------------------------------------


def test_table_covers_every_family_and_reverse_pass_step():
    assert set(FAMILIES) == {"minitorch", "dezero", "needle", "pyad"}
    for name, family in FAMILIES.items():
        assert family.path.is_file(), name
        assert sum(bug.family == name for bug in table.BUGS) >= 2, name
    steps = {bug.expected[0] for bug in table.BUGS}
    assert {"local-derivative", "upstream", "accumulation", "order", "forward"} <= steps


@pytest.mark.parametrize("name", table.NAMES)
def test_bug_applies_and_states_its_identity(name):
    bug = table.BY_NAME[name]
    step, op, argument = bug.expected
    assert step in STEPS and (op is None or op in ALL_OPS) and argument in (None, 0, 1)
    assert bug.description.strip() and "\n" not in bug.description
    original = FAMILIES[bug.family].path.read_text(encoding="utf-8")
    changed = original
    for old, new in bug.replacements:
        changed = changed.replace(old, new)
    assert changed != original
    assert table.source(name).endswith(changed)


def test_a_drifted_engine_fails_loudly(monkeypatch):
    bug = table.BY_NAME["pyad_sub_second_sign"]
    monkeypatch.setitem(
        table.BY_NAME, bug.name, bug._replace(replacements=(("no such text", "x"),))
    )
    with pytest.raises(table.CorpusDrift, match="occurs 0 times"):
        table.source(bug.name)
    with pytest.raises(KeyError, match="no buggy engine"):
        table.source("not_a_bug")


@pytest.mark.parametrize(
    "path",
    [f.path for f in FAMILIES.values()] + [FOLDER / "two_engines.py", FOLDER / "no_engine.py"],
    ids=lambda p: p.stem,
)
def test_engines_pass_the_assignments_static_policy(path):
    rules = load("scalar_autodiff").policy
    assert policy.check({path.name: path.read_text(encoding="utf-8")}, rules) == []


@pytest.mark.parametrize("name", table.NAMES)
def test_buggy_engines_pass_the_static_policy_too(name):
    rules = load("scalar_autodiff").policy
    assert policy.check({f"{name}.py": table.source(name)}, rules) == []


# --- the API description, by hand ----------------------------------------------------------


def test_the_alias_writes_x_squared_as_square():
    api = from_option(str(FOLDER / "pyad_functions.json"))
    comp = Composition(
        ("x",), (Node("pow", (0, Const(2.0))), Node("pow", (1, Const(3.0)))), ("a", "b")
    )
    assert write_node(comp, 1, api) == "square(x)"
    assert write_node(comp, 2, api) == "power(a, 3)"
    code = reproducer(comp, [1.5], api, "pyad_functions", [(0, "grad", 9.0)])
    assert code.splitlines()[0] == "from pyad_functions import Var, power, square"
    assert "b.adjoint = 1.0\nb.backwards()\n" in code
    compile(code, "<reproducer>", "exec")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", FAMILIES)
def test_family_engine_gets_full_marks_with_its_api(family, seed):
    spec = FAMILIES[family]
    assignment = load("scalar_autodiff", api=spec.api_option)
    report = EngineGrader(assignment, spec.path, grading_seed=seed, examples=EXAMPLES).grade()
    assert report.findings == [], summaries(report)
    assert report.score == report.max_score


# --- --api auto ------------------------------------------------------------------------------


#: The fields ``--api auto`` decides for a scalar engine (the rest keep their defaults).
DETECTED = ("leaf", "convert", "unary", "binary", "backward", "seed", "gradient", "gradients")


def _fields(api: dict, *leave_out: str) -> dict:
    return {k: v for k, v in api.items() if k in DETECTED and k not in leave_out}


@pytest.mark.parametrize("family", PRESET_FAMILIES)
def test_auto_finds_the_family_presets_shape(family):
    """Every field auto decides, but ``value``, which the next test checks on its own."""
    spec = FAMILIES[family]
    found = detected(spec.path)
    assert _fields(found, "value") == _fields(PRESETS[spec.api].to_json(), "value")


@pytest.mark.parametrize("family", PRESET_FAMILIES)
def test_auto_reads_the_value_where_the_preset_does(family):
    spec = FAMILIES[family]
    assert detected(spec.path)["value"] == PRESETS[spec.api].value


@pytest.mark.slow
@pytest.mark.parametrize("family", PRESET_FAMILIES)
def test_auto_grades_the_family_engine_to_full_marks(family):
    assignment = load("scalar_autodiff", api="auto")
    report = EngineGrader(assignment, FAMILIES[family].path, examples=EXAMPLES).grade()
    assert report.findings == [], summaries(report)
    assert report.score == report.max_score


@pytest.mark.slow
def test_auto_says_which_api_it_found():
    assignment = load("scalar_autodiff", api="auto")
    report = EngineGrader(assignment, FAMILIES["dezero"].path, examples=EXAMPLES).grade()
    assert report.score == report.max_score
    assert any(PRESETS["dezero"].describe() in note for note in report.notes), report.notes


def test_auto_on_the_function_library_finds_what_its_shape_shows():
    """It finds the leaf, the functions, ``backwards`` and ``.adjoint``; it cannot know that
    the caller seeds by hand, nor that ``power`` is ``**``: those need the API file."""
    found = detected(FAMILIES["pyad"].path)
    assert found["leaf"] == "Var" and found["convert"] == "float"
    assert found["binary"] == "function" and found["unary"] == "function"
    assert found["backward"] == "backwards"
    assert (found["gradient"], found["value"], found["gradients"]) == ("adjoint", "value", "all")
    assert found["seed"] == "auto"
    # square stands for x ** 2: the library has no pow (its power is under another name).
    assert found["names"] == {} and found["aliases"] == {"square": "x ** 2"}


@pytest.mark.slow
def test_auto_on_the_function_library_blames_the_seed_first():
    """Unseeded, every adjoint stays 0: the report's first finding says so."""
    assignment = load("scalar_autodiff", api="auto")
    report = EngineGrader(assignment, FAMILIES["pyad"].path, examples=EXAMPLES).grade()
    assert report.score < report.max_score
    assert report.findings[0].identity == ("seed", None, None), summaries(report)
    assert "a.backwards()" in report.findings[0].reproducer


@pytest.mark.parametrize(
    "module, says",
    [
        ("two_engines.py", ["more than one engine fits", "Value()", "Scalar()"]),
        ("no_engine.py", ["no leaf constructor found", "Tensor", "Var", "backward"]),
    ],
)
def test_auto_without_one_engine_is_one_finding_and_zero_everywhere(module, says):
    report = grade(load("scalar_autodiff", api="auto"), FOLDER / module, examples=EXAMPLES)
    assert len(report.findings) == 1, summaries(report)
    (finding,) = report.findings
    assert finding.step == "error"
    assert all(part in finding.message for part in says), finding.message
    assert "--api" in finding.message  # what to do instead
    assert all(part.score == 0 and part.findings == [finding] for part in report.parts)
    assert report.score == 0


@pytest.mark.parametrize("module", ["two_engines.py", "no_engine.py"])
def test_auto_without_one_engine_on_the_command_line(module):
    done = check("--api", "auto", FOLDER / module)
    assert done.returncode == 1, done.stderr
    assert "Findings (1):" in done.stdout and "total                  0 / 100" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


# --- DeZero step by step, and engines seeded by their caller -----------------------------

#: DeZero as the book's steps build it, and what ``--api auto`` must find in each: step 9
#: has only square and exp; steps 13-17 add ``add`` (Variables only, no operators) and keep
#: every gradient; steps 20-22 have operators and numbers on either side, and keep only the
#: inputs' gradients. ``.grad`` is a NumPy array in all three (a Variable from step 33 on:
#: ``dezero_steps.py``, graded above).
DEZERO_STEPS = {
    "dezero_step09.py": {"aliases": {"square": "x ** 2"}, "gradient": "grad"},
    "dezero_step16.py": {
        "binary": "function",
        "constants": "leaf",
        "aliases": {"square": "x ** 2"},
        "gradient": "grad",
        "gradients": "all",
    },
    "dezero_step22.py": {
        "binary": "operator",
        "constants": "number",
        "aliases": {},
        "gradient": "grad",
        "gradients": "inputs",
    },
}


@pytest.mark.parametrize("step", sorted(DEZERO_STEPS))
def test_auto_finds_each_dezero_steps_functions_constants_and_gradients(step):
    found = detected(FOLDER / step)
    assert (found["leaf"], found["convert"], found["unary"]) == ("Variable", "ndarray", "function")
    assert {k: found[k] for k in DEZERO_STEPS[step]} == DEZERO_STEPS[step]


@pytest.mark.slow
@pytest.mark.parametrize("api", ["dezero", "auto"])
@pytest.mark.parametrize("step", sorted(DEZERO_STEPS))
def test_a_correct_dezero_step_is_charged_for_nothing_it_has(step, api):
    """Each step earns what its ops earn and is charged only for what it lacks: its
    gradients (arrays, whose .data is a buffer) are read as numbers, its functions are
    called when it has no operators, and numbers it cannot take are given as leaves."""
    report = EngineGrader(load("scalar_autodiff", api=api), FOLDER / step, examples=5).grade()
    # (the book's Pow takes a number only: x ** y and 2 ** x are missing, not errors)
    charged = [f for f in report.findings if f.step != "missing"]
    assert charged == [], summaries(report)
    assert all("not a number" not in f.message for f in report.findings), summaries(report)
    scores = {p.part.name: p.score for p in report.parts}
    if step != "dezero_step09.py":  # (step 9, unary ops only, has no graph the part builds)
        assert scores["chain-rule machinery"] == 20
    if step == "dezero_step09.py":
        # square and exp alone: exp's upstream step is checked through square(exp(x))
        credited = {op for part in report.parts for op in part.credited}
        assert credited == {"exp"}, summaries(report)
    if step == "dezero_step22.py":
        assert scores["arithmetic"] == 20
        assert {f.op for f in report.findings if f.op in ("pow_var", "rpow")} == {"pow_var", "rpow"}


#: One bug in a DeZero step, and what it must be charged (the same at every seed).
DEZERO_STEP_BUGS = [
    # step 16 (functions only): exp's backward drops the gradient flowing in
    ("dezero_step16.py", "        return np.exp(x) * gy\n", "        return np.exp(x)\n", "exp"),
    # step 22 (operators): div's backward forgets the sign of d/dy
    ("dezero_step22.py", "gx1 = gy * (-x0 / x1**2)", "gx1 = gy * (x0 / x1**2)", "div"),
]


@pytest.mark.slow
@pytest.mark.parametrize("step, old, new, op", DEZERO_STEP_BUGS)
def test_a_dezero_step_with_one_bug_is_charged_for_it_alone_at_every_seed(
    step, old, new, op, tmp_path
):
    text = (FOLDER / step).read_text()
    assert text.count(old) == 1
    path = tmp_path / step
    path.write_text(text.replace(old, new))
    verdicts = set()
    for seed in range(1, 7):
        report = EngineGrader(
            load("scalar_autodiff", api="dezero"), path, grading_seed=seed, examples=5
        ).grade()
        charged = {f.identity for f in report.findings if f.step != "missing"}
        charged.discard(("error", "pow_var", None))  # step 22's constant-only Pow (above)
        assert charged and {i[1] for i in charged} == {op}, (seed, summaries(report))
        verdicts.add(frozenset(charged))
    assert len(verdicts) == 1, verdicts  # the same step and op at every seed


def caller_seeded(folder: Path) -> Path:
    """micrograd's Value whose backward() leaves the output's gradient to its caller."""
    text = MICROGRAD_FORK.read_text()
    assert text.count("        self.grad = 1\n") == 1
    path = folder / "seeded_by_caller.py"
    path.write_text(text.replace("        self.grad = 1\n", ""))
    return path


@pytest.mark.slow
def test_the_seed_hint_names_an_api_that_works_for_the_engine(tmp_path):
    """The hint keeps the engine's own preset (Value, methods) and adds the seed; graded
    with it, the engine gets full marks."""
    path = caller_seeded(tmp_path)
    report = EngineGrader(load("scalar_autodiff", api="micrograd"), path, examples=5).grade()
    assert report.findings[0].step == "seed", summaries(report)
    hint = """--api '{"preset": "micrograd", "seed": "attribute"}'"""
    assert hint in report.findings[0].message
    advised = '{"preset": "micrograd", "seed": "attribute"}'
    again = EngineGrader(load("scalar_autodiff", api=advised), path, examples=5).grade()
    assert again.findings == [] and again.score == again.max_score, summaries(again)


# --- bugs in the families' own code ---------------------------------------------------------


def grade_bug(name: str, folder: Path, examples: int | None = None):
    """The report on the buggy engine ``name``, graded as a student's file is (with the
    assignment's examples per part, unless ``examples`` says otherwise)."""
    bug = table.BY_NAME[name]
    path = table.write(name, folder / f"{name}.py")
    assignment = load("scalar_autodiff", api=FAMILIES[bug.family].api_option)
    return EngineGrader(assignment, path, examples=examples).grade()


@pytest.mark.slow
@pytest.mark.parametrize("name", table.NAMES)
def test_buggy_family_engine_is_caught_blamed_and_reproduced(name, tmp_path):
    bug = table.BY_NAME[name]
    report = grade_bug(name, tmp_path)
    found = {f.identity: f for f in report.findings}
    assert report.score < report.max_score, f"{name} got full marks"
    assert bug.expected in found, f"{name}: expected {bug.expected}, got:\n{summaries(report)}"
    code = found[bug.expected].reproducer
    for shown in FAMILIES[bug.family].shows + bug.shows:
        assert shown in code, f"{name}: the reproducer lacks {shown!r}:\n{code}"
    assert f"from {name} import " in code
    # Run as the student would: a file beside their engine, in a process of its own.
    (tmp_path / "reproduce.py").write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "reproduce.py"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, f"{name}: the reproducer fails:\n{code}\n{done.stderr}"
    assert "expected" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minitorch_derivatives_overwritten", "dezero_grad_overwritten"])
def test_an_overwrite_in_an_inputs_only_engine_is_not_also_called_order(name, tmp_path):
    report = grade_bug(name, tmp_path, EXAMPLES)
    steps = {f.step for f in report.findings}
    assert "accumulation" in steps
    assert "order" not in steps, summaries(report)


@pytest.mark.slow
def test_accumulation_advice_names_an_attribute_one_can_add_to(tmp_path):
    report = grade_bug("needle_grads_list_overwritten", tmp_path, EXAMPLES)
    (finding,) = [f for f in report.findings if f.step == "accumulation"]
    assert "numpy() (+=)" not in finding.message
    assert "add to .grad (+=)" in finding.message


# --- --api as JSON and as a file, on the command line --------------------------------------


def test_check_takes_the_api_as_a_file():
    done = check(
        "--api",
        FOLDER / "pyad_functions.json",
        "--examples",
        EXAMPLES,
        FOLDER / "pyad_functions.py",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "total                  100 / 100" in done.stdout


def test_check_takes_the_api_as_json_on_a_renamed_backward(tmp_path):
    source = MICROGRAD_FORK.read_text(encoding="utf-8")
    assert source.count("def backward(self):") == 1
    engine = tmp_path / "engine.py"
    engine.write_text(source.replace("def backward(self):", "def backwards(self):"))
    api = json.dumps({"preset": "micrograd", "backward": "backwards"})
    done = check("--api", api, "--examples", EXAMPLES, engine)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "total                  100 / 100" in done.stdout
    # The field is what made the difference: the preset alone finds no backward().
    done = check("--api", "micrograd", "--examples", EXAMPLES, engine)
    assert done.returncode == 1
    assert "backward" in done.stdout


@pytest.mark.parametrize("engine", ["dezero_step22.py", "dezero_steps.py"])
def test_a_dezero_reproducer_prints_the_gradient_as_a_number(engine, tmp_path):
    """``grad.data`` reads a step-22 gradient (an array: its ``.data`` is a memory
    buffer) and a step-33 one (a Variable) alike; the reproducer prints a number for both."""
    shutil.copyfile(FOLDER / engine, tmp_path / "engine.py")
    comp = Composition(("x", "y"), (Node("mul", (0, 1)),), ("a",))
    code = reproducer(comp, [0.7, 1.3], PRESETS["dezero"], "engine", [(0, "grad", 1.3)])
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["x.grad.data", "=", "1.3", "expected", "1.3"], run.stdout


def test_karpathys_layout_is_graded_and_reproduced_as_its_package_module(tmp_path):
    """karpathy/micrograd: ``micrograd/engine.py`` in a package is the assignment's
    entry by its name; it is imported as ``micrograd.engine``, so a reproducer's import
    runs from the repository's top, where the student runs their code."""
    (tmp_path / "micrograd").mkdir()
    (tmp_path / "micrograd" / "__init__.py").write_text("")
    shutil.copyfile(MICROGRAD_FORK, tmp_path / "micrograd" / "engine.py")
    handed = load("scalar_autodiff", api="micrograd").handed_in(tmp_path)
    assert (handed.module, handed.entry) == ("micrograd.engine", "micrograd/engine.py")
    comp = Composition(("x", "y"), (Node("mul", (0, 1)),), ("a",))
    code = reproducer(comp, [0.7, 1.3], PRESETS["micrograd"], handed.module, [(0, "grad", 1.3)])
    assert code.startswith("from micrograd.engine import Value\n"), code
    shown = code + "import micrograd\nprint(micrograd.__file__)\n"  # (PyPI's is installed)
    run = subprocess.run(
        [sys.executable, "-c", shown], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[:3] == ["x.grad", "=", "1.3"], run.stdout
    assert run.stdout.split()[-1] == str(tmp_path / "micrograd" / "__init__.py"), run.stdout


def value_tensor(folder: Path) -> Path:
    """A micrograd fork whose leaf is ``ValueTensor``, a name no list holds, with no
    ``tensor()`` factory beside it."""
    text = MICROGRAD_FORK.read_text().replace("Value", "ValueTensor")
    factory = "def tensor(x):\n    return ValueTensor(x)\n"
    assert text.count(factory) == 1
    path = folder / "engine.py"
    path.write_text(text.replace(factory, ""))
    return path


def test_auto_finds_a_leaf_by_its_shape_not_its_name(tmp_path):
    found = detected(value_tensor(tmp_path))
    assert (found["leaf"], found["convert"], found["gradient"]) == ("ValueTensor", "float", "grad")


@pytest.mark.slow
def test_a_leaf_found_by_its_shape_grades_to_full_marks(tmp_path):
    report = EngineGrader(load("scalar_autodiff", api="auto"), value_tensor(tmp_path), examples=4)
    graded = report.grade()
    assert graded.score == graded.max_score == 100, summaries(graded)
