"""A scalar autodiff package laid out as minitorch's Module 1: the names students use."""

from .autodiff import backpropagate
from .functions import cos, exp, log, relu, sigmoid, sin, sqrt, tan, tanh
from .scalar import Scalar

__all__ = [
    "Scalar",
    "backpropagate",
    "cos",
    "exp",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tan",
    "tanh",
    "tensor",
]


def tensor(x):
    """A leaf holding the number ``x``."""
    return Scalar(x)
