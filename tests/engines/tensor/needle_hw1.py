"""A correct CMU 10-414 needle hw1 solution, as the course hands it out and students finish it
(our own code, written to reproduce the family's conventions; graded with ``api = "needle"``).

What makes it needle, and what chaingrade must respect:

- ops are classes with ``compute`` (on NumPy arrays) and ``gradient`` (on Tensors, written
  with the ops themselves), called through module functions (``summation``, ``matmul``);
- elementwise ops never broadcast implicitly: ``EWiseAdd.gradient`` is ``out_grad, out_grad``,
  as the course's own scaffold writes it. NumPy would broadcast silently in ``compute``, and
  the gradient would come back in the broadcast shape; broadcasting is ``broadcast_to``'s;
- ``summation(a, axes=None)`` takes a tuple of axes (or one int), never keeps dims;
  ``transpose(a, axes=None)`` swaps two axes, the last two by default;
- ``matmul`` is batched: a plain matrix times a batch of them sums its gradient over the
  leading axes (the course's tests multiply (6, 6, 5, 4) by (4, 3));
- scalar ops (``x + 2``, ``x * 2``, ``x ** 2``, ``x / 2``) are ops of their own (AddScalar,
  MulScalar, PowerScalar, DivScalar); ``x - y`` is ``x + (-y)``, and ``__rsub__`` is
  ``__sub__`` as in the scaffold (so ``2 - x`` computes ``x - 2``: the grader never writes it);
- ``Tensor(ndarray)`` makes a leaf, ``.grad`` is a Tensor read with ``.numpy()``, and
  ``backward()`` on a scalar seeds itself with ones; the reverse pass walks a post-order
  DFS topological sort in reverse, summing each node's partial adjoints from a dict;
- hw1 has no ``mean``, ``max``, ``tanh``, ``sigmoid``, ``sin``, ``cos`` or ``sqrt``: those
  are ``missing``, and only they.
"""

import operator
from functools import reduce

import numpy as np

API = "needle"


class Op:
    def __call__(self, *args):
        return Tensor.make_from_op(self, args)

    def gradient_as_tuple(self, out_grad, node):
        grads = self.gradient(out_grad, node)
        return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)


class Tensor:
    def __init__(self, array, *, dtype=None, requires_grad=True):
        data = array.numpy() if isinstance(array, Tensor) else np.array(array, dtype=dtype)
        self._init(None, [], data, requires_grad)

    def _init(self, op, inputs, cached_data, requires_grad):
        self.op, self.inputs = op, list(inputs)
        self.cached_data, self.requires_grad = cached_data, requires_grad
        self.grad = None

    @classmethod
    def make_from_op(cls, op, inputs):
        tensor = cls.__new__(cls)
        data = op.compute(*[x.cached_data for x in inputs])
        tensor._init(op, inputs, data, any(x.requires_grad for x in inputs))
        return tensor

    def numpy(self):
        return self.cached_data

    @property
    def shape(self):
        return self.cached_data.shape

    def backward(self, out_grad=None):
        out_grad = out_grad if out_grad else Tensor(np.ones(self.shape))
        compute_gradient_of_variables(self, out_grad)

    def __add__(self, other):
        return EWiseAdd()(self, other) if isinstance(other, Tensor) else AddScalar(other)(self)

    def __mul__(self, other):
        return EWiseMul()(self, other) if isinstance(other, Tensor) else MulScalar(other)(self)

    def __pow__(self, other):
        if isinstance(other, Tensor):
            raise NotImplementedError()
        return PowerScalar(other)(self)

    def __sub__(self, other):
        if isinstance(other, Tensor):
            return EWiseAdd()(self, Negate()(other))
        return AddScalar(-other)(self)

    def __truediv__(self, other):
        return EWiseDiv()(self, other) if isinstance(other, Tensor) else DivScalar(other)(self)

    def __matmul__(self, other):
        return MatMul()(self, other)

    def __neg__(self):
        return Negate()(self)

    def sum(self, axes=None):
        return Summation(axes)(self)

    def reshape(self, shape):
        return Reshape(shape)(self)

    def broadcast_to(self, shape):
        return BroadcastTo(shape)(self)

    def transpose(self, axes=None):
        return Transpose(axes)(self)

    __radd__ = __add__
    __rmul__ = __mul__
    __rsub__ = __sub__  # the scaffold's own quirk: 2 - x is x - 2


class EWiseAdd(Op):
    def compute(self, a, b):
        return a + b

    def gradient(self, out_grad, node):
        return out_grad, out_grad


class AddScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a + self.scalar

    def gradient(self, out_grad, node):
        return out_grad


