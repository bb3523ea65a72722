"""One bug in correct.py: d exp(a) = a da (the power rule's, not exp's); tanh, sigmoid,
x ** y and c ** x are built on exp."""

import math


class Dual:
    def __init__(self, val, der=0.0):
        self.val = float(val)
        self.der = float(der)

    def __add__(self, other):
        other = lift(other)
        return Dual(self.val + other.val, self.der + other.der)

    def __sub__(self, other):
        other = lift(other)
        return Dual(self.val - other.val, self.der - other.der)

    def __mul__(self, other):
        other = lift(other)
        return Dual(self.val * other.val, self.der * other.val + self.val * other.der)

    def __truediv__(self, other):
        other = lift(other)
        quotient = self.val / other.val
        return Dual(quotient, (self.der - quotient * other.der) / other.val)

    def __pow__(self, other):
        if isinstance(other, Dual):
            return exp(other * log(self))
        return Dual(self.val**other, other * self.val ** (other - 1) * self.der)

    def __rpow__(self, other):
        return exp(self * math.log(other))

    def __neg__(self):
        return Dual(-self.val, -self.der)

    def __radd__(self, other):
        return lift(other) + self

    def __rsub__(self, other):
        return lift(other) - self

    def __rmul__(self, other):
        return lift(other) * self

    def __rtruediv__(self, other):
        return lift(other) / self


def lift(x):
    return x if isinstance(x, Dual) else Dual(x, 0.0)


def exp(x):
    value = math.exp(x.val)
    return Dual(value, x.val * x.der)


def log(x):
    return Dual(math.log(x.val), x.der / x.val)


def sqrt(x):
    return x**0.5


def sin(x):
    return Dual(math.sin(x.val), math.cos(x.val) * x.der)


def cos(x):
    return Dual(math.cos(x.val), -math.sin(x.val) * x.der)


def tan(x):
    return sin(x) / cos(x)


def tanh(x):
    e = exp(2 * x)
    return (e - 1) / (e + 1)


def sigmoid(x):
    return 1 / (1 + exp(-x))


def relu(x):
    return Dual(max(x.val, 0.0), x.der if x.val > 0 else 0.0)
