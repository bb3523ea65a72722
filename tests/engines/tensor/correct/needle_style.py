"""A correct needle-style engine (CMU 10-414 hw1): ops are classes with ``compute`` and
``gradient``, a Tensor holds a NumPy array in ``cached_data``, ``.grad`` is a Tensor, values
are read with ``.numpy()``, reductions are ``summation(a, axes)`` with no keepdims, and
``transpose(a, axes)`` swaps two axes. The reverse pass sums each node's gradient from a
dict of partial adjoints, in reverse topological order."""

import numpy as np

API = "needle"


class Op:
    def __call__(self, *args):
        return Tensor.make(self, args)


class Tensor:
    def __init__(self, array, op=None, inputs=()):
        self.cached_data = np.array(array, dtype=np.float64)
        self.op = op
        self.inputs = tuple(inputs)
        self.grad = None

    @staticmethod
    def make(op, inputs):
        return Tensor(op.compute(*[x.cached_data for x in inputs]), op, inputs)

    def numpy(self):
        return self.cached_data

    @property
    def shape(self):
        return self.cached_data.shape

    def __add__(self, other):
        return EWiseAdd()(self, other) if isinstance(other, Tensor) else AddScalar(other)(self)

    __radd__ = __add__

    def __mul__(self, other):
        return EWiseMul()(self, other) if isinstance(other, Tensor) else MulScalar(other)(self)

    __rmul__ = __mul__

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return EWiseDiv()(self, other) if isinstance(other, Tensor) else MulScalar(1 / other)(self)

    def __rtruediv__(self, other):
        return EWiseDiv()(Tensor(np.full(self.shape, other)), self)

    def __neg__(self):
        return MulScalar(-1.0)(self)

    def __pow__(self, scalar):
        return PowerScalar(scalar)(self)

    def __matmul__(self, other):
        return MatMul()(self, other)

    def backward(self, out_grad=None):
        out_grad = out_grad or Tensor(np.ones(self.shape))
        compute_gradient_of_variables(self, out_grad)


