"""Correct: gradients start as None (not 0.0) and the reverse pass is iterative, Kahn's
algorithm: a node is processed once every one of its consumers has been processed."""

import math


class Tensor:
    def __init__(self, data, parents=(), locals_=()):
        self.data = float(data)
        self.grad = None
        self.parents = parents
        self.locals = locals_  # d(self)/d(parent), one per parent

    def add_grad(self, g):
        self.grad = g if self.grad is None else self.grad + g

    def __add__(self, other):
        other = lift(other)
        return Tensor(self.data + other.data, (self, other), (1.0, 1.0))

    def __radd__(self, other):
        return lift(other) + self

    def __sub__(self, other):
        other = lift(other)
        return Tensor(self.data - other.data, (self, other), (1.0, -1.0))

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        other = lift(other)
        return Tensor(self.data * other.data, (self, other), (other.data, self.data))

    def __rmul__(self, other):
        return lift(other) * self

    def __truediv__(self, other):
        other = lift(other)
        a, b = self.data, other.data
        return Tensor(a / b, (self, other), (1 / b, -a / (b * b)))

    def __rtruediv__(self, other):
        return lift(other) / self

    def __pow__(self, other):
        other = lift(other)
        a, b = self.data, other.data
        value = a**b
        db = value * math.log(a) if a > 0 else 0.0
        return Tensor(value, (self, other), (b * a ** (b - 1), db))

    def __rpow__(self, other):
        return lift(other) ** self

    def __neg__(self):
        return Tensor(-self.data, (self,), (-1.0,))

    def backward(self):
        # Count each node's consumers (an edge per use: x * x counts twice).
        pending = {id(self): 0}
        stack = [self]
        while stack:
            node = stack.pop()
            for parent in node.parents:
                if id(parent) not in pending:
                    pending[id(parent)] = 0
                    stack.append(parent)
                pending[id(parent)] += 1
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            for parent, local in zip(node.parents, node.locals):
                parent.add_grad(local * node.grad)
                pending[id(parent)] -= 1
                if pending[id(parent)] == 0:
                    ready.append(parent)


def lift(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    return Tensor(x)


def _unary(x, value, derivative):
    return Tensor(value, (x,), (derivative,))


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
