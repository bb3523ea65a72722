"""Scalar helpers (Module 0)."""

import math


def prod(values):
    result = 1
    for v in values:
        result *= v
    return result


def neg(x):
    return -x


def inv(x):
    return 1.0 / x


def inv_back(x, d):
    return -d / (x * x)


def add(x, y):
    return x + y


def mul(x, y):
    return x * y


def sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def relu(x):
    return x if x > 0 else 0.0


def relu_back(x, d):
    return d if x > 0 else 0.0


def log(x):
    return math.log(x)


def log_back(x, d):
    return d / x


def exp(x):
    return math.exp(x)
