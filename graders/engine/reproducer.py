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

from graders import ops
from graders.composition import Composition
from graders.presets import Preset


def write_node(composition: Composition, index: int, preset: Preset) -> str:
    """One node's right-hand side in the student's API: ``exp(a)`` or ``a.exp()``."""
    node = composition.node(index)
    op = ops.get(node.op)
    args = [composition.arg_text(a) for a in node.args]
    if op.is_operator or preset.unary == "function":
        return op.write(args)
    return f"{args[0]}.{op.syntax}()"


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
    functions = sorted(
        {
            ops.get(n.op).syntax
            for n in composition.nodes
            if not ops.get(n.op).is_operator and preset.unary == "function"
        }
    )
    lines = [f"from {module} import {', '.join([preset.leaf, *functions])}", ""]
    lines += [f"{name} = {preset.leaf}({float(v)!r})" for name, v in zip(composition.inputs, point)]
    names = composition.all_names
    lines += [
        f"{names[k]} = {write_node(composition, k, preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    lines.append(f"{names[composition.output]}.{preset.backward}()")
    for index, what, expected in checks:
        attribute = preset.value if what == "value" else preset.gradient
        expression = f"{names[index]}.{attribute}"
        lines.append(f'print("{expression} =", {expression}, "  expected {expected:.10g}")')
    return "\n".join(lines) + "\n"
