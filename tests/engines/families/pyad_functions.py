"""Correct: a small function-style reverse-mode library, in the manner of the little
``pyad``-like packages students find (API: ``pyad_functions.json``).

No operator overloading: ``Var`` is the leaf, and every op is a module function (``add``,
``sub``, ``mul``, ``div``, ``neg``, ``power`` for all three faces of ``**``, ``exp``, ...,
plus ``square``). Each node keeps its parents with the local derivatives, computed in the
forward pass. The caller seeds the output by hand, ``out.adjoint = 1.0``, before
``out.backwards()``, which pushes adjoints in reverse topological order; every node, inputs
and intermediates, keeps its ``adjoint``.
"""

import math
from numbers import Number

__all__ = [
    "Var",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "power",
    "square",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
]


class Var:
    """A node of the expression graph: its value, its parents as ``(node, d self/d node)``
    pairs, and its adjoint d(output)/d(self) once ``backwards()`` has run."""

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.parents = tuple(parents)
        self.adjoint = 0.0

    def __repr__(self):
        return f"Var(value={self.value}, adjoint={self.adjoint})"

    def _topological_order(self):
        order, visited = [], set()
        stack = [(self, False)]
        while stack:  # iterative post-order DFS: no recursion limit on long chains
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                for parent, _ in node.parents:
                    if id(parent) not in visited:
                        stack.append((parent, False))
        return order

    def backwards(self):
        """Propagate ``self.adjoint`` (set it to 1.0 first) back to every node."""
        for node in reversed(self._topological_order()):
            for parent, local in node.parents:
                parent.adjoint += local * node.adjoint


def _lift(x):
    if isinstance(x, Var):
        return x
    if isinstance(x, Number):
        return Var(x)
    raise TypeError(f"expected a Var or a number, got {type(x).__name__}")


# --- binary ops -----------------------------------------------------------------------


def add(a, b):
    a, b = _lift(a), _lift(b)
    return Var(a.value + b.value, [(a, 1.0), (b, 1.0)])


def sub(a, b):
    a, b = _lift(a), _lift(b)
    return Var(a.value - b.value, [(a, 1.0), (b, -1.0)])


def mul(a, b):
    a, b = _lift(a), _lift(b)
    return Var(a.value * b.value, [(a, b.value), (b, a.value)])


def div(a, b):
    a, b = _lift(a), _lift(b)
    return Var(a.value / b.value, [(a, 1.0 / b.value), (b, -a.value / b.value**2)])


def power(a, b):
    """``a ** b`` for a Var or a number on either side."""
    a, b = _lift(a), _lift(b)
    value = a.value**b.value
    d_base = b.value * a.value ** (b.value - 1)
    # d/db a**b = a**b * log(a): defined for a positive base only, and a number exponent
    # (x ** 3 at a negative x) needs none
    d_exponent = value * math.log(a.value) if a.value > 0 else 0.0
    return Var(value, [(a, d_base), (b, d_exponent)])


def neg(a):
    a = _lift(a)
    return Var(-a.value, [(a, -1.0)])


def square(a):
    a = _lift(a)
    return Var(a.value * a.value, [(a, 2.0 * a.value)])


# --- unary functions ------------------------------------------------------------------


def exp(a):
    value = math.exp(a.value)
    return Var(value, [(a, value)])


def log(a):
    return Var(math.log(a.value), [(a, 1.0 / a.value)])


def sqrt(a):
    value = math.sqrt(a.value)
    return Var(value, [(a, 0.5 / value)])


def sin(a):
    return Var(math.sin(a.value), [(a, math.cos(a.value))])


def cos(a):
    return Var(math.cos(a.value), [(a, -math.sin(a.value))])


def tan(a):
    return Var(math.tan(a.value), [(a, 1.0 / math.cos(a.value) ** 2)])


def tanh(a):
    value = math.tanh(a.value)
    return Var(value, [(a, 1.0 - value**2)])


def sigmoid(a):
    value = 1.0 / (1.0 + math.exp(-a.value))
    return Var(value, [(a, value * (1.0 - value))])


def relu(a):
    return Var(max(a.value, 0.0), [(a, 1.0 if a.value > 0 else 0.0)])
