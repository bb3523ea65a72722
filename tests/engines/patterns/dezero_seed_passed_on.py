"""DeZero-like function classes whose ``backward`` methods are right, but the reverse pass
never calls them: it hands each output's gradient to the inputs unchanged, so every leaf
occurrence gets exactly the seed. One reverse-pass bug, not a local-derivative bug in each
op (pattern 9)."""

import math

API = "mygrad"
EXPECTED = [("local-derivative", None, None)]
NOT_EXPECTED = [
    ("local-derivative", "mul", 0),
    ("local-derivative", "div", 1),
    ("local-derivative", "exp", 0),
    ("local-derivative", "sin", 0),
    ("local-derivative", "pow", 0),
]


class Variable:
    def __init__(self, data):
        self.data = float(data)
        self.grad = None
        self.creator = None
        self.generation = 0

    def set_creator(self, func):
        self.creator = func
        self.generation = func.generation + 1

    def backward(self):
        if self.grad is None:
            self.grad = 1.0
        funcs, seen = [], set()

        def add_func(f):
            if f not in seen:
                funcs.append(f)
                seen.add(f)
                funcs.sort(key=lambda x: x.generation)

        add_func(self.creator)
        while funcs:
            f = funcs.pop()
            gy = f.output.grad
            for x in f.inputs:  # BUG: f.backward(gy) is never called
                x.grad = gy if x.grad is None else x.grad + gy
                if x.creator is not None:
                    add_func(x.creator)

    def __add__(self, other):
        return Add()(self, other)

    def __radd__(self, other):
        return Add()(other, self)

    def __mul__(self, other):
        return Mul()(self, other)

    def __rmul__(self, other):
        return Mul()(other, self)

    def __neg__(self):
        return Mul()(self, -1.0)

    def __sub__(self, other):
        return Sub()(self, other)

    def __rsub__(self, other):
        return Sub()(other, self)

    def __truediv__(self, other):
        return Div()(self, other)

    def __rtruediv__(self, other):
        return Div()(other, self)

    def __pow__(self, other):
        return Pow()(self, other)

    def __rpow__(self, other):
        return Pow()(other, self)


def as_variable(x):
    return x if isinstance(x, Variable) else Variable(x)


class Function:
    def __call__(self, *inputs):
        inputs = [as_variable(x) for x in inputs]
        y = Variable(self.forward(*[x.data for x in inputs]))
        self.generation = max(x.generation for x in inputs)
        y.set_creator(self)
        self.inputs, self.output = inputs, y
        return y


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, -gy


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return gy * b.data, gy * a.data


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        return gy / b.data, -gy * a.data / b.data**2


class Pow(Function):
    def forward(self, a, b):
        return a**b

    def backward(self, gy):
        a, b = self.inputs
        db = gy * a.data**b.data * math.log(a.data) if a.data > 0 else 0.0
        return gy * b.data * a.data ** (b.data - 1), db


class Unary(Function):
    def __init__(self, f, df):
        self.f, self.df = f, df

    def forward(self, a):
        return self.f(a)

    def backward(self, gy):
        return (gy * self.df(self.inputs[0].data),)


def tensor(x):
    return Variable(x)


def exp(x):
    return Unary(math.exp, math.exp)(x)


def log(x):
    return Unary(math.log, lambda a: 1 / a)(x)


def sin(x):
    return Unary(math.sin, math.cos)(x)


def cos(x):
    return Unary(math.cos, lambda a: -math.sin(a))(x)


def tan(x):
    return Unary(math.tan, lambda a: 1 / math.cos(a) ** 2)(x)


def tanh(x):
    return Unary(math.tanh, lambda a: 1 - math.tanh(a) ** 2)(x)


def sqrt(x):
    return Unary(math.sqrt, lambda a: 0.5 / math.sqrt(a))(x)


def sigmoid(x):
    s = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
    return Unary(s, lambda a: s(a) * (1 - s(a)))(x)


def relu(x):
    return Unary(lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0)(x)
