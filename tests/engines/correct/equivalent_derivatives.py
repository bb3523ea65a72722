"""Correct: derivatives written in equivalent forms that differ from the textbook ones only by
rounding: sigmoid' = exp(-x)/(1 + exp(-x))**2, tanh' = 1/cosh(x)**2, tan' = 1 + tan(x)**2,
sqrt' = 0.5 * x**-0.5, log' = x**-1, and c**x built as exp(x * log(c))."""

import math


class Tensor:
    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents
        self._backward = lambda: None

    def __add__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data + other.data, (self, other))

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data * other.data, (self, other))

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __sub__(self, other):
        return self + (-1) * as_tensor(other)

    def __truediv__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data / other.data, (self, other))

        def backward():
            self.grad += out.grad / other.data
            other.grad += -out.data / other.data * out.grad  # -(a/b)/b = -a/b**2

        out._backward = backward
        return out

    def __pow__(self, other):
        if isinstance(other, Tensor):  # a**b = exp(b * log(a)), for a positive base
            return exp(other * log(self))
        out = Tensor(self.data**other, (self,))

        def backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = backward
        return out

    def __neg__(self):
        return 0 - self

    def __radd__(self, other):
        return as_tensor(other) + self

    def __rsub__(self, other):
        return as_tensor(other) - self

    def __rmul__(self, other):
        return as_tensor(other) * self

    def __rtruediv__(self, other):
        return as_tensor(other) / self

    def __rpow__(self, other):
        return exp(self * math.log(other))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    return Tensor(x)


def _unary(x, value, derivative):
    out = Tensor(value, (x,))

    def backward():
        x.grad += derivative * out.grad

    out._backward = backward
    return out


def exp(x):
    e = math.exp(x.data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, math.log(x.data), x.data**-1)


def sin(x):
    return _unary(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    return _unary(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    t = math.tan(x.data)
    return _unary(x, t, 1 + t**2)


def tanh(x):
    return _unary(x, math.tanh(x.data), 1 / math.cosh(x.data) ** 2)


def sqrt(x):
    return _unary(x, math.sqrt(x.data), 0.5 * x.data**-0.5)


def sigmoid(x):
    e = math.exp(-x.data)
    return _unary(x, 1 / (1 + e), e / (1 + e) ** 2)


def relu(x):
    return _unary(x, x.data if x.data > 0 else 0.0, float(x.data > 0))
