"""A minitorch Module 1 engine (``Scalar``, ``ScalarFunction`` classes, ``backpropagate``
over a topological order, derivatives on leaves only) whose ``topological_sort`` builds the
order but returns an empty list, so ``backward()`` does nothing and no leaf gets a
derivative. One reverse-pass finding is right, not one per op: every op's backward is
fine, none of them is ever called (issue 20)."""

import math

API = "minitorch"
EXPECTED = [("seed", None, None)]
NOT_EXPECTED = [
    ("local-derivative", "add", 0),
    ("local-derivative", "mul", 0),
    ("local-derivative", "exp", 0),
    ("local-derivative", "sin", 0),
    ("local-derivative", "tanh", 0),
    ("upstream", "add", None),
    ("upstream", "mul", None),
    ("upstream", "exp", None),
    ("upstream", "sin", None),
    ("upstream", "tanh", None),
]
EPS = 1e-6


class Context:
    def __init__(self):
        self.saved_values = ()

    def save_for_backward(self, *values):
        self.saved_values = values


class History:
    def __init__(self, last_fn=None, ctx=None, inputs=()):
        self.last_fn, self.ctx, self.inputs = last_fn, ctx, inputs


_next_id = [0]


class Scalar:
    def __init__(self, v, back=None):
        self.data = float(v)
        self.history = back
        self.derivative = None
        _next_id[0] += 1
        self.unique_id = _next_id[0]

    def is_leaf(self):
        return self.history is None or self.history.last_fn is None

    def accumulate_derivative(self, x):
        assert self.is_leaf(), "only leaves keep a derivative"
        self.derivative = x if self.derivative is None else self.derivative + x

    def chain_rule(self, d_output):
        h = self.history
        grads = h.last_fn.backward(h.ctx, d_output)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return [(x, g) for x, g in zip(h.inputs, grads) if isinstance(x, Scalar)]

    def backward(self, d_output=1.0):
        backpropagate(self, d_output)

    def __add__(self, b):
        return Add.apply(self, b)

    def __radd__(self, b):
        return Add.apply(b, self)

    def __sub__(self, b):
        return Add.apply(self, Neg.apply(b))

    def __rsub__(self, b):
        return Add.apply(b, Neg.apply(self))

    def __mul__(self, b):
        return Mul.apply(self, b)

    def __rmul__(self, b):
        return Mul.apply(b, self)

    def __truediv__(self, b):
        return Mul.apply(self, Inv.apply(b))

    def __rtruediv__(self, b):
        return Mul.apply(b, Inv.apply(self))

    def __pow__(self, b):
        return Pow.apply(self, b)

    def __rpow__(self, b):
        return Pow.apply(b, self)

    def __neg__(self):
        return Neg.apply(self)

    def log(self):
        return Log.apply(self)

    def exp(self):
        return Exp.apply(self)

    def sigmoid(self):
        return Sigmoid.apply(self)

    def relu(self):
        return ReLU.apply(self)

    def sin(self):
        return Sin.apply(self)

    def cos(self):
        return Cos.apply(self)

    def tan(self):
        return Tan.apply(self)

    def tanh(self):
        return Tanh.apply(self)

    def sqrt(self):
        return Sqrt.apply(self)


class ScalarFunction:
    @classmethod
    def apply(cls, *vals):
        raw = [v.data if isinstance(v, Scalar) else float(v) for v in vals]
        ctx = Context()
        c = cls.forward(ctx, *raw)
        return Scalar(c, History(cls, ctx, vals))


class Add(ScalarFunction):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, d):
        return d, d


class Mul(ScalarFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, d):
        a, b = ctx.saved_values
        return b * d, a * d


class Inv(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return 1.0 / a

    @staticmethod
    def backward(ctx, d):
        (a,) = ctx.saved_values
        return -d / a**2


class Neg(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, d):
        return -d


class Pow(ScalarFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a**b

    @staticmethod
    def backward(ctx, d):
        a, b = ctx.saved_values
        db = a**b * math.log(a) if a > 0 else 0.0
        return d * b * a ** (b - 1), d * db


class Log(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return math.log(a + EPS)

    @staticmethod
    def backward(ctx, d):
        (a,) = ctx.saved_values
        return d / (a + EPS)


class Exp(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        out = math.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, d):
        (out,) = ctx.saved_values
        return d * out


class Sigmoid(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, d):
        (s,) = ctx.saved_values
        return d * s * (1 - s)


class ReLU(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a if a > 0 else 0.0

    @staticmethod
    def backward(ctx, d):
        (a,) = ctx.saved_values
        return d if a > 0 else 0.0


def _unary(name, f, df):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return f(a)

    def backward(ctx, d):
        (a,) = ctx.saved_values
        return d * df(a)

    return type(
        name,
        (ScalarFunction,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )


Sin = _unary("Sin", math.sin, math.cos)
Cos = _unary("Cos", math.cos, lambda a: -math.sin(a))
Tan = _unary("Tan", math.tan, lambda a: 1 / math.cos(a) ** 2)
Tanh = _unary("Tanh", math.tanh, lambda a: 1 - math.tanh(a) ** 2)
Sqrt = _unary("Sqrt", math.sqrt, lambda a: 0.5 / math.sqrt(a))


def topological_sort(variable):
    order, seen = [], set()

    def visit(v):
        if v.unique_id in seen or v.is_leaf():
            return
        seen.add(v.unique_id)
        for parent in v.history.inputs:
            if isinstance(parent, Scalar):
                visit(parent)
        order.append(v)

    visit(variable)
    return []  # BUG: the order is built, but what is returned is empty


def backpropagate(variable, deriv):
    if variable.is_leaf():
        variable.accumulate_derivative(deriv)
        return
    derivatives = {variable.unique_id: deriv}
    for node in topological_sort(variable):
        d = derivatives.pop(node.unique_id, 0.0)
        for parent, g in node.chain_rule(d):
            if parent.is_leaf():
                parent.accumulate_derivative(g)
            else:
                derivatives[parent.unique_id] = derivatives.get(parent.unique_id, 0.0) + g
