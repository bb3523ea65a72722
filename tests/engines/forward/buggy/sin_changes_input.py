"""One bug in correct/dual_class.py: sin writes its tangent into its input (x.der = ...),
so the next op using x gets the wrong tangent."""

import math


class Dual:
    def __init__(self, val, der=0.0):
        self.val = float(val)
        self.der = float(der)

    def __repr__(self):
        return f"Dual({self.val}, {self.der})"

    def __add__(self, other):
        other = as_dual(other)
        return Dual(self.val + other.val, self.der + other.der)

    def __sub__(self, other):
        other = as_dual(other)
        return Dual(self.val - other.val, self.der - other.der)

    def __mul__(self, other):
        other = as_dual(other)
        return Dual(self.val * other.val, self.der * other.val + self.val * other.der)

    def __truediv__(self, other):
        other = as_dual(other)
        quotient = self.val / other.val
        return Dual(quotient, (self.der - quotient * other.der) / other.val)

    def __pow__(self, other):
        if isinstance(other, Dual):  # x ** y: d = y * x**(y-1) dx + x**y * log(x) dy
            value = self.val**other.val
            der = other.val * self.val ** (other.val - 1) * self.der
            return Dual(value, der + value * math.log(self.val) * other.der)
        return Dual(self.val**other, other * self.val ** (other - 1) * self.der)

    def __neg__(self):
        return Dual(-self.val, -self.der)

    def __radd__(self, other):
        return as_dual(other) + self

    def __rsub__(self, other):
        return as_dual(other) - self

    def __rmul__(self, other):
        return as_dual(other) * self

    def __rtruediv__(self, other):
        return as_dual(other) / self

    def __rpow__(self, other):  # c ** x: d = c**x * log(c) dx
        value = other**self.val
        return Dual(value, value * math.log(other) * self.der)


def as_dual(x):
    """A number is a constant: its tangent is 0."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)


def exp(x):
    value = math.exp(x.val)
    return Dual(value, value * x.der)


def log(x):
    return Dual(math.log(x.val), x.der / x.val)


def sqrt(x):
    value = math.sqrt(x.val)
    return Dual(value, x.der / (2 * value))


def sin(x):
    x.der = math.cos(x.val) * x.der
    return Dual(math.sin(x.val), x.der)


def cos(x):
    return Dual(math.cos(x.val), -math.sin(x.val) * x.der)


def tan(x):
    return Dual(math.tan(x.val), x.der / math.cos(x.val) ** 2)


def tanh(x):
    value = math.tanh(x.val)
    return Dual(value, (1 - value**2) * x.der)


def sigmoid(x):
    value = 1 / (1 + math.exp(-x.val))
    return Dual(value, value * (1 - value) * x.der)


def relu(x):
    return Dual(max(x.val, 0.0), x.der if x.val > 0 else 0.0)
