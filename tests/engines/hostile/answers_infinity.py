# ruff: noqa: F821
"""Lie with infinity: the hard ops give nodes whose value and gradients are all ``inf``.

``inf - inf`` is NaN and ``inf <= inf`` is true, so a closeness test that forgets to ask
for finite numbers passes every such point.

Expected: every part whose ops answer ``inf`` scores 0 (arithmetic, done honestly by the
reference above, keeps its points).
"""

_INF = float("inf")


def _infinite(x):
    out = Tensor(0.0, (x,))
    out.data = _INF

    def backward():
        x.grad = _INF

    out._backward = backward
    return out


exp = log = sin = cos = tan = tanh = sqrt = sigmoid = relu = _infinite
