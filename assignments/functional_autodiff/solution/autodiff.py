"""Reference solution: reverse mode as a function transform, ``grad(f)(*xs)``.

``grad(f)`` calls ``f`` on boxes: each box holds a number and, for each box it was
computed from, a closure that turns this box's gradient into that parent's share. The
reverse pass walks the boxes from the output back, in topological order, summing the
shares. Module functions also take plain numbers (and give plain numbers back).
"""

import math


class Box:
    def __init__(self, value, parents=()):
        self.value = value
        #: ((parent box, closure: this box's gradient -> the parent's share), ...)
        self.parents = parents

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __neg__(self):
        return neg(self)


def primitive(function, *partials):
    """An op on boxes or numbers: ``function`` of the plain values, and each argument's
    partial derivative as a function of them."""

    def op(*args):
        values = [a.value if isinstance(a, Box) else a for a in args]
        parents = tuple(
            (a, lambda g, partial=partial: g * partial(*values))
            for a, partial in zip(args, partials)
            if isinstance(a, Box)
        )
        result = function(*values)
        return Box(result, parents) if parents else result

    return op


add = primitive(lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0)
sub = primitive(lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0)
mul = primitive(lambda a, b: a * b, lambda a, b: b, lambda a, b: a)
div = primitive(lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2)
neg = primitive(lambda a: -a, lambda a: -1.0)
power = primitive(lambda a, b: a**b, lambda a, b: b * a ** (b - 1), lambda a, b: a**b * math.log(a))
exp = primitive(math.exp, math.exp)
log = primitive(math.log, lambda a: 1 / a)
sqrt = primitive(math.sqrt, lambda a: 0.5 / math.sqrt(a))
sin = primitive(math.sin, math.cos)
cos = primitive(math.cos, lambda a: -math.sin(a))
tan = primitive(math.tan, lambda a: 1 / math.cos(a) ** 2)
tanh = primitive(math.tanh, lambda a: 1 - math.tanh(a) ** 2)


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


sigmoid = primitive(_sigmoid, lambda a: _sigmoid(a) * (1 - _sigmoid(a)))
relu = primitive(lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0)


def grad(f):
    """``grad(f)(*xs)``: every partial derivative of ``f`` at ``xs``, as a tuple."""

    def gradient(*xs):
        boxes = [Box(float(x)) for x in xs]
        out = f(*boxes)
        if not isinstance(out, Box):  # f does not depend on its inputs
            return tuple(0.0 for _ in xs)
        grads = {id(out): 1.0}
        for box in _topological(out):
            g = grads.get(id(box), 0.0)
            for parent, share in box.parents:
                grads[id(parent)] = grads.get(id(parent), 0.0) + share(g)
        return tuple(grads.get(id(b), 0.0) for b in boxes)

    return gradient


def _topological(out):
    """Every box ``out`` was computed from, ``out`` first, each before its parents."""
    order, seen = [], set()

    def visit(box):
        if id(box) in seen:
            return
        seen.add(id(box))
        for parent, _ in box.parents:
            visit(parent)
        order.append(box)

    visit(out)
    return order[::-1]
