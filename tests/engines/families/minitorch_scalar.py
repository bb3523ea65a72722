"""Correct: a minitorch Module 1 engine in one file (API preset ``minitorch``).

The shape of the course's ``operators.py``, ``autodiff.py``, ``scalar_functions.py`` and
``scalar.py``: ``ScalarFunction`` subclasses with static ``forward``/``backward`` on plain
floats and a ``Context`` that saves values for the backward pass; ``Scalar`` with a
``ScalarHistory``; ``backpropagate`` over ``topological_sort`` with the derivatives of
intermediates kept in a dict keyed by ``unique_id``, so only leaves get ``.derivative``
(``accumulate_derivative``), and intermediates' ``derivative`` stays None. The template's
epsilon guard in ``log`` and ``log_back`` is kept. Beyond Module 1: ``sub`` and ``div`` built
from ``Neg`` and ``Inv`` as the course does, and ``Pow``, ``Sqrt``, ``Sin``, ``Cos``, ``Tan``,
``Tanh`` written the same way.
"""

# Written as the course's code is (typing.Tuple, % formatting, a shared default history).
# ruff: noqa: UP006, UP031, UP035, UP037, UP045, B008

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence, Tuple, Type, Union

# The course's autodiff.py takes Protocol from typing_extensions, which (on Python < 3.13)
# patches typing so that every later ``Union[...]``/``Tuple[...]`` reads a frame of typing's.
from typing_extensions import Protocol

# --- operators.py ---------------------------------------------------------------------

EPS = 1e-6


def mul(x: float, y: float) -> float:
    return x * y


def add(x: float, y: float) -> float:
    return x + y


def neg(x: float) -> float:
    return -x


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def relu(x: float) -> float:
    return x if x > 0 else 0.0


def log(x: float) -> float:
    return math.log(x + EPS)


def exp(x: float) -> float:
    return math.exp(x)


def log_back(x: float, d: float) -> float:
    return d / (x + EPS)


def inv(x: float) -> float:
    return 1.0 / x


def inv_back(x: float, d: float) -> float:
    return -(1.0 / x**2) * d


def relu_back(x: float, d: float) -> float:
    return d if x > 0 else 0.0


# --- autodiff.py ----------------------------------------------------------------------


class Variable(Protocol):
    def accumulate_derivative(self, x: Any) -> None: ...

    @property
    def unique_id(self) -> int: ...


@dataclass
class Context:
    """Context class is used by ``ScalarFunction`` to store information during the forward pass."""

    no_grad: bool = False
    saved_values: Tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self) -> Tuple[Any, ...]:
        return self.saved_values


def topological_sort(variable: "Scalar") -> Iterable["Scalar"]:
    """Computes the topological order of the computation graph, output first."""
    order: list = []
    seen = set()

    def visit(var: "Scalar") -> None:
        if var.unique_id in seen or var.is_constant():
            return
        if not var.is_leaf():
            for m in var.parents:
                if not m.is_constant():
                    visit(m)
        seen.add(var.unique_id)
        order.insert(0, var)

    visit(variable)
    return order


def backpropagate(variable: "Scalar", deriv: Any) -> None:
    """Runs backpropagation on the computation graph in order to compute derivatives for
    the leaf nodes."""
    queue = topological_sort(variable)
    derivatives = {}
    derivatives[variable.unique_id] = deriv
    for var in queue:
        deriv = derivatives[var.unique_id]
        if var.is_leaf():
            var.accumulate_derivative(deriv)
        else:
            for v, d in var.chain_rule(deriv):
                if v.is_constant():
                    continue
                derivatives.setdefault(v.unique_id, 0.0)
                derivatives[v.unique_id] = derivatives[v.unique_id] + d


# --- scalar_functions.py --------------------------------------------------------------


def wrap_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    return (x,)


class ScalarFunction:
    """A wrapper for a mathematical function that processes and produces Scalar variables."""

    @classmethod
    def _backward(cls, ctx: Context, d_out: float) -> Tuple[float, ...]:
        return wrap_tuple(cls.backward(ctx, d_out))  # type: ignore

    @classmethod
    def _forward(cls, ctx: Context, *inps: float) -> float:
        return cls.forward(ctx, *inps)  # type: ignore

    @classmethod
    def apply(cls, *vals: "ScalarLike") -> "Scalar":
        raw_vals = []
        scalars = []
        for v in vals:
            if isinstance(v, Scalar):
                scalars.append(v)
                raw_vals.append(v.data)
            else:
                scalars.append(Scalar(v))
                raw_vals.append(v)

        # Create the context.
        ctx = Context(False)

        # Call forward with the variables.
        c = cls._forward(ctx, *raw_vals)
        assert isinstance(c, float), "Expected return type float got %s" % (type(c))

        # Create a new variable from the result with a new history.
        back = ScalarHistory(cls, ctx, scalars)
        return Scalar(c, back)


class Add(ScalarFunction):
    """Addition function $f(x, y) = x + y$"""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return float(a + b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, ...]:
        return d_output, d_output


class Log(ScalarFunction):
    """Log function $f(x) = log(x)$"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return log(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return log_back(a, d_output)


class Mul(ScalarFunction):
    """Multiplication function"""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        ctx.save_for_backward(a, b)
        return float(mul(a, b))

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        a, b = ctx.saved_values
        return b * d_output, a * d_output


class Inv(ScalarFunction):
    """Inverse function"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return inv(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return inv_back(a, d_output)


