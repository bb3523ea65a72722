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

from graders.model import ops
from graders.model.composition import Composition, Const
from graders.presets import Preset


def write_node(composition: Composition, index: int, preset: Preset) -> str:
    """One node's right-hand side as the student writes it: ``exp(a)`` or ``a.exp()``,
    ``q * 3`` or ``mul(q, 3)``, ``square(q)`` for an alias of ``q ** 2``."""
    node = composition.node(index)
    args = [
        _leaf(preset, a.value)
        if isinstance(a, Const) and preset.constants == "leaf"
        else composition.arg_text(a)
        for a in node.args
    ]
    call, name, which = _form(node, preset)
    args = [args[i] for i in which]
    if call == "operator":
        return ops.get(node.op).write(args)
    if call == "method":
        return f"{args[0]}.{name}({', '.join(args[1:])})"
    return f"{name.rpartition('.')[2]}({', '.join(args)})"


def _form(node, preset: Preset) -> tuple[str, str, list[int]]:
    """``(call, name, which arguments)``, as the worker builds the node (``form_of``)."""
    for alias in preset.alias_forms():
        const = node.args[alias["position"]] if len(node.args) == 2 else None
        if alias["op"] == node.op and isinstance(const, Const) and const.value == alias["const"]:
            return preset.unary, alias["name"], [1 - alias["position"]]
    form = preset.form(node.op)
    return form["call"], form["name"], list(range(len(node.args)))


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
        _form(n, preset)[1] for n in composition.nodes if _form(n, preset)[0] == "function"
    }
    lines = [*_imports(module, preset.leaf, functions), ""]
    attributes = {preset.value if what == "value" else preset.gradient for _, what, _ in checks}
    if preset.convert == "ndarray" or any(_buffer_step(a) for a in attributes):
        lines.insert(0, "import numpy as np")
    lines += [
        f"{name} = {_leaf(preset, v)}" for name, v in zip(composition.inputs, point, strict=True)
    ]
    names = composition.all_names
    lines += [
        f"{names[k]} = {write_node(composition, k, preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    out = names[composition.output]
    if preset.seed == "attribute":
        lines.append(f"{out}.{preset.gradient_attribute} = {_converted(preset, 1.0)}")
    one = _converted(preset, 1.0) if preset.seed == "argument" else ""
    lines.append(f"{out}.{preset.backward}({one})")
    for index, what, expected in checks:
        attribute = preset.value if what == "value" else preset.gradient
        expression = f"{names[index]}.{attribute}"
        shown = f"np.asarray({expression})" if _buffer_step(attribute) else expression
        lines.append(f'print("{expression} =", {shown}, "  expected {expected:.10g}")')
    return "\n".join(lines) + "\n"


def _imports(module: str, leaf: str, functions: set[str]) -> list[str]:
    """``from module import leaf, exp``, and a line for each other module a function
    comes from by its dotted name (``from dezero.functions import sin``)."""
    by_module: dict[str, list[str]] = {module: [leaf]}
    for name in sorted(functions):
        owner, _, last = name.rpartition(".")
        by_module.setdefault(owner or module, []).append(last)
    return [f"from {owner} import {', '.join(names)}" for owner, names in by_module.items()]


def _buffer_step(attribute: str) -> bool:
    """Whether reading ``attribute`` takes ``.data`` of what a node holds (DeZero's
    ``grad.data``): on a NumPy array that is its memory buffer, which prints as
    ``<memory at 0x...>``, so the reproducer prints it through ``np.asarray``, which
    gives the number from a buffer and from a node's array alike (as the grader reads it:
    ``Preset.gradient``)."""
    return "data" in attribute.split(".")[1:]


def _converted(preset: Preset, value: float) -> str:
    return f"np.array({float(value)!r})" if preset.convert == "ndarray" else repr(float(value))


def _leaf(preset: Preset, value: float) -> str:
    return f"{preset.leaf}({_converted(preset, value)})"
