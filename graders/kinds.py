"""Assignment kinds: each kind of assignment is a plug-in, found here by name.

A kind is a package that defines ``KIND``, a :class:`Kind`: the student's file when the
assignment names none, ``prepare`` (run once when the assignment loads: it checks the
kind's part fields and returns whatever grading needs, kept on the Assignment), the advice
a policy violation gives, and its grader, a ``graders.grading.BaseGrader`` subclass that
grades one part at a time. Everything else (the worker, the policy, the Hypothesis
configuration, crashes and deadlines, the Report) is the same for every kind.

======================  ===========================  =================================
kind                    package                      students write
======================  ===========================  =================================
``engine``              ``graders.engine``           a reverse-mode autodiff engine
``exercises``           ``graders.exercises``        derivatives by hand, as functions
``tensor``              ``graders.tensor``           a reverse-mode autodiff engine on arrays
======================  ===========================  =================================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graders.assignment import Part
    from graders.grading import BaseGrader

REGISTRY = {
    "engine": "graders.engine",
    "exercises": "graders.exercises",
    "tensor": "graders.tensor",
}
#: Names earlier versions used.
ALIASES = {"autodiff": "engine", "chain_rule": "exercises"}


@dataclass(frozen=True)
class Kind:
    name: str
    #: The student's file when assignment.toml names none.
    default_submission: str
    #: ``prepare(folder, parts)``: check the parts' kind-specific fields (raise ValueError
    #: saying what to fix) and return what grading needs, parsed once.
    prepare: Callable[[Path, tuple[Part, ...]], Any]
    #: ``"module:Class"`` of the grader, imported only when grading starts.
    grader: str
    #: ``items(prepared, part)``: what a part's partial credit is shared among (an engine
    #: part's ops, an exercise's functions); empty when the part is all or nothing.
    items: Callable[[Any, Part], tuple[str, ...]] = lambda prepared, part: ()
    #: Whether students' code builds graphs through a student API (``graders.presets``):
    #: only then does an assignment that names no API get ``auto``.
    builds_graphs: bool = True

    def grader_class(self) -> type[BaseGrader]:
        module, _, name = self.grader.partition(":")
        return getattr(importlib.import_module(module), name)


def get(name: str) -> Kind:
    """The kind called ``name``; ValueError listing the kinds otherwise."""
    name = ALIASES.get(name, name)
    if name not in REGISTRY:
        raise ValueError(f"kind = {name!r}: choose one of {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name]).KIND
