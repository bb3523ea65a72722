"""Reproducers for dual-number engines: a case as Python the student can paste and run.

Written in the student's API (the leaf takes a value and a tangent, ops as the preset
calls them: ``graders.node_source.write_node``), printing each number a finding is
about next to the number it should be::

    from dual import Dual, sin

    x = Dual(0.7, -0.6)
    a = sin(x)
    print("a.der =", a.der, "  expected -0.4589")
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graders.model.composition import Composition
from graders.node_source import write_node
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


def functional_reproducer(
    composition: Composition,
    point: Sequence[float],
    direction: Sequence[float],
    preset: Preset,
    module: str,
    expected: Sequence[float],
    value: float | None = None,
) -> str:
    """Runnable Python handing ``composition``, written as the function ``f`` of its
    inputs, to a functional engine's transform (``preset.transform``) at ``point`` (for
    ``jvp``, the tangents ``direction``), printing what it gives next to ``expected``
    (the partials, or the value and the tangent); with ``value``, ``f`` on the plain
    numbers first, next to it (a wrong value that ``grad`` does not show)::

        from engine import grad, sin

        def f(x):
            a = sin(x)
            return a

        print("grad(f)(0.7) =", grad(f)(0.7), "  expected (0.7648422,)")
    """
    functions = {
        preset.form(n.op)["name"]
        for n in composition.nodes
        if preset.form(n.op)["call"] == "function"
    }
    names = composition.all_names
    lines = [f"from {module} import {', '.join([preset.leaf, *sorted(functions)])}", ""]
    lines.append(f"def f({', '.join(composition.inputs)}):")
    lines += [
        f"    {names[k]} = {write_node(composition, k, preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    lines += [f"    return {names[composition.output]}", ""]
    values = ", ".join(repr(float(v)) for v in point)
    if value is not None:
        lines.append(f'print("f({values}) =", f({values}), "  expected {value:.7g}")')
    want = "(" + ", ".join(f"{e:.7g}" for e in expected) + ("," if len(expected) == 1 else "") + ")"
    if preset.transform == "grad_argnum":
        for i, e in enumerate(expected):
            call = f"{preset.leaf}(f, {i})({values})"
            lines.append(f'print("{call} =", {call}, "  expected {e:.7g}")')
        return "\n".join(lines) + "\n"
    if preset.transform == "jvp":
        tangents = tuple(float(d) for d in direction)
        call = f"{preset.leaf}(f, {tuple(float(v) for v in point)!r}, {tangents!r})"
    else:
        call = f"{preset.leaf}(f)({values})"
    lines.append(f'print("{call} =", {call}, "  expected {want}")')
    return "\n".join(lines) + "\n"
