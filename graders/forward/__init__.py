"""The ``forward`` kind: students write a forward-mode engine of dual numbers.

A dual number carries a value and a tangent: an input is made as ``Dual(value, tangent)``
and every op gives its result's value and tangent (``d(f(a)) = f'(a) * da``). Each part
names catalog ops (``graders.model.ops``); the grader (``grader``) checks every op alone
under chosen tangents, then generated compositions with one-hot and drawn tangents
against MyGrad's gradients along them (``oracle``), and names the wrong chain-rule step
(``diagnosis``) with a reproducer in the student's API (``reproducer``).

The kind also grades functional engines, an API shape (the API's ``transform``:
``grad(f)``, autograd's ``grad(f, i)``, ``jvp(f, xs, vs)``): each case is handed to the
engine's transform as a function of its inputs, and only its output is seen
(``functional``, whose ``ForwardKindGrader`` picks the grader once the API is known).
"""

from __future__ import annotations

from graders.kinds import Kind, op_items, scalar_compositions
from graders.parts import CompositionPart

#: A part's spec: its composition (``graders.parts.CompositionPart``).
KIND: Kind[CompositionPart] = Kind(
    name="forward",
    default_submission="dual.py",
    prepare=scalar_compositions,
    grader="graders.forward.functional:ForwardKindGrader",
    ops_field="ops",
    items=op_items,
)
