"""The Tensor, a Variable over a multidimensional array."""

from dataclasses import dataclass

from . import operators
from .autodiff import backpropagate
from .tensor_data import TensorData
from .tensor_functions import (
    Add,
    Copy,
    Exp,
    Inv,
    Log,
    Mul,
    Neg,
    Permute,
    ReLU,
    Sigmoid,
    Sum,
    View,
    tensor,
)


@dataclass
class History:
    last_fn: object = None
    ctx: object = None
    inputs: tuple = ()


_tensor_count = 0


class Tensor:
    def __init__(self, v, back=None, name=None, backend=None):
        global _tensor_count
        _tensor_count += 1
        self.unique_id = _tensor_count
        assert isinstance(v, TensorData)
        assert backend is not None
        self._tensor, self.history, self.backend = v, back, backend
        self.grad = None
        self.name = name if name is not None else str(self.unique_id)
        self.f = backend

    def requires_grad_(self, x):
        self.history = History()

    def requires_grad(self):
        return self.history is not None

    def to_numpy(self):
        return self.contiguous()._tensor._storage.reshape(self.shape)

    @property
    def shape(self):
        return self._tensor.shape

    @property
    def size(self):
        return self._tensor.size

    @property
    def dims(self):
        return self._tensor.dims

    def _ensure_tensor(self, b):
        if isinstance(b, (int, float)):
            return Tensor.make([b], (1,), backend=self.backend)
        return b

    def __add__(self, b):
        return Add.apply(self, self._ensure_tensor(b))

    def __sub__(self, b):
        return Add.apply(self, -self._ensure_tensor(b))

    def __mul__(self, b):
        return Mul.apply(self, self._ensure_tensor(b))

    def __truediv__(self, b):
        return Mul.apply(self, Inv.apply(self._ensure_tensor(b)))

    def __rtruediv__(self, b):
        return Mul.apply(self._ensure_tensor(b), Inv.apply(self))

    def __neg__(self):
        return Neg.apply(self)

    def __radd__(self, b):
        return self + b

    def __rmul__(self, b):
        return self * b

    def sigmoid(self):
        return Sigmoid.apply(self)

    def relu(self):
        return ReLU.apply(self)

    def log(self):
        return Log.apply(self)

    def exp(self):
        return Exp.apply(self)

    def item(self):
        assert self.size == 1
        return float(self._tensor._storage[0])

    def sum(self, dim=None):
        "Compute the sum over dimension `dim`"
        if dim is None:
            return Sum.apply(self.contiguous().view(self.size), self._ensure_tensor(0))
        return Sum.apply(self, self._ensure_tensor(dim))

    def mean(self, dim=None):
        "Compute the mean over dimension `dim`"
        if dim is not None:
            return self.sum(dim) / self.shape[dim]
        return self.sum() / self.size

    def permute(self, *order):
        return Permute.apply(self, tensor(list(order)))

    def view(self, *shape):
        return View.apply(self, tensor(list(shape)))

    def contiguous(self):
        return Copy.apply(self)

    def __getitem__(self, key):
        return self._tensor.get((key,) if isinstance(key, int) else key)

    def _new(self, tensor_data):
        return Tensor(tensor_data, backend=self.backend)

    @staticmethod
    def make(storage, shape, strides=None, backend=None):
        return Tensor(TensorData(storage, shape, strides), backend=backend)

    def expand(self, other):
        """``other`` (a gradient) summed back to this tensor's shape over broadcast axes."""
        if self.shape == other.shape:
            return other
        true_shape = TensorData.shape_broadcast(self.shape, other.shape)
        buf = self.zeros(true_shape)
        self.backend.id_map(other, buf)
        if self.shape == true_shape:
            return buf
        out = buf
        orig_shape = [1] * (len(out.shape) - len(self.shape)) + list(self.shape)
        for dim, shape in enumerate(out.shape):
            if orig_shape[dim] == 1 and shape != 1:
                out = self.backend.add_reduce(out, dim)
        assert out.size == self.size, f"{out.shape} {self.shape}"
        return Tensor.make(out._tensor._storage, self.shape, backend=self.backend)

    def zeros(self, shape=None):
        shape = self.shape if shape is None else shape
        return Tensor.make([0.0] * int(operators.prod(shape)), shape, backend=self.backend)

    def tuple(self):
        return self._tensor.tuple()

    def detach(self):
        return Tensor(self._tensor, backend=self.backend)

    def accumulate_derivative(self, x):
        assert self.is_leaf(), "Only leaf variables can have derivatives."
        if self.grad is None:
            self.grad = Tensor.make(
                [0.0] * int(operators.prod(self.shape)), self.shape, backend=self.backend
            )
        self.grad += x

    def is_leaf(self):
        return self.history is not None and self.history.last_fn is None

    def is_constant(self):
        return self.history is None

    @property
    def parents(self):
        return self.history.inputs

    def chain_rule(self, d_output):
        h = self.history
        x = h.last_fn._backward(h.ctx, d_output)
        assert len(x) == len(h.inputs), f"Bug in function {h.last_fn}"
        return [(inp, inp.expand(self._ensure_tensor(d))) for inp, d in zip(h.inputs, x)]

    def backward(self, grad_output=None):
        if grad_output is None:
            assert self.shape == (1,), "Must provide grad_output if non-scalar"
            grad_output = Tensor.make([1.0], (1,), backend=self.backend)
        backpropagate(self, grad_output)

    def zero_grad_(self):
        self.grad = None
