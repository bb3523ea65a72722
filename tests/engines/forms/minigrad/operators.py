"""Plain-number math and each op's derivatives, as minitorch's operators.py keeps them."""

import math


def mul(x, y):
    return x * y


def inv(x):
    return 1.0 / x


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def relu(x):
    return x if x > 0 else 0.0


def relu_back(x, d):
    return d if x > 0 else 0.0
