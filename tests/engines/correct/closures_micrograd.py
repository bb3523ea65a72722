"""Correct: micrograd's design, closures that apply the chain rule, with ``a - b`` built as
``a + (-b)`` and ``a / b`` as ``a * b**-1``, and unary ops as methods behind module functions."""

import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        if not isinstance(other, Value):  # a number exponent: the power rule
            out = Value(self.data**other, (self,), f"**{other}")

            def _backward():
                self.grad += (other * self.data ** (other - 1)) * out.grad

            out._backward = _backward
            return out
        return (self.log() * other).exp()  # a**b = exp(b log a), for a positive base

    def __rpow__(self, other):  # other ** self = exp(self * log(other))
        return (self * math.log(other)).exp()

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def _unary(self, value, derivative, name):
        out = Value(value, (self,), name)

        def _backward():
            self.grad += derivative * out.grad

        out._backward = _backward
        return out

    def sin(self):
        return self._unary(math.sin(self.data), math.cos(self.data), "sin")

    def cos(self):
        return self._unary(math.cos(self.data), -math.sin(self.data), "cos")

    def tan(self):
        return self._unary(math.tan(self.data), 1 / math.cos(self.data) ** 2, "tan")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1 - t**2, "tanh")

    def sqrt(self):
        return self**0.5

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, s * (1 - s), "sigmoid")

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def tensor(x):
    return Value(x)


def exp(x):
    return x.exp()


def log(x):
    return x.log()


def sin(x):
    return x.sin()


def cos(x):
    return x.cos()


def tan(x):
    return x.tan()


def tanh(x):
    return x.tanh()


def sqrt(x):
    return x.sqrt()


def sigmoid(x):
    return x.sigmoid()


def relu(x):
    return x.relu()
