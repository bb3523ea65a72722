"""A micrograd-style engine that adds every contribution (``+=``) but walks the graph
breadth-first from the output, so a node reached early hands on its gradient before a
deeper consumer has added to it: an ``order`` bug, never to be told "use +=" (pattern 10)."""

import math
from collections import deque

API = "mygrad"
EXPECTED = [("order", None, None)]
NOT_EXPECTED = [("accumulation", None, None)]


class Tensor:
    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents
        self._backward = lambda: None

    # --- arithmetic -----------------------------------------------------------------

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
        other = as_tensor(other)
        out = Tensor(self.data - other.data, (self, other))

        def backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = backward
        return out

    def __truediv__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data / other.data, (self, other))

        def backward():
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = backward
        return out

    def __pow__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data**other.data, (self, other))

        def backward():
            self.grad += other.data * self.data ** (other.data - 1) * out.grad
            if self.data > 0:  # d/db a**b = a**b log(a) exists only for a positive base
                other.grad += out.data * math.log(self.data) * out.grad

        out._backward = backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return as_tensor(other) + self

    def __rsub__(self, other):
        return as_tensor(other) - self

    def __rmul__(self, other):
        return as_tensor(other) * self

    def __rtruediv__(self, other):
        return as_tensor(other) / self

    def __rpow__(self, other):
        return as_tensor(other) ** self

    # --- the reverse pass -------------------------------------------------------------

    def backward(self):
        # Breadth-first from the output: every node is handled once, in the order it is
        # first reached. Gradients are added (+=), never overwritten.
        self.grad = 1.0
        queue, seen = deque([self]), {id(self)}
        while queue:
            node = queue.popleft()
            node._backward()  # BUG: node may still be waiting for a deeper consumer
            for parent in node._parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    queue.append(parent)

    def __repr__(self):
        return f"Tensor({self.data}, grad={self.grad})"


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    """A leaf node holding the number ``x``."""
    return Tensor(x)


def _unary(x, value, derivative):
    """A one-argument op: ``value`` at x, and ``derivative`` = d(op)/dx at x."""
    out = Tensor(value, (x,))

    def backward():
        x.grad += derivative * out.grad

    out._backward = backward
    return out


def exp(x):
    e = math.exp(x.data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, math.log(x.data), 1 / x.data)


def sin(x):
    return _unary(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    return _unary(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    return _unary(x, math.tan(x.data), 1 / math.cos(x.data) ** 2)


def tanh(x):
    t = math.tanh(x.data)
    return _unary(x, t, 1 - t * t)


def sqrt(x):
    s = math.sqrt(x.data)
    return _unary(x, s, 1 / (2 * s))


def sigmoid(x):
    s = 1 / (1 + math.exp(-x.data))
    return _unary(x, s, s * (1 - s))


def relu(x):
    return _unary(x, max(x.data, 0.0), 1.0 if x.data > 0 else 0.0)
