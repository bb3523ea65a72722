"""The array op catalog: one declarative record per op of the ``tensor`` kind.

Elementwise ops are the scalar catalog's (``graders.model.ops``: forward, MyGrad counterpart,
domain, image of an interval), applied to arrays; binary ones broadcast. The rest are
the ops array engines add: reductions (``sum``, ``mean``, ``max`` with ``axis`` and
``keepdims``), shape ops (``reshape``, ``transpose``, ``broadcast_to``) and ``matmul``
(batched, with broadcast batch dimensions).

A record says how the op's output shape follows from its arguments' (``shape``), its
NumPy forward (also run on complex arrays by the complex-step oracle), its MyGrad
counterpart, and its vector-Jacobian product *before* any broadcast argument is summed
back (``full_vjp``): the diagnosis compares a student's gradient with that as well, to
tell a gradient that was never unbroadcast from one that is wrong.

Parameters (``params``) are plain JSON: ``axis`` (a list of axes, or None for all) and
``keepdims`` for reductions, or ``single`` (the reduced axes become one of side 1, last:
minitorch's ``x.sum()`` has shape ``(1,)`` whatever ``x``'s), ``shape`` for
``reshape``/``broadcast_to``, ``axes`` (a permutation) for ``transpose``, ``exponent`` for
``pow``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from graders.model import ops as scalar

ShapeRule = Literal["elementwise", "reduction", "shape", "matmul"]
Shape = tuple[int, ...]

#: Elementwise ops of the scalar catalog that array compositions use.
ELEMENTWISE_UNARY = ("neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt")
ELEMENTWISE_BINARY = ("add", "sub", "mul", "div")


@dataclass(frozen=True, kw_only=True)
class TensorOp:
    """One array op. ``arity`` counts array arguments (``pow``'s exponent is a param)."""

    name: str
    #: How the op maps its arguments' shapes to its output's (not the assignment kind).
    shape_rule: ShapeRule
    arity: int
    arg_names: tuple[str, ...]
    #: ``shape(arg_shapes, params)``: the output's shape.
    shape: Callable[[Sequence[Shape], dict], Shape]
    #: ``forward(arrays, params)``: NumPy, real or complex.
    forward: Callable[[Sequence[np.ndarray], dict], np.ndarray]
    #: ``reference(tensors, params)``: MyGrad.
    reference: Callable[[Sequence, dict], object]
    #: ``full_vjp(arrays, params, G)``: each argument's gradient for an upstream ``G``,
    #: before summing over the axes its broadcast added (shape: the broadcast one).
    full_vjp: Callable[[Sequence[np.ndarray], dict, np.ndarray], list[np.ndarray]]
    #: The rule a report shows, per argument.
    rules: tuple[str, ...]
    analytic: bool = True
    #: The scalar catalog record (elementwise ops), for domains and images.
    scalar: str | None = None
    #: Params a student calls the op with, in the order they are written.
    param_names: tuple[str, ...] = field(default_factory=tuple)

    def vjp(self, arrays, params, upstream) -> list[np.ndarray]:
        """Each argument's gradient for the upstream gradient ``upstream``."""
        return [
            unbroadcast(g, np.shape(a))
            for g, a in zip(self.full_vjp(arrays, params, upstream), arrays)
        ]


# --- broadcasting --------------------------------------------------------------------------


def broadcast_axes(full: Shape, shape: Shape) -> tuple[int, ...]:
    """The axes of ``full`` a broadcast from ``shape`` added or stretched: what a gradient
    of shape ``full`` must be summed over to get back to ``shape``."""
    lead = len(full) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and full[lead + i] != 1
    )


def unbroadcast(gradient: np.ndarray, shape: Shape) -> np.ndarray:
    """``gradient`` summed over the axes a broadcast to its shape from ``shape`` added."""
    gradient = np.asarray(gradient)
    axes = broadcast_axes(gradient.shape, tuple(shape))
    return np.sum(gradient, axis=axes).reshape(shape) if axes else gradient.reshape(shape)


def _broadcast_shape(shapes, params) -> Shape:
    return tuple(np.broadcast_shapes(*shapes))


# --- elementwise ---------------------------------------------------------------------------


def _elementwise(name: str) -> TensorOp:
    op = scalar.get(name)
    derivative = _DERIVATIVES[name]
    return TensorOp(
        name=name,
        shape_rule="elementwise",
        arity=op.arity,
        arg_names=op.arg_names,
        shape=_broadcast_shape,
        forward=lambda arrays, params, f=op.forward: f(*arrays),
        reference=lambda tensors, params, f=op.mygrad: scalar_mygrad(f)(*tensors),
        full_vjp=lambda arrays, params, g, d=derivative: [
            np.broadcast_to(g * d(*arrays)[i], np.broadcast_shapes(*map(np.shape, arrays)))
            for i in range(len(arrays))
        ],
        rules=tuple(r.replace("{a}", "a").replace("{b}", "b") for r in op.rules),
        analytic=op.analytic,
        scalar=name,
    )


