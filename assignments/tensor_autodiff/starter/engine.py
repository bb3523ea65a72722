"""Starter: a reverse-mode autodiff engine on NumPy arrays (see README.md).

A Tensor holds an array (``data``), its gradient (``grad``, an array of the same shape),
the tensors it was made from, and a closure that applies the chain rule for the op that
made it. ``backward`` is written for you; write each op's forward and backward.
"""

import numpy as np


class Tensor:
    def __init__(self, data, parents=()):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents = parents
        self._backward = lambda: None

    @property
    def shape(self):
        return self.data.shape

    def __add__(self, other):
        raise NotImplementedError("a + b")

    def __sub__(self, other):
        raise NotImplementedError("a - b")

    def __mul__(self, other):
        raise NotImplementedError("a * b")

    def __truediv__(self, other):
        raise NotImplementedError("a / b")

    def __pow__(self, exponent):
        raise NotImplementedError("a ** c")

    def __neg__(self):
        raise NotImplementedError("-a")

    def __matmul__(self, other):
        return matmul(self, other)

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            node._backward()


def tensor(data):
    return Tensor(data)


def unbroadcast(gradient, shape):
    """``gradient`` summed over the axes a broadcast to its shape from ``shape`` added
    (leading axes) or stretched (axes of size 1)."""
    raise NotImplementedError("unbroadcast")


def exp(x):
    raise NotImplementedError("exp")


def log(x):
    raise NotImplementedError("log")


def tanh(x):
    raise NotImplementedError("tanh")


def sigmoid(x):
    raise NotImplementedError("sigmoid")


def sum(x, axis=None, keepdims=False):
    raise NotImplementedError("sum")


def mean(x, axis=None, keepdims=False):
    raise NotImplementedError("mean")


def max(x, axis=None, keepdims=False):
    raise NotImplementedError("max")


def reshape(x, shape):
    raise NotImplementedError("reshape")


def transpose(x, axes):
    raise NotImplementedError("transpose")


def broadcast_to(x, shape):
    raise NotImplementedError("broadcast_to")


def matmul(a, b):
    raise NotImplementedError("matmul")
