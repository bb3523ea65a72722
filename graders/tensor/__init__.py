"""The ``tensor`` kind: students write a reverse-mode autodiff engine on arrays.

Each part names array ops (``tensor_ops = [...]``, ``graders.model.array_ops``): elementwise
ops with broadcasting, reductions with ``axis`` and ``keepdims``, shape ops and
``matmul``. The grader (``grader``) checks the projection every case ends in, then
generated array compositions (``strategies.arrays``), each node also isolated under a
non-uniform upstream gradient, and names the wrong chain-rule step and axis
(``diagnosis``) with a reproducer in the student's API (``reproducer``).
"""

from __future__ import annotations

from pathlib import Path

from graders.kinds import Kind, composition_specs, op_items
from graders.parts import CompositionPart
from graders.results import KindStep


def prepare(folder: Path, parts) -> dict[str, CompositionPart]:
    """Every part names the array ops it grades (``tensor_ops``), each one known."""
    from graders.model import array_ops as ops

    needs = f"tensor_ops = [...] (array op names: {', '.join(ops.ALL_OPS)})"
    return composition_specs(parts, ops.get, needs)


#: A tensor part's spec: its composition, of array ops.
KIND: Kind[CompositionPart] = Kind(
    name="tensor",
    default_submission="engine.py",
    prepare=prepare,
    grader="graders.tensor.grader:TensorGrader",
    ops_field="tensor_ops",
    items=op_items,
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