def _mg():
    """MyGrad, imported when a reference is computed (this catalog is read by light code,
    the API description among it)."""
    import mygrad

    return mygrad


def scalar_mygrad(path: str):
    from graders.model.oracles import mygrad_function

    return mygrad_function(path)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


#: Local derivatives, per argument, of the elementwise ops.
_DERIVATIVES: dict[str, Callable] = {
    "add": lambda a, b: (np.ones_like(a + b), np.ones_like(a + b)),
    "sub": lambda a, b: (np.ones_like(a + b), -np.ones_like(a + b)),
    "mul": lambda a, b: (b + 0 * a, a + 0 * b),
    "div": lambda a, b: (1 / b + 0 * a, -a / b**2),
    "neg": lambda a: (-np.ones_like(a),),
    "exp": lambda a: (np.exp(a),),
    "log": lambda a: (1 / a,),
    "sin": lambda a: (np.cos(a),),
    "cos": lambda a: (-np.sin(a),),
    "tanh": lambda a: (1 - np.tanh(a) ** 2,),
    "sigmoid": lambda a: (_sigmoid(a) * (1 - _sigmoid(a)),),
    "sqrt": lambda a: (0.5 / np.sqrt(a),),
}


def _power() -> TensorOp:
    return TensorOp(
        name="pow",
        shape_rule="elementwise",
        arity=1,
        arg_names=("base",),
        shape=lambda shapes, params: tuple(shapes[0]),
        forward=lambda arrays, params: arrays[0] ** params["exponent"],
        reference=lambda tensors, params: _mg().power(tensors[0], float(params["exponent"])),
        full_vjp=lambda arrays, params, g: [
            g * params["exponent"] * arrays[0] ** (params["exponent"] - 1)
        ],
        rules=("d/da a**c = c*a**(c - 1)",),
        scalar="pow",
        param_names=("exponent",),
    )


# --- reductions ----------------------------------------------------------------------------


def reduced_axes(ndim: int, params: dict) -> tuple[int, ...]:
    """The axes a reduction removes (all of them for ``axis=None``)."""
    axis = params.get("axis")
    return tuple(range(ndim)) if axis is None else tuple(sorted(a % ndim for a in axis))


def _axis(params: dict):
    return None if params.get("axis") is None else tuple(params["axis"])


def _reduced_shape(shapes, params) -> Shape:
    (shape,) = shapes
    axes = reduced_axes(len(shape), params)
    if params.get("single"):
        return (*(n for i, n in enumerate(shape) if i not in axes), 1)
    if params.get("keepdims"):
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def expand(upstream: np.ndarray, shape: Shape, params: dict) -> np.ndarray:
    """A reduction's upstream gradient put back along the reduced axes, broadcast to the
    argument's ``shape``: the reshape every reduction's backward starts with."""
    axes = reduced_axes(len(shape), params)
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return np.broadcast_to(np.reshape(upstream, kept), shape)


def reduced_count(shape: Shape, params: dict) -> int:
    """How many elements each output of a reduction summarises (``mean``'s N)."""
    return int(np.prod([shape[i] for i in reduced_axes(len(shape), params)], dtype=int))


def _max_mask(a: np.ndarray, params: dict) -> np.ndarray:
    """1 where an element is the maximum along the reduced axes (inputs have no ties)."""
    axis = reduced_axes(a.ndim, params)
    top = np.max(np.real(a), axis=axis, keepdims=True)
    return (np.real(a) == top).astype(float)


def _reduction(name, forward, reference, vjp, rule) -> TensorOp:
    # A ``single`` result is the reduction's, reshaped: its axes then one of side 1.
    def single_forward(arrays, params):
        out = forward(arrays, params)
        if not params.get("single"):
            return out
        return np.reshape(out, _reduced_shape([np.shape(arrays[0])], params))

    def single_reference(tensors, params):
        out = reference(tensors, params)
        if not params.get("single"):
            return out
        return _mg().reshape(out, _reduced_shape([tensors[0].shape], params))

    return TensorOp(
        name=name,
        shape_rule="reduction",
        arity=1,
        arg_names=("a",),
        shape=_reduced_shape,
        forward=single_forward,
        reference=single_reference,
        full_vjp=vjp,
        rules=(rule,),
        analytic=name != "max",
        param_names=("axis", "keepdims", "single"),
    )


def _keep(params) -> bool:
    """Whether NumPy keeps the reduced axes (a ``single`` result is reshaped after)."""
    return bool(params.get("keepdims")) and not params.get("single")


