"""Assignments: what to grade, read from ``assignments/NAME/assignment.toml``.

An assignment names its kind (``graders.kinds``: ``engine`` by default), the student's
file (``submission``) and the module the worker imports (``entry``: a module or a
package; students hand in a file, a folder or a notebook, see ``graders.submission``),
the API preset (or its own mapping), a public grading seed, how many examples each
part runs, resource limits, the static policy (``[policy]``, see
``graders.sandbox.policy``), and its parts: each part has points and, for a kind whose
parts compose catalog ops (engine and forward: ``ops``; tensor: ``tensor_ops``), the ops
it covers and the size of its compositions, read here into one ``CompositionPart``
(``graders.parts``). A part marked ``machinery = true`` grades the reverse pass itself
(seed, accumulation, order) on compositions with heavy sharing. See
``assignments/scalar_autodiff/assignment.toml`` for a complete example.

The kind checks its own part fields when the assignment loads (an ``exercises`` part
names an exercise file: see ``graders.exercises.tasks``) and keeps what it parsed in
``Assignment.prepared``, so a bad assignment is a usage error before anything is graded.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic

from graders import kinds
from graders import submission as hand_in
from graders.kinds import Kind, SpecT
from graders.model.composition import size_problem
from graders.parts import CompositionPart, Part
from graders.presets import AUTO, Preset, from_option, leaves_of, resolve
from graders.sandbox.limits import Limits
from graders.sandbox.policy import Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Where ``--assignment NAME`` looks, after ``$CHAINGRADE_ASSIGNMENTS`` and ``./assignments``.
BUNDLED = Path(__file__).resolve().parent.parent / "assignments"
#: Modules the worker's guard blocks while a submission runs: by default the static
#: policy's (``Policy.blocked_while_running``), or a top-level ``forbidden_imports``.
DEFAULT_FORBIDDEN = Policy().blocked_while_running()
#: Who sees a part's result on Gradescope, in Gradescope's own words.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def visibility_problem(value: object) -> str | None:
    """What is wrong with a visibility, or None: one rule for assignment.toml, the
    ``visibility`` marker and results.json."""
    if value in VISIBILITIES:
        return None
    return f"visibility {value!r}: choose one of {', '.join(VISIBILITIES)}"


class AssignmentError(ValueError):
    """An assignment that cannot be found or read; the message says what to fix."""


@dataclass(frozen=True)
class Assignment(Generic[SpecT]):
    name: str
    folder: Path
    kind: Kind[SpecT]
    submission: str
    #: The student API (``graders.presets``), or ``"auto"``: the worker finds it.
    api: Preset | str
    seed: int
    examples: int
    #: How many input points each generated case is checked at, in one worker round trip.
    inputs_per_case: int
    limits: Limits
    parts: tuple[Part, ...]
    forbidden_imports: tuple[str, ...] = DEFAULT_FORBIDDEN
    policy: Policy = Policy()
    solution: Path | None = None
    #: Each part's spec, by part name, as its kind's ``prepare`` parsed it when the
    #: assignment loaded (an exercise's ``Task``, a tensor part's array op names).
    prepared: Mapping[str, SpecT] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    #: The module the worker imports (``entry`` in assignment.toml): ``ENTRY.py`` or a
    #: package ``ENTRY/``; by default ``submission``'s name without ``.py``.
    entry: str = ""
    #: ``--entry``: the module, package or path in the hand-in to grade, named outright.
    chosen_entry: str | None = None

    def handed_in(self, path: Path) -> hand_in.Submission:
        """What a student handed in at ``path`` (a file, a folder or a notebook), resolved
        with this assignment's entry, ``--entry``, the leaf its API needs, and limits
        (``graders.submission``); raises ``graders.submission.HandInError`` when it
        cannot be graded as handed in."""
        return hand_in.resolve(
            path,
            self.entry or hand_in.entry_of(self.submission),
            leaves=leaves_of(self.api) if self.kind.builds_graphs else (),
            chosen=self.chosen_entry,
            max_files=self.limits.files,
            max_bytes=self.limits.source_bytes,
        )

    @property
    def points_per_case(self) -> int:
        """Deprecated: ``inputs_per_case``'s old name."""
        warnings.warn(
            "Assignment.points_per_case is now Assignment.inputs_per_case",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.inputs_per_case

    @property
    def max_score(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(op for p in self.parts for op in p.ops))

    def select(self, names=None) -> tuple[Part, ...]:
        """The parts called ``names`` (all by default), in the assignment's order."""
        if names is None:
            return self.parts
        unknown = set(names) - {p.name for p in self.parts}
        if unknown:
            raise AssignmentError(
                f"{self.name} has no part {sorted(unknown)[0]!r}; its parts: "
                + ", ".join(p.name for p in self.parts)
            )
        return tuple(p for p in self.parts if p.name in set(names))


def search_path() -> list[Path]:
    paths = [Path(p) for p in os.environ.get("CHAINGRADE_ASSIGNMENTS", "").split(os.pathsep) if p]
    return [*paths, Path.cwd() / "assignments", BUNDLED]


def find(name: str) -> Path:
    """The folder of assignment ``name``: ``name`` itself if it is a folder with a toml,
    the current folder if its assignment.toml is called ``name`` (a student pack), else the
    first ``NAME/assignment.toml`` on :func:`search_path`."""
    direct = Path(name)
    if (direct / "assignment.toml").is_file():
        return direct
    if _named(Path.cwd() / "assignment.toml") == name:
        return Path.cwd()
    for root in search_path():
        if (root / name / "assignment.toml").is_file():
            return root / name
    known = sorted(
        {
            p.parent.name
            for root in search_path()
            if root.is_dir()
            for p in root.glob("*/assignment.toml")
        }
    )
    where = ", ".join(str(p) for p in search_path())
    if not known:
        raise AssignmentError(
            f"no assignment {name!r} here: give --assignment FOLDER (a folder with an "
            "assignment.toml, such as a student pack's), or run in such a folder; the "
            f"bundled assignments come with a clone of chaingrade's repository (looked in {where})"
        )
    raise AssignmentError(
        f"no assignment {name!r}; known assignments: {', '.join(known)} (looked in {where})"
    )


def _named(toml: Path) -> str | None:
    try:
        return str(tomllib.loads(toml.read_text(encoding="utf-8")).get("name", toml.parent.name))
    except (OSError, ValueError):
        return None


def load(name: str, api: str | None = None, entry: str | None = None) -> Assignment:
    """The assignment ``name`` (see :func:`find`); ``api`` overrides its student API
    (``auto``, a preset name, a JSON mapping or a file holding one, as ``--api`` takes).
    An assignment that names no API gets ``auto``. ``entry`` is ``--entry``: what in a
    handed-in folder to grade."""
    try:
        preset = from_option(api) if api is not None else None
    except ValueError as e:
        raise AssignmentError(str(e)) from None
    folder = find(name)
    try:
        data = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise AssignmentError(f"{folder / 'assignment.toml'}: {e}") from None
    try:
        return replace(_build(folder, data, preset), chosen_entry=entry or None)
    except (KeyError, TypeError, ValueError) as e:
        raise AssignmentError(f"{folder / 'assignment.toml'}: {e}") from None


def _build(folder: Path, data: dict, api_override: Preset | str | None) -> Assignment:
    if not isinstance(data.get("parts"), list) or not all(
        isinstance(p, dict) for p in data["parts"]
    ):
        raise ValueError("parts must be [[parts]] tables, each with name and points")
    kind = kinds.get(str(data.get("kind", "engine")))
    parts = tuple(_part(p, kind.ops_field) for p in data["parts"])
    if not parts:
        raise ValueError("an assignment needs at least one [[parts]] entry")
    solution = data.get("solution")
    limits = Limits(**data.get("limits", {}))
    examples = int(data.get("examples", 40))
    inputs_per_case = _inputs_per_case(data, folder)
    if examples < 1 or inputs_per_case < 1:
        raise ValueError("examples and inputs_per_case must be at least 1")
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        raise ValueError("policy must be a [policy] table")
    policy = Policy.from_toml(policy)
    submission = str(data.get("submission", kind.default_submission))
    entry = str(data.get("entry") or hand_in.entry_of(submission))
    if not entry.isidentifier():
        raise ValueError(
            f"entry = {entry!r}: the module students hand in, a name such as engine or "
            "minitorch (letters, digits and _)"
        )
    return Assignment(
        name=str(data.get("name", folder.name)),
        folder=folder,
        kind=kind,
        submission=submission,
        entry=entry,
        api=api_override or resolve(data.get("api", AUTO if kind.builds_graphs else "mygrad")),
        seed=int(data.get("seed", 0)),
        examples=examples,
        inputs_per_case=inputs_per_case,
        limits=limits,
        parts=parts,
        forbidden_imports=tuple(data.get("forbidden_imports", policy.blocked_while_running())),
        policy=policy,
        solution=folder / solution if solution else None,
        prepared=kind.prepare(folder, parts) or {},  # a bad part is a usage error now
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


#: What ``inputs_per_case`` was called before: "points" are what a part is worth.
OLD_INPUTS_PER_CASE = "points_per_case"


def _inputs_per_case(data: dict, folder: Path) -> int:
    """``inputs_per_case`` (2 by default); the old key ``points_per_case`` still works, with
    a warning that names the new one."""
    if OLD_INPUTS_PER_CASE not in data:
        return int(data.get("inputs_per_case", 2))
    if "inputs_per_case" in data:
        raise ValueError(f"give inputs_per_case only ({OLD_INPUTS_PER_CASE} is its old name)")
    warnings.warn(
        f"{folder / 'assignment.toml'}: {OLD_INPUTS_PER_CASE} is now called inputs_per_case "
        "(the input points each case is checked at); the old name still works for now",
        FutureWarning,
        stacklevel=2,
    )
    return int(data[OLD_INPUTS_PER_CASE])


_KNOWN = {
    "name",
    "kind",
    "submission",
    "api",
    "seed",
    "examples",
    "inputs_per_case",
    OLD_INPUTS_PER_CASE,
    "limits",
    "parts",
    "forbidden_imports",
    "solution",
    "policy",
    "entry",
}


#: The fields of every part.
_PART_FIELDS = {"name", "points", "visibility"}
#: The fields of a part that composes catalog ops, beside the one naming them.
_COMPOSITION_FIELDS = {"machinery", "max_ops", "min_ops", "sharing"}


def _part(data: dict, ops_field: str | None) -> Part:
    """One ``[[parts]]`` table; ``ops_field`` names the field of its ops when its kind's
    parts compose catalog ops (``Kind.ops_field``)."""
    visibility = str(data.get("visibility", "visible"))
    problem = visibility_problem(visibility)
    if problem:
        raise ValueError(f"part {data.get('name')!r}: {problem}")
    points = float(data["points"])
    if points < 0:
        raise ValueError(f"part {data['name']!r}: points must not be negative")
    known = _PART_FIELDS | ({ops_field, *_COMPOSITION_FIELDS} if ops_field else set())
    return Part(
        name=str(data["name"]),
        points=points,
        visibility=visibility,
        composition=_composition(data, ops_field) if ops_field else None,
        extra={k: v for k, v in data.items() if k not in known},
    )


def _composition(data: dict, ops_field: str) -> CompositionPart:
    """A part's composition spec: its ops (named, not yet checked against the kind's
    catalog: its ``prepare`` does that), whether it grades the reverse pass, and the size
    and sharing of its compositions (a reverse-pass part shares more, and is longer)."""
    names = data.get(ops_field, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"part {data['name']!r}: {ops_field} = [...] lists op names")
    machinery = bool(data.get("machinery", False))
    max_ops = int(data.get("max_ops", 6))
    min_ops = int(data.get("min_ops", min(3, max_ops) if machinery else 1))
    sharing = float(data.get("sharing", 0.6 if machinery else 0.35))
    problem = size_problem(min_ops, max_ops, sharing)
    if problem:
        raise ValueError(f"part {data['name']!r}: {problem}")
    return CompositionPart(tuple(names), machinery, max_ops, min_ops, sharing)
