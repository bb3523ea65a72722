"""One bug in correct/methods_tangent.py: d tanh(a) = (1 - tanh(a)) da: the square is
missing."""

import math


class Forward:
    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent):
        self.value = float(value)
        self.tangent = float(tangent)

    @classmethod
    def lift(cls, x):
        return x if isinstance(x, Forward) else cls(x, 0.0)

    def __add__(self, other):
        other = Forward.lift(other)
        return Forward(self.value + other.value, self.tangent + other.tangent)

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-Forward.lift(other))

    def __rsub__(self, other):
        return Forward.lift(other) + (-self)

    def __mul__(self, other):
        other = Forward.lift(other)
        return Forward(
            self.value * other.value, self.tangent * other.value + self.value * other.tangent
        )

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * Forward.lift(other).reciprocal()

    def __rtruediv__(self, other):
        return Forward.lift(other) * self.reciprocal()

    def reciprocal(self):
        return Forward(1.0 / self.value, -self.tangent / self.value**2)

    def __neg__(self):
        return Forward(-self.value, -self.tangent)

    def __pow__(self, other):
        if isinstance(other, Forward):
            return (other * self.log()).exp()
        return Forward(self.value**other, other * self.value ** (other - 1) * self.tangent)

    def __rpow__(self, other):
        return (self * math.log(other)).exp()

    def exp(self):
        e = math.exp(self.value)
        return Forward(e, e * self.tangent)

    def log(self):
        return Forward(math.log(self.value), self.tangent / self.value)

    def sqrt(self):
        r = math.sqrt(self.value)
        return Forward(r, self.tangent / (2.0 * r))

    def sin(self):
        return Forward(math.sin(self.value), math.cos(self.value) * self.tangent)

    def cos(self):
        return Forward(math.cos(self.value), -math.sin(self.value) * self.tangent)

    def tan(self):
        return Forward(math.tan(self.value), self.tangent / math.cos(self.value) ** 2)

    def tanh(self):
        t = math.tanh(self.value)
        return Forward(t, (1.0 - t) * self.tangent)

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.value))
        return Forward(s, s * (1.0 - s) * self.tangent)

    def relu(self):
        return Forward(max(self.value, 0.0), self.tangent if self.value > 0 else 0.0)
