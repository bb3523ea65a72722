"""String annotations and other text that typing runs as code: ``typing.get_type_hints``
evaluates a string annotation with ``eval`` (``def f(a: "__import__('os')")``), so the
static policy lets through only annotations that are type names."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

#: Functions of allowed modules that evaluate text as code: typing evaluates string
#: annotations (``def f(a: "__import__('os')")``) with ``eval``.
EVALUATES_TEXT = frozenset(
    {"get_type_hints", "ForwardRef", "_eval_type", "evaluate_forward_ref", "get_annotations"}
)
#: What a string annotation may hold: names, dots, subscripts, commas and ``|``.
_TYPE_TEXT = re.compile(r"[\w.\[\], |]*")


def code_in_annotations(nodes: list[ast.AST]) -> Iterator[ast.Constant]:
    """String annotations that are code, not type names: typing evaluates them. The
    strings of ``Literal["+", "-"]`` are values, and ``Annotated``'s metadata is kept
    as it is: typing evaluates neither."""
    annotations = [n.annotation for n in nodes if isinstance(n, ast.arg | ast.AnnAssign)]
    annotations += [n.returns for n in nodes if isinstance(n, ast.FunctionDef)]
    annotations += [n.returns for n in nodes if isinstance(n, ast.AsyncFunctionDef)]
    for annotation in filter(None, annotations):
        values = _type_values(annotation)
        for part in ast.walk(annotation):
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, str)
                and id(part) not in values
                and not _type_text(part.value)
            ):
                yield part


#: What the text of a string annotation may be made of, once parsed: type names, dots,
#: subscripts, tuples and lists, ``|``, and constants (never a call).
_TYPE_NODES = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Tuple,
    ast.List,
    ast.BinOp,
    ast.BitOr,
    ast.Constant,
    ast.Load,
)


def _type_text(text: str, depth: int = 0) -> bool:
    """Whether a string annotation is a type typing may evaluate safely: names,
    subscripts and ``|`` (``'list[int]'``), with strings only where typing keeps them as
    values (``'Literal["+"] | None'``) or that are such text themselves."""
    if _TYPE_TEXT.fullmatch(text):
        return True
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    values = _type_values(tree)
    for node in ast.walk(tree):
        if not isinstance(node, _TYPE_NODES):
            return False
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.BitOr):
            return False
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in values
        ):
            if depth >= 3 or not _type_text(node.value, depth + 1):
                return False
    return True


def _type_values(annotation: ast.expr) -> set[int]:
    """Nodes of an annotation that typing keeps as values, never evaluates as type names:
    everything inside ``Literal[...]``, and ``Annotated[T, ...]``'s metadata."""
    values: set[int] = set()
    for node in ast.walk(annotation):
        if not isinstance(node, ast.Subscript):
            continue
        head = node.value
        name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
        if name == "Literal":
            values |= {id(n) for n in ast.walk(node.slice)}
        elif name == "Annotated" and isinstance(node.slice, ast.Tuple):
            values |= {id(n) for meta in node.slice.elts[1:] for n in ast.walk(meta)}
    return values
