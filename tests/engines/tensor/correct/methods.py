"""A correct engine whose ops are methods (``x.exp()``, ``x.sum(axis=(1,), keepdims=True)``,
``x.reshape(shape)``, ``x.transpose(axes)``), micrograd-style closures, a recursive
topological sort, and its own unbroadcast written with ``sum_to_shape``."""

import numpy as np

API = {"leaf": "Tensor", "unary": "method"}


def sum_to_shape(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


class Tensor:
    def __init__(self, data, children=()):
        self.data = np.array(data, dtype=float)
        self.grad = np.zeros(self.data.shape)
        self._prev = children
        self._backward = lambda: None

    def _make(self, data, children, backward):
        out = Tensor(data, children)
        out._backward = lambda: backward(out.grad)
        return out

    @staticmethod
    def _wrap(x):
        return x if isinstance(x, Tensor) else Tensor(x)

    def __add__(self, other):
        other = self._wrap(other)

        def back(g):
            self.grad += sum_to_shape(g, self.data.shape)
            other.grad += sum_to_shape(g, other.data.shape)

        return self._make(self.data + other.data, (self, other), back)

    __radd__ = __add__

    def __mul__(self, other):
        other = self._wrap(other)

        def back(g):
            self.grad += sum_to_shape(g * other.data, self.data.shape)
            other.grad += sum_to_shape(g * self.data, other.data.shape)

        return self._make(self.data * other.data, (self, other), back)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) + (-self)

    def __pow__(self, c):
        def back(g):
            self.grad += c * self.data ** (c - 1) * g

        return self._make(self.data**c, (self,), back)

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __rtruediv__(self, other):
        return self._wrap(other) * self**-1

    def __matmul__(self, other):
        def back(g):
            self.grad += sum_to_shape(g @ other.data.swapaxes(-1, -2), self.data.shape)
            other.grad += sum_to_shape(self.data.swapaxes(-1, -2) @ g, other.data.shape)

        return self._make(self.data @ other.data, (self, other), back)

    def _elementwise(self, value, slope):
        def back(g):
            self.grad += slope * g

        return self._make(value, (self,), back)

    def exp(self):
        e = np.exp(self.data)
        return self._elementwise(e, e)

    def log(self):
        return self._elementwise(np.log(self.data), 1 / self.data)

    def sin(self):
        return self._elementwise(np.sin(self.data), np.cos(self.data))

    def cos(self):
        return self._elementwise(np.cos(self.data), -np.sin(self.data))

    def tanh(self):
        t = np.tanh(self.data)
        return self._elementwise(t, 1 - t * t)

    def sigmoid(self):
        s = 1 / (1 + np.exp(-self.data))
        return self._elementwise(s, s - s * s)

    def sqrt(self):
        r = self.data**0.5
        return self._elementwise(r, 0.5 / r)

    def _reduce(self, f, axis, keepdims, slope):
        axis = tuple(range(self.data.ndim)) if axis is None else tuple(axis)
        value = f(self.data, axis=axis, keepdims=keepdims)

        def back(g):
            g = g if keepdims else np.expand_dims(g, axis)
            self.grad += np.broadcast_to(g, self.data.shape) * slope(axis)

        return self._make(value, (self,), back)

    def sum(self, axis=None, keepdims=False):
        return self._reduce(np.sum, axis, keepdims, lambda axis: 1.0)

    def mean(self, axis=None, keepdims=False):
        count = lambda axis: 1.0 / np.prod([self.data.shape[a] for a in axis])  # noqa: E731
        return self._reduce(np.mean, axis, keepdims, count)

    def max(self, axis=None, keepdims=False):
        hit = lambda axis: self.data == self.data.max(axis=axis, keepdims=True)  # noqa: E731
        return self._reduce(np.max, axis, keepdims, hit)

    def reshape(self, shape):
        def back(g):
            self.grad += g.reshape(self.data.shape)

        return self._make(self.data.reshape(shape), (self,), back)

    def transpose(self, axes):
        def back(g):
            self.grad += g.transpose(np.argsort(axes))

        return self._make(self.data.transpose(axes), (self,), back)

    def broadcast_to(self, shape):
        def back(g):
            self.grad += sum_to_shape(g, self.data.shape)

        return self._make(np.broadcast_to(self.data, shape), (self,), back)

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = np.ones(self.data.shape)
        for v in reversed(topo):
            v._backward()
