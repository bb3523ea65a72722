"""Forward-mode autodiff with dual numbers: fill in every NotImplementedError.

A Dual carries a value (``val``) and a tangent (``der``): the derivative of that value
along the direction the inputs were seeded with. An input is made as Dual(x, 1.0) to
differentiate with respect to it (Dual(x, 0.0) for the others); a plain number is a
constant, with tangent 0. Every op computes its value and its tangent at once, by the
chain rule: d(f(a)) = f'(a) * da (and, for two arguments, the sum over both).

Check your work with:  chaingrade check dual.py --assignment forward_autodiff
"""

import math  # noqa: F401  (you will need it)


class Dual:
    def __init__(self, val, der=0.0):
        self.val = float(val)
        self.der = float(der)

    def __repr__(self):
        return f"Dual({self.val}, {self.der})"

    def __add__(self, other):
        other = as_dual(other)
        # d(a + b) = da + db
        return Dual(self.val + other.val, self.der + other.der)

    def __sub__(self, other):
        raise NotImplementedError("a - b")

    def __mul__(self, other):
        raise NotImplementedError("a * b")

    def __truediv__(self, other):
        raise NotImplementedError("a / b")

    def __pow__(self, other):
        raise NotImplementedError("a ** b (number or Dual exponent)")

    def __neg__(self):
        raise NotImplementedError("-a")

    # Reflected operators: Python calls these for `2 + x`, `2 - x`, `2 * x`, `2 / x`, `2 ** x`.
    def __radd__(self, other):
        return as_dual(other) + self

    def __rsub__(self, other):
        raise NotImplementedError("number - a")

    def __rmul__(self, other):
        raise NotImplementedError("number * a")

    def __rtruediv__(self, other):
        raise NotImplementedError("number / a")

    def __rpow__(self, other):
        raise NotImplementedError("number ** a")


def as_dual(x):
    """A number is a constant: its tangent is 0."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)


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
