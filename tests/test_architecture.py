"""Rules about how graders/ and strategies/ import each other.

* No import cycle between modules: every ``import``/``from ... import`` of ``graders.*`` or
  ``strategies.*`` counts, at module level, inside functions (an import deferred into a
  function is still a dependency) and under ``if TYPE_CHECKING:`` alike (a cycle only a
  type checker follows is still two modules that cannot be understood apart).
* Layers (docs/architecture.md): the model (``graders.model``: op catalogs, compositions,
  oracles), strategies, the core, the kinds, the platforms; each imports only from the
  layers below it, but for the upward imports named in ``UPWARD``.
* No module of ``graders/`` or ``strategies/`` is over 600 lines (each part reviewable alone).
* Writing results is light: ``graders.results`` and the Gradescope and report writers
  load neither ``mygrad`` nor ``hypothesis`` (the results step runs where those may be
  missing or slow to import).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graders", "strategies")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module under the packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom in the tree: at module level, in functions and under
    ``if TYPE_CHECKING:`` alike."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def _resolve(module: str, node: ast.ImportFrom) -> str | None:
    """The absolute module a ``from`` import names (relative imports resolved)."""
    if not node.level:
        return node.module
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _ours(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in PACKAGES


def imports(module: str) -> set[str]:
    """The project modules ``module`` imports (the module named, or for ``from P import n``
    the submodule ``P.n`` when there is one, else the package ``P``)."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    found = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if _ours(alias.name))
            continue
        base = _resolve(module, node)
        if not _ours(base):
            continue
        for alias in node.names:
            found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (first module repeated at the end) per strongly connected group of modules
    that import each other, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest cycle through the group's first module, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return paths[node] + [start]
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")  # a group of two or more has one


def test_the_import_walk_sees_the_packages_and_their_imports():
    assert {"graders", "graders.results", "strategies.compositions"} <= set(MODULES)
    assert "graders.model.composition" in imports("strategies.compositions")
    assert "graders.parts" in imports("graders.kinds")  # under TYPE_CHECKING only


def test_imports_inside_functions_and_type_checking_ones_count():
    tree = ast.parse(
        "import graders.model.ops\n"
        "if TYPE_CHECKING:\n    from graders import assignment\n"
        "else:\n    from graders import kinds\n"
        "def f():\n    from graders.results import Report\n"
        "class C:\n    def g(self):\n        import strategies.points as p\n"
    )
    names = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in _import_nodes(tree)
        for alias in node.names
    }
    assert names == {
        "graders.model.ops",
        "graders.assignment",
        "graders.kinds",
        "graders.results.Report",
        "strategies.points",
    }


def test_the_cycle_finder_reports_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    graph = {module: imports(module) for module in MODULES}
    found = cycles(graph)
    assert not found, (
        "import cycles (counting imports in functions and type-only ones):\n"
        + "\n".join("  " + " -> ".join(cycle) for cycle in found)
    )


def _kind_packages() -> set[str]:
    """The packages of the kinds chaingrade ships (``graders.kinds.REGISTRY``)."""
    from graders.kinds import REGISTRY

    return set(REGISTRY.values())


def layer(module: str, kinds: set[str]) -> int:
    """The layer a module belongs to (docs/architecture.md): 0 the model (with the
    tolerances and intervals beneath it), 1 strategies, 2 the core, 3 the kinds, 4 the
    platforms."""
    if module.startswith("graders.platforms"):
        return 4
    if any(module == k or module.startswith(k + ".") for k in kinds):
        return 3
    if module.startswith("strategies"):
        return 1
    if module.startswith("graders.model") or module in ("graders.tolerances", "graders.intervals"):
        return 0
    return 2


#: Imports that go up a layer, each for a reason: ``graders.check()`` is the platform
#: ``interactive``'s (imported when called). The model imports nothing above it.
UPWARD = {
    ("graders", "graders.platforms.interactive"),
}


def test_the_layers_are_told_apart():
    kinds = _kind_packages()
    assert layer("graders.model.array_ops", kinds) == 0
    assert layer("strategies.arrays", kinds) == 1
    assert layer("graders.kinds", kinds) == layer("graders.presets", kinds) == 2
    assert layer("graders.tensor.grader", kinds) == 3
    assert layer("graders.platforms.cli", kinds) == 4


