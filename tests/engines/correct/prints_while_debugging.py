"""Correct: the reference solution with the student's debugging prints left in. Every op
prints its inputs and the node it built, and ``backward`` prints the order it visits and the
gradients it leaves: a few hundred bytes per call. Printing is not a bug and costs no marks."""

import math


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
        print(f"DEBUG __add__: {self!r} + {other!r}")
        print(f"DEBUG   -> {out!r} parents={[p.data for p in out._parents]}")
        return out

    def __mul__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data * other.data, (self, other))

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        print(f"DEBUG __mul__: {self!r} * {other!r}")
        print(f"DEBUG   -> {out!r} parents={[p.data for p in out._parents]}")
        return out

    def __sub__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data - other.data, (self, other))

        def backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = backward
        print(f"DEBUG __sub__: {self!r} - {other!r}")
        print(f"DEBUG   -> {out!r} parents={[p.data for p in out._parents]}")
        return out

    def __truediv__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data / other.data, (self, other))

        def backward():
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = backward
        print(f"DEBUG __truediv__: {self!r} / {other!r}")
        print(f"DEBUG   -> {out!r} parents={[p.data for p in out._parents]}")
        return out

    def __pow__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data**other.data, (self, other))

        def backward():
            self.grad += other.data * self.data ** (other.data - 1) * out.grad
            if self.data > 0:  # d/db a**b = a**b log(a) exists only for a positive base
                other.grad += out.data * math.log(self.data) * out.grad

        out._backward = backward
        print(f"DEBUG __pow__: {self!r} ** {other!r}")
        print(f"DEBUG   -> {out!r} parents={[p.data for p in out._parents]}")
        return out

    def __neg__(self):
        print(f"DEBUG __neg__: -{self!r} (as {self!r} * -1)")
        return self * -1

    def __radd__(self, other):
        print(f"DEBUG __radd__: {other!r} + {self!r}, other is {type(other).__name__}")
        return as_tensor(other) + self

    def __rsub__(self, other):
        print(f"DEBUG __rsub__: {other!r} - {self!r}, other is {type(other).__name__}")
        return as_tensor(other) - self

    def __rmul__(self, other):
        print(f"DEBUG __rmul__: {other!r} * {self!r}, other is {type(other).__name__}")
        return as_tensor(other) * self

    def __rtruediv__(self, other):
        print(f"DEBUG __rtruediv__: {other!r} / {self!r}, other is {type(other).__name__}")
        return as_tensor(other) / self

    def __rpow__(self, other):
        print(f"DEBUG __rpow__: {other!r} ** {self!r}, other is {type(other).__name__}")
        return as_tensor(other) ** self

    # --- the reverse pass -------------------------------------------------------------

    def backward(self):
        order, seen = [], set()

        def visit(node):  # post-order: a node is appended after everything it depends on
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        print(f"DEBUG backward from {self!r}: {len(order)} nodes")
        print(f"DEBUG   topo order (data): {[round(node.data, 4) for node in order]}")
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        print(f"DEBUG   grads after backward: {[round(node.grad, 4) for node in order]}")

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
    print(f"DEBUG   _unary: {x!r} -> {out!r}, local derivative {derivative!r}")
    return out


def exp(x):
    print(f"DEBUG exp({x!r}) called, x.data={x.data}")
    e = math.exp(x.data)
    return _unary(x, e, e)


def log(x):
    print(f"DEBUG log({x!r}) called, x.data={x.data}")
    return _unary(x, math.log(x.data), 1 / x.data)


def sin(x):
    print(f"DEBUG sin({x!r}) called, x.data={x.data}")
    return _unary(x, math.sin(x.data), math.cos(x.data))


def cos(x):
    print(f"DEBUG cos({x!r}) called, x.data={x.data}")
    return _unary(x, math.cos(x.data), -math.sin(x.data))


def tan(x):
    print(f"DEBUG tan({x!r}) called, x.data={x.data}")
    return _unary(x, math.tan(x.data), 1 / math.cos(x.data) ** 2)


def tanh(x):
    print(f"DEBUG tanh({x!r}) called, x.data={x.data}")
    t = math.tanh(x.data)
    return _unary(x, t, 1 - t * t)


def sqrt(x):
    print(f"DEBUG sqrt({x!r}) called, x.data={x.data}")
    s = math.sqrt(x.data)
    return _unary(x, s, 1 / (2 * s))


def sigmoid(x):
    print(f"DEBUG sigmoid({x!r}) called, x.data={x.data}")
    s = 1 / (1 + math.exp(-x.data))
    return _unary(x, s, s * (1 - s))


def relu(x):
    print(f"DEBUG relu({x!r}) called, x.data={x.data}")
    return _unary(x, max(x.data, 0.0), 1.0 if x.data > 0 else 0.0)
