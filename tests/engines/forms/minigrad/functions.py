"""The unary ops, each a value and its local derivative."""

import math

from . import operators
from .scalar import Scalar


def exp(x):
    e = math.exp(x.data)
    return Scalar(e, [(x, e)])


def log(x):
    return Scalar(math.log(x.data), [(x, operators.inv(x.data))])


def sqrt(x):
    s = math.sqrt(x.data)
    return Scalar(s, [(x, 0.5 / s)])


def sin(x):
    return Scalar(math.sin(x.data), [(x, math.cos(x.data))])


def cos(x):
    return Scalar(math.cos(x.data), [(x, -math.sin(x.data))])


def tan(x):
    return Scalar(math.tan(x.data), [(x, 1.0 / math.cos(x.data) ** 2)])


def tanh(x):
    t = math.tanh(x.data)
    return Scalar(t, [(x, 1.0 - t * t)])


def sigmoid(x):
    s = operators.sigmoid(x.data)
    return Scalar(s, [(x, s * (1.0 - s))])


def relu(x):
    return Scalar(operators.relu(x.data), [(x, operators.relu_back(x.data, 1.0))])
