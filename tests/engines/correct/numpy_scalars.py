"""Correct: values and gradients are NumPy float64 scalars and every op uses NumPy's ufuncs
(``np.exp``, ``np.log``, ...); each node keeps a list of (input, local derivative) pairs and
the reverse pass multiplies them by the node's gradient."""

import numpy as np


class Tensor:
    def __init__(self, data, parents=()):
        self.data = np.float64(data)
        self.grad = np.float64(0.0)
        #: (input tensor, d(self)/d(input)) for each input
        self.parents = parents

    def __add__(self, other):
        other = lift(other)
        return Tensor(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return lift(other) + self

    def __sub__(self, other):
        other = lift(other)
        return Tensor(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        other = lift(other)
        return Tensor(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return lift(other) * self

    def __truediv__(self, other):
        other = lift(other)
        return Tensor(
            self.data / other.data,
            ((self, 1.0 / other.data), (other, -self.data / np.square(other.data))),
        )

    def __rtruediv__(self, other):
        return lift(other) / self

    def __pow__(self, other):
        other = lift(other)
        a, b = self.data, other.data
        value = np.power(a, b)
        db = value * np.log(a) if a > 0 else np.float64(0.0)
        return Tensor(value, ((self, b * np.power(a, b - 1)), (other, db)))

    def __rpow__(self, other):
        return lift(other) ** self

    def __neg__(self):
        return Tensor(np.negative(self.data), ((self, -1.0),))

    def backward(self):
        order, seen = [], set()

        def visit(t):
            if id(t) not in seen:
                seen.add(id(t))
                for parent, _ in t.parents:
                    visit(parent)
                order.append(t)

        visit(self)
        self.grad = np.float64(1.0)
        for t in reversed(order):
            for parent, local in t.parents:
                parent.grad += local * t.grad


def lift(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    return Tensor(x)


def exp(x):
    e = np.exp(x.data)
    return Tensor(e, ((x, e),))


def log(x):
    return Tensor(np.log(x.data), ((x, np.reciprocal(x.data)),))


def sin(x):
    return Tensor(np.sin(x.data), ((x, np.cos(x.data)),))


def cos(x):
    return Tensor(np.cos(x.data), ((x, -np.sin(x.data)),))


def tan(x):
    return Tensor(np.tan(x.data), ((x, 1.0 / np.square(np.cos(x.data))),))


def tanh(x):
    t = np.tanh(x.data)
    return Tensor(t, ((x, 1.0 - np.square(t)),))


def sqrt(x):
    s = np.sqrt(x.data)
    return Tensor(s, ((x, 0.5 / s),))


def sigmoid(x):
    s = 1.0 / (1.0 + np.exp(-x.data))
    return Tensor(s, ((x, s * (1.0 - s)),))


def relu(x):
    return Tensor(np.maximum(x.data, 0.0), ((x, np.float64(x.data > 0)),))
