"""WRONG: no operators at all, and backward overwrites grads (=) and recurses
without any topological order. Every unary op is right alone; with no binary op no node
is ever shared, so the reverse pass cannot be tested and must not be passed."""

import math


class Tensor:
    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents  # (parent, local derivative) pairs

    def backward(self, grad=1.0):
        self.grad = grad  # BUG: overwrites, never accumulates
        for parent, local in self._parents:
            parent.backward(local * grad)  # BUG: no topological order


def tensor(x):
    return Tensor(x)


def _u(x, v, d):
    return Tensor(v, ((x, d),))


def exp(x):
    e = math.exp(x.data)
    return _u(x, e, e)


def log(x):
    return _u(x, math.log(x.data), 1 / x.data)


def sqrt(x):
    s = math.sqrt(x.data)
    return _u(x, s, 0.5 / s)


def sin(x):
    return _u(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    return _u(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    return _u(x, math.tan(x.data), 1 / math.cos(x.data) ** 2)


def tanh(x):
    t = math.tanh(x.data)
    return _u(x, t, 1 - t * t)


def sigmoid(x):
    s = 1 / (1 + math.exp(-x.data))
    return _u(x, s, s * (1 - s))


def relu(x):
    return _u(x, max(x.data, 0.0), 1.0 if x.data > 0 else 0.0)