def _sum_to(grad, shape):
    """needle's BroadcastTo.gradient, reused by the elementwise ops."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return np.sum(grad, axis=axes).reshape(shape) if axes else grad.reshape(shape)


class EWiseAdd(Op):
    def compute(self, a, b):
        return a + b

    def gradient(self, g, node):
        a, b = node.inputs
        return Tensor(_sum_to(g.numpy(), a.shape)), Tensor(_sum_to(g.numpy(), b.shape))


class AddScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a + self.scalar

    def gradient(self, g, node):
        return (g,)


class EWiseMul(Op):
    def compute(self, a, b):
        return a * b

    def gradient(self, g, node):
        a, b = node.inputs
        return (
            Tensor(_sum_to(g.numpy() * b.numpy(), a.shape)),
            Tensor(_sum_to(g.numpy() * a.numpy(), b.shape)),
        )


class MulScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a * self.scalar

    def gradient(self, g, node):
        return (Tensor(g.numpy() * self.scalar),)


class EWiseDiv(Op):
    def compute(self, a, b):
        return a / b

    def gradient(self, g, node):
        a, b = (x.numpy() for x in node.inputs)
        return (
            Tensor(_sum_to(g.numpy() / b, a.shape)),
            Tensor(_sum_to(-g.numpy() * a / b**2, b.shape)),
        )


class PowerScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a**self.scalar

    def gradient(self, g, node):
        a = node.inputs[0].numpy()
        return (Tensor(g.numpy() * self.scalar * a ** (self.scalar - 1)),)


class Unary(Op):
    def __init__(self, f, df):
        self.f, self.df = f, df

    def compute(self, a):
        return self.f(a)

    def gradient(self, g, node):
        return (Tensor(g.numpy() * self.df(node.inputs[0].numpy())),)


def exp(a):
    return Unary(np.exp, np.exp)(a)


def log(a):
    return Unary(np.log, lambda x: 1 / x)(a)


def sin(a):
    return Unary(np.sin, np.cos)(a)


def cos(a):
    return Unary(np.cos, lambda x: -np.sin(x))(a)


def tanh(a):
    return Unary(np.tanh, lambda x: 1 / np.cosh(x) ** 2)(a)


def sigmoid(a):
    s = lambda x: 0.5 * (1 + np.tanh(x / 2))  # noqa: E731 - a formula of its own
    return Unary(s, lambda x: s(x) * (1 - s(x)))(a)


def sqrt(a):
    return Unary(np.sqrt, lambda x: 0.5 / np.sqrt(x))(a)


class Summation(Op):
    def __init__(self, axes):
        self.axes = axes

    def compute(self, a):
        return np.sum(a, axis=self.axes)

    def gradient(self, g, node):
        shape = list(node.inputs[0].shape)
        axes = range(len(shape)) if self.axes is None else self.axes
        for axis in axes:
            shape[axis] = 1
        return (Tensor(np.broadcast_to(g.numpy().reshape(shape), node.inputs[0].shape)),)


def summation(a, axes=None):
    return Summation(axes)(a)


class Mean(Op):
    def __init__(self, axes):
        self.axes = axes

    def compute(self, a):
        return np.mean(a, axis=self.axes)

    def gradient(self, g, node):
        (grad,) = Summation(self.axes).gradient(g, node)
        return (Tensor(grad.numpy() * (g.numpy().size / node.inputs[0].numpy().size)),)


def mean(a, axes=None):
    return Mean(axes)(a)


class Max(Op):
    def __init__(self, axes):
        self.axes = axes

    def compute(self, a):
        return np.max(a, axis=self.axes)

    def gradient(self, g, node):
        a = node.inputs[0].numpy()
        top = np.max(a, axis=self.axes, keepdims=True)
        (spread,) = Summation(self.axes).gradient(g, node)
        return (Tensor(spread.numpy() * (a == top)),)


def max(a, axes=None):
    return Max(axes)(a)


class Reshape(Op):
    def __init__(self, shape):
        self.shape = shape

    def compute(self, a):
        return np.reshape(a, self.shape)

    def gradient(self, g, node):
        return (Tensor(g.numpy().reshape(node.inputs[0].shape)),)


def reshape(a, shape):
    return Reshape(shape)(a)


class Transpose(Op):
    def __init__(self, axes=None):
        self.axes = axes

    def compute(self, a):
        i, j = self.axes if self.axes else (a.ndim - 2, a.ndim - 1)
        return np.swapaxes(a, i, j)

    def gradient(self, g, node):
        return (Transpose(self.axes)(g),)


def transpose(a, axes=None):
    return Transpose(axes)(a)


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = shape

    def compute(self, a):
        return np.broadcast_to(a, self.shape)

    def gradient(self, g, node):
        return (Tensor(_sum_to(g.numpy(), node.inputs[0].shape)),)


def broadcast_to(a, shape):
    return BroadcastTo(shape)(a)


class MatMul(Op):
    def compute(self, a, b):
        return a @ b

    def gradient(self, g, node):
        a, b = (x.numpy() for x in node.inputs)
        ga = g.numpy() @ np.swapaxes(b, -1, -2)
        gb = np.swapaxes(a, -1, -2) @ g.numpy()
        return Tensor(_sum_to(ga, a.shape)), Tensor(_sum_to(gb, b.shape))


def matmul(a, b):
    return MatMul()(a, b)


def find_topo_sort(node_list):
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for x in node.inputs:
            visit(x)
        order.append(node)

    for node in node_list:
        visit(node)
    return order


def compute_gradient_of_variables(output_tensor, out_grad):
    partial = {id(output_tensor): [out_grad]}
    for node in reversed(find_topo_sort([output_tensor])):
        grads = partial.get(id(node), [])
        node.grad = Tensor(sum(g.numpy() for g in grads) if grads else np.zeros(node.shape))
        if node.op is None:
            continue
        for x, g in zip(node.inputs, node.op.gradient(node.grad, node)):
            partial.setdefault(id(x), []).append(g)
