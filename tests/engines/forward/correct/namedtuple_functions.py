"""Correct: dual numbers as tuples, ``Pair(primal, dot)`` (a namedtuple: ``+`` on it
concatenates, so every op is a module function: add(x, y), pow(x, 3), sin(x)), numbers
taken on either side. The functional style of JAX-like teaching code (primal, tangent
pairs) in plain Python."""

import math
from collections import namedtuple

Pair = namedtuple("Pair", "primal dot")


def _pair(x):
    return x if isinstance(x, Pair) else Pair(float(x), 0.0)


def add(a, b):
    a, b = _pair(a), _pair(b)
    return Pair(a.primal + b.primal, a.dot + b.dot)


def sub(a, b):
    a, b = _pair(a), _pair(b)
    return Pair(a.primal - b.primal, a.dot - b.dot)


def mul(a, b):
    a, b = _pair(a), _pair(b)
    return Pair(a.primal * b.primal, a.dot * b.primal + a.primal * b.dot)


def div(a, b):
    a, b = _pair(a), _pair(b)
    q = a.primal / b.primal
    return Pair(q, (a.dot - q * b.dot) / b.primal)


def neg(a):
    return Pair(-a.primal, -a.dot)


def pow(a, b):  # noqa: A001 - the API's name for **
    a, b = _pair(a), _pair(b)
    value = a.primal**b.primal
    dot = b.primal * a.primal ** (b.primal - 1) * a.dot if a.dot else 0.0
    if b.dot:
        dot += value * math.log(a.primal) * b.dot
    return Pair(value, dot)


def exp(a):
    e = math.exp(a.primal)
    return Pair(e, e * a.dot)


def log(a):
    return Pair(math.log(a.primal), a.dot / a.primal)


def sqrt(a):
    r = math.sqrt(a.primal)
    return Pair(r, a.dot / (2 * r))


def sin(a):
    return Pair(math.sin(a.primal), math.cos(a.primal) * a.dot)


def cos(a):
    return Pair(math.cos(a.primal), -math.sin(a.primal) * a.dot)


def tan(a):
    return Pair(math.tan(a.primal), a.dot / math.cos(a.primal) ** 2)


def tanh(a):
    t = math.tanh(a.primal)
    return Pair(t, (1 - t * t) * a.dot)


def sigmoid(a):
    s = 1 / (1 + math.exp(-a.primal))
    return Pair(s, s * (1 - s) * a.dot)


def relu(a):
    return Pair(max(a.primal, 0.0), a.dot if a.primal > 0 else 0.0)