# --- shape ops -----------------------------------------------------------------------------


def inverse_permutation(axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(axes))


# --- matmul --------------------------------------------------------------------------------


def _matmul_shape(shapes, params) -> Shape:
    a, b = shapes
    batch = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
    return (*batch, a[-2], b[-1])


def _matmul_vjp(arrays, params, g):
    a, b = arrays
    return [g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g]


CATALOG: dict[str, TensorOp] = {
    op.name: op
    for op in [
        *(_elementwise(name) for name in ELEMENTWISE_BINARY + ELEMENTWISE_UNARY),
        _power(),
        _reduction(
            "sum",
            lambda arrays, p: np.sum(arrays[0], axis=_axis(p), keepdims=_keep(p)),
            lambda tensors, p: _mg().sum(tensors[0], axis=_axis(p), keepdims=_keep(p)),
            lambda arrays, p, g: [expand(g, arrays[0].shape, p) + 0 * arrays[0]],
            "d/da sum(a) = 1 for every summed element: out_grad broadcast back",
        ),
        _reduction(
            "mean",
            lambda arrays, p: np.mean(arrays[0], axis=_axis(p), keepdims=_keep(p)),
            lambda tensors, p: _mg().mean(tensors[0], axis=_axis(p), keepdims=_keep(p)),
            lambda arrays, p, g: [
                expand(g, arrays[0].shape, p) / reduced_count(arrays[0].shape, p) + 0 * arrays[0]
            ],
            "d/da mean(a) = 1/N for every averaged element: out_grad / N broadcast back",
        ),
        _reduction(
            "max",
            lambda arrays, p: np.max(arrays[0], axis=_axis(p), keepdims=_keep(p)),
            lambda tensors, p: _mg().amax(tensors[0], axis=_axis(p), keepdims=_keep(p)),
            lambda arrays, p, g: [expand(g, arrays[0].shape, p) * _max_mask(arrays[0], p)],
            "d/da max(a) = 1 at the maximum, 0 elsewhere: out_grad goes to the maximum only",
        ),
        TensorOp(
            name="reshape",
            shape_rule="shape",
            arity=1,
            arg_names=("a",),
            shape=lambda shapes, p: tuple(p["shape"]),
            forward=lambda arrays, p: np.reshape(arrays[0], tuple(p["shape"])),
            reference=lambda tensors, p: _mg().reshape(tensors[0], tuple(p["shape"])),
            full_vjp=lambda arrays, p, g: [np.reshape(g, np.shape(arrays[0]))],
            rules=("the gradient of reshape(a, shape) is out_grad reshaped back to a's shape",),
            param_names=("shape",),
        ),
        TensorOp(
            name="transpose",
            shape_rule="shape",
            arity=1,
            arg_names=("a",),
            shape=lambda shapes, p: tuple(shapes[0][i] for i in p["axes"]),
            forward=lambda arrays, p: np.transpose(arrays[0], tuple(p["axes"])),
            reference=lambda tensors, p: _mg().transpose(tensors[0], *p["axes"]),
            full_vjp=lambda arrays, p, g: [np.transpose(g, inverse_permutation(p["axes"]))],
            rules=(
                "the gradient of transpose(a, axes) is out_grad transposed by the inverse "
                "permutation (argsort(axes))",
            ),
            param_names=("axes",),
        ),
        TensorOp(
            name="broadcast_to",
            shape_rule="shape",
            arity=1,
            arg_names=("a",),
            shape=lambda shapes, p: tuple(p["shape"]),
            forward=lambda arrays, p: np.broadcast_to(arrays[0], tuple(p["shape"])),
            reference=lambda tensors, p: _mg().broadcast_to(tensors[0], tuple(p["shape"])),
            full_vjp=lambda arrays, p, g: [np.asarray(g)],
            rules=(
                "the gradient of broadcast_to(a, shape) is out_grad summed over the axes the "
                "broadcast added or stretched",
            ),
            param_names=("shape",),
        ),
        TensorOp(
            name="matmul",
            shape_rule="matmul",
            arity=2,
            arg_names=("a", "b"),
            shape=_matmul_shape,
            forward=lambda arrays, p: np.matmul(*arrays),
            reference=lambda tensors, p: _mg().matmul(*tensors),
            full_vjp=_matmul_vjp,
            rules=("d/da (a @ b) = out_grad @ b.T", "d/db (a @ b) = a.T @ out_grad"),
        ),
    ]
}

ALL_OPS: tuple[str, ...] = tuple(CATALOG)


def get(name: str) -> TensorOp:
    """The record for ``name``, with an error that lists the valid names."""
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError(
            f"unknown array op {name!r}; the tensor kind knows: {', '.join(ALL_OPS)}"
        ) from None
