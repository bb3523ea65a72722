"""An array op as the student writes it, in their API (``graders.presets``).

>>> from graders.presets import PRESETS
>>> write("sum", ["a"], {"axis": [1], "keepdims": True}, PRESETS["mygrad"])
'sum(a, axis=(1,), keepdims=True)'
>>> write("sum", ["a"], {"axis": [1]}, PRESETS["needle"])
'summation(a, axes=(1,))'
>>> write("transpose", ["a"], {"axes": [0, 2, 1]}, PRESETS["needle"])
'transpose(a, axes=(1, 2))'
>>> write("sum", ["a"], {"axis": [1], "keepdims": True}, PRESETS["minitorch_tensor"])
'a.sum(1)'
>>> write("transpose", ["a"], {"axes": [1, 0]}, PRESETS["minitorch_tensor"])
'a.permute(1, 0)'
>>> import dataclasses
>>> dezero = dataclasses.replace(PRESETS["dezero"], names={"sum": "dezero.functions.sum"})
>>> write("sum", ["a"], {"axis": [1]}, dezero)
'sum(a, axis=(1,))'
"""

from __future__ import annotations

from collections.abc import Sequence

from graders.model import ops as scalar
from graders.model.array_composition import ArrayComposition
from graders.presets import PRESETS, Preset


def swapped(axes: Sequence[int]) -> tuple[int, int] | None:
    """The two axes a permutation swaps, or None if it is not a single swap."""
    moved = [i for i, a in enumerate(axes) if a != i]
    if len(moved) == 2 and axes[moved[0]] == moved[1]:
        return moved[0], moved[1]
    return None


def arguments(op: str, params: dict, api: Preset) -> tuple[list[str], dict[str, str]]:
    """The extra positional arguments and keywords of an array op, written as Python."""
    if op in ("sum", "mean", "max"):
        axis = params.get("axis")
        if api.reduce == "dim":  # minitorch: x.sum(1), or x.sum() for everything
            return ([] if axis is None else [repr(int(axis[0]))]), {}
        keywords = {}
        if axis is not None:
            keywords[api.axis] = repr(tuple(axis))
        if params.get("keepdims") and api.keepdims:
            keywords[api.keepdims] = "True"
        return [], keywords
    if op in ("reshape", "broadcast_to"):
        return _shape_arguments(params["shape"], api), {}
    if op == "transpose":
        if api.transpose == "swap":
            return [], {"axes": repr(swapped(params["axes"]))}
        return _shape_arguments(params["axes"], api), {}
    return [], {}


def _shape_arguments(values: Sequence[int], api: Preset) -> list[str]:
    """A shape or a permutation as one tuple, or unpacked (minitorch's ``view(2, 3)``)."""
    if api.shape_args == "unpacked":
        return [repr(int(v)) for v in values]
    return [repr(tuple(values))]


def called(name: str) -> str:
    """A module function as a reproducer calls it: a dotted one (``dezero.functions.sum``)
    by its last name, imported from its module (``presets.import_lines``)."""
    return name.rpartition(".")[2]


def write(op: str, args: Sequence[str], params: dict, api: Preset | None = None) -> str:
    """The node ``op`` applied to the already-written ``args``."""
    api = api or PRESETS["mygrad"]
    if op == "pow":
        exponent = scalar.number_text(float(params["exponent"]))
        form = api.form("pow")
        if form["call"] == "operator":
            return f"{args[0]} ** {exponent}"
        return f"{called(form['name'])}({args[0]}, {exponent})"
    form = api.tensor_forms()[op]
    if op in scalar.CATALOG:
        if form["call"] == "operator":
            return scalar.get(op).write(args)
        if form["call"] == "method":
            return f"{args[0]}.{form['name']}()"
        return f"{called(form['name'])}({', '.join(args)})"
    if form["call"] == "operator":  # matmul
        return f"{args[0]} {form['name']} {args[1]}"
    extra, keywords = arguments(op, params, api)
    written = [*extra, *(f"{k}={v}" for k, v in keywords.items())]
    if form["call"] == "method":
        return f"{args[0]}.{form['name']}({', '.join(written)})"
    return f"{called(form['name'])}({', '.join([*args, *written])})"


def source(composition: ArrayComposition, api: Preset | None = None) -> str:
    """An array composition as Python, one op per line, in the student's API (mygrad's by
    default).

    >>> from graders.model.array_composition import ArrayComposition
    >>> c = ArrayComposition.build([("a", (2, 3), (-2.0, 2.0))], [("sum", (0,), {"axis": [1]})])
    >>> print(source(c))
    b = sum(a, axis=(1,))
    out_w = b * w
    loss = sum(out_w)
    """
    lines = []
    for k in range(len(composition.inputs), composition.size):
        node = composition.node(k)
        args = [composition.name(a) for a in node.args]
        lines.append(f"{composition.name(k)} = {write(node.op, args, node.p, api)}")
    return "\n".join(lines)
