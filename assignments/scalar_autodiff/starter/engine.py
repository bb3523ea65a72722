"""A scalar reverse-mode autodiff engine: fill in every NotImplementedError.

Check your work with:  chaingrade check engine.py --assignment scalar_autodiff
"""

import math  # noqa: F401  (you will need it)


class Tensor:
    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents  # the nodes this node was computed from
        self._backward = lambda: None  # applies the chain rule for the op that made this node

    def __add__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data + other.data, (self, other))

        def backward():
            # d(out)/d(self) = 1 and d(out)/d(other) = 1; multiply by out.grad and ADD (+=)
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        raise NotImplementedError("a * b")

    def __sub__(self, other):
        raise NotImplementedError("a - b")

    def __truediv__(self, other):
        raise NotImplementedError("a / b")

    def __pow__(self, other):
        raise NotImplementedError("a ** b (number or node exponent)")

    def __neg__(self):
        raise NotImplementedError("-a")

    # Reflected operators: Python calls these for `2 + x`, `2 - x`, `2 * x`, `2 / x`, `2 ** x`.
    def __radd__(self, other):
        return as_tensor(other) + self

    def __rsub__(self, other):
        raise NotImplementedError("number - a")

    def __rmul__(self, other):
        raise NotImplementedError("number * a")

    def __rtruediv__(self, other):
        raise NotImplementedError("number / a")

    def __rpow__(self, other):
        raise NotImplementedError("number ** a")

    def backward(self):
        """Fill .grad of every node that self depends on with d(self)/d(node)."""
        raise NotImplementedError("backward")


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    """A leaf node holding the number x."""
    return Tensor(x)


def exp(x):
    raise NotImplementedError("exp")


def log(x):
    raise NotImplementedError("log")


def sqrt(x):
    raise NotImplementedError("sqrt")


def sin(x):
    raise NotImplementedError("sin")


def cos(x):
    raise NotImplementedError("cos")


def tan(x):
    raise NotImplementedError("tan")


def tanh(x):
    raise NotImplementedError("tanh")


def sigmoid(x):
    raise NotImplementedError("sigmoid")


def relu(x):
    raise NotImplementedError("relu")
