"""The worker's side of functional engines: ``grad(f)`` and ``jvp(f, xs, vs)``.

Loaded with ``worker.py`` through ``forward_jobs`` (standard library only, nothing from
chaingrade); what it needs of the worker (``call_op``, ``BuildError``, ``describe``,
``kind_of``, ``number``) is handed in as ``w``.

A functional engine is not given dual numbers or nodes: the grader hands its transform
(the API's ``leaf``) each case as a Python function of the case's inputs, built with the
engine's own ops (``sin(x)`` from the module, ``x * y`` on whatever the transform passes
in). The API's ``transform`` says how it is called:

* ``grad``: ``grad(f)(x, y)`` gives every partial (one number for a function of one input);
* ``grad_argnum``: ``grad(f, i)(x, y)`` gives the partial in argument ``i`` (autograd's);
* ``jvp``: ``jvp(f, (x, y), (dx, dy))`` gives ``(value, tangent)``.

A job's point is the inputs' values (``jvp``: then their tangents). The outcome has a
composition job's shape, one number per node, None where the transform shows nothing:
``values`` holds the output's value alone (for ``grad``, ``f`` called on the plain
numbers, or None when the engine's ops do not take plain numbers: then it is not
checked); ``grads`` holds, for ``grad``, each input's partial at that input (as a
reverse pass leaves d(out)/d(input) there), for ``jvp`` the output's tangent at the
output.
"""

import inspect
from collections.abc import Callable
from typing import Any

#: What a transform is called, tried in this order by ``--api auto``.
TRANSFORMS = ("jvp", "grad")


def function_of(module, steps, w):
    """The case as ``f(*inputs)``, each op called as the API says (``plan_of``'s steps);
    numbers stay plain numbers, as a student writes them."""

    def f(*inputs):
        nodes = list(inputs)
        for op, call, name, sources in steps:
            args = [nodes[i] if i is not None else float(c) for i, c in sources]
            nodes.append(w.call_op(module, op, call=call, name=name, args=args))
        return nodes[-1]

    return f


def run_one(module, api, plan, point, w):
    """The case (``plan``) handed to the transform at one point: its outcome (see the
    module docstring)."""
    found = getattr(module, api["leaf"], None)
    if not callable(found):
        raise w.BuildError("missing", None, f"the submission has no {api['leaf']}()")
    transform: Callable[..., Any] = found
    steps = plan[0]
    f = function_of(module, steps, w)
    shape = api["transform"]
    if shape == "jvp":
        xs, vs = tuple(point[: len(point) // 2]), tuple(point[len(point) // 2 :])
        value, tangent = _called(w, api, lambda: _pair(transform(f, xs, vs)))
        return _outcome(len(xs), len(steps), w.number(value), tangents=[w.number(tangent)])
    if shape == "grad":
        partials = _called(w, api, lambda: _partials(transform(f)(*point), len(point)))
    else:
        partials = _called(w, api, lambda: [transform(f, i)(*point) for i in range(len(point))])
    value = _plain_value(f, point, w)
    return _outcome(len(point), len(steps), value, partials=[w.number(p) for p in partials])


def _outcome(inputs, ops, value, *, partials=(), tangents=()):
    """One number per node (see the module docstring): the partials at the inputs, the
    value and the tangent at the output."""
    size = inputs + ops
    grads = list(partials) + [None] * (size - len(partials) - len(tangents)) + list(tangents)
    return {"values": [None] * (size - 1) + [value], "grads": grads}


def _called(w, api, call):
    """``call()``, what it raised said as the API calls it; an op's own error (raised in
    ``f``, naming the op) passes through."""
    try:
        return call()
    except w.BuildError:
        raise
    except BaseException as exc:  # student code: anything, KeyboardInterrupt included
        message = f"{_written(api)} raised " + w.describe(exc)
        raise w.BuildError(w.kind_of(exc), None, message) from None


def _written(api):
    return {
        "grad": f"{api['leaf']}(f)(...)",
        "grad_argnum": f"{api['leaf']}(f, i)(...)",
        "jvp": f"{api['leaf']}(f, xs, vs)",
    }[api["transform"]]


def _pair(result):
    """``jvp``'s ``(value, tangent)``; ValueError for anything else."""
    if isinstance(result, (str, bytes)) or len(result) != 2:
        raise ValueError(f"gave {type(result).__name__}, not a pair (value, tangent)")
    value, tangent = result
    return value, tangent


#: Said when grad(f) gives one number for a function of several inputs: most likely the
#: engine's grad is autograd's, one partial per call.
_ONE_PARTIAL = (
    " (if your grad gives one partial, grad(f, i) as autograd's does, its API is "
    "--api autograd; --api auto finds it)"
)


def _partials(result, inputs):
    """``grad(f)``'s partials as a list: a sequence of one per input, or one number for a
    function of one input."""
    if inputs == 1 and not isinstance(result, (tuple, list)):
        return [result]
    if not isinstance(result, (tuple, list)) or len(result) != inputs:
        size = len(result) if isinstance(result, (tuple, list)) else "not a sequence"
        one = "" if isinstance(result, (tuple, list)) else _ONE_PARTIAL
        raise ValueError(
            f"gave {type(result).__name__} ({size}): a function of {inputs} inputs needs a "
            f"tuple or list of {inputs} partials{one}"
        )
    return list(result)


def _plain_value(f, point, w):
    """``f`` on plain numbers, or None when the engine's ops do not take them (never a
    fault: ``grad`` gives no value, so the value is checked only where it can be)."""
    try:
        value = w.number(f(*point))
    except BaseException:
        return None
    return value if type(value) is float else None


# --- --api auto -------------------------------------------------------------------------


def detect(module, w):
    """The API fields of a functional engine (a module-level ``jvp`` or ``grad`` that is a
    function, not a class), found by how it is called, never by its numbers; None when
    there is none. ``grad``'s shape is told by what ``grad(f)`` gives for ``f(x, y) = x``
    (no op of the engine's is used): two numbers for every partial, one for autograd's
    ``grad(f, argnum=0)``."""
    for name in TRANSFORMS:
        transform = getattr(module, name, None)
        if inspect.isfunction(transform) or inspect.ismethod(transform):
            break
    else:
        return None
    fields = {"leaf": name, "transform": name, "unary": "function"}
    if name == "grad":
        try:
            got = transform(lambda x, y: x)(0.5, 0.25)
        except BaseException:
            got = None
        every = isinstance(got, (tuple, list)) and len(got) == 2
        fields["transform"] = "grad" if every or not _takes_argnum(transform) else "grad_argnum"
    return fields


def _takes_argnum(transform):
    try:
        return len(inspect.signature(transform).parameters) >= 2
    except (TypeError, ValueError):
        return False
