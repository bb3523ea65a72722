"""A correct engine that records, on each node, a list of ``(parent, vjp)`` pairs; the
reverse pass sorts the graph with an explicit stack (no recursion), matmul's gradients are
``np.einsum`` contractions, and debugging prints are left in."""

import numpy as np


class Node:
    def __init__(self, data, edges=()):
        self.data = np.asarray(data, dtype=np.float64)
        self.edges = list(edges)  # (parent, vjp: upstream -> the parent's share)
        self.grad = np.zeros_like(self.data)

    def __add__(self, o):
        return add(self, o)

    def __radd__(self, o):
        return add(o, self)

    def __sub__(self, o):
        return add(self, neg(lift(o)))

    def __rsub__(self, o):
        return add(o, neg(self))

    def __mul__(self, o):
        return mul(self, o)

    def __rmul__(self, o):
        return mul(o, self)

    def __truediv__(self, o):
        return mul(self, reciprocal(lift(o)))

    def __rtruediv__(self, o):
        return mul(o, reciprocal(self))

    def __neg__(self):
        return neg(self)

    def __pow__(self, c):
        x = self.data
        return Node(x**c, [(self, lambda g: g * c * x ** (c - 1))])

    def __matmul__(self, o):
        a, b = self.data, o.data

        def da(g):
            return fold(
                np.einsum("...ik,...jk->...ij", g, np.broadcast_to(b, g.shape[:-2] + b.shape[-2:])),
                a.shape,
            )

        def db(g):
            return fold(
                np.einsum("...ki,...kj->...ij", np.broadcast_to(a, g.shape[:-2] + a.shape[-2:]), g),
                b.shape,
            )

        return Node(a @ b, [(self, da), (o, db)])

    def backward(self):
        order, marked, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in marked:
                marked.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p, _ in node.edges)
        print("backward over", len(order), "nodes")
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            for parent, vjp in node.edges:
                parent.grad = parent.grad + vjp(node.grad)


def tensor(x):
    return Node(x)


def lift(x):
    return x if isinstance(x, Node) else Node(x)


def fold(g, shape):
    """Sum a broadcast gradient back to ``shape``."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    for i, n in enumerate(shape):
        if n == 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def add(a, b):
    a, b = lift(a), lift(b)
    return Node(
        a.data + b.data,
        [(a, lambda g: fold(g, a.data.shape)), (b, lambda g: fold(g, b.data.shape))],
    )


def mul(a, b):
    a, b = lift(a), lift(b)
    x, y = a.data, b.data
    return Node(x * y, [(a, lambda g: fold(g * y, x.shape)), (b, lambda g: fold(g * x, y.shape))])


def neg(a):
    return Node(-a.data, [(a, lambda g: -g)])


def reciprocal(a):
    x = a.data
    return Node(1 / x, [(a, lambda g: -g / (x * x))])


def _map(a, value, slope):
    return Node(value, [(a, lambda g: g * slope)])


def exp(a):
    e = np.exp(a.data)
    return _map(a, e, e)


def log(a):
    return _map(a, np.log(a.data), 1 / a.data)


def sin(a):
    return _map(a, np.sin(a.data), np.cos(a.data))


def cos(a):
    return _map(a, np.cos(a.data), -np.sin(a.data))


def tanh(a):
    t = np.tanh(a.data)
    return _map(a, t, (1 - t) * (1 + t))


def sigmoid(a):
    s = 0.5 + 0.5 * np.tanh(a.data / 2)
    return _map(a, s, s * (1 - s))


def sqrt(a):
    r = np.sqrt(a.data)
    return _map(a, r, 0.5 / r)


def _axes(a, axis):
    return tuple(range(a.data.ndim)) if axis is None else tuple(axis)


def _back(g, a, axes, keepdims):
    return np.broadcast_to(g if keepdims else np.expand_dims(g, axes), a.data.shape)


def sum(a, axis=None, keepdims=False):
    axes = _axes(a, axis)
    return Node(
        a.data.sum(axis=axes, keepdims=keepdims), [(a, lambda g: _back(g, a, axes, keepdims))]
    )


def mean(a, axis=None, keepdims=False):
    axes = _axes(a, axis)
    n = int(np.prod([a.data.shape[i] for i in axes]))
    return Node(
        a.data.mean(axis=axes, keepdims=keepdims), [(a, lambda g: _back(g, a, axes, keepdims) / n)]
    )


def max(a, axis=None, keepdims=False):
    axes = _axes(a, axis)
    hit = a.data == a.data.max(axis=axes, keepdims=True)
    share = hit / hit.sum(axis=axes, keepdims=True)
    return Node(
        a.data.max(axis=axes, keepdims=keepdims),
        [(a, lambda g: _back(g, a, axes, keepdims) * share)],
    )


def reshape(a, shape):
    return Node(a.data.reshape(shape), [(a, lambda g: g.reshape(a.data.shape))])


def transpose(a, axes):
    back = tuple(int(i) for i in np.argsort(axes))
    return Node(a.data.transpose(axes), [(a, lambda g: g.transpose(back))])


def broadcast_to(a, shape):
    return Node(np.broadcast_to(a.data, shape), [(a, lambda g: fold(g, a.data.shape))])
