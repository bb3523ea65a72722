"""Reproducers for dual-number engines: a case as Python the student can paste and run.

Written in the student's API (the leaf takes a value and a tangent, ops as the preset
calls them: ``graders.engine.reproducer.write_node``), printing each number a finding is
about next to the number it should be::

    from dual import Dual, sin

    x = Dual(0.7, -0.6)
    a = sin(x)
    print("a.der =", a.der, "  expected -0.4589")
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graders.engine.reproducer import write_node
from graders.model.composition import Composition
from graders.presets import Preset


def reproducer(
    composition: Composition,
    point: Sequence[float],
    direction: Sequence[float],
    preset: Preset,
    module: str,
    checks: Sequence[tuple[int, str, float]],
) -> str:
    """Runnable Python for ``composition`` at ``point``, its inputs' tangents
    ``direction``; ``checks`` lists ``(node index, "value" or "tangent", expected)``."""
    functions = {
        preset.form(n.op)["name"]
        for n in composition.nodes
        if preset.form(n.op)["call"] == "function"
    }
    lines = [f"from {module} import {', '.join([preset.leaf, *sorted(functions)])}", ""]
    lines += [
        f"{name} = {preset.leaf}({float(v)!r}, {float(d)!r})"
        for name, v, d in zip(composition.inputs, point, direction, strict=True)
    ]
    names = composition.all_names
    lines += [
        f"{names[k]} = {_with_zero_tangents(write_node(composition, k, preset), preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    for index, what, expected in checks:
        attribute = preset.value if what == "value" else preset.gradient
        expression = f"{names[index]}.{attribute}"
        lines.append(f'print("{expression} =", {expression}, "  expected {expected:.10g}")')
    return "\n".join(lines) + "\n"


def _with_zero_tangents(text: str, preset: Preset) -> str:
    """A number the grader makes a dual (``constants = "leaf"``) is written by
    ``write_node`` as ``Dual(2.0)``; the grader makes it ``Dual(2.0, 0.0)``."""
    if preset.constants != "leaf":
        return text
    return re.sub(rf"\b{re.escape(preset.leaf)}\(([^(),]+)\)", rf"{preset.leaf}(\1, 0.0)", text)
