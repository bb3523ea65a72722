"""Kinds as plug-ins: the shipped ones by name, and a course's own through the
``chaingrade.kinds`` entry-point group of an installed distribution (here a dist-info
folder written into a temporary folder put on ``sys.path``, as pip would install it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from graders import kinds
from graders.assignment import AssignmentError, load

#: A course's kind: the exercises kind's grader under a name of its own.
TOY_KIND = """
from graders.kinds import Kind

def prepare(folder, parts):
    return {part.name: part.extra.get("questions", 1) for part in parts}

KIND = Kind(
    name="toy",
    default_submission="answers.py",
    prepare=prepare,
    grader="graders.exercises.grader:ExerciseGrader",
    builds_graphs=False,
)
"""


def _install(folder: Path, monkeypatch, entry_points: str, modules: dict[str, str]) -> None:
    """A distribution ``course-kinds`` with these entry points and modules, on sys.path."""
    info = folder / "course_kinds-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-kinds\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source)
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(folder))


def test_the_shipped_kinds_and_their_old_names():
    assert kinds.get("engine").name == "engine"
    assert kinds.get("chain_rule").name == "exercises"
    assert kinds.names()[:3] == ["engine", "exercises", "tensor"]


def test_an_unknown_kind_names_the_kinds_to_choose_from():
    with pytest.raises(ValueError, match="kind = 'nope': choose one of engine, exercises"):
        kinds.get("nope")


def test_a_kind_registered_through_an_entry_point_is_found(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "[chaingrade.kinds]\ntoy = toy_kind\n", {"toy_kind": TOY_KIND})
    assert "toy" in kinds.names()
    kind = kinds.get("toy")
    assert kind.name == "toy" and kind.default_submission == "answers.py"
    assert kind.grader_class().__name__ == "ExerciseGrader"


def test_an_assignment_of_a_course_kind_loads(tmp_path, monkeypatch):
    _install(
        tmp_path / "site",
        monkeypatch,
        "[chaingrade.kinds]\ntoy = toy_kind:KIND\n",
        {"toy_kind": TOY_KIND},
    )
    folder = tmp_path / "quiz"
    folder.mkdir()
    (folder / "assignment.toml").write_text(
        'kind = "toy"\n[[parts]]\nname = "one"\npoints = 5\nquestions = 3\n'
    )
    assignment = load(str(folder))
    assert assignment.kind.name == "toy"
    assert assignment.submission == "answers.py"
    assert assignment.prepared == {"one": 3}


def test_an_entry_point_cannot_take_over_a_shipped_kind(tmp_path, monkeypatch):
    _install(
        tmp_path, monkeypatch, "[chaingrade.kinds]\nengine = toy_kind\n", {"toy_kind": TOY_KIND}
    )
    assert "engine" not in kinds.installed()
    assert kinds.get("engine").grader == "graders.engine.grader:EngineGrader"


@pytest.mark.parametrize(
    ("target", "source", "said"),
    [
        ("broken_kind", "raise ImportError('no module named circuits')", "could not be loaded"),
        ("broken_kind", "KIND = 'toy'\n", "names no graders.kinds.Kind"),
        ("broken_kind", TOY_KIND.replace('name="toy"', 'name="other"'), "name them alike"),
    ],
)
def test_a_wrong_entry_point_is_one_clear_message(tmp_path, monkeypatch, target, source, said):
    _install(tmp_path, monkeypatch, f"[chaingrade.kinds]\ntoy = {target}\n", {target: source})
    with pytest.raises(ValueError, match=said):
        kinds.get("toy")
    folder = tmp_path / "quiz"
    folder.mkdir()
    (folder / "assignment.toml").write_text('kind = "toy"\n[[parts]]\nname = "one"\npoints = 5\n')
    with pytest.raises(AssignmentError, match="toy"):
        load(str(folder))


def test_prepare_gives_each_part_its_kind_s_spec():
    from graders.exercises.tasks import Task
    from graders.parts import CompositionPart

    tensor = load("tensor_autodiff")
    assert set(tensor.prepared) == {p.name for p in tensor.parts}
    assert all(isinstance(s, CompositionPart) and s.ops for s in tensor.prepared.values())
    exercises = load("chain_rule_multi")
    assert set(exercises.prepared) == {p.name for p in exercises.parts}
    assert all(isinstance(s, Task) for s in exercises.prepared.values())
    assert all(p.composition is None and p.ops == () for p in exercises.parts)
    part = exercises.parts[0]
    assert exercises.kind.items(exercises.prepared, part) == exercises.prepared[part.name].functions
    engine = load("scalar_autodiff")
    assert engine.prepared == {p.name: p.composition for p in engine.parts}
    op_part = next(p for p in engine.parts if not p.machinery)
    assert engine.kind.items(engine.prepared, op_part) == op_part.ops


def _assignment(folder: Path, kind: str, part: str) -> Path:
    folder.mkdir()
    (folder / "assignment.toml").write_text(
        f'kind = "{kind}"\n[[parts]]\nname = "one"\npoints = 5\n{part}\n'
    )
    return folder


def test_the_loader_builds_one_composition_spec_for_the_three_kinds_that_compose(tmp_path):
    """The engine and forward kinds' ``ops`` and the tensor kind's ``tensor_ops`` give the
    same spec, sizes and sharing read once, by the loader."""
    from graders.parts import CompositionPart

    fields = "machinery = true\nmax_ops = 5\nsharing = 0.5"
    built = {
        kind: load(str(_assignment(tmp_path / kind, kind, f"{key} = {ops}\n{fields}"))).parts[0]
        for kind, key, ops in (
            ("engine", "ops", '["add", "mul"]'),
            ("forward", "ops", '["add", "mul"]'),
            ("tensor", "tensor_ops", '["add", "mul"]'),
        )
    }
    spec = CompositionPart(("add", "mul"), machinery=True, max_ops=5, min_ops=3, sharing=0.5)
    assert {kind: part.composition for kind, part in built.items()} == dict.fromkeys(built, spec)
    assert all(part.extra == {} for part in built.values())


@pytest.mark.parametrize(
    ("kind", "part", "said"),
    [
        ("engine", 'ops = ["exp", "nope"]', "'nope'"),
        ("engine", "max_ops = 3", "needs ops = \\[...\\]"),
        ("tensor", 'ops = ["add"]', "needs tensor_ops = \\[...\\] \\(array op names: "),
        ("tensor", 'tensor_ops = ["nope"]', "'nope'"),
        ("forward", 'ops = "add"', "ops = \\[...\\] lists op names"),
        ("engine", 'ops = ["add"]\nmin_ops = 4\nmax_ops = 2', "part 'one'"),
    ],
)
def test_a_wrong_composition_part_is_one_clear_message(tmp_path, kind, part, said):
    with pytest.raises(AssignmentError, match=said):
        load(str(_assignment(tmp_path / "quiz", kind, part)))
