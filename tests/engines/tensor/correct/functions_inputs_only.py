"""A correct function-style engine: ``add(x, y)``, ``mul``, ``matmul(a, b)``,
``reduce_sum(x, axis=..., keepdims=...)``; leaves take nested lists; the caller seeds the
output (``out.grad = ...`` before ``backprop()``); intermediate gradients are dropped
after use, so only the inputs keep theirs."""

import numpy as np

API = {
    "leaf": "Var",
    "convert": "list",
    "binary": "function",
    "backward": "backprop",
    "seed": "attribute",
    "gradients": "inputs",
    "names": {"sum": "reduce_sum"},
}


class Var:
    def __init__(self, value, inputs=(), vjp=None):
        self.value = np.array(value, dtype=np.float64)
        self.inputs, self.vjp = inputs, vjp
        self.grad = None
        self.data = self.value

    def backprop(self):
        order, seen = [], set()

        def visit(v):
            if id(v) in seen:
                return
            seen.add(id(v))
            for u in v.inputs:
                visit(u)
            order.append(v)

        visit(self)
        adjoint = {id(self): np.broadcast_to(np.asarray(self.grad, dtype=float), self.value.shape)}
        for v in reversed(order):
            g = adjoint.pop(id(v))
            if not v.inputs:
                v.grad = g
                continue
            v.grad = None  # an intermediate keeps nothing
            for u, gu in zip(v.inputs, v.vjp(g)):
                adjoint[id(u)] = adjoint[id(u)] + gu if id(u) in adjoint else gu


def _node(x):
    return x if isinstance(x, Var) else Var(x)


def _unb(g, shape):
    g = np.asarray(g)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    return g.sum(axis=axes).reshape(shape) if axes else g


def add(x, y):
    x, y = _node(x), _node(y)
    return Var(
        x.value + y.value, (x, y), lambda g: (_unb(g, x.value.shape), _unb(g, y.value.shape))
    )


def sub(x, y):
    x, y = _node(x), _node(y)
    return Var(
        x.value - y.value, (x, y), lambda g: (_unb(g, x.value.shape), -_unb(g, y.value.shape))
    )


def mul(x, y):
    x, y = _node(x), _node(y)
    return Var(
        x.value * y.value,
        (x, y),
        lambda g: (_unb(g * y.value, x.value.shape), _unb(g * x.value, y.value.shape)),
    )


def div(x, y):
    x, y = _node(x), _node(y)
    return Var(
        x.value / y.value,
        (x, y),
        lambda g: (
            _unb(g / y.value, x.value.shape),
            _unb(-g * x.value / y.value**2, y.value.shape),
        ),
    )


def neg(x):
    return Var(-x.value, (x,), lambda g: (-g,))


def pow(x, c):
    return Var(x.value**c, (x,), lambda g: (g * c * x.value ** (c - 1),))


def _f(value, slope, x):
    return Var(value, (x,), lambda g: (g * slope,))


def exp(x):
    e = np.exp(x.value)
    return _f(e, e, x)


def log(x):
    return _f(np.log(x.value), 1 / x.value, x)


def sin(x):
    return _f(np.sin(x.value), np.cos(x.value), x)


def cos(x):
    return _f(np.cos(x.value), -np.sin(x.value), x)


def tanh(x):
    return _f(np.tanh(x.value), np.cosh(x.value) ** -2, x)


def sigmoid(x):
    s = 1 / (1 + np.exp(-x.value))
    return _f(s, s * (1 - s), x)


def sqrt(x):
    return _f(np.sqrt(x.value), 0.5 * x.value**-0.5, x)


def _back_along(g, x, axis):
    shape = list(x.value.shape)
    for a in range(x.value.ndim) if axis is None else axis:
        shape[a] = 1
    return np.reshape(g, shape) * np.ones_like(x.value)


def reduce_sum(x, axis=None, keepdims=False):
    return Var(
        np.sum(x.value, axis=axis, keepdims=keepdims), (x,), lambda g: (_back_along(g, x, axis),)
    )


def mean(x, axis=None, keepdims=False):
    n = x.value.size / np.sum(x.value, axis=axis).size
    return Var(
        np.mean(x.value, axis=axis, keepdims=keepdims),
        (x,),
        lambda g: (_back_along(g, x, axis) / n,),
    )


def max(x, axis=None, keepdims=False):
    top = np.max(x.value, axis=axis, keepdims=True)
    return Var(
        np.max(x.value, axis=axis, keepdims=keepdims),
        (x,),
        lambda g: (_back_along(g, x, axis) * (x.value == top),),
    )


def reshape(x, shape):
    return Var(np.reshape(x.value, shape), (x,), lambda g: (np.reshape(g, x.value.shape),))


def transpose(x, axes):
    return Var(np.transpose(x.value, axes), (x,), lambda g: (np.transpose(g, np.argsort(axes)),))


def broadcast_to(x, shape):
    return Var(np.broadcast_to(x.value, shape), (x,), lambda g: (_unb(g, x.value.shape),))


def matmul(a, b):
    return Var(
        a.value @ b.value,
        (a, b),
        lambda g: (
            _unb(g @ np.swapaxes(b.value, -1, -2), a.value.shape),
            _unb(np.swapaxes(a.value, -1, -2) @ g, b.value.shape),
        ),
    )
