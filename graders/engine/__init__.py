"""The ``engine`` kind: students write a reverse-mode autodiff engine.

Each part names catalog ops (``graders.model.ops``); the grader (``grader``) checks every op
alone (``probes``), then generated compositions, and names the wrong chain-rule step
(``diagnosis``) with a reproducer the student can paste (``reproducer``).
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
    name="engine",
    default_submission="engine.py",
    prepare=prepare,
    grader="graders.engine.grader:EngineGrader",
    items=items,
)
