"""The ``tensor`` kind: students write a reverse-mode autodiff engine on arrays.

Each part names array ops (``tensor_ops = [...]``, ``graders.model.array_ops``): elementwise
ops with broadcasting, reductions with ``axis`` and ``keepdims``, shape ops and
``matmul``. The grader (``grader``) checks the projection every case ends in, then
generated array compositions (``strategies.arrays``), each node also isolated under a
non-uniform upstream gradient, and names the wrong chain-rule step and axis
(``diagnosis``) with a reproducer in the student's API (``reproducer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from graders.kinds import Kind
from graders.results import KindStep


def _part_ops(part) -> tuple[str, ...]:
    return tuple(part.extra.get("tensor_ops", ()))


def prepare(folder: Path, parts) -> dict[str, tuple[str, ...]]:
    """Every part names the array ops it grades (``tensor_ops``), each one known."""
    from graders.model import array_ops as ops

    found = {}
    for part in parts:
        names = _part_ops(part)
        if not names or not isinstance(part.extra.get("tensor_ops"), list):
            raise ValueError(
                f"part {part.name!r} needs tensor_ops = [...] (array op names: "
                f"{', '.join(ops.ALL_OPS)})"
            )
        for name in names:
            ops.get(name)
        found[part.name] = names
    return found


def items(prepared: Mapping[str, tuple[str, ...]], part) -> tuple[str, ...]:
    """An op part's credit is shared among its ops; the machinery part is all or nothing."""
    return () if part.machinery else prepared[part.name]


#: A tensor part's spec: the array op names it grades.
KIND: Kind[tuple[str, ...]] = Kind(
    name="tensor",
    default_submission="engine.py",
    prepare=prepare,
    grader="graders.tensor.grader:TensorGrader",
    items=items,
    steps=(
        KindStep("shape", after="forward", meaning="a gradient whose shape is not its node's"),
        KindStep(
            "unbroadcast",
            after="shape",
            meaning="a broadcast operand's gradient not summed back over the axes the "
            "broadcast added or stretched, or summed over others (axes named)",
        ),
    ),
)
