"""DeZero's functions module (family: DeZero, steps 33 on): ``F.sin(x)`` and its kin, each
a ``Function`` whose backward is written with Variables (so it can be differentiated
again), and ``sum_to`` for broadcast gradients, through ``utils``."""

import numpy as np

from dezero import utils
from dezero.core import Function, as_variable


class Sin(Function):
    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * cos(x)


def sin(x):
    return Sin()(x)


class Cos(Function):
    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * -sin(x)


def cos(x):
    return Cos()(x)


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (1 - y * y)


def tanh(x):
    return Tanh()(x)


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * y


def exp(x):
    return Exp()(x)


class Log(Function):
    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy / x


def log(x):
    return Log()(x)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return utils.sum_to(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


def sum_to(x, shape):
    if x.shape == shape:
        return as_variable(x)
    return SumTo(shape)(x)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


def broadcast_to(x, shape):
    if x.shape == shape:
        return as_variable(x)
    return BroadcastTo(shape)(x)


# --- tensor functions (steps 37 to 41): shapes, sums, matrix products --------------------


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.x_shape)


def reshape(x, shape):
    if x.shape == shape:
        return as_variable(x)
    return Reshape(shape)(x)


class Transpose(Function):
    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return transpose(gy)
        inverse = tuple(np.argsort([axis % len(self.axes) for axis in self.axes]))
        return transpose(gy, inverse)


def transpose(x, axes=None):
    return Transpose(axes)(x)


def _kept_shape(gy_shape, x_shape, axis, keepdims):
    """The shape a sum's gradient takes before it is broadcast back: the summed axes put
    back as sides of 1 (the book's ``utils.reshape_sum_backward``)."""
    if len(x_shape) == 0 or axis is None or keepdims:
        return gy_shape if axis is not None or keepdims else (1,) * len(x_shape)
    axes = (axis,) if not isinstance(axis, tuple) else axis
    shape = list(gy_shape)
    for a in sorted(a % len(x_shape) for a in axes):
        shape.insert(a, 1)
    return tuple(shape)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        gy = reshape(gy, _kept_shape(gy.shape, self.x_shape, self.axis, self.keepdims))
        return broadcast_to(gy, self.x_shape)


def sum(x, axis=None, keepdims=False):
    return Sum(axis, keepdims)(x)


def average(x, axis=None, keepdims=False):
    x = as_variable(x)
    y = sum(x, axis, keepdims)
    return y * np.array(y.data.size / x.data.size)


mean = average


class MatMul(Function):
    def forward(self, x, W):
        return x.dot(W)

    def backward(self, gy):
        x, W = self.inputs
        return matmul(gy, transpose(W)), matmul(transpose(x), gy)


def matmul(x, W):
    return MatMul()(x, W)
