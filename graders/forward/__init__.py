"""The ``forward`` kind: students write a forward-mode engine of dual numbers.

A dual number carries a value and a tangent: an input is made as ``Dual(value, tangent)``
and every op gives its result's value and tangent (``d(f(a)) = f'(a) * da``). Each part
names catalog ops (``graders.model.ops``); the grader (``grader``) checks every op alone
under chosen tangents, then generated compositions with one-hot and drawn tangents
against MyGrad's gradients along them (``oracle``), and names the wrong chain-rule step
(``diagnosis``) with a reproducer in the student's API (``reproducer``).
"""

from __future__ import annotations

from pathlib import Path

from graders.kinds import Kind


def prepare(folder: Path, parts) -> None:
    """Every part names the ops it grades (their names were checked when it was read)."""
    for part in parts:
        if not part.ops:
            raise ValueError(f"part {part.name!r} needs ops = [...] (catalog op names)")


def items(prepared, part) -> tuple[str, ...]:
    """An op part's credit is shared among its ops; the machinery part is all or nothing."""
    return () if part.machinery else part.ops


KIND = Kind(
    name="forward",
    default_submission="dual.py",
    prepare=prepare,
    grader="graders.forward.grader:ForwardGrader",
    items=items,
)
