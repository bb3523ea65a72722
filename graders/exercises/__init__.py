"""The ``exercises`` kind: students derive the chain rule by hand, each step a function.

An instructor writes an exercise as a short chain of assignments (``p = y * x**2``,
``q = 2*x + y``, ``g = p**2 - q**3``); chaingrade reads it safely, derives the steps to
ask for (every local partial, every total derivative), and grades a student's functions
against MyGrad, naming the wrong step.

=================  ===================================================================
module             what lives there
=================  ===================================================================
``parse``          the exercise file, read with :mod:`ast` into a ``Composition``
``steps``          the steps (``dg_dp``, ``dg_dx``) and their values from MyGrad
``tasks``          a part of an ``exercises`` assignment: exercise, prefix, published examples
``blame``          which step is wrong: a partial, or the combination of right partials
``grader``         ``ExerciseGrader``: the student's functions in the worker, cases, scores
=================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from graders.kinds import Kind
from graders.results import KindStep

if TYPE_CHECKING:
    from graders.exercises.tasks import Task


def prepare(folder: Path, parts) -> dict[str, Task]:
    """Every part's exercise, parsed and checked once: ``{part name: Task}``."""
    from graders.exercises.tasks import tasks

    return {task.part: task for task in tasks(folder, parts)}


def items(prepared: Mapping[str, Task], part) -> tuple[str, ...]:
    """A part's credit is shared among the functions its exercise asks for."""
    return prepared[part.name].functions


#: An exercises part's spec: its ``Task`` (the exercise, parsed and checked).
KIND: Kind[Task] = Kind(
    name="exercises",
    default_submission="answers.py",
    prepare=prepare,
    grader="graders.exercises.grader:ExerciseGrader",
    items=items,
    builds_graphs=False,  # answers are plain functions of numbers
    steps=(
        KindStep(
            "combination",
            after="upstream",
            meaning="right partials combined wrongly into a total: a missing path, a "
            "product for a sum, a sign",
        ),
    ),
)
