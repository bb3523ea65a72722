# ruff: noqa: F821
"""Lie: gradients that are not numbers.

Each unary op overwrites its argument's gradient with something that is not a number:
``exp`` NaN, ``log`` infinity, ``sin`` the right value as a string, ``cos`` None, ``tan``
an array of shape (2,), ``sqrt`` the right value in an array of shape (1, 1), ``tanh`` an
object whose ``float()`` raises, ``sigmoid`` a ``.grad`` property that raises, ``relu``
``True``. Expected: none of them is ever right; each op gets a finding (never a crash of
the grader, never a NaN in the JSON report); arithmetic and powers are graded as usual.
"""

import numpy as np


def _lie(x, value, grad):
    out = Tensor(value, (x,))

    def backward():
        x.grad = grad

    out._backward = backward
    return out


class _Boom:
    def __float__(self):
        raise RuntimeError("no float for you")


class _RaisingGrad(Tensor):
    @property
    def grad(self):
        raise RuntimeError("the gradient is not available")

    @grad.setter
    def grad(self, value):
        pass


def exp(x):
    return _lie(x, math.exp(x.data), float("nan"))


def log(x):
    return _lie(x, math.log(x.data), float("inf"))


def sin(x):
    return _lie(x, math.sin(x.data), str(math.cos(x.data)))


def cos(x):
    return _lie(x, math.cos(x.data), None)


def tan(x):
    d = 1 / math.cos(x.data) ** 2
    return _lie(x, math.tan(x.data), np.array([d, d]))


def sqrt(x):
    s = math.sqrt(x.data)
    return _lie(x, s, np.array([[1 / (2 * s)]]))


def tanh(x):
    return _lie(x, math.tanh(x.data), _Boom())


def sigmoid(x):
    s = 1 / (1 + math.exp(-x.data))
    out = Tensor(s, (x,))

    def backward():
        x.__class__ = _RaisingGrad

    out._backward = backward
    return out


def relu(x):
    return _lie(x, max(x.data, 0.0), True)
