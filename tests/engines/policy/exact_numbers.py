"""Correct: values and gradients held as exact numbers, ``decimal.Decimal`` (issue 21,
item 8); ``tests/test_policy.py`` grades it again with the import line below changed to
``from fractions import Fraction as Number``. The API is the ``mygrad`` preset's.

Every number that enters the graph is made a ``Number`` from its shortest text
(``Number(repr(x))``), sums and products stay exact, and what ``math`` computes
(``exp``, ``log``, ``sin``, a power with a non-integer exponent) comes back as a float and
is made a ``Number`` the same way. Each node keeps its parents with their local
derivatives; ``backward`` walks a topological order.

Expected: full marks, no violation (decimal and fractions cannot compute derivatives).
"""

import math
from decimal import Decimal as Number


def exact(x):
    """``x`` as a Number: the shortest text of a float, never its binary expansion."""
    return x if isinstance(x, Number) else Number(repr(float(x)))


class Node:
    def __init__(self, data, parents=()):
        self.data = exact(data)
        self.grad = Number(0)
        self.parents = parents  # (node, local derivative) pairs

    def __add__(self, other):
        other = lift(other)
        return Node(self.data + other.data, ((self, 1), (other, 1)))

    def __sub__(self, other):
        other = lift(other)
        return Node(self.data - other.data, ((self, 1), (other, -1)))

    def __mul__(self, other):
        other = lift(other)
        return Node(self.data * other.data, ((self, other.data), (other, self.data)))

    def __truediv__(self, other):
        other = lift(other)
        quotient = self.data / other.data
        return Node(quotient, ((self, 1 / other.data), (other, -quotient / other.data)))

    def __pow__(self, other):
        other = lift(other)
        base, exponent = float(self.data), float(other.data)
        value = exact(base**exponent)
        slope = exact(exponent * base ** (exponent - 1))
        log_slope = exact(float(value) * math.log(base)) if base > 0 else Number(0)
        return Node(value, ((self, slope), (other, log_slope)))

    def __neg__(self):
        return Node(-self.data, ((self, -1),))

    def __radd__(self, other):
        return lift(other) + self

    def __rsub__(self, other):
        return lift(other) - self

    def __rmul__(self, other):
        return lift(other) * self

    def __rtruediv__(self, other):
        return lift(other) / self

    def __rpow__(self, other):
        return lift(other) ** self

    def backward(self):
        order, seen = [], set()
        stack = [(self, False)]
        while stack:  # post-order without recursion
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack += [(parent, False) for parent, _ in node.parents]
        self.grad = Number(1)
        for node in reversed(order):
            for parent, local in node.parents:
                # exact(): a gradient someone reset by hand (x.grad = 0.0) is a float
                parent.grad = exact(parent.grad) + exact(local) * exact(node.grad)


def lift(x):
    return x if isinstance(x, Node) else Node(x)


def tensor(x):
    return Node(x)


def _unary(x, value, derivative):
    return Node(exact(value), ((x, exact(derivative)),))


def exp(x):
    e = math.exp(x.data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, math.log(x.data), 1 / float(x.data))


def sqrt(x):
    root = math.sqrt(x.data)
    return _unary(x, root, 0.5 / root)


def sin(x):
    return _unary(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    return _unary(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    return _unary(x, math.tan(x.data), 1 / math.cos(x.data) ** 2)


def tanh(x):
    t = math.tanh(x.data)
    return _unary(x, t, 1 - t * t)


def sigmoid(x):
    s = 1 / (1 + math.exp(-x.data))
    return _unary(x, s, s * (1 - s))


def relu(x):
    positive = x.data > 0
    return _unary(x, x.data if positive else 0, 1 if positive else 0)
