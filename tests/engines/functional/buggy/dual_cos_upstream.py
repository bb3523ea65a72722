"""One bug: cos does not multiply its derivative by the tangent flowing in (dual numbers
behind jvp)."""

import math


class Dual:
    def __init__(self, primal, tangent=0.0):
        self.primal = primal
        self.tangent = tangent

    def __add__(self, other):
        other = lift(other)
        return Dual(self.primal + other.primal, self.tangent + other.tangent)

    __radd__ = __add__

    def __sub__(self, other):
        other = lift(other)
        return Dual(self.primal - other.primal, self.tangent - other.tangent)

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        other = lift(other)
        return Dual(
            self.primal * other.primal,
            self.tangent * other.primal + self.primal * other.tangent,
        )

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = lift(other)
        quotient = self.primal / other.primal
        return Dual(quotient, (self.tangent - quotient * other.tangent) / other.primal)

    def __rtruediv__(self, other):
        return lift(other) / self

    def __neg__(self):
        return Dual(-self.primal, -self.tangent)

    def __pow__(self, other):
        if isinstance(other, Dual):
            return exp(other * log(self))
        tangent = other * self.primal ** (other - 1) * self.tangent
        return Dual(self.primal**other, tangent)

    def __rpow__(self, other):
        value = other**self.primal
        return Dual(value, value * math.log(other) * self.tangent)


def lift(x):
    return x if isinstance(x, Dual) else Dual(float(x), 0.0)


def _chain(value, derivative):
    """A unary op: its value and derivative at the primal, the tangent carried."""

    def op(x):
        x = lift(x)
        return Dual(value(x.primal), derivative(x.primal) * x.tangent)

    return op


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


exp = _chain(math.exp, math.exp)
log = _chain(math.log, lambda a: 1 / a)
sqrt = _chain(math.sqrt, lambda a: 0.5 / math.sqrt(a))
sin = _chain(math.sin, math.cos)


def cos(x):  # the bug: the tangent flowing in is not multiplied in
    x = lift(x)
    return Dual(math.cos(x.primal), -math.sin(x.primal))


tan = _chain(math.tan, lambda a: 1 / math.cos(a) ** 2)
tanh = _chain(math.tanh, lambda a: 1 - math.tanh(a) ** 2)
sigmoid = _chain(_sigmoid, lambda a: _sigmoid(a) * (1 - _sigmoid(a)))
relu = _chain(lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0)


def jvp(f, primals, tangents):
    """``(f(*primals), the derivative of f at primals along tangents)``."""
    out = lift(f(*(Dual(float(p), float(t)) for p, t in zip(primals, tangents))))
    return out.primal, out.tangent
