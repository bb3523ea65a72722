"""The ``engine`` kind: students write a reverse-mode autodiff engine.

Each part names catalog ops (``graders.model.ops``); the grader (``grader``) checks every op
alone (``probes``), then generated compositions, and names the wrong chain-rule step
(``diagnosis``) with a reproducer the student can paste (``reproducer``).
"""

from __future__ import annotations

from graders.kinds import Kind, op_items, scalar_compositions
from graders.parts import CompositionPart

#: A part's spec: its composition (``graders.parts.CompositionPart``).
KIND: Kind[CompositionPart] = Kind(
    name="engine",
    default_submission="engine.py",
    prepare=scalar_compositions,
    grader="graders.engine.grader:EngineGrader",
    ops_field="ops",
    items=op_items,
)