class Neg(ScalarFunction):
    """Negation function"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        return float(neg(a))

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        return -d_output


class Sigmoid(ScalarFunction):
    """Sigmoid function"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        out = sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (sigma,) = ctx.saved_values
        return sigma * (1.0 - sigma) * d_output


class ReLU(ScalarFunction):
    """ReLU function"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return float(relu(a))

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return relu_back(a, d_output)


class Exp(ScalarFunction):
    """Exp function"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        out = exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (out,) = ctx.saved_values
        return out * d_output


class Pow(ScalarFunction):
    """Power function $f(x, y) = x ^ y$"""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        out = float(a**b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        a, b, out = ctx.saved_values
        d_a = b * a ** (b - 1) * d_output
        # log(a) only exists for a > 0; a number exponent (x ** 3) needs no derivative
        d_b = out * math.log(a) * d_output if a > 0 else 0.0
        return d_a, d_b


class Sqrt(ScalarFunction):
    """Square root $f(x) = \\sqrt{x}$"""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        out = math.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (out,) = ctx.saved_values
        return d_output / (2.0 * out)


class Sin(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return math.sin(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return math.cos(a) * d_output


class Cos(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return math.cos(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return -math.sin(a) * d_output


class Tan(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return math.tan(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return d_output / math.cos(a) ** 2


class Tanh(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        out = math.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (out,) = ctx.saved_values
        return (1.0 - out * out) * d_output


# --- scalar.py ------------------------------------------------------------------------

ScalarLike = Union[float, int, "Scalar"]


@dataclass
class ScalarHistory:
    """``ScalarHistory`` stores the history of ``Function`` operations that was used to
    construct the current Variable."""

    last_fn: Optional[Type[ScalarFunction]] = None
    ctx: Optional[Context] = None
    inputs: Sequence["Scalar"] = ()


_var_count = 0


class Scalar:
    """A reimplementation of scalar values for autodifferentiation tracking."""

    history: Optional[ScalarHistory]
    derivative: Optional[float]
    data: float
    unique_id: int
    name: str

    def __init__(
        self,
        v: float,
        back: ScalarHistory = ScalarHistory(),
        name: Optional[str] = None,
    ):
        global _var_count
        _var_count += 1
        self.unique_id = _var_count
        self.data = float(v)
        self.history = back
        self.derivative = None
        if name is not None:
            self.name = name
        else:
            self.name = str(self.unique_id)

    def __repr__(self) -> str:
        return "Scalar(%f)" % self.data

    def __mul__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, b)

    def __truediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, Inv.apply(b))

    def __rtruediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(b, Inv.apply(self))

    def __add__(self, b: ScalarLike) -> Scalar:
        return Add.apply(self, b)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __sub__(self, b: ScalarLike) -> Scalar:
        return Add.apply(self, Neg.apply(b))

    def __rsub__(self, b: ScalarLike) -> Scalar:
        return Add.apply(b, Neg.apply(self))

    def __neg__(self) -> Scalar:
        return Neg.apply(self)

    def __radd__(self, b: ScalarLike) -> Scalar:
        return self + b

    def __rmul__(self, b: ScalarLike) -> Scalar:
        return self * b

    def __pow__(self, b: ScalarLike) -> Scalar:
        return Pow.apply(self, b)

    def __rpow__(self, b: ScalarLike) -> Scalar:
        return Pow.apply(b, self)

    def log(self) -> Scalar:
        return Log.apply(self)

    def exp(self) -> Scalar:
        return Exp.apply(self)

    def sigmoid(self) -> Scalar:
        return Sigmoid.apply(self)

    def relu(self) -> Scalar:
        return ReLU.apply(self)

    def sqrt(self) -> Scalar:
        return Sqrt.apply(self)

    def sin(self) -> Scalar:
        return Sin.apply(self)

    def cos(self) -> Scalar:
        return Cos.apply(self)

    def tan(self) -> Scalar:
        return Tan.apply(self)

    def tanh(self) -> Scalar:
        return Tanh.apply(self)

    # Variable elements for backprop

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to the derivative accumulated on this variable. Should only be called
        during autodifferentiation on leaf variables."""
        assert self.is_leaf(), "Only leaf variables can have derivatives."
        if self.derivative is None:
            self.derivative = 0.0
        self.derivative += x

    def is_leaf(self) -> bool:
        """True if this variable created by the user (no ``last_fn``)"""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        return self.history is None

    @property
    def parents(self) -> Iterable["Scalar"]:
        assert self.history is not None
        return self.history.inputs

    def chain_rule(self, d_output: Any) -> Iterable[Tuple["Scalar", Any]]:
        h = self.history
        assert h is not None
        assert h.last_fn is not None
        assert h.ctx is not None

        x = h.last_fn._backward(h.ctx, d_output)
        assert len(x) == len(h.inputs), f"Bug in function {h.last_fn}"
        return [(inp, d_inp) for inp, d_inp in zip(h.inputs, x) if not inp.is_constant()]

    def backward(self, d_output: Optional[float] = None) -> None:
        """Calls autodiff to fill in the derivatives for the history of this object.

        Args:
            d_output (number, opt): starting derivative to backpropagate through the model
                                   (typically left out, and assumed to be 1.0).
        """
        if d_output is None:
            d_output = 1.0
        backpropagate(self, d_output)
