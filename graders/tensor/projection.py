"""The projection every array case ends in, ``loss = sum(out * w)``, checked first.

Every gradient grading reads flows through it: ``w``'s fixed non-uniform pattern is the
upstream gradient of each case's output. So before any op, a leaf alone is projected
(:data:`CASE`), and if the engine gets ``a``'s gradient wrong (a seed that is not 1, a
broken ``sum`` or ``*``) the part stops with that one finding (:func:`finding`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from graders.model.array_composition import ArrayComposition
from graders.presets import Preset
from graders.results import Finding
from graders.tensor import syntax
from graders.tensor.diagnosis import array, close

#: The leaf, and the point it holds.
CASE = (
    ArrayComposition.build([("a", (2, 3), (-2.0, 2.0))], []),
    [np.array([[0.5, -1.25, 2.0], [1.5, -0.75, 0.25]])],
)
#: Said after an error there: why * and sum are checked before the ops of the part.
FIRST = " (every case ends in loss = sum(out * w) with a fixed array w, so * and sum come first)"


def finding(outcome: Mapping, preset: Preset, reproduce: Callable[[], str]) -> Finding | None:
    """What the engine's gradients of :data:`CASE` (``outcome``, no error) show: None
    when ``a``'s is ``w``; a ``seed`` finding when it is zero or missing; else ``mul``'s
    or ``sum``'s local derivative (whichever of ``out_w``'s and ``w``'s gradients is
    wrong). ``reproduce()``: the reproducer's text."""
    composition, point = CASE
    source = syntax.source(composition, preset).replace("\n", "; ")
    read = {composition.name(k): array(g) for k, g in enumerate(outcome["grads"])}
    w = composition.projection()
    a_grad = read.get("a")
    if isinstance(a_grad, np.ndarray) and close(a_grad, w):
        return None
    if isinstance(a_grad, str):  # not an array of numbers (the runner's description)
        return Finding(
            "error",
            f"after `{source}` and loss.{preset.backward}(), a's gradient "
            f"(node.{preset.gradient}) is {a_grad}, not an array of numbers: a gradient is "
            "an array of the node's shape",
            node=source,
        )
    what = "no gradient" if a_grad is None else np.round(a_grad, 6).tolist()
    zero = isinstance(a_grad, np.ndarray) and not np.any(a_grad)
    step = "seed" if zero or a_grad is None else "local-derivative"
    # sum's backward gives out_w all ones, and then w's gradient is a: mul's fault
    ones, w_grad = read.get("out_w"), read.get("w")
    sum_right = (
        isinstance(ones, np.ndarray) and close(ones, np.ones_like(w))
        if ones is not None
        else isinstance(w_grad, np.ndarray) and close(w_grad, point[0])
    )
    text = (
        f"after `{source}`, a.grad must be w, {np.round(w, 6).tolist()}; your engine gives "
        f"{what}. Every check ends in loss = sum(out * w), so no other gradient can be read "
        "until this one is right"
    )
    if step == "seed":
        text += ": the reverse pass must start from loss.grad = 1"
    return Finding(
        step,
        text,
        op=None if step == "seed" else ("mul" if sum_right else "sum"),
        node=source,
        expected=repr(np.round(w, 6).tolist()),
        actual=repr(what),
        reproducer=reproduce(),
    )
