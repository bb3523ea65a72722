"""One bug: the derivative of a * b in b is b, not a, where both are traced (a tape,
autograd-style grad(fun, argnum), which traces one argument at a time: only x * (x + c)
or a composition has both traced)."""

import math

_tape = []  # per variable: ((index of an input, local derivative), ...)


class Var:
    __slots__ = ("value", "index")

    def __init__(self, value, locals_=()):
        self.value = value
        self.index = len(_tape)
        _tape.append(tuple(locals_))

    def __add__(self, other):
        if isinstance(other, Var):
            return Var(self.value + other.value, [(self.index, 1.0), (other.index, 1.0)])
        return Var(self.value + other, [(self.index, 1.0)])

    def __radd__(self, other):
        return Var(other + self.value, [(self.index, 1.0)])

    def __sub__(self, other):
        if isinstance(other, Var):
            return Var(self.value - other.value, [(self.index, 1.0), (other.index, -1.0)])
        return Var(self.value - other, [(self.index, 1.0)])

    def __rsub__(self, other):
        return Var(other - self.value, [(self.index, -1.0)])

    def __mul__(self, other):
        if isinstance(other, Var):
            pairs = [(self.index, other.value), (other.index, other.value)]
            return Var(self.value * other.value, pairs)
        return Var(self.value * other, [(self.index, other)])

    def __rmul__(self, other):
        return Var(other * self.value, [(self.index, other)])

    def __truediv__(self, other):
        if isinstance(other, Var):
            pairs = [(self.index, 1 / other.value), (other.index, -self.value / other.value**2)]
            return Var(self.value / other.value, pairs)
        return Var(self.value / other, [(self.index, 1 / other)])

    def __rtruediv__(self, other):
        return Var(other / self.value, [(self.index, -other / self.value**2)])

    def __neg__(self):
        return Var(-self.value, [(self.index, -1.0)])

    def __pow__(self, other):
        if isinstance(other, Var):
            value = self.value**other.value
            pairs = [
                (self.index, other.value * self.value ** (other.value - 1)),
                (other.index, value * math.log(self.value)),
            ]
            return Var(value, pairs)
        return Var(self.value**other, [(self.index, other * self.value ** (other - 1))])

    def __rpow__(self, other):
        value = other**self.value
        return Var(value, [(self.index, value * math.log(other))])


def _unary(x, value, derivative):
    """``value`` of ``x``; on a Var, recorded with its local derivative ``derivative``."""
    if not isinstance(x, Var):
        return value(x)
    return Var(value(x.value), [(x.index, derivative(x.value))])


def exp(x):
    return _unary(x, math.exp, math.exp)


def log(x):
    return _unary(x, math.log, lambda a: 1 / a)


def sqrt(x):
    return _unary(x, math.sqrt, lambda a: 1 / (2 * math.sqrt(a)))


def sin(x):
    return _unary(x, math.sin, math.cos)


def cos(x):
    return _unary(x, math.cos, lambda a: -math.sin(a))


def tan(x):
    return _unary(x, math.tan, lambda a: 1 + math.tan(a) ** 2)


def tanh(x):
    return _unary(x, math.tanh, lambda a: 1 - math.tanh(a) ** 2)


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


def sigmoid(x):
    return _unary(x, _sigmoid, lambda a: _sigmoid(a) * (1 - _sigmoid(a)))


def relu(x):
    return _unary(x, lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0)


def grad(fun, argnum=0):
    """``grad(fun, argnum)(*args)``: the partial derivative of ``fun`` in argument
    ``argnum``."""

    def gradient(*args):
        _tape.clear()
        args = [Var(float(a)) if i == argnum else float(a) for i, a in enumerate(args)]
        out = fun(*args)
        if not isinstance(out, Var):
            return 0.0
        adjoint = [0.0] * len(_tape)
        adjoint[out.index] = 1.0
        for i in range(out.index, -1, -1):
            for j, local in _tape[i]:
                adjoint[j] += local * adjoint[i]
        return adjoint[args[argnum].index]

    return gradient
