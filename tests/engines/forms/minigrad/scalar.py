"""Scalar: a number that remembers how it was made (its inputs and each local derivative)."""

import math

from . import operators
from .autodiff import backpropagate


class Scalar:
    def __init__(self, data, history=()):
        self.data = float(data)
        self.grad = 0.0
        #: (input, d self / d input) for each input
        self.history = tuple(history)

    def backward(self):
        backpropagate(self)

    def __add__(self, other):
        other = lift(other)
        return Scalar(self.data + other.data, [(self, 1.0), (other, 1.0)])

    def __sub__(self, other):
        other = lift(other)
        return Scalar(self.data - other.data, [(self, 1.0), (other, -1.0)])

    def __mul__(self, other):
        other = lift(other)
        return Scalar(
            operators.mul(self.data, other.data), [(self, other.data), (other, self.data)]
        )

    def __truediv__(self, other):
        other = lift(other)
        inverse = operators.inv(other.data)
        return Scalar(
            self.data * inverse, [(self, inverse), (other, -self.data * inverse * inverse)]
        )

    def __pow__(self, other):
        other = lift(other)
        value = self.data**other.data
        history = [(self, other.data * self.data ** (other.data - 1))]
        if self.data > 0:
            history.append((other, value * math.log(self.data)))
        return Scalar(value, history)

    def __neg__(self):
        return Scalar(-self.data, [(self, -1.0)])

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


def lift(x):
    return x if isinstance(x, Scalar) else Scalar(x)
