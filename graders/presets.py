"""Student API presets: how chaingrade builds a composition with a student's engine.

An assignment names a preset or spells out its own mapping with the same fields.
Binary operators (``+ - * / **`` and unary ``-``) are always Python operators, with
a number on either side.

========== ========== ============================= ============ ===========
preset     leaf       unary ops                     gradient     value
========== ========== ============================= ============ ===========
mygrad     tensor(x)  module functions: exp(x)      node.grad    node.data
micrograd  Value(x)   methods: x.exp()              node.grad    node.data
minitorch  Scalar(x)  methods: x.exp()              node.derivative node.data
========== ========== ============================= ============ ===========
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Preset:
    #: Name of the module-level callable that makes a leaf from a float.
    leaf: str
    #: ``"function"``: ``exp(x)`` from the module; ``"method"``: ``x.exp()``.
    unary: str
    #: Name of the method that runs the reverse pass on the output.
    backward: str = "backward"
    #: Attribute holding d(output)/d(node) after the reverse pass.
    gradient: str = "grad"
    #: Attribute holding the node's value.
    value: str = "data"

    def to_json(self) -> dict:
        return asdict(self)


PRESETS: dict[str, Preset] = {
    "mygrad": Preset(leaf="tensor", unary="function"),
    "micrograd": Preset(leaf="Value", unary="method"),
    "minitorch": Preset(leaf="Scalar", unary="method", gradient="derivative"),
}


def from_option(text: str) -> Preset:
    """``--api``: a preset name, a JSON mapping of the same fields, or a file holding one.
    ValueError names ``--api`` and what to fix."""
    text = text.strip()
    if not text.startswith("{") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    if text.startswith("{"):
        try:
            mapping = json.loads(text)
        except ValueError as e:
            raise ValueError(f"--api: not valid JSON ({e})") from None
        if not isinstance(mapping, dict):
            raise ValueError("--api: give a JSON object of API fields")
        text = mapping
    try:
        return resolve(text)
    except ValueError as e:
        raise ValueError(f"--api: {e}") from None


def resolve(api: str | Mapping[str, str]) -> Preset:
    """A preset by name, or a mapping of the same fields (missing ones default to mygrad's)."""
    if isinstance(api, str):
        try:
            return PRESETS[api]
        except KeyError:
            raise ValueError(
                f"unknown API preset {api!r}; choose one of {', '.join(PRESETS)} "
                "or give a mapping with fields leaf, unary, backward, gradient, value"
            ) from None
    fields = {**PRESETS["mygrad"].to_json(), **dict(api)}
    unknown = set(fields) - set(Preset.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown API fields {sorted(unknown)}")
    if fields["unary"] not in ("function", "method"):
        raise ValueError("API field 'unary' must be 'function' or 'method'")
    for key, value in fields.items():
        if not (isinstance(value, str) and value.isidentifier()):
            raise ValueError(f"API field {key!r} must be a Python identifier, got {value!r}")
    return Preset(**fields)