class EWiseMul(Op):
    def compute(self, a, b):
        return a * b

    def gradient(self, out_grad, node):
        lhs, rhs = node.inputs
        return out_grad * rhs, out_grad * lhs


class MulScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a * self.scalar

    def gradient(self, out_grad, node):
        return out_grad * self.scalar


class PowerScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a**self.scalar

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return out_grad * self.scalar * a ** (self.scalar - 1)


class EWiseDiv(Op):
    def compute(self, a, b):
        return a / b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad / b, -out_grad * a / b**2


class DivScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a / self.scalar

    def gradient(self, out_grad, node):
        return out_grad / self.scalar


class Negate(Op):
    def compute(self, a):
        return -a

    def gradient(self, out_grad, node):
        return -out_grad


class Exp(Op):
    def compute(self, a):
        return np.exp(a)

    def gradient(self, out_grad, node):
        return out_grad * exp(node.inputs[0])


class Log(Op):
    def compute(self, a):
        return np.log(a)

    def gradient(self, out_grad, node):
        return out_grad / node.inputs[0]


class ReLU(Op):
    def compute(self, a):
        return np.maximum(a, 0)

    def gradient(self, out_grad, node):
        return out_grad * Tensor(node.inputs[0].numpy() > 0)


class Transpose(Op):
    def __init__(self, axes=None):
        self.axes = axes

    def compute(self, a):
        i, j = self.axes if self.axes else (a.ndim - 2, a.ndim - 1)
        return np.swapaxes(a, i, j)

    def gradient(self, out_grad, node):
        return transpose(out_grad, self.axes)


class Reshape(Op):
    def __init__(self, shape):
        self.shape = shape

    def compute(self, a):
        return np.reshape(a, self.shape)

    def gradient(self, out_grad, node):
        return reshape(out_grad, node.inputs[0].shape)


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = shape

    def compute(self, a):
        return np.broadcast_to(a, self.shape)

    def gradient(self, out_grad, node):
        shape = node.inputs[0].shape
        lead = len(self.shape) - len(shape)
        stretched = [lead + i for i, n in enumerate(shape) if n == 1 and self.shape[lead + i] != 1]
        summed = summation(out_grad, tuple(range(lead)) + tuple(stretched))
        return reshape(summed, shape)


class Summation(Op):
    def __init__(self, axes=None):
        self.axes = (axes,) if isinstance(axes, int) else axes

    def compute(self, a):
        return np.sum(a, axis=self.axes)

    def gradient(self, out_grad, node):
        shape = node.inputs[0].shape
        axes = range(len(shape)) if self.axes is None else self.axes
        kept = [1 if i in axes else n for i, n in enumerate(shape)]
        return broadcast_to(reshape(out_grad, tuple(kept)), shape)


class MatMul(Op):
    def compute(self, a, b):
        return a @ b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        da, db = matmul(out_grad, transpose(b)), matmul(transpose(a), out_grad)
        if len(da.shape) > len(a.shape):
            da = summation(da, tuple(range(len(da.shape) - len(a.shape))))
        if len(db.shape) > len(b.shape):
            db = summation(db, tuple(range(len(db.shape) - len(b.shape))))
        return da, db


def add(a, b):
    return EWiseAdd()(a, b)


def multiply(a, b):
    return EWiseMul()(a, b)


def divide(a, b):
    return EWiseDiv()(a, b)


def power_scalar(a, scalar):
    return PowerScalar(scalar)(a)


def negate(a):
    return Negate()(a)


def exp(a):
    return Exp()(a)


def log(a):
    return Log()(a)


def relu(a):
    return ReLU()(a)


def transpose(a, axes=None):
    return Transpose(axes)(a)


def reshape(a, shape):
    return Reshape(shape)(a)


def broadcast_to(a, shape):
    return BroadcastTo(shape)(a)


def summation(a, axes=None):
    return Summation(axes)(a)


def matmul(a, b):
    return MatMul()(a, b)


def find_topo_sort(node_list):
    order, visited = [], set()
    for node in node_list:
        topo_sort_dfs(node, visited, order)
    return order


def topo_sort_dfs(node, visited, topo_order):
    if id(node) in visited:
        return
    visited.add(id(node))
    for x in node.inputs:
        topo_sort_dfs(x, visited, topo_order)
    topo_order.append(node)


def compute_gradient_of_variables(output_tensor, out_grad):
    node_to_output_grads_list = {id(output_tensor): [out_grad]}
    for node in reversed(find_topo_sort([output_tensor])):
        node.grad = reduce(operator.add, node_to_output_grads_list[id(node)])
        if node.op is None:
            continue
        for x, g in zip(node.inputs, node.op.gradient_as_tuple(node.grad, node)):
            node_to_output_grads_list.setdefault(id(x), []).append(g)
