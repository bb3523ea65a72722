"""One node of a scalar composition as the student writes it, in their own API (the
preset): ``exp(a)`` or ``a.exp()``, ``q * 3`` or ``mul(q, 3)``, a leaf as ``tensor(2.0)``.

Every kind that quotes a student's scalar code writes it here: the engine kind's
reproducers and findings, the forward kind's, the feedback page's drawings.
"""

from __future__ import annotations

from graders.model import ops
from graders.model.composition import Composition, Const
from graders.presets import Preset


def write_node(composition: Composition, index: int, preset: Preset) -> str:
    """One node's right-hand side as the student writes it: ``exp(a)`` or ``a.exp()``,
    ``q * 3`` or ``mul(q, 3)``, ``square(q)`` for an alias of ``q ** 2``."""
    node = composition.node(index)
    args = [
        write_leaf(preset, a.value)
        if isinstance(a, Const) and preset.constants == "leaf"
        else composition.arg_text(a)
        for a in node.args
    ]
    call, name, which = call_form(node, preset)
    args = [args[i] for i in which]
    if call == "operator":
        return ops.get(node.op).write(args)
    if call == "method":
        return f"{args[0]}.{name}({', '.join(args[1:])})"
    return f"{name.rpartition('.')[2]}({', '.join(args)})"


def call_form(node, preset: Preset) -> tuple[str, str, list[int]]:
    """``(call, name, which arguments)``, as the worker builds the node (``form_of``)."""
    for alias in preset.alias_forms():
        const = node.args[alias["position"]] if len(node.args) == 2 else None
        if alias["op"] == node.op and isinstance(const, Const) and const.value == alias["const"]:
            return preset.unary, alias["name"], [1 - alias["position"]]
    form = preset.form(node.op)
    return form["call"], form["name"], list(range(len(node.args)))


def write_number(preset: Preset, value: float) -> str:
    """A number as the student's engine takes it: ``2.0``, or ``np.array(2.0)``."""
    return f"np.array({float(value)!r})" if preset.convert == "ndarray" else repr(float(value))


def write_leaf(preset: Preset, value: float) -> str:
    """A leaf holding ``value``: ``tensor(2.0)``."""
    return f"{preset.leaf}({write_number(preset, value)})"
