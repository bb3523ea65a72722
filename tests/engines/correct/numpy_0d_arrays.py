"""Correct: ``.data`` and ``.grad`` are 0-d NumPy arrays (``np.array(2.0)``), gradients are
accumulated in place, and the reverse pass walks nodes sorted by creation time, newest first
(a valid reverse topological order, since a node is always created after its inputs)."""

import itertools

import numpy as np

_created = itertools.count()


def _array(x):
    return np.array(x, dtype=np.float64)


class Tensor:
    def __init__(self, data, parents=(), backward=None):
        self.data = _array(data)
        self.grad = _array(0.0)
        self._parents = parents
        self._backward = backward or (lambda out: None)
        self._created = next(_created)

    def _make(self, value, parents, grads):
        """A new node; ``grads(g)`` gives d(out)/d(parent) * g for each parent."""

        def backward(out):
            for parent, g in zip(parents, grads(out.grad)):
                parent.grad += g  # in place: the array object stays the same

        return Tensor(value, parents, backward)

    def __add__(self, other):
        other = lift(other)
        return self._make(self.data + other.data, (self, other), lambda g: (g, g))

    def __radd__(self, other):
        return lift(other) + self

    def __sub__(self, other):
        other = lift(other)
        return self._make(self.data - other.data, (self, other), lambda g: (g, -g))

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        other = lift(other)
        a, b = self.data.copy(), other.data.copy()
        return self._make(a * b, (self, other), lambda g: (g * b, g * a))

    def __rmul__(self, other):
        return lift(other) * self

    def __truediv__(self, other):
        other = lift(other)
        a, b = self.data.copy(), other.data.copy()
        return self._make(a / b, (self, other), lambda g: (g / b, -g * a / b**2))

    def __rtruediv__(self, other):
        return lift(other) / self

    def __pow__(self, other):
        other = lift(other)
        a, b = self.data.copy(), other.data.copy()
        value = a**b

        def grads(g):
            db = g * value * np.log(a) if a > 0 else _array(0.0)
            return g * b * a ** (b - 1), db

        return self._make(value, (self, other), grads)

    def __rpow__(self, other):
        return lift(other) ** self

    def __neg__(self):
        return self._make(-self.data, (self,), lambda g: (-g,))

    def backward(self):
        nodes, stack = {}, [self]
        while stack:
            node = stack.pop()
            if id(node) not in nodes:
                nodes[id(node)] = node
                stack.extend(node._parents)
        self.grad = _array(1.0)
        for node in sorted(nodes.values(), key=lambda n: n._created, reverse=True):
            node._backward(node)


def lift(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    return Tensor(x)


def _unary(x, value, derivative):
    derivative = _array(derivative)
    return x._make(value, (x,), lambda g: (g * derivative,))


def exp(x):
    e = np.exp(x.data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, np.log(x.data), 1 / x.data)


def sin(x):
    return _unary(x, np.sin(x.data), np.cos(x.data))


def cos(x):
    return _unary(x, np.cos(x.data), -np.sin(x.data))


def tan(x):
    return _unary(x, np.tan(x.data), 1 / np.cos(x.data) ** 2)


def tanh(x):
    t = np.tanh(x.data)
    return _unary(x, t, 1 - t * t)


def sqrt(x):
    s = np.sqrt(x.data)
    return _unary(x, s, 0.5 / s)


def sigmoid(x):
    s = 1 / (1 + np.exp(-x.data))
    return _unary(x, s, s * (1 - s))


def relu(x):
    return _unary(x, np.maximum(x.data, 0.0), 1.0 if x.data > 0 else 0.0)