def test_each_layer_imports_only_from_the_layers_below():
    """The model imports no strategy and no kind; strategies and the core import no kind;
    only platforms import platforms."""
    kinds = _kind_packages()
    upward = {
        (module, name)
        for module in MODULES
        for name in imports(module)
        if layer(name, kinds) > layer(module, kinds)
    }
    assert upward == UPWARD


#: The most lines a module of graders/ or strategies/ may have, so that each part (the
#: sandbox's guard and policy above all) can be reviewed alone (issue 22).
MOST_LINES = 600


def test_every_module_can_be_reviewed_alone():
    assert {"graders.sandbox.guard", "graders.sandbox.policy", "strategies"} <= set(MODULES)
    long = {
        m: n
        for m, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MOST_LINES
    }
    assert not long, f"over {MOST_LINES} lines: {long}"


def _kind_of(module: str, kinds: set[str]) -> str | None:
    return next((k for k in kinds if module == k or module.startswith(k + ".")), None)


def test_no_kind_imports_another():
    """What two kinds share belongs in the model or the core (as ``graders.worker_numbers``,
    ``graders.model.probes`` and ``graders.node_source`` are): a kind imports no other."""
    kinds = _kind_packages()
    sideways = {
        (module, name)
        for module in MODULES
        for name in imports(module)
        if _kind_of(module, kinds) and _kind_of(name, kinds) not in (None, _kind_of(module, kinds))
    }
    assert not sideways, "a kind imports another kind (move what they share into the core):\n" + (
        "\n".join(f"  {a} -> {b}" for a, b in sorted(sideways))
    )


def test_a_part_holds_what_every_kind_reads_and_one_composition_spec():
    """The fields the engine, forward and tensor kinds share are one ``CompositionPart``
    (built by the loader), not fields of ``Part`` each kind reads its own way."""
    import dataclasses

    from graders import kinds
    from graders.parts import CompositionPart, Part

    assert [f.name for f in dataclasses.fields(Part)] == [
        "name",
        "points",
        "visibility",
        "composition",
        "extra",
    ]
    assert [f.name for f in dataclasses.fields(CompositionPart)] == [
        "ops",
        "machinery",
        "max_ops",
        "min_ops",
        "sharing",
    ]
    fields = {name: kinds.get(name).ops_field for name in kinds.REGISTRY}
    assert fields == {"engine": "ops", "exercises": None, "tensor": "tensor_ops", "forward": "ops"}


#: The report vocabulary in the order findings are listed in (the contract of
#: /work/shared/DESIGN.md and the README's table): the core's steps and the shipped kinds'.
VOCABULARY_IN_CAUSE_ORDER = (
    "seed",
    "order",
    "accumulation",
    "forward",
    "shape",
    "unbroadcast",
    "local-derivative",
    "upstream",
    "combination",
    "error",
    "missing",
)


def test_the_core_step_vocabulary_holds_no_kind_only_step():
    """``results.Step`` is the steps every kind shares; a step only one kind uses is that
    kind's to declare (``Kind.steps``), once, and the whole vocabulary and its cause order
    stay what every report has said."""
    from graders import kinds, results

    declared = {step.name: name for name in kinds.REGISTRY for step in kinds.get(name).steps}
    assert declared == {"combination": "exercises", "shape": "tensor", "unbroadcast": "tensor"}
    assert not set(declared) & set(results.STEPS)
    assert not set(declared) & set(results.CORE_CAUSE_ORDER)
    assert sorted(results.STEPS) == sorted(results.CORE_CAUSE_ORDER)
    assert kinds.all_steps_in_cause_order() == VOCABULARY_IN_CAUSE_ORDER
    assert sorted(results.vocabulary()) == sorted(VOCABULARY_IN_CAUSE_ORDER)


