"""A micrograd fork with methods ``x.exp()`` and ``x.log()``: ``exp`` takes its derivative
by the power rule, and ``log`` calls ``math.log`` on the Value itself, so it raises
TypeError inside the op. The messages must say ``x.exp()`` as the student writes it, and
the exception inside ``log`` is an ``error``, not ``missing`` (pattern 13)."""

import math

API = "micrograd"
EXPECTED = [("local-derivative", "exp", 0), ("error", "log", None)]
NOT_EXPECTED = [("missing", "log", None)]


class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def exp(self):
        out = Value(math.exp(self.data), (self,))

        def _backward():
            self.grad += self.data * math.exp(self.data - 1) * out.grad  # BUG: power rule

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self), (self,))  # BUG: the Value, not self.data

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
