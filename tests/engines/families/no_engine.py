"""Not gradable by ``--api auto``: no engine at all, only numerical derivatives, as a
student who misread the assignment hands in. chaingrade must say what it looked for."""

import math


def derivative(f, x, h=1e-5):
    """The central difference (f(x + h) - f(x - h)) / 2h."""
    return (f(x + h) - f(x - h)) / (2 * h)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def tanh(x):
    return math.tanh(x)
