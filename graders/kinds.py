"""Assignment kinds: each kind of assignment is a plug-in, found here by name.

A kind is a package that defines ``KIND``, a :class:`Kind`: the student's file when the
assignment names none, ``prepare`` (run once when the assignment loads: it checks the
kind's part fields and returns each part's spec, typed per kind, kept on the Assignment as
``prepared``), what a part's credit is shared among (``items``), the report steps only
its findings use (``steps``, added to the vocabulary when the kind is defined), and its
grader, a ``graders.grading.BaseGrader`` subclass that grades one part at a time. Everything else
(the worker, the policy, the Hypothesis configuration, crashes and deadlines, the Report)
is the same for every kind.

======================  ===========================  =================================
kind                    package                      students write
======================  ===========================  =================================
``engine``              ``graders.engine``           a reverse-mode autodiff engine
``exercises``           ``graders.exercises``        derivatives by hand, as functions
``tensor``              ``graders.tensor``           a reverse-mode autodiff engine on arrays
``forward``             ``graders.forward``          a forward-mode engine of dual numbers,
                                                     or a function transform (``grad(f)``,
                                                     ``jvp``)
======================  ===========================  =================================

The kinds chaingrade ships are listed in :data:`REGISTRY`, as pytest lists its default
plugins. A course adds a kind of its own without changing chaingrade: its distribution
declares an entry point in the ``chaingrade.kinds`` group (:data:`ENTRY_POINT_GROUP`),
named as assignment.toml's ``kind`` names it, pointing at a module that defines
``KIND`` (or at the ``Kind`` itself, ``module:NAME``). In the course's pyproject.toml::

    [project.entry-points."chaingrade.kinds"]
    circuits = "circuits_kind"

A shipped kind's name cannot be taken over by an entry point.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from graders.results import KindStep, add_steps, cause_order

if TYPE_CHECKING:
    from graders.parts import CompositionPart, Part
    from graders.results import Report

#: The kinds chaingrade ships: name -> the package that defines ``KIND``.
REGISTRY = {
    "engine": "graders.engine",
    "exercises": "graders.exercises",
    "tensor": "graders.tensor",
    "forward": "graders.forward",
}
#: Names earlier versions used.
ALIASES = {"autodiff": "engine", "chain_rule": "exercises"}
#: The entry-point group through which installed distributions add kinds.
ENTRY_POINT_GROUP = "chaingrade.kinds"

#: What a kind's ``prepare`` makes of one part: its part spec (the tensor kind's array op
#: names, an exercise's ``Task``), typed per kind.
SpecT = TypeVar("SpecT")


class Grader(Protocol):
    """What the grading flow asks of a kind's grader (``graders.grading.BaseGrader``
    gives it; a kind subclasses that and writes ``grade_part``)."""

    def grade(self, parts: Iterable[str] | None = None, *, jobs: int = 1) -> Report: ...


@dataclass(frozen=True)
class Kind(Generic[SpecT]):
    name: str
    #: The student's file when assignment.toml names none.
    default_submission: str
    #: ``prepare(folder, parts)``: check the parts' kind-specific fields (raise ValueError
    #: saying what to fix) and return each part's spec by part name, parsed once
    #: (``Assignment.prepared``); None when the kind's parts need nothing beyond ``Part``.
    prepare: Callable[[Path, tuple[Part, ...]], Mapping[str, SpecT] | None]
    #: ``"module:Class"`` of the grader, imported only when grading starts.
    grader: str
    #: The part field naming the catalog ops a part's compositions are made of (``ops``;
    #: the tensor kind's ``tensor_ops``): the loader builds each part's
    #: ``graders.parts.CompositionPart`` from it and the size fields (``max_ops``,
    #: ``min_ops``, ``sharing``, ``machinery``), and ``prepare`` checks the names against
    #: the kind's catalog. None for a kind whose parts compose no ops (their fields stay in
    #: ``Part.extra``).
    ops_field: str | None = None
    #: ``items(prepared, part)``: what a part's partial credit is shared among (an engine
    #: part's ops, an exercise's functions); empty when the part is all or nothing.
    items: Callable[[Mapping[str, SpecT], Part], tuple[str, ...]] = lambda prepared, part: ()
    #: Whether students' code builds graphs through a student API (``graders.presets``):
    #: only then does an assignment that names no API get ``auto``.
    builds_graphs: bool = True
    #: The steps only this kind's findings use (the tensor kind's ``shape``), added to the
    #: report vocabulary (``graders.results.vocabulary``) when the kind is defined, as a
    #: pytest plugin adds its hooks; the core's own steps are every kind's.
    steps: tuple[KindStep, ...] = ()

    def __post_init__(self) -> None:
        add_steps(self.name, self.steps)

    def grader_class(self) -> Callable[..., Grader]:
        """The grader's class: called with ``(assignment, submission, grading_seed=...,
        examples=...)``, as ``graders.grading.grade`` does."""
        module, _, name = self.grader.partition(":")
        return getattr(importlib.import_module(module), name)


def composition_specs(
    parts, known: Callable[[str], object], needs: str
) -> dict[str, CompositionPart]:
    """What ``prepare`` gives for a kind whose parts compose catalog ops: each part's
    composition, by part name, once every part names the ops it grades (``needs`` says
    how), each one ``known`` (its catalog's ``get``, which raises naming the valid ones)."""
    specs = {}
    for part in parts:
        if part.composition is None or not part.ops:
            raise ValueError(f"part {part.name!r} needs {needs}")
        for name in part.ops:
            known(name)
        specs[part.name] = part.composition
    return specs


def scalar_compositions(folder: Path, parts) -> dict[str, CompositionPart]:
    """``prepare`` of a kind whose parts compose scalar catalog ops (engine, forward)."""
    from graders.model import ops

    return composition_specs(parts, ops.get, "ops = [...] (catalog op names)")


def op_items(prepared, part) -> tuple[str, ...]:
    """``items`` of such a kind: an op part's credit is shared among its ops; the machinery
    part is all or nothing."""
    return () if part.machinery else part.ops


def installed() -> dict[str, EntryPoint]:
    """The kinds installed distributions add (``chaingrade.kinds`` entry points), by name;
    a shipped kind's name is never taken over."""
    return {
        point.name: point
        for point in entry_points(group=ENTRY_POINT_GROUP)
        if point.name not in REGISTRY and point.name not in ALIASES
    }


def names() -> list[str]:
    """Every kind an assignment can name: the shipped ones, then the installed ones."""
    return [*REGISTRY, *sorted(installed())]


def get(name: str) -> Kind:
    """The kind called ``name``; ValueError listing the kinds otherwise."""
    name = ALIASES.get(name, name)
    if name in REGISTRY:
        return importlib.import_module(REGISTRY[name]).KIND
    point = installed().get(name)
    if point is None:
        raise ValueError(f"kind = {name!r}: choose one of {', '.join(names())}")
    return _loaded(point)


def all_steps_in_cause_order() -> tuple[str, ...]:
    """Every step of the report vocabulary, in the order findings are listed in, once every
    kind is loaded (each adds its own steps): what a reader of many reports lays out in
    columns (the class summary). A course's kind that fails to load adds none here; an
    assignment naming it says why."""
    for name in names():
        try:
            get(name)
        except ValueError:
            continue
    return cause_order()


def _loaded(point: EntryPoint) -> Kind:
    """The Kind an entry point names (a module defining ``KIND``, or the Kind itself),
    or ValueError saying which distribution's entry point is wrong."""
    where = f"kind = {point.name!r} (entry point {point.value!r} in {ENTRY_POINT_GROUP})"
    try:
        found = point.load()
    except Exception as e:  # noqa: BLE001 - a course's package: said in one line, not raised
        raise ValueError(f"{where} could not be loaded: {type(e).__name__}: {e}") from None
    kind = getattr(found, "KIND", found)
    if not isinstance(kind, Kind):
        raise ValueError(f"{where} names no graders.kinds.Kind (a module defining KIND)")
    if kind.name != point.name:
        raise ValueError(f"{where} gives a kind called {kind.name!r}: name them alike")
    return kind
