"""One bug in correct/autodiff_try_except.py: the quotient rule's minus is a plus (d/db
(a/b) = +a/b**2)."""

import numpy as np


class AutoDiff:
    def __init__(self, val=0.0, der=1.0):
        self.val = val
        self.der = der

    def __repr__(self):
        return f"Function Value: {self.val} | Derivative Value: {self.der}"

    def __add__(self, other):
        try:
            return AutoDiff(self.val + other.val, self.der + other.der)
        except AttributeError:
            return AutoDiff(self.val + other, self.der)

    __radd__ = __add__

    def __sub__(self, other):
        try:
            return AutoDiff(self.val - other.val, self.der - other.der)
        except AttributeError:
            return AutoDiff(self.val - other, self.der)

    def __rsub__(self, other):
        return AutoDiff(other - self.val, -self.der)

    def __mul__(self, other):
        try:
            return AutoDiff(self.val * other.val, self.der * other.val + self.val * other.der)
        except AttributeError:
            return AutoDiff(self.val * other, self.der * other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        try:
            return AutoDiff(
                self.val / other.val,
                (self.der * other.val + self.val * other.der) / other.val**2,
            )
        except AttributeError:
            return AutoDiff(self.val / other, self.der / other)

    def __rtruediv__(self, other):
        return AutoDiff(other / self.val, -other * self.der / self.val**2)

    def __neg__(self):
        return AutoDiff(-self.val, -self.der)

    def __pow__(self, other):
        try:
            value = self.val**other.val
            return AutoDiff(
                value,
                value * (other.der * np.log(self.val) + other.val * self.der / self.val),
            )
        except AttributeError:
            return AutoDiff(self.val**other, other * self.val ** (other - 1) * self.der)

    def __rpow__(self, other):
        value = other**self.val
        return AutoDiff(value, value * np.log(other) * self.der)


def _parts(x):
    try:
        return x.val, x.der
    except AttributeError:
        return x, 0.0


def exp(x):
    v, d = _parts(x)
    return AutoDiff(np.exp(v), np.exp(v) * d)


def log(x):
    v, d = _parts(x)
    return AutoDiff(np.log(v), d / v)


def sqrt(x):
    v, d = _parts(x)
    return AutoDiff(np.sqrt(v), 0.5 * d / np.sqrt(v))


def sin(x):
    v, d = _parts(x)
    return AutoDiff(np.sin(v), np.cos(v) * d)


def cos(x):
    v, d = _parts(x)
    return AutoDiff(np.cos(v), -np.sin(v) * d)


def tan(x):
    v, d = _parts(x)
    return AutoDiff(np.tan(v), d / np.cos(v) ** 2)


def tanh(x):
    v, d = _parts(x)
    return AutoDiff(np.tanh(v), (1 - np.tanh(v) ** 2) * d)


def sigmoid(x):
    v, d = _parts(x)
    s = 1 / (1 + np.exp(-v))
    return AutoDiff(s, s * (1 - s) * d)


def relu(x):
    v, d = _parts(x)
    return AutoDiff(np.maximum(v, 0.0), d * (v > 0))