def test_the_results_module_names_no_kind_only_step():
    """Not even in the core's code: a kind's step is written in that kind's package."""
    from graders import kinds

    source = (ROOT / "graders" / "results.py").read_text()
    tree = ast.parse(source)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    own = {step.name for name in kinds.REGISTRY for step in kinds.get(name).steps}
    assert not own & strings


def test_a_kind_adds_its_steps_once_and_no_other_kind_takes_them():
    from graders import kinds, results

    tensor = kinds.get("tensor")
    kinds.Kind(**vars(tensor))  # defining a kind again adds nothing
    assert results.kind_steps()["shape"] == "tensor"
    another_shape = results.KindStep("shape", after="forward", meaning="another kind's")
    with pytest.raises(ValueError, match="'circuits' declares step 'shape': it is kind 'tensor'"):
        results.add_steps("circuits", (another_shape,))
    core = results.KindStep("seed", after="forward", meaning="a core step")
    with pytest.raises(ValueError, match="'seed': it is a core step"):
        results.add_steps("circuits", (core,))
    nowhere = results.KindStep("wire", after="solder", meaning="after an unknown step")
    with pytest.raises(ValueError, match="listed after 'solder'"):
        results.add_steps("circuits", (nowhere,))
    assert "wire" not in results.vocabulary()
    assert results.kind_steps()["shape"] == "tensor"


def test_a_finding_names_a_step_of_the_vocabulary():
    from graders import kinds, results

    kinds.get("tensor")
    assert results.Finding("unbroadcast", "the tensor kind's").step == "unbroadcast"
    with pytest.raises(ValueError, match="unknown step 'wire': choose one of forward, "):
        results.Finding("wire", "declared by no kind")


def test_a_finding_of_a_kind_not_loaded_here_is_listed_last():
    """A finding unpickled in a process that never loaded its kind (so never heard of its
    step) is ordered after every known step, not a ValueError in the middle of a report."""
    from graders.results import Finding, by_cause

    unheard = Finding("seed", "a kind's step this process never loaded", op="wire")
    object.__setattr__(unheard, "step", "wire")  # as unpickling leaves it: never validated
    found = [unheard, Finding("missing", "no exp", op="exp"), Finding("seed", "not 1")]
    assert [f.step for f in by_cause(found)] == ["seed", "missing", "wire"]


def test_the_type_checker_leaves_out_no_module():
    """pyright checks every module of graders/ (issue 22: types that bind): a module it
    does not pass is fixed, not excluded."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pyright"]
    assert config["include"] == ["graders"]
    assert not config.get("exclude"), f"left out of pyright: {config['exclude']}"
    assert not config.get("ignore"), f"left out of pyright: {config['ignore']}"


LIGHT = ("graders.results", "graders.platforms.gradescope", "graders.platforms.report")
HEAVY = ("mygrad", "hypothesis")

_PROBE = f"""
import json, sys
import {", ".join(LIGHT)}
heavy = {HEAVY!r}
# A None entry blocks an import (as graders/__init__.py may block MyGrad's GRU layer).
loaded = [m for m, v in sys.modules.items() if v is not None]
print(json.dumps(sorted(m for m in loaded if m.split(".")[0] in heavy)))
"""


def _importers(importtime: str, module: str) -> list[str]:
    """From ``-X importtime`` output, the chain of imports that first loaded ``module``
    (outermost first). Each line follows the modules it imported, one level less indented."""
    rows = []
    for line in importtime.splitlines():
        if not line.startswith("import time:") or line.rstrip().endswith("| imported package"):
            continue
        name = line.rsplit("|", 1)[1]
        rows.append((len(name) - len(name.lstrip()), name.strip()))
    for i, (depth, name) in enumerate(rows):
        if name == module:
            chain = [name]
            for later_depth, later_name in rows[i + 1 :]:
                if later_depth < depth:
                    chain.append(later_name)
                    depth = later_depth
            return chain[::-1]
    return [module]


def test_writing_results_loads_neither_mygrad_nor_hypothesis(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    tops = sorted({m.split(".")[0] for m in loaded})
    assert not tops, f"importing {', '.join(LIGHT)} loads {', '.join(tops)}:\n" + "\n".join(
        "  " + " -> ".join(_importers(done.stderr, top)) for top in tops
    )
