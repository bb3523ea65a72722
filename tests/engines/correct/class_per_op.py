"""Correct: one class per op with explicit ``forward`` and ``backward`` methods (as in MyGrad);
a tensor remembers the op that made it, and the reverse pass asks each op for its inputs'
gradients."""

import math


class Op:
    """An op applied to some tensors; ``backward`` returns d(out)/d(input) * grad per input."""

    def __init__(self, *inputs):
        self.inputs = inputs

    @classmethod
    def apply(cls, *inputs):
        op = cls(*inputs)
        out = Tensor(op.forward(*[t.data for t in inputs]), creator=op)
        op.out = out.data
        return out


class Add(Op):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Op):
    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad


class Mul(Op):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        return grad * self.b, grad * self.a


class Div(Op):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        return grad / self.b, -grad * self.a / (self.b * self.b)


class Neg(Op):
    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Pow(Op):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a**b

    def backward(self, grad):
        da = grad * self.b * self.a ** (self.b - 1)
        db = grad * self.out * math.log(self.a) if self.a > 0 else 0.0
        return da, db


class Exp(Op):
    def forward(self, a):
        return math.exp(a)

    def backward(self, grad):
        return (grad * self.out,)


class Log(Op):
    def forward(self, a):
        self.a = a
        return math.log(a)

    def backward(self, grad):
        return (grad / self.a,)


class Sin(Op):
    def forward(self, a):
        self.a = a
        return math.sin(a)

    def backward(self, grad):
        return (grad * math.cos(self.a),)


class Cos(Op):
    def forward(self, a):
        self.a = a
        return math.cos(a)

    def backward(self, grad):
        return (-grad * math.sin(self.a),)


class Tan(Op):
    def forward(self, a):
        self.a = a
        return math.tan(a)

    def backward(self, grad):
        return (grad / math.cos(self.a) ** 2,)


class Tanh(Op):
    def forward(self, a):
        return math.tanh(a)

    def backward(self, grad):
        return (grad * (1 - self.out**2),)


class Sqrt(Op):
    def forward(self, a):
        return math.sqrt(a)

    def backward(self, grad):
        return (grad / (2 * self.out),)


class Sigmoid(Op):
    def forward(self, a):
        return 1 / (1 + math.exp(-a))

    def backward(self, grad):
        return (grad * self.out * (1 - self.out),)


class Relu(Op):
    def forward(self, a):
        self.positive = a > 0
        return a if self.positive else 0.0

    def backward(self, grad):
        return (grad if self.positive else 0.0,)


class Tensor:
    def __init__(self, data, creator=None):
        self.data = float(data)
        self.grad = 0.0
        self.creator = creator

    def __add__(self, other):
        return Add.apply(self, lift(other))

    def __radd__(self, other):
        return Add.apply(lift(other), self)

    def __sub__(self, other):
        return Sub.apply(self, lift(other))

    def __rsub__(self, other):
        return Sub.apply(lift(other), self)

    def __mul__(self, other):
        return Mul.apply(self, lift(other))

    def __rmul__(self, other):
        return Mul.apply(lift(other), self)

    def __truediv__(self, other):
        return Div.apply(self, lift(other))

    def __rtruediv__(self, other):
        return Div.apply(lift(other), self)

    def __pow__(self, other):
        return Pow.apply(self, lift(other))

    def __rpow__(self, other):
        return Pow.apply(lift(other), self)

    def __neg__(self):
        return Neg.apply(self)

    def backward(self):
        order, seen = [], set()

        def visit(t):
            if id(t) in seen:
                return
            seen.add(id(t))
            if t.creator is not None:
                for parent in t.creator.inputs:
                    visit(parent)
            order.append(t)

        visit(self)
        self.grad = 1.0
        for t in reversed(order):
            if t.creator is None:
                continue
            for parent, g in zip(t.creator.inputs, t.creator.backward(t.grad)):
                parent.grad += g


def lift(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(x):
    return Tensor(x)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tan(x):
    return Tan.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return Relu.apply(x)
