"""One bug in tests/engines/correct/gradients_on_the_output.py (gradients kept in a dict, as
functional tutorials and minitorch's ``backpropagate`` keep them): each contribution is
stored over the earlier ones instead of added to them (``=`` for ``+``): an
``accumulation`` bug whose place is the line that stored over (``where``)."""

import math

API = "mygrad"
EXPECTED = [("accumulation", None, None)]
NOT_EXPECTED = [("order", None, None)]

#: The output of the last reverse pass: its ``gradients`` are what ``.grad`` reads.
_last = None


class Node:
    __slots__ = ("data", "parents", "gradients")

    def __init__(self, data, parents=()):
        self.data = float(data)
        #: (parent, local derivative) pairs.
        self.parents = parents
        self.gradients = None

    @property
    def grad(self):
        if _last is None:
            return 0.0
        return _last.gradients.get(id(self), 0.0)

    def backward(self):
        global _last
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent, _ in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        gradients = {id(self): 1.0}
        for node in reversed(order):
            upstream = gradients.get(id(node), 0.0)
            for parent, local in node.parents:
                gradients[id(parent)] = local * upstream  # BUG: overwrites
        self.gradients = gradients
        _last = self

    def __add__(self, other):
        other = lift(other)
        return Node(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return lift(other) + self

    def __sub__(self, other):
        other = lift(other)
        return Node(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        other = lift(other)
        return Node(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return lift(other) * self

    def __truediv__(self, other):
        other = lift(other)
        return Node(
            self.data / other.data,
            ((self, 1 / other.data), (other, -self.data / other.data**2)),
        )

    def __rtruediv__(self, other):
        return lift(other) / self

    def __neg__(self):
        return Node(-self.data, ((self, -1.0),))

    def __pow__(self, other):
        other = lift(other)
        value = self.data**other.data
        base = other.data * self.data ** (other.data - 1)
        exponent = value * math.log(self.data) if self.data > 0 else 0.0
        return Node(value, ((self, base), (other, exponent)))

    def __rpow__(self, other):
        return lift(other) ** self


def lift(x):
    return x if isinstance(x, Node) else Node(x)


def tensor(x):
    return Node(x)


def _unary(x, value, derivative):
    return Node(value, ((x, derivative),))


def exp(x):
    e = math.exp(x.data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, math.log(x.data), 1 / x.data)


def sin(x):
    return _unary(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    return _unary(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    return _unary(x, math.tan(x.data), 1 / math.cos(x.data) ** 2)


def tanh(x):
    t = math.tanh(x.data)
    return _unary(x, t, 1 - t * t)


def sqrt(x):
    s = math.sqrt(x.data)
    return _unary(x, s, 0.5 / s)


def sigmoid(x):
    s = 1 / (1 + math.exp(-x.data))
    return _unary(x, s, s * (1 - s))


def relu(x):
    return _unary(x, max(x.data, 0.0), 1.0 if x.data > 0 else 0.0)
