"""What a part of a ``chain_rule`` assignment asks for, read from its ``[[parts]]`` entry.

Fields a part may have besides ``name`` and ``points``:

``exercise`` (required)
    the exercise file, relative to the assignment folder (see ``graders.exercises.parse``);
``prefix``
    put before every function name, so two exercises with the same names (both course
    examples call their output ``g``) can share one answers file: ``first_dg_dp``;
``published``
    explicit examples checked before the generated points, each an inline table with
    the point under ``at`` and the published values by step name::

        published = [{ at = { x = 3, y = 1 }, dg_dp = 18, dg_dq = -147, dg_dx = -186 }]

    Every published value must agree with MyGrad (a typo is an error at load time);
``same_as``
    the name of another part whose exercise must be the same function of the same inputs
    (the chain-rule exercise and its expanded, power-rule twin), checked at load time.

Everything is checked when the assignment loads, so ``chaingrade check`` reports a bad
exercise as a usage error naming the file and line, not as a traceback while grading.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graders.exercises.parse import Exercise, ExerciseError, load
from graders.exercises.steps import Step, derive, expected
from graders.results import at_text, number
from graders.tolerances import GRADING, SAME_FUNCTION, close

if TYPE_CHECKING:
    from graders.parts import Part

#: Points per input on the grid that checks an exercise's boxes (and ``same_as``).
_GRID = 5


@dataclass(frozen=True)
class Task:
    """One part's exercise, the functions it asks for and its published examples."""

    part: str
    exercise: Exercise
    steps: tuple[Step, ...]
    #: ``(point, values)``: each published point with its expected value of every step.
    published: tuple[tuple[tuple[float, ...], dict[str, float]], ...] = ()

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(s.function for s in self.steps)


def task(folder: Path, part: Part) -> Task:
    """The task of one part; raises ExerciseError saying what to fix."""
    extra = part.extra
    if "exercise" not in extra:
        raise ExerciseError(f'part {part.name!r} needs exercise = "path/to/file.chain"')
    exercise = load(Path(folder) / str(extra["exercise"]))
    prefix = str(extra.get("prefix", ""))
    if prefix and not prefix.isidentifier():
        raise ExerciseError(f"part {part.name!r}: prefix = {prefix!r} must start a Python name")
    steps = derive(exercise, prefix)
    _check_boxes(exercise)
    published = tuple(
        _published(exercise, steps, entry, prefix, part.name)
        for entry in extra.get("published", ())
    )
    return Task(part.name, exercise, steps, published)


def tasks(folder: Path, parts: Sequence[Part]) -> list[Task]:
    """Every part's task, checked together: no function asked for twice, ``same_as`` holds."""
    found = [task(folder, p) for p in parts]
    owner: dict[str, str] = {}
    for t in found:
        for f in t.functions:
            if f in owner:
                raise ExerciseError(
                    f"function {f} is asked for by parts {owner[f]!r} and {t.part!r}: "
                    f"give one of them a prefix"
                )
            owner[f] = t.part
    by_name = {t.part: t for t in found}
    for p, t in zip(parts, found):
        other = p.extra.get("same_as")
        if other is not None:
            if other not in by_name:
                raise ExerciseError(f"part {p.name!r}: same_as = {other!r} names no part")
            _check_same(t.exercise, by_name[other].exercise)
    return found


def fair_grid(exercise: Exercise) -> list[tuple[float, ...]]:
    """The points of a small grid over the exercise's boxes at which it is fair."""
    axes = [[lo + (hi - lo) * k / (_GRID - 1) for k in range(_GRID)] for lo, hi in exercise.boxes]
    return [p for p in itertools.product(*axes) if exercise.composition.fair(p)]


def _check_boxes(exercise: Exercise) -> None:
    total = _GRID ** len(exercise.inputs)
    if 2 * len(fair_grid(exercise)) < total:
        boxes = ", ".join(f"{x}: {box}" for x, box in zip(exercise.inputs, exercise.boxes))
        raise ExerciseError(
            f"{exercise.name}: the exercise is not defined at most points of its boxes "
            f"({boxes}): an op leaves its domain or a value exceeds 1e4; declare boxes "
            f"(x: (low, high)) where it is defined"
        )


def _published(exercise, steps, entry, prefix: str, part: str):
    if not isinstance(entry, dict) or not isinstance(entry.get("at"), dict):
        raise ExerciseError(f"part {part!r}: each published example needs at = {{ x = ..., ... }}")
    at = entry["at"]
    if set(at) != set(exercise.inputs):
        raise ExerciseError(
            f"part {part!r}: a published example's at = must give exactly "
            f"{', '.join(exercise.inputs)}"
        )
    point = tuple(float(at[x]) for x in exercise.inputs)
    where = f"part {part!r}, published example at {at_text(dict(zip(exercise.inputs, point)))}"
    values = expected(exercise, steps, point)
    if values is None:
        raise ExerciseError(
            f"{where}: the exercise is not fairly defined there (a domain, "
            f"a magnitude above 1e4, or the oracles disagree)"
        )
    names = {s.function: s.function for s in steps}
    names.update({s.function[len(prefix) :]: s.function for s in steps})
    for key, value in entry.items():
        if key == "at":
            continue
        if key not in names:
            raise ExerciseError(
                f"{where}: {key} is not a step; the steps are "
                f"{', '.join(s.function for s in steps)}"
            )
        function = names[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExerciseError(f"{where}: {key} = {value!r} is not a number")
        if not close(float(value), values[function], **GRADING):
            raise ExerciseError(
                f"{where}: {key} = {number(float(value))} but MyGrad gives "
                f"{number(values[function])}"
            )
        values[function] = float(value)
    return point, values


def _check_same(exercise: Exercise, other: Exercise) -> None:
    if exercise.inputs != other.inputs:
        raise ExerciseError(
            f"{exercise.name} and {other.name} must have the same inputs "
            f"({', '.join(other.inputs)})"
        )
    for point in fair_grid(exercise):
        if not other.composition.fair(point):
            continue
        a = float(exercise.composition.evaluate(point)[-1])
        b = float(other.composition.evaluate(point)[-1])
        if not close(a, b, **SAME_FUNCTION) or not math.isfinite(a):
            raise ExerciseError(
                f"{exercise.name} and {other.name} should be the same function, but at "
                f"{at_text(dict(zip(exercise.inputs, point)))} they give {number(a)} and "
                f"{number(b)}"
            )
