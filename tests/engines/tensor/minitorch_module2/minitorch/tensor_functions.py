"""The autodiff Functions of Tensor (Tasks 2.3 and 2.4), and ``tensor()``."""

import minitorch

from . import operators
from .autodiff import Context
from .tensor_ops import SimpleBackend


def wrap_tuple(x):
    return x if isinstance(x, tuple) else (x,)


class Function:
    @classmethod
    def _backward(cls, ctx, grad_out):
        return wrap_tuple(cls.backward(ctx, grad_out))

    @classmethod
    def apply(cls, *vals):
        raw_vals, need_grad = [], False
        for v in vals:
            if v.requires_grad():
                need_grad = True
            raw_vals.append(v.detach())
        ctx = Context(not need_grad)
        c = cls.forward(ctx, *raw_vals)
        back = minitorch.History(cls, ctx, vals) if need_grad else None
        return minitorch.Tensor(c._tensor, back, backend=c.backend)


class Neg(Function):
    @staticmethod
    def forward(ctx, t1):
        return t1.f.neg_map(t1)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.f.neg_map(grad_output)


class Inv(Function):
    @staticmethod
    def forward(ctx, t1):
        ctx.save_for_backward(t1)
        return t1.f.inv_map(t1)

    @staticmethod
    def backward(ctx, grad_output):
        (t1,) = ctx.saved_values
        return grad_output.f.inv_back_zip(t1, grad_output)


class Add(Function):
    @staticmethod
    def forward(ctx, t1, t2):
        return t1.f.add_zip(t1, t2)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.f.mul_zip(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_values
        return grad_output.f.mul_zip(grad_output, b), grad_output.f.mul_zip(grad_output, a)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, t1):
        out = t1.f.sigmoid_map(t1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_values
        one_minus = s.f.add_zip(s.f.neg_map(s), s._ensure_tensor(1.0))
        return grad_output.f.mul_zip(grad_output, s.f.mul_zip(s, one_minus))


class ReLU(Function):
    @staticmethod
    def forward(ctx, t1):
        ctx.save_for_backward(t1)
        return t1.f.relu_map(t1)

    @staticmethod
    def backward(ctx, grad_output):
        (t1,) = ctx.saved_values
        return grad_output.f.relu_back_zip(t1, grad_output)


class Log(Function):
    @staticmethod
    def forward(ctx, t1):
        ctx.save_for_backward(t1)
        return t1.f.log_map(t1)

    @staticmethod
    def backward(ctx, grad_output):
        (t1,) = ctx.saved_values
        return grad_output.f.log_back_zip(t1, grad_output)


class Exp(Function):
    @staticmethod
    def forward(ctx, t1):
        out = t1.f.exp_map(t1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_values
        return grad_output.f.mul_zip(grad_output, out)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.save_for_backward(a.shape, dim)
        return a.f.add_reduce(a, int(dim.item()))

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, dim = ctx.saved_values
        return grad_output, 0.0


class Permute(Function):
    @staticmethod
    def forward(ctx, a, order):
        order = [int(order[i]) for i in range(order.size)]
        ctx.save_for_backward(order)
        return a._new(a._tensor.permute(*order))

    @staticmethod
    def backward(ctx, grad_output):
        (order,) = ctx.saved_values
        inverse = sorted(range(len(order)), key=lambda i: order[i])
        return grad_output._new(grad_output._tensor.permute(*inverse)), 0.0


class View(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.save_for_backward(a.shape)
        assert a._tensor.is_contiguous(), "Must be contiguous to view"
        shape2 = [int(shape[i]) for i in range(shape.size)]
        return minitorch.Tensor.make(a._tensor._storage, tuple(shape2), backend=a.backend)

    @staticmethod
    def backward(ctx, grad_output):
        (original,) = ctx.saved_values
        data = grad_output.contiguous()._tensor._storage
        return minitorch.Tensor.make(data, original, backend=grad_output.backend), 0.0


class Copy(Function):
    @staticmethod
    def forward(ctx, a):
        return a.f.id_map(a)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def zeros(shape, backend=SimpleBackend):
    return minitorch.Tensor.make([0.0] * int(operators.prod(shape)), shape, backend=backend)


def _tensor(ls, shape, backend=SimpleBackend, requires_grad=False):
    tensor = minitorch.Tensor.make(ls, shape, backend=backend)
    tensor.requires_grad_(requires_grad)
    return tensor


def tensor(ls, backend=SimpleBackend, requires_grad=False):
    """A tensor with the data and shape of the nested lists ``ls``."""

    def shape(ls):
        return [len(ls), *shape(ls[0])] if isinstance(ls, (list, tuple)) else []

    def flatten(ls):
        return [y for x in ls for y in flatten(x)] if isinstance(ls, (list, tuple)) else [ls]

    return _tensor(flatten(ls), tuple(shape(ls)), backend=backend, requires_grad=requires_grad)
