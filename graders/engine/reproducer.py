"""Reproducers: a composition and a point as Python a student can paste and run.

The code is written in the student's own API (the preset), imports their module by
name, runs the reverse pass and prints each number a finding is about next to the
number it should be::

    from engine import tensor

    q = tensor(7.0)
    d = q ** 3
    d.backward()
    print("q.grad =", q.grad, "  expected 147")
"""

from __future__ import annotations

from collections.abc import Sequence

from graders.model.composition import Composition
from graders.node_source import call_form, write_leaf, write_node, write_number
from graders.presets import Preset, import_lines

__all__ = ["reproducer", "write_node"]  # write_node is graders.node_source's, named here too


def reproducer(
    composition: Composition,
    point: Sequence[float],
    preset: Preset,
    module: str,
    checks: Sequence[tuple[int, str, float]],
) -> str:
    """Runnable Python for ``composition`` at ``point``.

    ``checks`` lists ``(node index, "value" or "grad", expected)`` to print at the end.
    """
    functions = {
        call_form(n, preset)[1] for n in composition.nodes if call_form(n, preset)[0] == "function"
    }
    lines = [*import_lines(module, preset.leaf, sorted(functions)), ""]
    attributes = {preset.value if what == "value" else preset.gradient for _, what, _ in checks}
    if preset.convert == "ndarray" or any(_buffer_step(a) for a in attributes):
        lines.insert(0, "import numpy as np")
    lines += [
        f"{name} = {write_leaf(preset, v)}"
        for name, v in zip(composition.inputs, point, strict=True)
    ]
    names = composition.all_names
    lines += [
        f"{names[k]} = {write_node(composition, k, preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    out = names[composition.output]
    if preset.seed == "attribute":
        lines.append(f"{out}.{preset.gradient_attribute} = {write_number(preset, 1.0)}")
    one = write_number(preset, 1.0) if preset.seed == "argument" else ""
    lines.append(f"{out}.{preset.backward}({one})")
    for index, what, expected in checks:
        attribute = preset.value if what == "value" else preset.gradient
        expression = f"{names[index]}.{attribute}"
        shown = f"np.asarray({expression})" if _buffer_step(attribute) else expression
        lines.append(f'print("{expression} =", {shown}, "  expected {expected:.10g}")')
    return "\n".join(lines) + "\n"


def _buffer_step(attribute: str) -> bool:
    """Whether reading ``attribute`` takes ``.data`` of what a node holds (DeZero's
    ``grad.data``): on a NumPy array that is its memory buffer, which prints as
    ``<memory at 0x...>``, so the reproducer prints it through ``np.asarray``, which
    gives the number from a buffer and from a node's array alike (as the grader reads it:
    ``Preset.gradient``)."""
    return "data" in attribute.split(".")[1:]
