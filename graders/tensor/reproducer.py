"""A finding's case as Python a student can paste: small arrays, in their own API.

import numpy as np
from engine import tensor, sum

a = tensor(np.array([[0.5, 1.25, -1.0]]))
w = tensor(np.array([1.25, 2.5, 0.75]))
b = sum(a, axis=(0,))
out_w = b * w
loss = sum(out_w)
loss.backward()
print("a.grad =", a.grad)
print("expected", [[1.25, 2.5, 0.75]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from graders.model.array_composition import ArrayComposition
from graders.presets import Preset, import_lines
from graders.tensor import syntax


def _functions(composition: ArrayComposition, api: Preset) -> list[str]:
    """The module functions the composition's nodes are built with."""
    forms = api.tensor_forms()
    names = []
    for node in composition.nodes:
        form = api.form("pow") if node.op == "pow" else forms[node.op]
        if form["call"] == "function":
            names.append(form["name"])
    return list(dict.fromkeys(names))


def _literal(values: np.ndarray) -> str:
    return repr(np.round(np.asarray(values, dtype=np.float64), 6).tolist())


def write(
    composition: ArrayComposition,
    point: Sequence[np.ndarray],
    api: Preset,
    module: str,
    show: Mapping[str, np.ndarray],
    values: Mapping[str, np.ndarray] | None = None,
) -> str:
    """The composition at ``point`` (its inputs but ``w``), its reverse pass, and a print of
    the gradient of each node named in ``show`` beside the one it should be, and of the
    value (with its shape) of each node named in ``values``."""
    lines = [
        "import numpy as np",
        *import_lines(module, api.leaf, _functions(composition, api)),
        "",
    ]
    values = values or {}
    arrays = [*point, composition.projection()]
    for spec, value in zip(composition.inputs, arrays):
        literal = _literal(value)
        made = literal if api.convert == "list" else f"np.array({literal})"
        lines.append(f"{spec.name} = {api.leaf}({made})")
    source = syntax.source(composition, api).splitlines()
    if values:  # a wrong value: printed as soon as it is made (the projection may raise)
        lines += source[:-2]
        for name, expected in values.items():
            value = f"np.asarray({name}.{api.value})"
            lines.append(f'print("{name} =", {value}.tolist(), "shape", {value}.shape)')
            lines.append(f'print("expected", {_literal(expected)}, "shape", {np.shape(expected)})')
        return "\n".join(lines) + "\n"
    lines += source
    seed = {"auto": "", "attribute": f"loss.{api.gradient_attribute} = np.array(1.0)\n"}
    lines += (
        seed.get(api.seed, "")
        + f"loss.{api.backward}("
        + ("np.array(1.0)" if api.seed == "argument" else "")
        + ")"
    ).splitlines()
    for name, expected in show.items():
        lines.append(f'print("{name}.grad =", {name}.{api.gradient})')
        lines.append(f'print("expected", {_literal(expected)})')
    return "\n".join(lines) + "\n"
