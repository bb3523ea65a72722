"""Typed engines: the op a helper builds named by a ``Literal`` annotation (issue 21, item
6), appended to the bundled solution (the ``mygrad`` preset). ``Literal``'s strings are
values, which typing never evaluates.

Expected: full marks, no violation.
"""

from typing import Literal

Op = Literal["+", "-", "*", "/", "**"]


def describe(op: Literal["+", "-"], left: float, right: float) -> "str":
    return f"{left} {op} {right}"


def arity(op: Op) -> int:
    return 2
