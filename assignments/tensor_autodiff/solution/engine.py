"""Reference solution: a reverse-mode autodiff engine on NumPy arrays (instructors only).

A Tensor holds an array (``data``), its gradient (``grad``, an array of the same shape),
the tensors it was made from and a closure that applies the chain rule: it computes each
input's share of ``out.grad`` (a vector-Jacobian product) and adds it to that input's
gradient. Two things make arrays harder than scalars:

* broadcasting: an input that was broadcast gets a gradient of the output's shape, which
  ``unbroadcast`` sums back over the axes the broadcast added or stretched;
* reductions and shape ops move elements around: their backward puts each element of
  ``out.grad`` back where it came from (``expand`` for reductions, the inverse reshape or
  permutation for shape ops).

``backward`` visits nodes in reverse topological order so that a node's gradient is
complete before it is passed on.
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

    # --- arithmetic (with broadcasting) ---------------------------------------------

    def __add__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data + other.data, (self, other))

        def backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)

        out._backward = backward
        return out

    def __sub__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data - other.data, (self, other))

        def backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad -= unbroadcast(out.grad, other.shape)

        out._backward = backward
        return out

    def __mul__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data * other.data, (self, other))

        def backward():
            self.grad += unbroadcast(other.data * out.grad, self.shape)
            other.grad += unbroadcast(self.data * out.grad, other.shape)

        out._backward = backward
        return out

    def __truediv__(self, other):
        other = as_tensor(other)
        out = Tensor(self.data / other.data, (self, other))

        def backward():
            self.grad += unbroadcast(out.grad / other.data, self.shape)
            other.grad -= unbroadcast(out.grad * self.data / other.data**2, other.shape)

        out._backward = backward
        return out

    def __pow__(self, exponent):
        out = Tensor(self.data**exponent, (self,))

        def backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = backward
        return out

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return as_tensor(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return as_tensor(other) / self

    def __matmul__(self, other):
        return matmul(self, other)

    # --- the reverse pass -----------------------------------------------------------

    def backward(self):
        order, seen = [], set()

        def visit(node):  # post-order: a node is appended after everything it depends on
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            node._backward()


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(data):
    return Tensor(data)


def unbroadcast(gradient, shape):
    """``gradient`` summed over the axes a broadcast to its shape from ``shape`` added
    (leading axes) or stretched (axes of size 1)."""
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and gradient.shape[axis] != 1:
            gradient = gradient.sum(axis=axis, keepdims=True)
    return gradient


# --- elementwise functions --------------------------------------------------------------


def _unary(x, value, derivative):
    """A node for an elementwise function with local derivative ``derivative``."""
    x = as_tensor(x)
    out = Tensor(value, (x,))

    def backward():
        x.grad += derivative * out.grad

    out._backward = backward
    return out


def exp(x):
    e = np.exp(as_tensor(x).data)
    return _unary(x, e, e)


def log(x):
    return _unary(x, np.log(as_tensor(x).data), 1 / as_tensor(x).data)


def sin(x):
    return _unary(x, np.sin(as_tensor(x).data), np.cos(as_tensor(x).data))


def cos(x):
    return _unary(x, np.cos(as_tensor(x).data), -np.sin(as_tensor(x).data))


def tanh(x):
    t = np.tanh(as_tensor(x).data)
    return _unary(x, t, 1 - t**2)


def sigmoid(x):
    s = 1 / (1 + np.exp(-as_tensor(x).data))
    return _unary(x, s, s * (1 - s))


def sqrt(x):
    r = np.sqrt(as_tensor(x).data)
    return _unary(x, r, 0.5 / r)


# --- reductions -------------------------------------------------------------------------


def _axes(x, axis):
    """The axes a reduction removes, as a tuple of non-negative numbers."""
    if axis is None:
        return tuple(range(x.data.ndim))
    axis = (axis,) if isinstance(axis, int) else axis
    return tuple(sorted(a % x.data.ndim for a in axis))


def expand(gradient, x, axes):
    """A reduction's upstream gradient put back along its reduced ``axes`` and broadcast to
    the shape of its argument ``x``."""
    kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    return np.broadcast_to(np.reshape(gradient, kept), x.shape)


def sum(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = _axes(x, axis)
    out = Tensor(np.sum(x.data, axis=axes, keepdims=keepdims), (x,))

    def backward():
        x.grad += expand(out.grad, x, axes)

    out._backward = backward
    return out


def mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = _axes(x, axis)
    count = int(np.prod([x.shape[a] for a in axes]))
    out = Tensor(np.mean(x.data, axis=axes, keepdims=keepdims), (x,))

    def backward():
        x.grad += expand(out.grad, x, axes) / count

    out._backward = backward
    return out


def max(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = _axes(x, axis)
    out = Tensor(np.max(x.data, axis=axes, keepdims=keepdims), (x,))

    def backward():
        top = np.max(x.data, axis=axes, keepdims=True)
        winners = x.data == top
        winners = winners / winners.sum(axis=axes, keepdims=True)  # ties share the gradient
        x.grad += expand(out.grad, x, axes) * winners

    out._backward = backward
    return out


# --- shape ops --------------------------------------------------------------------------


def reshape(x, shape):
    x = as_tensor(x)
    out = Tensor(np.reshape(x.data, shape), (x,))

    def backward():
        x.grad += np.reshape(out.grad, x.shape)

    out._backward = backward
    return out


def transpose(x, axes=None):
    x = as_tensor(x)
    axes = tuple(reversed(range(x.data.ndim))) if axes is None else tuple(axes)
    out = Tensor(np.transpose(x.data, axes), (x,))

    def backward():
        x.grad += np.transpose(out.grad, np.argsort(axes))

    out._backward = backward
    return out


def broadcast_to(x, shape):
    x = as_tensor(x)
    out = Tensor(np.broadcast_to(x.data, shape), (x,))

    def backward():
        x.grad += unbroadcast(out.grad, x.shape)

    out._backward = backward
    return out


# --- matmul -----------------------------------------------------------------------------


def matmul(a, b):
    """``a @ b`` for arrays of two or more axes; batch axes broadcast."""
    a, b = as_tensor(a), as_tensor(b)
    out = Tensor(a.data @ b.data, (a, b))

    def backward():
        a.grad += unbroadcast(out.grad @ np.swapaxes(b.data, -1, -2), a.shape)
        b.grad += unbroadcast(np.swapaxes(a.data, -1, -2) @ out.grad, b.shape)

    out._backward = backward
    return out
