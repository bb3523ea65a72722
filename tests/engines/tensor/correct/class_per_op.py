"""A correct engine with a class per op (forward/backward returning each input's
gradient), Kahn's algorithm for the reverse pass, gradients that start as None, ``max``
through argmax one-hot masks and ``mean`` as ``sum`` times 1/N."""

import numpy as np


class Tensor:
    def __init__(self, data, fn=None, parents=()):
        self.data = np.asarray(data, dtype=np.float64)
        self.fn, self.parents, self.grad = fn, parents, None

    def _accumulate(self, g):
        self.grad = g if self.grad is None else self.grad + g

    def __add__(self, o):
        return Add.apply(self, o)

    def __radd__(self, o):
        return Add.apply(o, self)

    def __sub__(self, o):
        return Add.apply(self, Mul.apply(o, -1.0))

    def __rsub__(self, o):
        return Add.apply(o, Mul.apply(self, -1.0))

    def __mul__(self, o):
        return Mul.apply(self, o)

    def __rmul__(self, o):
        return Mul.apply(o, self)

    def __truediv__(self, o):
        return Div.apply(self, o)

    def __rtruediv__(self, o):
        return Div.apply(o, self)

    def __neg__(self):
        return Mul.apply(self, -1.0)

    def __pow__(self, c):
        return Pow.apply(self, c)

    def __matmul__(self, o):
        return MatMul.apply(self, o)

    def backward(self):
        users = {}
        stack, seen = [self], {id(self)}
        while stack:
            node = stack.pop()
            for p in node.parents:
                users[id(p)] = users.get(id(p), 0) + 1
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        self.grad = np.ones_like(self.data)
        ready = [self]
        while ready:
            node = ready.pop()
            if node.fn is None:
                continue
            for p, g in zip(node.parents, node.fn.backward(node.grad)):
                p._accumulate(g)
                users[id(p)] -= 1
                if users[id(p)] == 0:
                    ready.append(p)


def tensor(x):
    return Tensor(x)


def lift(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def reduce_to(g, shape):
    extra = g.ndim - len(shape)
    axes = [i for i in range(g.ndim) if i < extra or (shape[i - extra] == 1 and g.shape[i] != 1)]
    return np.add.reduce(g, axis=tuple(axes), keepdims=True).reshape(shape) if axes else g


class Function:
    @classmethod
    def apply(cls, *args, **kw):
        fn = cls()
        nodes = [lift(a) for a in args[: cls.nodes]]
        out = fn.forward(*[n.data for n in nodes], *args[cls.nodes :], **kw)
        return Tensor(out, fn, tuple(nodes))


class Add(Function):
    nodes = 2

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, g):
        return reduce_to(g, self.shapes[0]), reduce_to(g, self.shapes[1])


class Mul(Function):
    nodes = 2

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return reduce_to(g * self.b, self.a.shape), reduce_to(g * self.a, self.b.shape)


class Div(Function):
    nodes = 2

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        return (
            reduce_to(g / self.b, self.a.shape),
            reduce_to(-g * self.a / (self.b * self.b), self.b.shape),
        )


class Pow(Function):
    nodes = 1

    def forward(self, a, c):
        self.a, self.c = a, c
        return np.power(a, c)

    def backward(self, g):
        return (g * self.c * np.power(self.a, self.c - 1),)


class Elementwise(Function):
    nodes = 1

    def forward(self, a):
        self.a = a
        self.out = self.f(a)
        return self.out

    def backward(self, g):
        return (g * self.df(),)


class Exp(Elementwise):
    f = staticmethod(np.exp)

    def df(self):
        return self.out


class Log(Elementwise):
    f = staticmethod(np.log)

    def df(self):
        return np.reciprocal(self.a)


class Sin(Elementwise):
    f = staticmethod(np.sin)

    def df(self):
        return np.cos(self.a)


class Cos(Elementwise):
    f = staticmethod(np.cos)

    def df(self):
        return -np.sin(self.a)


class Tanh(Elementwise):
    f = staticmethod(np.tanh)

    def df(self):
        return 1 - self.out * self.out


class Sigmoid(Elementwise):
    @staticmethod
    def f(a):
        return np.exp(-np.logaddexp(0, -a))

    def df(self):
        return self.out * (1 - self.out)


class Sqrt(Elementwise):
    f = staticmethod(np.sqrt)

    def df(self):
        return 1 / (2 * self.out)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def _normal(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, tuple | list) else (axis,)
    return tuple(a % ndim for a in axis)


class Sum(Function):
    nodes = 1

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axes = a.shape, _normal(axis, a.ndim)
        return a.sum(axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        g = np.expand_dims(g, tuple(sorted(self.axes))) if g.ndim < len(self.shape) else g
        return (np.broadcast_to(g, self.shape).copy(),)


def sum(x, axis=None, keepdims=False):
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    x = lift(x)
    n = np.prod([x.data.shape[a] for a in _normal(axis, x.data.ndim)])
    return sum(x, axis, keepdims) * (1.0 / n)


class Max(Function):
    nodes = 1

    def forward(self, a, axis=None, keepdims=False):
        self.a, self.axes = a, _normal(axis, a.ndim)
        return a.max(axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        kept = [i for i in range(self.a.ndim) if i not in self.axes]
        moved = np.moveaxis(self.a, kept, range(len(kept)))
        flat = moved.reshape(*[self.a.shape[i] for i in kept], -1)
        hot = np.zeros_like(flat)
        np.put_along_axis(hot, flat.argmax(axis=-1)[..., None], 1.0, axis=-1)
        hot = np.moveaxis(hot.reshape(moved.shape), range(len(kept)), kept)
        g = np.expand_dims(g, tuple(sorted(self.axes))) if g.ndim < self.a.ndim else g
        return (hot * g,)


def max(x, axis=None, keepdims=False):
    return Max.apply(x, axis=axis, keepdims=keepdims)


class Reshape(Function):
    nodes = 1

    def forward(self, a, shape):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.shape),)


def reshape(x, shape):
    return Reshape.apply(x, shape)


class Transpose(Function):
    nodes = 1

    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g):
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return (g.transpose(inverse),)


def transpose(x, axes):
    return Transpose.apply(x, axes)


class BroadcastTo(Function):
    nodes = 1

    def forward(self, a, shape):
        self.shape = a.shape
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return (reduce_to(g, self.shape),)


def broadcast_to(x, shape):
    return BroadcastTo.apply(x, shape)


class MatMul(Function):
    nodes = 2

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        ga = np.einsum(
            "...ij,...kj->...ik", g, np.broadcast_to(self.b, g.shape[:-2] + self.b.shape[-2:])
        )
        gb = np.einsum(
            "...ji,...jk->...ik", np.broadcast_to(self.a, g.shape[:-2] + self.a.shape[-2:]), g
        )
        return reduce_to(ga, self.a.shape), reduce_to(gb, self.b.shape)
